"""Benchmark training for DFEW-style datasets: shards, splits, models, losses, metrics, engine.

Importing the package is cheap: ``training.shards`` and ``training.splits`` need numpy only, so
the preprocessing step can write shards without importing torch.
"""
