"""``dfew-build extract`` as a library call: movies in, clips and a summary out.

:func:`extract_movies` checks everything that would fail every movie alike (the output folder,
ffmpeg, the face detector's weights, the store, the report path) once, before any work, and
raises ``UserError`` for it. Problems with one movie become that movie's one-line message; the
other movies carry on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dfew_build.errors import UserError
from dfew_build.extract.catalog import foreign_clips
from dfew_build.extract.config import ExtractConfig
from dfew_build.extract.movie import MovieResult
from dfew_build.extract.probe import MovieError, probe_movie
from dfew_build.extract.run_report import check_report_path, write_report
from dfew_build.extract.shots import SHOT_DETECTORS
from dfew_build.extract.tools import check_ffmpeg, ffmpeg_exe
from dfew_build.extract.workers import run_movies
from dfew_build.faces import get_detector
from dfew_build.files import VIDEO_SUFFIXES, prepare_out_dir
from dfew_build.store.engine import open_store


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


def _nothing(*_args: object) -> None:
    """The default of every :class:`ExtractListener` callback."""


@dataclass
class ExtractListener:
    """How :func:`extract_movies` reports while it runs; each callback defaults to nothing.

    ``started(movies, frames)``: the run begins (``frames`` is the estimated number of frames
    to decode over all movies); ``frames(n)``: ``n`` more frames decoded (with ``--ray``, a
    movie's remaining estimate when it finishes); ``movie(result)``: a movie finished (done,
    skipped or failed); ``note(line)``: one line of advice for the user.
    """

    started: Callable[[int, int], None] = _nothing
    frames: Callable[[int], None] = _nothing
    movie: Callable[[MovieResult], None] = _nothing
    note: Callable[[str], None] = _nothing


def extract_movies(
    inputs: Sequence[Path],
    url: str,
    config: ExtractConfig,
    listener: ExtractListener | None = None,
) -> RunSummary:
    """Extract candidate clips from every movie named by ``inputs`` into ``config.out_dir``.

    Reports progress (frames decoded over all movies) and each movie's result to ``listener``,
    writes ``config.report`` if set, and returns the results (in input order) and the wall time
    in seconds. Raises ``UserError`` before any work for problems that would fail every movie,
    and when a Ray node cannot run its tasks.
    """
    listener = listener or ExtractListener()
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
        listener.note(
            f"note: --quota {config.quota} is above the store's quota of {quota}, which the "
            f"database enforces; using {quota} (raise it with `dfew-build init --quota "
            f"{config.quota}`)"
        )

    started = time.perf_counter()
    estimates = [_estimate_frames(path) for path in movies]
    results: list[MovieResult | None] = [None] * len(movies)
    done_frames = [0] * len(movies)
    listener.started(len(movies), sum(estimates))

    def on_progress(index: int, frames: int) -> None:
        step = max(0, min(frames, estimates[index] - done_frames[index]))
        done_frames[index] += step
        listener.frames(step)

    def on_result(index: int, result: MovieResult) -> None:
        listener.frames(max(0, estimates[index] - done_frames[index]))
        done_frames[index] = estimates[index]
        results[index] = result
        listener.movie(result)

    run_movies(movies, url, config, on_progress, on_result)
    summary = RunSummary([r for r in results if r is not None], time.perf_counter() - started)
    if config.report is not None:
        write_report(config.report, summary.results, config.settings_record())
    return summary
