"""The release's tables: annotation (xlsx and csv), split files, dropped clips, provenance.

Each file is written atomically and holds nothing that changes between runs (rows sorted by
release number, no timestamps, a fixed date inside the xlsx), so a rerun writes the same bytes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from analysis.atomic import atomic_write_bytes
from analysis.emotions import EMOTIONS
from training.splits import SPELLINGS, SPLIT_FOLDER, SplitClip, set_files, split_files, video_name

COUNT_COLUMNS = [f"{code}{name.lower()}" for code, name in enumerate(EMOTIONS, start=1)]
# The date written inside annotation.xlsx (its properties and zip entries): a constant keeps
# the file's bytes the same on every run.
FIXED_DATE = datetime(2020, 1, 1)
ANNOTATION_FOLDER = "Annotation"


@dataclass(frozen=True)
class ReleaseRow:
    """One annotated clip of the release: its number and store name, where it came from, its
    votes and label, and what preprocessing made of it.

    ``counts`` holds the seven vote counts in DFEW's order; ``label`` is 0 (not single-labelled)
    or 1..7; ``status`` is ``kept`` (frames written) or why not (``dropped``, ``failed``);
    ``face_ratio`` is the share (0..1) of decoded frames showing the face, NaN when unknown.
    """

    clip: str  # the release name, 00001 …
    name: str  # the store's clip name
    movie: str
    start_s: float | None
    end_s: float | None
    bucket: str
    source_hash: str
    counts: tuple[int, ...]
    label: int
    status: str
    reason: str
    face_ratio: float
    frames: int


def annotation_frame(rows: Sequence[ReleaseRow]) -> pd.DataFrame:
    """Return DFEW's annotation table: columns ``1happy … 7fear, order, label``, one row per
    clip in release order, ``order`` the integer release number."""
    table = pd.DataFrame([row.counts for row in rows], columns=COUNT_COLUMNS, dtype="int64")
    table["order"] = [int(row.clip) for row in rows]
    table["label"] = [row.label for row in rows]
    return table


def write_annotation(root: Path, rows: Sequence[ReleaseRow]) -> list[Path]:
    """Write ``Annotation/annotation.xlsx`` and ``annotation.csv``; return their paths."""
    folder = root / ANNOTATION_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    table = annotation_frame(rows)
    book = Workbook()
    sheet = book.active
    sheet.append(list(table.columns))
    for values in table.itertuples(index=False):
        sheet.append([int(value) for value in values])
    book.properties.created = FIXED_DATE
    buffer = io.BytesIO()
    book.save(buffer)
    csv_text = table.to_csv(index=False, lineterminator="\n")
    return [
        atomic_write_bytes(folder / "annotation.xlsx", _reproducible_xlsx(buffer.getvalue())),
        atomic_write_bytes(folder / "annotation.csv", csv_text.encode()),
    ]


def _reproducible_xlsx(data: bytes) -> bytes:
    """Return the xlsx archive ``data`` with every date in it set to FIXED_DATE: the zip
    entries' and the save time openpyxl writes into ``docProps/core.xml``."""
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, content)
    return out.getvalue()


def write_splits(root: Path, folds: pd.Series, labels: pd.Series) -> list[Path]:
    """Write ``EmoLabel_DataSplit/{train,test}(single-labeled)/set_K.csv`` for K = 1..max fold.

    ``folds`` (1..K) and ``labels`` (1..7) are indexed by release clip name (``00001`` …);
    test set K holds the clips of fold K, train set K the others. Returns the paths, train
    sets first. Set files of an earlier run with more folds are removed.
    """
    clips = [SplitClip(clip, int(labels[clip]), int(fold)) for clip, fold in folds.items()]
    written = []
    for relative, text in split_files(clips).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        written.append(atomic_write_bytes(root / relative, text.encode()))
    n_folds = int(folds.max())
    for folder in split_folders(root):
        for number, stale in set_files(folder).items():
            if number > n_folds:
                stale.unlink()
    return written


def split_folders(root: Path) -> list[Path]:
    """Return the split folders a release writes into (for leftover cleaning)."""
    return [root / SPLIT_FOLDER / f"{part}({SPELLINGS[0]})" for part in ("train", "test")]


def _csv_bytes(header: Sequence[str], lines: list[list[object]]) -> bytes:
    """Return a CSV file (``\\n`` line ends, minimal quoting) of ``header`` and ``lines``."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(lines)
    return text.getvalue().encode("utf-8")


def write_dropped(root: Path, rows: Sequence[ReleaseRow]) -> Path:
    """Write ``dropped.csv``: the annotated clips without frames, hence in no split; returns
    its path. Columns: video_name, label, status, reason."""
    lines = [
        [video_name(row.clip), row.label, row.status, row.reason]
        for row in rows
        if row.status != "kept"
    ]
    return atomic_write_bytes(
        root / "dropped.csv", _csv_bytes(("video_name", "label", "status", "reason"), lines)
    )


def write_clips(root: Path, rows: Sequence[ReleaseRow]) -> Path:
    """Write ``clips.csv``: release number ↔ store clip, movie, span (seconds), duration
    bucket, source file's SHA-256, face ratio (0..1) and frames written; returns its path."""
    header = (
        "video_name",
        "clip",
        "movie",
        "start_s",
        "end_s",
        "duration_bucket",
        "source_hash",
        "face_ratio",
        "frames",
        "status",
    )
    lines = [
        [
            video_name(row.clip),
            row.name,
            row.movie,
            "" if row.start_s is None else f"{row.start_s:.3f}",
            "" if row.end_s is None else f"{row.end_s:.3f}",
            row.bucket,
            row.source_hash,
            "" if row.face_ratio != row.face_ratio else f"{row.face_ratio:.4f}",
            row.frames,
            row.status,
        ]
        for row in rows
    ]
    return atomic_write_bytes(root / "clips.csv", _csv_bytes(header, lines))
