"""The label export's files in DFEW's layout (``dfew-build export``): written and read back.

Layout written by :func:`write_dfew_export` (and read back by :func:`read_dfew_split`)::

    out_dir/annotation.csv                  clip,1happy,…,7fear,label   (label 0 = multi-label)
    out_dir/single_labeled.csv              clip,label                  (label 1..7)
    out_dir/clip_files.csv                  clip,path                   (each clip's file)
    out_dir/EmoLabel_DataSplit/train(single-labeled)/set_K.csv   video_name,label
    out_dir/EmoLabel_DataSplit/test(single-labeled)/set_K.csv    video_name,label

``clip_files.csv`` lets ``preprocess`` find the clips from the export alone, on a machine
without the store: a path is relative to the export folder when the file lies in the folder
that holds the export (a campaign folder moves as a whole), else absolute.

Test set K holds the clips of fold K, train set K all other single-labelled clips with a fold.
The tables come from :func:`analysis.export.export_tables`; the split-file format and the clip
names from :mod:`training.splits`. DFEW's own README spells the folders ``single_labeled``
while the loaders use ``single-labeled``: the loaders' spelling is written (or the README's,
where an earlier export or release left only that one) and either is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.atomic import atomic_write_bytes
from analysis.export import export_tables
from dfew_build.errors import UserError
from training.errors import SplitError
from training.splits import (
    SPELLINGS,
    SPLIT_FOLDER,
    SPLIT_HEADER,
    clip_name,
    read_split_folder,
    set_files,
    split_line,
)

CLIP_FILES = "clip_files.csv"  # each clip's file, beside annotation.csv


def write_dfew_export(
    out_dir: str | os.PathLike[str],
    counts: pd.DataFrame,
    labels: pd.Series,
    folds: pd.Series,
    outside_folds: bool = False,
    clip_paths: pd.Series | None = None,
) -> list[Path]:
    """Write vote counts, single labels and folds in the DFEW release's file layout.

    Everything is checked before anything is written (:func:`analysis.export.export_tables`,
    whose parameters these are); each file is then written atomically, so a failure never
    leaves a half-written file and an earlier export stays as it was. ``clip_paths`` (clip name
    → file path, absolute or from the working folder) writes ``clip_files.csv`` for the clips
    of the export that have one. Rows are sorted by clip
    and the files hold no timestamps: the same inputs give byte-identical files. Split files
    ``set_K.csv`` with K above this export's number of folds, left by an earlier export with
    more folds, are removed.

    Returns
    -------
    list of pathlib.Path
        The written files: annotation.csv, single_labeled.csv, clip_files.csv (with
        ``clip_paths``), then the train sets 1..K and the test sets 1..K.

    Raises
    ------
    AnalysisInputError
        When the inputs disagree or are malformed; nothing is written then.
    """
    tables = export_tables(counts, labels, folds, outside_folds)
    annotation = tables.annotation
    single = annotation.loc[annotation["label"] > 0, ["clip", "label"]]
    folded = single.loc[tables.folds.index]
    # Each single-labelled clip appears in K + 1 split files; format its line once.
    lines = np.array(
        [split_line(c, int(y)) for c, y in zip(folded["clip"], folded["label"], strict=True)],
        dtype=object,
    )
    fold_of = tables.folds.to_numpy()
    n_folds = int(fold_of.max())

    root = Path(out_dir)
    split = root / SPLIT_FOLDER
    train_dir, test_dir = (_export_folder(split, kind) for kind in ("train", "test"))
    single_text = "clip,label\n" + "".join(
        f"{clip},{label}\n" for clip, label in zip(single["clip"], single["label"], strict=True)
    )
    contents: dict[Path, bytes] = {
        root / "annotation.csv": annotation.to_csv(index=False, lineterminator="\n").encode(),
        root / "single_labeled.csv": single_text.encode(),
    }
    if clip_paths is not None:
        contents[root / CLIP_FILES] = _clip_files_text(annotation["clip"], clip_paths, root)
    for fold in range(1, n_folds + 1):
        contents[train_dir / f"set_{fold}.csv"] = (
            SPLIT_HEADER + "".join(lines[fold_of != fold])
        ).encode()
    for fold in range(1, n_folds + 1):
        contents[test_dir / f"set_{fold}.csv"] = (
            SPLIT_HEADER + "".join(lines[fold_of == fold])
        ).encode()

    for folder in (train_dir, test_dir):
        folder.mkdir(parents=True, exist_ok=True)
    written = [atomic_write_bytes(path, data) for path, data in contents.items()]
    for folder in (train_dir, test_dir):
        for number, stale in set_files(folder).items():
            if number > n_folds:
                stale.unlink()
    return written


def _clip_files_text(clips: pd.Series, clip_paths: pd.Series, root: Path) -> bytes:
    """Return ``clip_files.csv`` for ``clips`` that have a path in ``clip_paths``."""
    base = root.absolute()
    lines = ["clip,path\n"]
    for clip in sorted(set(clips) & set(clip_paths.dropna().index)):
        path = Path(clip_paths[clip]).absolute()
        shown = os.path.relpath(path, base) if path.is_relative_to(base.parent) else str(path)
        lines.append(f"{clip},{Path(shown).as_posix()}\n")
    return "".join(lines).encode()


def read_clip_files(export_dir: Path) -> dict[str, Path] | None:
    """Return clip name → file from the export's ``clip_files.csv`` (relative paths resolved
    from ``export_dir``), or None when the export has no such file.

    Raises ``UserError`` for a file without the ``clip`` and ``path`` columns.
    """
    path = export_dir / CLIP_FILES
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not {"clip", "path"} <= set(table.columns):
        raise UserError(
            f"{path} has columns {list(table.columns)}, expected clip and path — "
            "re-run `dfew-build export`"
        )
    return {
        clip_name(clip): export_dir / file
        for clip, file in zip(table["clip"], table["path"], strict=True)
        if clip and file
    }


def _export_folder(split: Path, kind: str) -> Path:
    """Return the folder to write ``kind`` sets into: the spelling already there, if only one."""
    loaders, readme = (split / f"{kind}({spelling})" for spelling in SPELLINGS)
    return readme if readme.is_dir() and not loaders.is_dir() else loaders


def read_dfew_split(split_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a DFEW-layout EmoLabel_DataSplit folder: each clip's label and test fold.

    Returns
    -------
    DataFrame
        Columns ``clip`` (str; all-digit names zero-padded to 5 digits as DFEW loaders do,
        other names as written), ``label`` (int64, 1..7) and ``fold`` (int64, the test set
        holding the clip, 1..K); one row per clip of the test sets, sorted by clip.

    Raises
    ------
    UserError
        For what :func:`training.splits.read_split_folder` refuses (missing or malformed files,
        a clip in two test sets or in a fold's train and test set, two labels for one clip).
    """
    try:
        clips = read_split_folder(split_dir)
    except SplitError as exc:
        raise UserError(str(exc)) from exc
    return pd.DataFrame(
        {
            "clip": pd.Series([c.clip for c in clips], dtype=object),
            "label": np.array([c.label for c in clips], dtype=np.int64),
            "fold": np.array([c.fold for c in clips], dtype=np.int64),
        }
    )
