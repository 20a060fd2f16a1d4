"""``release``: the store's annotated clips as a dataset in DFEW's own layout, under one root."""

from __future__ import annotations

import argparse

from rich.console import Console

from dfew_build.cluster import task_limit
from dfew_build.faces.registry import DEFAULT_DETECTOR, available_detectors
from dfew_build.options import (
    DEFAULT_THRESHOLD,
    SEED,
    THRESHOLD,
    WORKERS,
    add_ray_option,
    bounded_int,
    finite_float,
    output_dir,
)

# OpenCV, PyAV and the release modules load only when the command runs.


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``release`` subcommand."""
    parser = commands.add_parser(
        "release", help="write the dataset in DFEW's layout: clips, faces, labels, splits"
    )
    parser.add_argument(
        "--out",
        type=output_dir("release folder"),
        required=True,
        metavar="DIR",
        help="release root",
    )
    parser.add_argument(
        "--threshold",
        type=THRESHOLD,
        default=DEFAULT_THRESHOLD,
        help=f"a clip is labelled k when votes_k > r [{DEFAULT_THRESHOLD}]",
    )
    folds = parser.add_mutually_exclusive_group()
    folds.add_argument(
        "--folds", type=bounded_int(2, 100), default=5, help="cross-validation folds [5]"
    )
    folds.add_argument(
        "--release-folds", action="store_true", help="keep the folds of an imported release"
    )
    parser.add_argument("--seed", type=SEED, default=0, help="seed of the folds [0]")
    parser.add_argument(
        "--size", type=bounded_int(16, 4096, "pixels"), default=224, help="aligned face side [224]"
    )
    parser.add_argument(
        "--frames", type=bounded_int(1, 1024), default=16, help="resampled frames per clip [16]"
    )
    parser.add_argument(
        "--detector",
        choices=available_detectors(),
        default=DEFAULT_DETECTOR,
        help=f"face detector, one of: {', '.join(available_detectors())} [{DEFAULT_DETECTOR}]",
    )
    parser.add_argument(
        "--detect-width",
        type=bounded_int(32, 8192, "pixels"),
        default=640,
        help="frames are shrunk to this width (pixels) for detection [640]",
    )
    parser.add_argument(
        "--min-face-ratio",
        type=finite_float(0, 1, low_open=True),
        default=0.5,
        help="a clip with the face on fewer of its frames gets no frames and no split [0.5]",
    )
    parser.add_argument("--workers", type=WORKERS, help="clips at once (default: CPU count)")
    add_ray_option(parser, "clips")
    parser.set_defaults(handler=run_release)


def run_release(args: argparse.Namespace, console: Console) -> None:
    """Write (or finish) the release and print what it holds and where it is."""
    from dfew_build.progress import counting_progress
    from dfew_build.release.build import ReleaseProgress, build_release
    from dfew_build.release.config import ReleaseConfig

    config = ReleaseConfig(
        out_dir=args.out,
        threshold=args.threshold,
        folds=args.folds,
        seed=args.seed,
        release_folds=args.release_folds,
        size=args.size,
        frames=args.frames,
        detector=args.detector,
        detect_width=args.detect_width,
        min_face_ratio=args.min_face_ratio,
        workers=task_limit(args.workers, args.ray),
        ray=args.ray,
    )
    with counting_progress(console, "clips") as bar:
        task = bar.add_task("release: faces and frames", total=None)

        def clip(name: str, status: str, reason: str) -> None:
            if status != "kept":
                bar.console.print(f"{status} {name}: {reason}", markup=False, highlight=False)
            bar.advance(task)

        progress = ReleaseProgress(
            start=lambda total: bar.update(task, total=total),
            clip=clip,
            step=lambda text: bar.console.print(text, markup=False, highlight=False),
        )
        summary = build_release(config, args.url, progress)
    lines = [
        f"{summary.clips:,} clips: {summary.with_frames:,} with frames, "
        f"{summary.without_frames:,} without (dropped.csv); {summary.in_splits:,} in the split "
        f"files"
        + (
            f", {summary.outside_folds:,} single-labelled clips in no published fold"
            if summary.outside_folds
            else ""
        ),
        f"clip files: {summary.linked:,} hard-linked, {summary.copied:,} copied; "
        f"{summary.done_earlier:,} clips done by an earlier, interrupted run",
        f"release written to {summary.root}",
        f"train on it with: dfew-train --data {summary.root} --fold 1",
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)
