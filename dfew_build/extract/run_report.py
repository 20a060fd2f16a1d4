"""The end of a run: the summary table (the command prints it) and the JSON or CSV report."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from analysis.atomic import atomic_write_bytes
from analysis.durations import BUCKETS
from dfew_build.errors import UserError
from dfew_build.extract.movie import MovieResult

REPORT_SUFFIXES = (".json", ".csv")
_CSV_MOVIE = ("movie", "title", "movie_status", "message", "content_hash", "duration_s", "fps")
_CSV_CANDIDATE = (
    "start_frame",
    "end_frame",
    "start_s",
    "end_s",
    "bucket",
    "shot",
    "face_ratio",
    "face_score",
    "face_height",
    "quality",
    "outcome",
    "clip",
)


def check_report_path(path: Path | None) -> None:
    """Raise ``UserError`` unless ``path`` is None or a writable ``.json`` / ``.csv`` file."""
    if path is None:
        return
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise UserError(f"--report {path}: name a .json or .csv file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UserError(f"--report {path}: folder {folder} does not exist or is not writable")


def summary_table(results: Sequence[MovieResult], seconds: float) -> Table:
    """Return a one-row table: movies done, skipped, failed, and clips cut per duration bucket."""
    table = Table(title=f"extraction summary ({seconds:.1f} s)")
    for column in ("movies", "done", "skipped", "failed", *BUCKETS, "clips"):
        table.add_column(column, justify="right")
    per_bucket = {b: sum(r.clips_per_bucket()[b] for r in results) for b in BUCKETS}
    table.add_row(
        str(len(results)),
        str(sum(r.status == "done" for r in results)),
        str(sum(r.status == "skipped" for r in results)),
        str(sum(r.status == "failed" for r in results)),
        *(str(per_bucket[b]) for b in BUCKETS),
        str(sum(per_bucket.values())),
    )
    return table


def write_report(path: Path, results: Sequence[MovieResult], settings: dict[str, Any]) -> Path:
    """Write the run's findings to ``path`` (JSON or CSV by suffix); return ``path``.

    JSON holds the settings and, per movie, its outcome, shots, candidates and clips. CSV holds one
    row per candidate (a movie without candidates gets one row with its message). The file is
    written under a temporary name and renamed, so a reader never sees half a report.
    """
    if path.suffix.lower() == ".json":
        payload = {"settings": settings, "movies": [vars(r) for r in results]}
        text = json.dumps(payload, indent=1, default=str)
    else:
        buffer = io.StringIO(newline="")
        writer = csv.DictWriter(buffer, fieldnames=[*_CSV_MOVIE, *_CSV_CANDIDATE])
        writer.writeheader()
        for result in results:
            movie = {
                "movie": result.path,
                "title": result.title,
                "movie_status": result.status,
                "message": result.message,
                "content_hash": result.content_hash,
                "duration_s": result.duration_s,
                "fps": result.fps,
            }
            if not result.candidates:
                writer.writerow(movie)
            for candidate in result.candidates:
                writer.writerow({**movie, **{k: candidate.get(k) for k in _CSV_CANDIDATE}})
        text = buffer.getvalue()
    return atomic_write_bytes(path, text.encode("utf-8"))
