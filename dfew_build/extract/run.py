"""``dfew-build extract`` as a library call: movies in, clips and a summary out.

:func:`extract_movies` checks everything that would fail every movie alike (the output folder,
ffmpeg, the face detector's weights, the store, the report path) once, before any work, and
raises ``UserError`` for it. Problems with one movie become that movie's one-line message; the
other movies carry on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

from dfew_build.errors import UserError
from dfew_build.extract.catalog import foreign_clips
from dfew_build.extract.config import ExtractConfig
from dfew_build.extract.movie import MovieResult
from dfew_build.extract.probe import MovieError, probe_movie
from dfew_build.extract.run_report import check_report_path, print_summary, write_report
from dfew_build.extract.shots import SHOT_DETECTORS
from dfew_build.extract.tools import check_ffmpeg, ffmpeg_exe
from dfew_build.extract.workers import run_movies
from dfew_build.faces import get_detector
from dfew_build.progress import counting_progress
from dfew_build.store.engine import open_store

VIDEO_SUFFIXES = frozenset(
    (".mp4", ".m4v", ".mkv", ".avi", ".mov", ".webm", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts")
    + (".wmv", ".flv", ".vob", ".ogv", ".3gp")
)


@dataclass
class RunSummary:
    """The results of a run, in input order, and its wall time in seconds."""

    results: list[MovieResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[MovieResult]:
        """The movies that failed."""
        return [r for r in self.results if r.status == "failed"]


def expand_inputs(inputs: Sequence[Path], out_dir: Path) -> list[Path]:
    """Return the movie files named by ``inputs``: files as given, folders searched recursively.

    In folders only files with a video suffix count, hidden files and anything inside
    ``out_dir`` are left out, and each file appears once. Raises ``UserError`` for a path that
    does not exist and when nothing is found.
    """
    found: dict[Path, None] = {}
    out = out_dir.resolve()
    for item in inputs:
        if item.is_dir():
            for path in sorted(item.rglob("*")):
                resolved = path.resolve()
                if (
                    path.is_file()
                    and path.suffix.lower() in VIDEO_SUFFIXES
                    and not any(part.startswith(".") for part in path.relative_to(item).parts)
                    and out not in resolved.parents
                ):
                    found.setdefault(resolved)
        elif item.exists():
            found.setdefault(item.resolve())
        else:
            raise UserError(f"{item} does not exist — give movie files or folders holding them")
    if not found:
        raise UserError(
            f"no movie files in {', '.join(map(str, inputs))} — expected suffixes such as "
            ".mp4, .mkv, .avi, .mov"
        )
    return list(found)


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` if needed; raise ``UserError`` when it cannot be created or written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create output folder {out_dir} ({exc.strerror}) — pick another --out, "
            "a folder you may write to"
        ) from exc
    probe = out_dir / f".dfew-write-test.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"output folder {out_dir} is not writable ({exc.strerror}) — fix its permissions "
            "or pick another --out"
        ) from exc


def check_config(config: ExtractConfig) -> None:
    """Raise ``UserError`` for settings that cannot work (lengths, quota, workers, detectors)."""
    window = config.window
    if window.min_len <= 0 or window.max_len < window.min_len:
        raise UserError(
            f"--min-len {window.min_len:g} / --max-len {window.max_len:g}: need "
            "0 < min-len ≤ max-len (seconds)"
        )
    if config.quota is not None and config.quota < 1:
        raise UserError(f"--quota {config.quota} is too small — use 1 or more")
    if config.workers < 1:
        raise UserError(f"--workers {config.workers} is too small — use 1 or more")
    if config.shot_detector not in SHOT_DETECTORS:
        raise UserError(
            f"unknown shot detector {config.shot_detector!r} — choose {', '.join(SHOT_DETECTORS)}"
        )
    if not 0 < config.scan.face_fps <= 30:
        raise UserError(f"--face-fps {config.scan.face_fps:g} must lie in (0, 30]")


def _estimate_frames(path: Path) -> int:
    try:
        return max(1, probe_movie(path).frames_estimate)
    except MovieError:
        return 1


def extract_movies(
    inputs: Sequence[Path], url: str, config: ExtractConfig, console: Console
) -> RunSummary:
    """Extract candidate clips from every movie named by ``inputs`` into ``config.out_dir``.

    Shows one progress bar (frames decoded over all movies), prints one line per movie and a
    summary table, writes ``config.report`` if set, and returns the results. Raises
    ``UserError`` before any work for problems that would fail every movie.
    """
    check_config(config)
    check_report_path(config.report)
    prepare_out_dir(config.out_dir)
    movies = expand_inputs(inputs, config.out_dir)
    check_ffmpeg(ffmpeg_exe())
    get_detector(config.face_detector)  # fails now, once, if its weights are missing
    store = open_store(url)  # fails now if there is no store
    quota = store.settings().quota
    foreign = foreign_clips(store, config.out_dir)
    store.dispose()
    if foreign:
        raise UserError(
            f"--out {config.out_dir} holds {len(foreign)} clip file(s) this store did not record "
            f"(e.g. {foreign[0].name}), perhaps another campaign's — give each store its own "
            "clip folder"
        )
    if config.quota is not None and config.quota > quota:
        console.print(
            f"note: --quota {config.quota} is above the store's quota of {quota}, which the "
            f"database enforces; using {quota} (raise it with `dfew-build init --quota "
            f"{config.quota}`)"
        )

    started = time.perf_counter()
    estimates = [_estimate_frames(path) for path in movies]
    results: list[MovieResult | None] = [None] * len(movies)
    done_frames = [0] * len(movies)
    with counting_progress(console, "frames") as progress:
        noun = "movie" if len(movies) == 1 else "movies"
        bar = progress.add_task(f"extracting {len(movies)} {noun}", total=sum(estimates))

        def on_progress(index: int, frames: int) -> None:
            step = max(0, min(frames, estimates[index] - done_frames[index]))
            done_frames[index] += step
            progress.advance(bar, step)

        def on_result(index: int, result: MovieResult) -> None:
            progress.advance(bar, max(0, estimates[index] - done_frames[index]))
            done_frames[index] = estimates[index]
            results[index] = result
            style = {"done": "green", "skipped": "yellow", "failed": "red"}[result.status]
            progress.console.print(
                Text.assemble(
                    (result.status, style), f" {Path(result.path).name}: {result.message}"
                ),
                highlight=False,
                soft_wrap=True,  # one line per movie, whatever the terminal's width
            )

        run_movies(movies, url, config, on_progress, on_result)
    summary = RunSummary([r for r in results if r is not None], time.perf_counter() - started)
    print_summary(console, summary.results, summary.seconds)
    if config.report is not None:
        write_report(config.report, summary.results, config.settings_record())
        console.print(f"report written to {config.report}")
    return summary
