"""What to preprocess: the clips of a label export, their labels and folds, and their files.

The label export is the folder ``dfew-build export`` writes (or a DFEW release's files):

* ``annotation.csv`` (columns ``clip`` … ``label``, label 0 = not single-labelled): every clip;
* else ``single_labeled.csv`` (``clip,label``): the single-labelled clips;
* ``EmoLabel_DataSplit/``: each single-labelled clip's test fold (and, without either CSV,
  the clips themselves).

All-digit clip names are zero-padded to five digits, as DFEW and its loaders name clips. Clip
files come from ``--clips DIR`` (files named ``<clip>.<video suffix>``, such as DFEW's
``Clip/original``), else from the export's ``clip_files.csv``, else from a release's
``Clip/original`` beside its splits, and only else from the store, which records each clip's
file: an export or a release carries its clips, so preprocessing needs no store.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from dfew_build.errors import UserError
from dfew_build.files import VIDEO_SUFFIXES
from dfew_build.label_export import read_clip_files, read_dfew_split
from dfew_build.preprocess.clip import ClipJob
from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip
from training.splits import SPLIT_FOLDER, clip_name

RELEASE_CLIPS = Path("Clip", "original")  # a release's clip files, beside its splits


@dataclass(frozen=True)
class LabelledClip:
    """A clip named by the label export: id, label (0 or 1..7) and test fold (None: none)."""

    clip: str
    label: int
    fold: int | None


def read_labels(export_dir: Path) -> list[LabelledClip]:
    """Return the clips of the label export in ``export_dir``, sorted by clip id.

    Raises ``UserError`` when the folder holds none of the label files or one is malformed.
    """
    if not export_dir.is_dir():
        raise UserError(
            f"--labels {export_dir} is not a folder — give the folder `dfew-build export` wrote"
        )
    folds: dict[str, int] = {}
    split_labels: dict[str, int] = {}
    if (export_dir / SPLIT_FOLDER).is_dir():
        split = read_dfew_split(export_dir / SPLIT_FOLDER)
        folds = dict(zip(split["clip"], split["fold"].astype(int), strict=True))
        split_labels = dict(zip(split["clip"], split["label"].astype(int), strict=True))
    for name in ("annotation.csv", "single_labeled.csv"):
        if (export_dir / name).is_file():
            labels = _read_label_csv(export_dir / name)
            break
    else:
        if not split_labels:
            raise UserError(
                f"{export_dir} holds no annotation.csv, single_labeled.csv or {SPLIT_FOLDER} — "
                "give the folder `dfew-build export --out` wrote"
            )
        labels = split_labels
    return [LabelledClip(clip, labels[clip], folds.get(clip)) for clip in sorted(labels)]


def _read_label_csv(path: Path) -> dict[str, int]:
    """Return clip → label from a CSV with columns ``clip`` and ``label``."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not {"clip", "label"} <= set(reader.fieldnames or []):
            raise UserError(
                f"{path} has columns {reader.fieldnames}, expected clip and label — "
                "re-run `dfew-build export`"
            )
        labels: dict[str, int] = {}
        for line, row in enumerate(reader, start=2):
            clip = clip_name(row["clip"] or "")
            try:
                label = int(row["label"])
            except (TypeError, ValueError):
                label = -1
            if not clip or not 0 <= label <= 7:
                raise UserError(
                    f"{path} line {line}: clip {row['clip']!r} label {row['label']!r} — "
                    "expected a clip name and a label 0..7; re-run `dfew-build export`"
                )
            labels[clip] = label
    return labels


def clip_files(url: str, clips_dir: Path | None, labels_dir: Path) -> dict[str, Path]:
    """Return clip id → file for every clip that ``clips_dir``, else the label export in
    ``labels_dir``, else the store knows (the order of the module docstring).

    In a folder of clips the files with a video suffix count, named after their clip (all-digit
    names zero-padded). From the store, each clip's recorded path (relative paths from here).
    Raises ``UserError`` when ``clips_dir`` is not a folder, or when the store is needed and
    there is none.
    """
    if clips_dir is not None:
        if not clips_dir.is_dir():
            raise UserError(f"--clips {clips_dir} is not a folder — give the folder of clip files")
        return _folder_clips(clips_dir)
    exported = read_clip_files(labels_dir)
    if exported is not None:
        return exported
    if (labels_dir / RELEASE_CLIPS).is_dir():
        return _folder_clips(labels_dir / RELEASE_CLIPS)
    store = open_store(url)
    try:
        with store.read() as session:
            rows = session.execute(select(Clip.name, Clip.path).where(Clip.path.is_not(None)))
            return {clip_name(name): Path(path) for name, path in rows}
    finally:
        store.dispose()


def _folder_clips(folder: Path) -> dict[str, Path]:
    """Return clip id → file for the video files in ``folder``, named after their clip."""
    return {
        clip_name(path.stem): path
        for path in sorted(folder.iterdir())
        if path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".")
    }


def plan_jobs(
    labelled: list[LabelledClip], files: dict[str, Path]
) -> tuple[list[ClipJob], list[LabelledClip]]:
    """Return the jobs for clips with a known file, and the labelled clips without one."""
    jobs = [
        ClipJob(item.clip, item.label, item.fold, files[item.clip])
        for item in labelled
        if item.clip in files
    ]
    unknown = [item for item in labelled if item.clip not in files]
    return jobs, unknown
