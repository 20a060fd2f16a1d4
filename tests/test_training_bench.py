"""The training and loader benchmarks run on a CPU with tiny settings (smoke runs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_bench_train_times_both_settings_from_shards(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_train")
    argv = ["--device", "cpu", "--models", "resnet18_lstm", "--frames", "4", "--size", "16"]
    bench.main([*argv, "--shards", "16", "--steps", "1", "--warmup", "1"])
    out = capsys.readouterr().out
    assert "e2e paper" in out and "e2e fast" in out and "fp32 on CPU" in out
    assert any(line.startswith("resnet18_lstm") for line in out.splitlines())


def test_bench_loader_compares_like_with_like(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("bench_loader")
    bench.main(["--clips", "32", "--frames", "4", "--size", "16", "--batch", "8", "--workers", "1"])
    out = capsys.readouterr().out
    for workers in (0, 1, 2):
        assert f"{workers:2d} workers: per clip + collate" in out
