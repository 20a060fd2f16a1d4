"""``preprocess``: aligned 16-frame face tensors in shards, ready for ``dfew-train``."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.text import Text

from dfew_build.cluster import task_limit
from dfew_build.faces.registry import DEFAULT_DETECTOR, available_detectors
from dfew_build.options import (
    WORKERS,
    add_ray_option,
    bounded_int,
    existing_dir,
    finite_float,
    output_dir,
)
from dfew_build.progress import counting_progress

# OpenCV, PyAV and the preprocessing modules load only when the command runs.


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``preprocess`` subcommand."""
    parser = commands.add_parser(
        "preprocess", help="detect, align and resample faces of labelled clips into shards"
    )
    parser.add_argument(
        "--labels",
        type=existing_dir("label folder"),
        required=True,
        metavar="EXPORT_DIR",
        help="label export folder",
    )
    parser.add_argument(
        "--out",
        type=output_dir("shard folder"),
        required=True,
        metavar="DATA_DIR",
        help="shard folder",
    )
    parser.add_argument(
        "--clips",
        type=existing_dir("clip folder"),
        metavar="DIR",
        help="folder of clip files named <clip>.mp4 … (default: the files the store records)",
    )
    parser.add_argument(
        "--frames", type=bounded_int(1, 1024), default=16, help="frames per clip [16]"
    )
    parser.add_argument(
        "--size",
        type=bounded_int(16, 1024, "pixels"),
        default=112,
        help="aligned face side, pixels [112]",
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
        help="frames are shrunk to this width (pixels) for detection; alignment uses the full "
        "frame [640]",
    )
    parser.add_argument(
        "--min-face-ratio",
        type=finite_float(0, 1),
        default=0.5,
        help="drop a clip when fewer of its frames show the face [0.5]",
    )
    parser.add_argument("--workers", type=WORKERS, help="clips at once (default: CPU count)")
    add_ray_option(parser, "clips")
    parser.add_argument(
        "--jpeg", action="store_true", help="also write DATA_DIR/jpeg/<clip>/<clip>_00001.jpg …"
    )
    parser.set_defaults(handler=run_preprocess)


def run_preprocess(args: argparse.Namespace, console: Console) -> None:
    """Run the preprocessing and print the summary line and where the outputs went."""
    from dfew_build.preprocess.run import PreprocessConfig, PreprocessListener, preprocess

    config = PreprocessConfig(
        labels_dir=args.labels,
        out_dir=args.out,
        clips_dir=args.clips,
        frames=args.frames,
        size=args.size,
        detector=args.detector,
        detect_width=args.detect_width,
        min_face_ratio=args.min_face_ratio,
        workers=task_limit(args.workers, args.ray),
        jpeg=args.jpeg,
        ray=args.ray,
    )
    with counting_progress(console, "clips") as progress:
        bar = None

        def started(clips: int, detector: str) -> None:
            nonlocal bar
            bar = progress.add_task(f"preprocessing with {detector}", total=clips)

        def clip(name: str, status: str, reason: str) -> None:
            if status != "kept":
                style = "yellow" if status == "dropped" else "red"
                progress.console.print(
                    Text.assemble((status, style), f" {name}: {reason}"), highlight=False
                )
            progress.advance(bar)

        summary = preprocess(config, args.url, PreprocessListener(started, clip))
    console.print(summary.line(), highlight=False)
    console.print(f"report: {summary.report}", highlight=False)
    if summary.sheet is not None:
        console.print(f"contact sheet: {summary.sheet}", highlight=False)
