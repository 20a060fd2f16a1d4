"""``dfew-build preprocess`` as a library call: a label export in, aligned face shards out.

:func:`preprocess` checks everything that would fail every clip alike (the settings, the label
export, the clip files' source, the detector's weights, an existing data folder of another
shape) once, before any work, and raises ``UserError`` for it. A problem with one clip becomes
that clip's line in the report; the other clips carry on.

The data folder gets ``index.csv`` and ``shard-NNNNN.npy`` (the format of
:mod:`training.shards`, which ``dfew-train`` reads), ``preprocess_report.csv`` (one row per clip
of the label export: kept, dropped, failed, unknown, or done by an earlier run),
``contact_sheet.png``, ``EmoLabel_DataSplit/`` (the export's folds with only the clips in the
shards, so ``dfew-train --data DATA_DIR`` needs no ``--splits``) and, with ``jpeg``,
``jpeg/<clip>/<clip>_00001.jpg`` ….
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.atomic import atomic_write_bytes
from dfew_build.errors import UserError
from dfew_build.faces import DEFAULT_DETECTOR, get_detector
from dfew_build.files import prepare_out_dir
from dfew_build.preprocess.clip import (
    DROPPED,
    FAILED,
    KEPT,
    UNKNOWN,
    ClipJob,
    ClipOutcome,
    ClipSettings,
)
from dfew_build.preprocess.inputs import LabelledClip, clip_files, plan_jobs, read_labels
from dfew_build.preprocess.sheet import write_contact_sheet
from dfew_build.preprocess.workers import run_clips
from training.errors import ShardFormatError
from training.shards import ShardWriter
from training.splits import SplitClip, split_files

REPORT_NAME = "preprocess_report.csv"
SHEET_NAME = "contact_sheet.png"
JPEG_FOLDER = "jpeg"
DONE = "done"  # status of a clip finished by an earlier run
REPORT_COLUMNS = (
    "clip",
    "label",
    "fold",
    "status",
    "reason",
    "frames_decoded",
    "frames_with_face",
    "face_ratio",
    "source_hash",
)


@dataclass(frozen=True)
class PreprocessConfig:
    """Settings of one run: folders, clip shape, detector and its input width, the face-ratio
    rule, worker processes (or Ray tasks at once), whether to write JPEGs, and the Ray
    cluster's address to run on; see ``dfew-build preprocess --help``."""

    labels_dir: Path
    out_dir: Path
    clips_dir: Path | None = None
    frames: int = 16
    size: int = 112
    detector: str = DEFAULT_DETECTOR
    detect_width: int = 640
    min_face_ratio: float = 0.5
    workers: int = 1
    jpeg: bool = False
    sheet_clips: int = 8
    ray: str | None = None

    def clip_settings(self) -> ClipSettings:
        """Return the per-clip settings the workers get."""
        jpeg_dir = self.out_dir / JPEG_FOLDER if self.jpeg else None
        return ClipSettings(self.frames, self.size, self.min_face_ratio, jpeg_dir)


@dataclass
class PreprocessSummary:
    """Counts of one run (clips by status), the report's, contact sheet's and kept clips'
    split files' paths, seconds."""

    counts: dict[str, int] = field(default_factory=dict)
    report: Path | None = None
    sheet: Path | None = None
    splits: list[Path] = field(default_factory=list)
    frames_decoded: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """Return the one-line summary printed at the end of a run."""
        get = self.counts.get
        return (
            f"{sum(self.counts.values())} clips: {get(KEPT, 0)} kept, {get(DONE, 0)} kept "
            f"earlier, {get(DROPPED, 0)} dropped (too few face frames), {get(FAILED, 0)} failed, "
            f"{get(UNKNOWN, 0)} unknown; {self.frames_decoded} frames in {self.seconds:.1f} s"
        )


def check_config(config: PreprocessConfig) -> None:
    """Raise ``UserError`` for settings that cannot work."""
    if config.frames < 1:
        raise UserError(f"--frames {config.frames} is too small — use 1 or more (DFEW: 16)")
    if config.size < 16:
        raise UserError(f"--size {config.size} is too small — use 112 or 224 as DFEW does")
    if not 0.0 < config.min_face_ratio <= 1.0:
        raise UserError(f"--min-face-ratio {config.min_face_ratio:g} must lie in (0, 1]")
    if config.workers < 1:
        raise UserError(f"--workers {config.workers} is too small — use 1 or more")
    if config.detect_width < 32:
        raise UserError(f"--detect-width {config.detect_width} is too small — use 32 or more")


def _nothing(*_args: object) -> None:
    """The default of every :class:`PreprocessListener` callback."""


@dataclass
class PreprocessListener:
    """How :func:`preprocess` reports while it runs; each callback defaults to nothing.

    ``started(clips, detector)``: the clips to do and the detector's name; ``clip(name, status,
    reason)``: one clip finished (``kept``, ``dropped`` or ``failed``).
    """

    started: Callable[[int, str], None] = _nothing
    clip: Callable[[str, str, str], None] = _nothing


def preprocess(
    config: PreprocessConfig, url: str, listener: PreprocessListener | None = None
) -> PreprocessSummary:
    """Preprocess every clip of ``config.labels_dir`` into shards in ``config.out_dir``.

    Clips already in the folder's index are skipped (a rerun does the rest). Reports each clip
    to ``listener``, writes the report and contact sheet, and returns the summary. Raises
    ``UserError`` before any work for problems that would fail every clip, and after writing
    what was finished when a worker process dies or a Ray node cannot run its tasks.
    """
    listener = listener or PreprocessListener()
    check_config(config)
    labelled = read_labels(config.labels_dir)
    jobs, unknown = plan_jobs(labelled, clip_files(url, config.clips_dir, config.labels_dir))
    if not jobs:
        where = f"in {config.clips_dir}" if config.clips_dir else "recorded in the store"
        raise UserError(
            f"none of the {len(labelled)} clips of {config.labels_dir} has a file {where} — "
            "pass --clips the folder of clip files (named <clip>.mp4 …) or the store they are in"
        )
    options = {"input_width": config.detect_width}
    detector = get_detector(config.detector, **options)  # fails now if its weights are missing
    prepare_out_dir(config.out_dir)
    started = time.perf_counter()
    summary = PreprocessSummary()
    unknown_reason = _unknown_reason(config)
    rows: list[dict[str, object]] = [_row(item, UNKNOWN, unknown_reason) for item in unknown]
    try:
        writer = ShardWriter(
            config.out_dir, frames=config.frames, size=config.size, extra_columns=("fold",)
        )
    except ShardFormatError as exc:
        raise UserError(str(exc)) from exc
    done = writer.done_clips()
    rows += [
        _row(job, DONE, "in the shards from an earlier run") for job in jobs if job.clip in done
    ]
    todo = [job for job in jobs if job.clip not in done]
    provenance = {"detector": detector.name, "detector_version": detector.version}

    try:
        with writer:
            listener.started(len(todo), detector.name)

            def on_outcome(job: ClipJob, outcome: ClipOutcome) -> None:
                if outcome.status == KEPT and outcome.tensor is not None:
                    fold = {} if job.fold is None else {"fold": job.fold}
                    writer.add(
                        job.clip,
                        job.label,
                        outcome.tensor,
                        face_ratio=outcome.face_ratio,
                        source_hash=outcome.source_hash,
                        **provenance,
                        **fold,
                    )
                rows.append(_row(job, outcome.status, outcome.reason, outcome))
                summary.frames_decoded += outcome.frames_decoded
                listener.clip(job.clip, outcome.status, outcome.reason)

            run_clips(
                todo,
                detector,
                options,
                config.clip_settings(),
                config.workers,
                on_outcome,
                config.ray,
            )
    except OSError as exc:
        raise UserError(
            f"cannot write into {config.out_dir} ({exc}) — free space or fix permissions, then "
            "run again (finished shards are kept)"
        ) from exc
    finally:
        summary.seconds = time.perf_counter() - started
        summary.report = _write_report(config.out_dir / REPORT_NAME, rows)
        for row in rows:
            status = str(row["status"])
            summary.counts[status] = summary.counts.get(status, 0) + 1
    summary.splits = write_kept_splits(config.out_dir, labelled, writer.done_clips())
    summary.sheet = write_contact_sheet(
        config.out_dir, config.out_dir / SHEET_NAME, config.sheet_clips
    )
    return summary


def write_kept_splits(
    out_dir: Path, labelled: list[LabelledClip], kept: frozenset[str]
) -> list[Path]:
    """Write the label export's folds restricted to the clips in the shards into
    ``out_dir/EmoLabel_DataSplit/`` (each file atomically); return the paths written.

    Clips dropped for want of a face (or failed) are left out, as DFEW leaves them out of its
    splits, so ``dfew-train --data DATA_DIR`` trains and tests on exactly the clips it has; the
    export's number of folds is kept, even where a fold loses all its clips.
    Writes nothing when the export has no folds.
    """
    clips = [
        SplitClip(item.clip, item.label, item.fold)
        for item in labelled
        if item.clip in kept and item.label > 0 and item.fold is not None
    ]
    n_folds = max((item.fold for item in labelled if item.fold is not None), default=0)
    written = []
    for relative, text in split_files(clips, n_folds).items():
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        written.append(atomic_write_bytes(out_dir / relative, text.encode()))
    return written


def _unknown_reason(config: PreprocessConfig) -> str:
    where = f"no file for it in {config.clips_dir}" if config.clips_dir else "not in the store"
    return f"named by the label file but {where}"


def _row(
    item: ClipJob | LabelledClip, status: str, reason: str, outcome: ClipOutcome | None = None
) -> dict[str, object]:
    """Return one report row for a job or labelled clip and what became of it."""
    ratio = math.nan if outcome is None else outcome.face_ratio
    return {
        "clip": item.clip,
        "label": item.label,
        "fold": "" if item.fold is None else item.fold,
        "status": status,
        "reason": reason,
        "frames_decoded": "" if outcome is None else outcome.frames_decoded,
        "frames_with_face": "" if outcome is None else outcome.frames_with_face,
        "face_ratio": "" if math.isnan(ratio) else f"{ratio:.4f}",
        "source_hash": "" if outcome is None else outcome.source_hash,
    }


def _write_report(path: Path, rows: list[dict[str, object]]) -> Path:
    """Write the per-clip report (sorted by clip) atomically; return its path."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda row: str(row["clip"])))
    return atomic_write_bytes(path, text.getvalue().encode("utf-8"))
