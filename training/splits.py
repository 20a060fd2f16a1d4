"""Read the DFEW-layout 5-fold split files of a label export.

Layout (what ``dfew-build export`` and the DFEW release write)::

    EXPORT_DIR/EmoLabel_DataSplit/train(single-labeled)/set_{1..5}.csv
    EXPORT_DIR/EmoLabel_DataSplit/test(single-labeled)/set_{1..5}.csv

(``single_labeled`` with an underscore, as DFEW's README spells it, is accepted too). Each file
has columns ``video_name,label``; labels are DFEW emotion codes 1..7. Integer video names are
zero-padded to five digits as DFEW loaders do (``1`` → ``00001``); other names are kept as they
are. Fold k trains on the train file of set_k (the clips of the other folds) and tests on the
test file of set_k.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from training.errors import SplitError

SPLIT_FOLDER = "EmoLabel_DataSplit"
SPELLINGS = ("single-labeled", "single_labeled")
N_FOLDS = 5
EMOTIONS = ("Happy", "Sad", "Neutral", "Angry", "Surprise", "Disgust", "Fear")


@dataclass(frozen=True)
class Fold:
    """One cross-validation fold: (clip, label 1..7) pairs to train and to test on."""

    number: int
    train: list[tuple[str, int]]
    test: list[tuple[str, int]]


def parse_folds(text: str) -> list[int]:
    """Return the fold numbers named by ``text``: ``"all"`` → [1..5], ``"2"`` or ``"1,3"``.

    Raises
    ------
    SplitError
        When a fold is not an integer in 1..5.
    """
    if text.strip().lower() == "all":
        return list(range(1, N_FOLDS + 1))
    folds = []
    for part in text.split(","):
        try:
            fold = int(part)
        except ValueError:
            fold = -1
        if not 1 <= fold <= N_FOLDS:
            raise SplitError(
                f"fold {part.strip()!r} is outside 1..{N_FOLDS}",
                f"pass --fold with a number from 1 to {N_FOLDS}, or --fold all",
            )
        folds.append(fold)
    return sorted(set(folds))


def normalise_clip(name: str) -> str:
    """Return the clip id for a split-file ``video_name``: digits zero-padded to 5, else as is."""
    name = name.strip()
    return name.zfill(5) if name.isdigit() else name


def split_file(export_dir: str | os.PathLike[str], part: str, fold: int) -> Path:
    """Return the path of ``part`` (``train`` or ``test``) set_``fold``.csv in ``export_dir``.

    Raises
    ------
    SplitError
        When the fold is outside 1..5 or the file is missing under both spellings.
    """
    if not 1 <= fold <= N_FOLDS:
        raise SplitError(
            f"fold {fold} is outside 1..{N_FOLDS}",
            f"pass --fold with a number from 1 to {N_FOLDS}, or --fold all",
        )
    root = Path(export_dir)
    split_root = root if root.name == SPLIT_FOLDER else root / SPLIT_FOLDER
    if not split_root.is_dir():
        raise SplitError(
            f"no {SPLIT_FOLDER} folder in {root}",
            "pass --splits the folder that `dfew-build export` wrote (or the DFEW release)",
        )
    candidates = [split_root / f"{part}({spelling})" / f"set_{fold}.csv" for spelling in SPELLINGS]
    for path in candidates:
        if path.is_file():
            return path
    raise SplitError(
        f"missing split file {candidates[0]}",
        "re-run `dfew-build export` or pass --splits the folder that holds all five folds",
    )


def read_split(path: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """Read one ``set_K.csv``; return (clip id, label 1..7) pairs in file order.

    Raises
    ------
    SplitError
        When the columns are missing, a label is not in 1..7, or a clip appears twice.
    """
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in reader.fieldnames or []]
        if not {"video_name", "label"} <= set(columns):
            raise SplitError(
                f"{path} has columns {columns}, expected video_name and label",
                "use split files in DFEW's layout (as `dfew-build export` writes them)",
            )
        reader.fieldnames = columns
        pairs = []
        for line, row in enumerate(reader, 2):
            try:
                label = int(float(row["label"]))
            except (TypeError, ValueError):
                label = -1
            if not 1 <= label <= 7:
                raise SplitError(
                    f"{path} line {line} has label {row['label']!r}, expected 1..7",
                    "fix the split file (DFEW codes: 1 Happy … 7 Fear)",
                )
            pairs.append((normalise_clip(row["video_name"] or ""), label))
    clips = [clip for clip, _ in pairs]
    if len(set(clips)) != len(clips):
        raise SplitError(f"{path} names a clip twice", "re-run `dfew-build export`")
    return pairs


def read_fold(export_dir: str | os.PathLike[str], fold: int) -> Fold:
    """Return fold ``fold`` (1..5): train on the train file of set_fold, test on its test file.

    Raises
    ------
    SplitError
        For a fold outside 1..5, missing files, or malformed contents.
    """
    train = read_split(split_file(export_dir, "train", fold))
    test = read_split(split_file(export_dir, "test", fold))
    overlap = {clip for clip, _ in train} & {clip for clip, _ in test}
    if overlap:
        raise SplitError(
            f"fold {fold} trains and tests on {len(overlap)} same clip(s), "
            f"e.g. {sorted(overlap)[0]}",
            "re-run `dfew-build export`: test and train sets must be disjoint",
        )
    return Fold(number=fold, train=train, test=test)
