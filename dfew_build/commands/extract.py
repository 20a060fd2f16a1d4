"""``extract``, ``add-clip``, ``import-clips``, ``quota``: clips from movies, within the quota."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analysis.durations import BUCKETS
from dfew_build.cluster import task_limit
from dfew_build.errors import UserError
from dfew_build.extract.config import (
    SHOT_DETECTORS,
    EncodeSettings,
    ExtractConfig,
    ScanSettings,
    WindowSettings,
)
from dfew_build.faces.registry import DEFAULT_DETECTOR, available_detectors
from dfew_build.options import (
    WORKERS,
    add_ray_option,
    bounded_int,
    emotion,
    existing_dir,
    existing_file,
    existing_path,
    finite_float,
    name,
    output_dir,
    output_file,
    time_of_day,
)
from dfew_build.progress import counting_progress
from dfew_build.store.engine import open_store
from dfew_build.store.models import PERSON_NAME_LENGTH

# x264's presets, fastest first (ffmpeg -h encoder=libx264).
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
    "placebo",
)
MOVIE = existing_file("movie")
CLIP_FOLDER = output_dir("clip folder")
SECONDS = finite_float(0.1, 3600, "seconds")

# The video libraries (OpenCV, PyAV, PySceneDetect) load only when an extract command runs.


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``extract``, ``add-clip``, ``import-clips`` and ``quota`` subcommands."""
    _register_extract(commands)

    add = commands.add_parser("add-clip", help="cut a clip of a movie by hand (within the quota)")
    add.add_argument("movie", type=MOVIE, help="the movie file")
    add.add_argument("--start", type=time_of_day, required=True, help="seconds or [HH:]MM:SS(.s)")
    add.add_argument("--end", type=time_of_day, required=True, help="seconds or [HH:]MM:SS(.s)")
    add.add_argument("--out", type=CLIP_FOLDER, required=True, help="clips folder")
    _add_person_options(add)
    add.set_defaults(handler=run_add_clip)

    imported = commands.add_parser(
        "import-clips", help="add clips cut elsewhere from one movie (within the quota)"
    )
    imported.add_argument("dir", type=existing_dir("clip folder"), help="folder of clip files")
    imported.add_argument("--movie", type=MOVIE, required=True, help="the movie they come from")
    imported.add_argument(
        "--out", type=CLIP_FOLDER, required=True, help="clips folder (files copied)"
    )
    _add_person_options(imported)
    imported.set_defaults(handler=run_import_clips)

    quota = commands.add_parser("quota", help="show each movie's use of its clip quota")
    quota.set_defaults(handler=run_quota)


def _register_extract(commands: argparse._SubParsersAction) -> None:
    window, scan = WindowSettings(), ScanSettings()
    extract = commands.add_parser(
        "extract", help="propose candidate clips from whole movies (at most the quota per movie)"
    )
    extract.add_argument(
        "inputs", nargs="+", type=existing_path("movie or folder"), metavar="MOVIE_OR_DIR"
    )
    extract.add_argument("--out", type=CLIP_FOLDER, required=True, help="folder for the clip files")
    extract.add_argument(
        "--quota",
        type=bounded_int(1, 10_000),
        help="most clips per movie (default and maximum: the store's quota)",
    )
    extract.add_argument("--min-len", type=SECONDS, default=window.min_len, help="seconds")
    extract.add_argument("--max-len", type=SECONDS, default=window.max_len, help="seconds")
    extract.add_argument("--workers", type=WORKERS, help="movies at once (default: CPU count)")
    extract.add_argument(
        "--detector", choices=SHOT_DETECTORS, default="adaptive", help="shot detector"
    )
    extract.add_argument(
        "--face-detector",
        choices=available_detectors(),
        default=DEFAULT_DETECTOR,
        help=f"one of: {', '.join(available_detectors())}",
    )
    extract.add_argument(
        "--face-fps",
        type=finite_float(0, 30, "checks per second", low_open=True),
        default=scan.face_fps,
        help="face checks per second of movie",
    )
    extract.add_argument(
        "--face-width",
        type=bounded_int(32, 4096, "pixels"),
        default=scan.face_width,
        help="pixels; face-check frame width",
    )
    extract.add_argument(
        "--min-face-ratio",
        type=finite_float(0, 1, low_open=True),
        default=window.min_face_ratio,
        help="share of sampled frames that must show a face",
    )
    extract.add_argument(
        "--preset", choices=X264_PRESETS, default=EncodeSettings().preset, help="x264 preset"
    )
    extract.add_argument("--force", action="store_true", help="redo movies already done")
    add_ray_option(extract, "movies")
    extract.add_argument(
        "--report",
        type=output_file("report", (".json", ".csv")),
        help="write findings to this .json or .csv",
    )
    extract.set_defaults(handler=run_extract)


def _add_person_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--extractor",
        type=name("extractor name", PERSON_NAME_LENGTH),
        default=_login(),
        help="who cut it (default: you)",
    )
    parser.add_argument(
        "--emotion", type=emotion, help="suggested emotion: 1..7 or a name (Happy … Fear)"
    )


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "manual"


def run_extract(args: argparse.Namespace, console: Console) -> None:
    """Run the extraction; exit non-zero (one line) when any movie failed."""

    config = ExtractConfig(
        out_dir=args.out,
        quota=args.quota,
        window=WindowSettings(
            min_len=args.min_len, max_len=args.max_len, min_face_ratio=args.min_face_ratio
        ),
        scan=ScanSettings(face_fps=args.face_fps, face_width=args.face_width),
        shot_detector=args.detector,
        face_detector=args.face_detector,
        encode=EncodeSettings(preset=args.preset),
        workers=task_limit(args.workers, args.ray),
        force=args.force,
        report=args.report,
        ray=args.ray,
    )
    summary = _extract_with_progress(args.inputs, args.url, config, console)
    failed = summary.failed
    if failed:
        raise UserError(
            f"{len(failed)} of {len(summary.results)} movies failed (see the lines above) — "
            "fix them and run again; finished movies are skipped"
        )


def _extract_with_progress(inputs, url: str, config, console: Console):
    """Run :func:`extract_movies` under one progress bar (frames decoded over all movies), one
    line per movie, then the summary table; return its summary."""
    from dfew_build.extract.run import ExtractListener, extract_movies
    from dfew_build.extract.run_report import summary_table

    with counting_progress(console, "frames") as progress:
        bar = None

        def started(movies: int, frames: int) -> None:
            nonlocal bar
            noun = "movie" if movies == 1 else "movies"
            bar = progress.add_task(f"extracting {movies} {noun}", total=frames)

        def movie(result) -> None:
            style = {"done": "green", "skipped": "yellow", "failed": "red"}[result.status]
            progress.console.print(
                Text.assemble(
                    (result.status, style), f" {Path(result.path).name}: {result.message}"
                ),
                highlight=False,
                soft_wrap=True,  # one line per movie, whatever the terminal's width
            )

        listener = ExtractListener(
            started=started,
            frames=lambda n: progress.advance(bar, n),
            movie=movie,
            note=lambda line: progress.console.print(line, highlight=False, soft_wrap=True),
        )
        summary = extract_movies(inputs, url, config, listener)
    console.print(summary_table(summary.results, summary.seconds))
    if config.report is not None:
        console.print(f"report written to {config.report}", highlight=False)
    return summary


def run_add_clip(args: argparse.Namespace, console: Console) -> None:
    """Cut one clip by hand and print where it went."""
    from dfew_build.extract.manual import add_clip

    store = open_store(args.url)
    added = add_clip(
        store, args.movie, args.start, args.end, args.out, args.extractor, args.emotion
    )
    console.print(
        f"added clip {added.name} ({added.start_s:.3f}–{added.end_s:.3f} s, {added.bucket}) "
        f"at {added.path}",
        highlight=False,
    )


def run_import_clips(args: argparse.Namespace, console: Console) -> None:
    """Import a folder of clips of one movie; exit non-zero when any clip was refused."""
    from dfew_build.extract.manual import import_clips

    store = open_store(args.url)
    result = import_clips(store, args.dir, args.movie, args.out, args.extractor, args.emotion)
    for clip in result.imported:
        where = "position unknown" if clip.start_s is None else f"{clip.start_s:.3f} s"
        console.print(f"imported {clip.name} ({clip.bucket}, {where})", highlight=False)
    for path, reason in result.refused:
        console.print(Text.assemble(("refused", "red"), f" {path.name}: {reason}"), highlight=False)
    console.print(
        f"{len(result.imported)} clips imported, {len(result.refused)} refused, "
        f"{len(result.unlocated)} not found in the movie (imported without position)"
    )
    if result.refused:
        raise UserError(f"{len(result.refused)} clips were not imported (reasons above)")


def run_quota(args: argparse.Namespace, console: Console) -> None:
    """Print each movie's quota use."""
    from dfew_build.extract.catalog import quota_rows

    store = open_store(args.url)
    quota = store.settings().quota
    table = Table(title=f"clips per movie (quota {quota} non-rejected clips)")
    for column in ("id", "movie", "used", "auto", "manual", *BUCKETS, "rejected", "extract"):
        table.add_column(column, justify="left" if column == "movie" else "right")
    for row in quota_rows(store):
        used = f"{row.live}/{quota}"
        table.add_row(
            str(row.movie_id),
            row.title,
            Text(used, style="bold" if row.live >= quota else ""),
            str(row.auto),
            str(row.manual),
            *(str(row.buckets.get(b, 0)) for b in BUCKETS),
            str(row.rejected),
            row.extract_status or "–",
        )
    console.print(table)
