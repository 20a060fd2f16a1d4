"""The DFEW split-file format and clip names: the one reader and writer of both.

Layout (what ``dfew-build export`` and the DFEW release write)::

    EXPORT_DIR/EmoLabel_DataSplit/train(single-labeled)/set_{1..5}.csv
    EXPORT_DIR/EmoLabel_DataSplit/test(single-labeled)/set_{1..5}.csv

(``single_labeled`` with an underscore, as DFEW's README spells it, is accepted too). Each file
has columns ``video_name,label``; labels are DFEW emotion codes 1..7. DFEW writes integer video
names (``1``) and names the clip's files and folders with five digits (``00001``):
:func:`video_name` gives the first, :func:`clip_name` the second. Names that are not integers
are kept as they are. Fold k trains on the train file of set_k (the clips of the other folds)
and tests on the test file of set_k; the test files of all folds are disjoint.
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from training.errors import SplitError

SPLIT_FOLDER = "EmoLabel_DataSplit"
SPELLINGS = ("single-labeled", "single_labeled")
SET_FILE = re.compile(r"set_(\d+)\.csv")
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


def clip_name(value: object) -> str:
    """Return DFEW's clip name for a clip number or name: ``1``, ``1.0`` → ``00001``.

    All-digit names are zero-padded to five digits, as DFEW names its files and folders and
    its loaders pad ``video_name``; other names are returned stripped, as they are.
    """
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return text.zfill(5) if text.isdigit() else text


def video_name(clip: str) -> str:
    """Return the ``video_name`` DFEW writes in split files for a clip: ``00001`` → ``1``.

    All-digit names lose their zero-padding; other names are returned as they are.
    """
    return str(int(clip)) if clip.isdigit() else clip


SPLIT_HEADER = "video_name,label\n"


def split_line(clip: str, label: int) -> str:
    """Return the line of one clip in a ``set_K.csv``: ``video_name,label`` and ``\\n``, the
    name written as :func:`video_name` gives it (the bytes DFEW's own split files hold)."""
    return f"{video_name(clip)},{label}\n"


def format_split(pairs: Iterable[tuple[str, int]]) -> str:
    """Return the text of one ``set_K.csv`` for (clip, label 1..7) pairs, in the given order:
    :data:`SPLIT_HEADER`, then one :func:`split_line` per clip."""
    return SPLIT_HEADER + "".join(split_line(clip, label) for clip, label in pairs)


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
                value = float(row["label"])
            except (TypeError, ValueError):
                value = -1.0
            label = int(value) if value.is_integer() else -1
            if not 1 <= label <= 7:
                raise SplitError(
                    f"{path} line {line} has label {row['label']!r}, expected 1..7",
                    "fix the split file (DFEW codes: 1 Happy … 7 Fear)",
                )
            clip = clip_name(row["video_name"] or "")
            if not clip:
                raise SplitError(f"{path} line {line} has no video_name", "fill it in or drop it")
            pairs.append((clip, label))
    repeated = [clip for clip, count in Counter(clip for clip, _ in pairs).items() if count > 1]
    if repeated:
        raise SplitError(
            f"{path} names clip {repeated[0]!r} twice", "keep one row per clip or re-export"
        )
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


def check_test_folds(export_dir: str | os.PathLike[str]) -> None:
    """Check that the test files of folds 1..5 (those present) share no clip; return None.

    Pooled results count each test clip once, so a clip in two test folds is refused.

    Raises
    ------
    SplitError
        When a clip is in two test files, or a file is malformed.
    """
    seen: dict[str, int] = {}
    for fold in range(1, N_FOLDS + 1):
        try:
            path = split_file(export_dir, "test", fold)
        except SplitError:
            continue  # a missing fold is refused when it is trained on
        twice = [(clip, seen[clip]) for clip, _ in read_split(path) if clip in seen]
        if twice:
            clip, other = twice[0]
            raise SplitError(
                f"{len(twice)} clip(s) are in the test sets of folds {other} and {fold} "
                f"(e.g. {clip})",
                "fix the split files or re-run `dfew-build export`: test folds must be disjoint",
            )
        seen.update((clip, fold) for clip, _ in read_split(path))


@dataclass(frozen=True)
class SplitClip:
    """A clip of a split folder: its name, label 1..7 and the test fold 1..K holding it."""

    clip: str
    label: int
    fold: int


def spelled_folder(split_dir: Path, part: str) -> Path:
    """Return ``split_dir/<part>(single-labeled)`` or its ``single_labeled`` spelling.

    Raises
    ------
    SplitError
        When neither or both spellings exist.
    """
    present = [
        split_dir / f"{part}({s})" for s in SPELLINGS if (split_dir / f"{part}({s})").is_dir()
    ]
    if not present:
        raise SplitError(
            f"{split_dir} has no {part}(single-labeled) folder",
            "give the EmoLabel_DataSplit folder of a DFEW release or export",
        )
    if len(present) > 1:
        raise SplitError(
            f"{split_dir} has both {present[0].name} and {present[1].name}", "keep only one of them"
        )
    return present[0]


def set_files(folder: Path) -> dict[int, Path]:
    """Return K → path of every ``set_K.csv`` file in ``folder``, sorted by K."""
    found = {}
    for path in folder.iterdir():
        match = SET_FILE.fullmatch(path.name)
        if match and path.is_file():
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def _numbered_sets(folder: Path) -> dict[int, Path]:
    """Return the set files of ``folder``, checking they are set_1 … set_K with K >= 2."""
    sets = set_files(folder)
    if len(sets) < 2 or list(sets) != list(range(1, len(sets) + 1)):
        raise SplitError(
            f"{folder} holds set files {list(sets)}, expected set_1.csv … set_K.csv with K >= 2",
            "restore the missing files or re-export",
        )
    return sets


def read_split_folder(split_dir: str | os.PathLike[str]) -> list[SplitClip]:
    """Read a whole ``EmoLabel_DataSplit`` folder of K >= 2 folds; return its test clips.

    Returns one :class:`SplitClip` per clip of the test sets, sorted by clip name (all-digit
    names padded as :func:`clip_name` pads them).

    Raises
    ------
    SplitError
        On a missing folder or set file, a malformed file, a clip in two test sets, a clip in
        both the train and test set of one fold, or a clip with two different labels.
    """
    split = Path(split_dir)
    if not split.is_dir():
        raise SplitError(
            f"no folder {split}", "give the EmoLabel_DataSplit folder of a DFEW release or export"
        )
    test_sets = _numbered_sets(spelled_folder(split, "test"))
    train_sets = _numbered_sets(spelled_folder(split, "train"))
    if len(train_sets) != len(test_sets):
        raise SplitError(
            f"{split} has {len(train_sets)} train sets but {len(test_sets)} test sets",
            "restore the missing files or re-export",
        )
    tests = {fold: read_split(path) for fold, path in test_sets.items()}
    folds_of: dict[str, list[int]] = {}
    labels: dict[str, int] = {}
    for fold, pairs in tests.items():
        for clip, label in pairs:
            folds_of.setdefault(clip, []).append(fold)
            labels[clip] = label
    twice = sorted(clip for clip, folds in folds_of.items() if len(folds) > 1)
    if twice:
        raise SplitError(
            f"clip {twice[0]!r} is in test sets {folds_of[twice[0]]}",
            "a clip belongs to one test set only: fix the split files or re-export",
        )
    for fold, path in train_sets.items():
        train = read_split(path)
        tested = {clip for clip, _ in tests[fold]}
        overlap = sorted(clip for clip, _ in train if clip in tested)
        if overlap:
            raise SplitError(
                f"clip {overlap[0]!r} is in both train and test set {fold} "
                f"({len(overlap)} clip(s))",
                "fix the split files or re-export",
            )
        for clip, label in train:
            if labels.get(clip, label) != label:
                raise SplitError(
                    f"clip {clip!r} has label {label} in train set {fold} but {labels[clip]} "
                    "in its test set",
                    "fix the split files or re-export",
                )
    return [SplitClip(clip, labels[clip], folds_of[clip][0]) for clip in sorted(labels)]


def split_files(
    clips: Iterable[SplitClip], n_folds: int | None = None, spelling: str = SPELLINGS[0]
) -> dict[Path, str]:
    """Return the set files of ``clips``: relative path → text, for folds 1..``n_folds``
    (default: the largest fold of ``clips``), train sets first; test set K holds the clips of
    fold K, train set K the others, each sorted by clip name and written as
    :func:`format_split` writes them (a fold without clips gets a file with the header only)."""
    ordered = sorted(clips, key=lambda item: item.clip)
    lines = [split_line(item.clip, item.label) for item in ordered]
    if n_folds is None:
        n_folds = max((item.fold for item in ordered), default=0)
    files = {}
    for part in ("train", "test"):
        folder = Path(SPLIT_FOLDER) / f"{part}({spelling})"
        for fold in range(1, n_folds + 1):
            chosen = (
                line
                for line, item in zip(lines, ordered, strict=True)
                if (item.fold == fold) == (part == "test")
            )
            files[folder / f"set_{fold}.csv"] = SPLIT_HEADER + "".join(chosen)
    return files
