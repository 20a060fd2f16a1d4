"""Benchmark of the analysis pass, from raw votes to the DFEW-format export.

Usage::

    python bench/bench_analysis.py [--clips 100000] [--repeats 3] [--seed 0]

Builds a seeded synthetic vote table (10 votes per clip, a hidden true emotion per clip with
DFEW-like class frequencies, each vote agreeing with it with probability 0.7, else uniform),
then times the whole pass (vote_counts → kappa_report with a 1,000-replicate bootstrap →
single_labels → duration_table → assign_folds → write_dfew_export) as the best of
``--repeats`` runs, and times our fleiss_kappa against statsmodels' on the same table in the
same run. Machines here are noisy: compare the ratio, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from analysis.agreement import fleiss_kappa, kappa_report
from analysis.durations import duration_table
from analysis.emotions import EMOTIONS
from analysis.export import assign_folds
from analysis.vote_counts import single_labels, vote_counts
from dfew_build.label_export import write_dfew_export

# Class frequencies of DFEW's single-labelled clips, rounded (Happy … Fear); they sum to 1.01
# as rounded, so they are normalised before use.
CLASS_SHARES = np.array([0.21, 0.16, 0.23, 0.19, 0.13, 0.01, 0.08])
TARGET_PASS_S = 2.0


def make_votes(
    n_clips: int, n_raters: int, seed: int, agree: float = 0.7, n_annotators: int = 40
) -> tuple[pd.DataFrame, pd.Series]:
    """Return a long vote table (clip, annotator, emotion) in arrival order, and durations (s)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(7, size=n_clips, p=CLASS_SHARES / CLASS_SHARES.sum()) + 1
    agrees = rng.random((n_clips, n_raters)) < agree
    emotions = np.where(agrees, truth[:, None], rng.integers(1, 8, (n_clips, n_raters)))
    names = np.array([f"{i + 1:06d}" for i in range(n_clips)], dtype=object)
    pool = np.array([f"annotator_{j:02d}" for j in range(n_annotators)], dtype=object)
    # Each clip's raters are n_raters consecutive annotators (mod the pool): all distinct.
    raters = (rng.integers(0, n_annotators, n_clips)[:, None] + np.arange(n_raters)) % n_annotators
    arrival = rng.permutation(n_clips * n_raters)
    votes = pd.DataFrame(
        {
            "clip": np.repeat(names, n_raters)[arrival],
            "annotator": pool[raters.ravel()][arrival],
            "emotion": emotions.ravel()[arrival],
        }
    )
    durations = pd.Series(rng.lognormal(np.log(3.0), 0.5, n_clips), index=names, name="duration")
    return votes, durations


def whole_pass(
    votes: pd.DataFrame, durations: pd.Series, out_dir: Path, n_raters: int
) -> dict[str, float]:
    """Run the analysis pass once; return each stage's wall time in seconds."""
    times: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[name] = now - start
        start = now

    counts = vote_counts(votes)
    lap("vote_counts")
    kappa_report(counts, n_raters=n_raters, n_boot=1000, seed=0)
    lap("kappa_report (bootstrap 1000)")
    labels = single_labels(counts, threshold=6, n_raters=n_raters)
    lap("single_labels")
    duration_table(labels, durations)
    lap("duration_table")
    folds = assign_folds(labels, n_folds=5, seed=0)
    lap("assign_folds")
    write_dfew_export(out_dir, counts, labels, folds)
    lap("write_dfew_export")
    return times


def best_time(function: Callable[[], object], repeats: int) -> float:
    """Return the smallest wall time of ``repeats`` calls, in seconds."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Parse the arguments, run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=100_000, help="clips (default 100000)")
    parser.add_argument("--raters", type=int, default=10, help="votes per clip (default 10)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the pass (best of)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic votes")
    args = parser.parse_args()

    votes, durations = make_votes(args.clips, args.raters, args.seed)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeats):
            runs.append(whole_pass(votes, durations, Path(tmp) / f"run{run}", args.raters))
    best_run = min(runs, key=lambda stages: sum(stages.values()))
    pass_s = sum(best_run.values())

    counts = vote_counts(votes)
    table = counts.to_numpy()
    ours = fleiss_kappa(table)
    theirs = statsmodels_fleiss_kappa(table, method="fleiss")
    kappa_repeats = 20
    ours_s = best_time(lambda: fleiss_kappa(table), kappa_repeats)
    theirs_s = best_time(lambda: statsmodels_fleiss_kappa(table, method="fleiss"), kappa_repeats)
    labels = single_labels(counts, threshold=6, n_raters=args.raters)

    print(
        f"data: {args.clips:,} clips × {args.raters} votes = {len(votes):,} vote rows; "
        f"kappa {ours:.4f} (statsmodels {theirs:.4f}, |diff| {abs(ours - theirs):.1e}); "
        f"{int((labels > 0).sum()):,} single-labelled at r = 6"
    )
    print(f"emotions: {', '.join(EMOTIONS)}; shares {CLASS_SHARES.tolist()} (normalised)")
    print()
    print(f"stages of the best of {args.repeats} passes:")
    for name, seconds in best_run.items():
        print(f"  {name:<32}{seconds:8.3f} s")
    print()
    rows = [
        (f"whole pass (best of {args.repeats})", f"{pass_s:.3f} s"),
        (f"our fleiss_kappa (best of {kappa_repeats})", f"{ours_s * 1e3:.3f} ms"),
        (f"statsmodels fleiss_kappa (best of {kappa_repeats})", f"{theirs_s * 1e3:.3f} ms"),
        ("ratio statsmodels / ours", f"{theirs_s / ours_s:.2f}×"),
    ]
    width = max(len(name) for name, _ in rows) + 2
    print(f"{'measure':<{width}}value")
    for name, value in rows:
        print(f"{name:<{width}}{value}")
    print()
    verdict = "met" if pass_s <= TARGET_PASS_S else "MISSED"
    kappa_verdict = "met" if ours_s <= theirs_s else "MISSED"
    print(f"target: whole pass <= {TARGET_PASS_S:g} s — {verdict}")
    print(f"target: our kappa not slower than statsmodels — {kappa_verdict}")


if __name__ == "__main__":
    main()
