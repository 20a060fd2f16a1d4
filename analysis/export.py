"""DFEW-format export: the annotation table, the single labels and the 5-fold split files.

Layout written by :func:`write_dfew_export` (and read back by :func:`read_dfew_split`)::

    out_dir/annotation.csv                  clip,1happy,…,7fear,label   (label 0 = multi-label)
    out_dir/single_labeled.csv              clip,label                  (label 1..7)
    out_dir/EmoLabel_DataSplit/train(single-labeled)/set_K.csv   video_name,label
    out_dir/EmoLabel_DataSplit/test(single-labeled)/set_K.csv    video_name,label

Test set K holds the clips of fold K, train set K all other single-labelled clips. DFEW's own
README spells the folders ``single_labeled`` while the loaders use ``single-labeled``; this
module writes the loaders' spelling (or the README's, where an earlier export or release left
only that one) and reads either.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from analysis.atomic import atomic_write_bytes
from analysis.checks import (
    check_emotion_columns,
    check_unique_index,
    count_matrix,
    label_codes,
    whole_number,
)
from analysis.emotions import EMOTIONS, N_EMOTIONS
from analysis.errors import AnalysisInputError

SPLIT_FOLDER = "EmoLabel_DataSplit"
_SPELLINGS = ("single-labeled", "single_labeled")
_SET_FILE = re.compile(r"set_(\d+)\.csv")
_COUNT_COLUMNS = [f"{code}{name.lower()}" for code, name in enumerate(EMOTIONS, start=1)]


def _sorted_index(index: pd.Index, what: str) -> pd.Index:
    """Return ``index`` sorted, raising when its clip names cannot be compared."""
    try:
        return index.sort_values()
    except TypeError as exc:
        raise AnalysisInputError(
            f"{what} clip names mix types that cannot be sorted ({exc}): use one type, e.g. str"
        ) from exc


def assign_folds(labels: pd.Series, n_folds: int = 5, seed: int = 0) -> pd.Series:
    """Split the single-labelled clips into class-stratified cross-validation folds.

    Clips are first sorted by name, so the result depends on the labels and the seed, not on
    the order of ``labels``. Folds come from scikit-learn's
    ``StratifiedKFold(n_folds, shuffle=True, random_state=seed)``: every class is spread as
    evenly as possible (its per-fold counts differ by at most 1), and fold sizes differ by at
    most 1. When a class has fewer clips than folds, StratifiedKFold warns or refuses; the
    clips are then dealt the same way without it: grouped by class, shuffled within each class
    with the seed, and dealt round-robin over folds in a seeded order.

    Parameters
    ----------
    labels : Series
        Labels indexed by clip: 0 (not single-labelled; left out) or an emotion code 1..7.
    n_folds : int, default 5
        Number of folds, at least 2.
    seed : int, default 0
        Seed of the shuffle (0 to 2**32 − 1).

    Returns
    -------
    Series
        Named ``fold``, int64 fold numbers 1..n_folds, indexed by the single-labelled clips in
        sorted order.

    Raises
    ------
    AnalysisInputError
        On malformed labels, ``n_folds`` < 2, or fewer single-labelled clips than folds.
    """
    codes = label_codes(labels, N_EMOTIONS)
    n_folds = whole_number(n_folds, "n_folds", minimum=2)
    seed = whole_number(seed, "seed", minimum=0)
    if seed >= 2**32:
        raise AnalysisInputError(f"seed {seed} is too large: use a seed from 0 to 2**32 - 1")
    labelled = pd.Series(codes, index=labels.index)[codes > 0]
    labelled = labelled.reindex(_sorted_index(labelled.index, "labels"))
    if len(labelled) < n_folds:
        raise AnalysisInputError(
            f"{n_folds} folds need at least {n_folds} single-labelled clips, there are "
            f"{len(labelled)}: use at most {max(len(labelled), 2)} folds or label more clips"
        )
    classes = labelled.to_numpy()
    folds = np.empty(len(classes), dtype=np.int64)
    if np.unique(classes, return_counts=True)[1].min() >= n_folds:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        for fold, (_, test) in enumerate(splitter.split(np.zeros(len(classes)), classes), 1):
            folds[test] = fold
    else:
        rng = np.random.default_rng(seed)
        # Group clips by class, in random order within a class; dealing that sequence
        # round-robin spreads each class and the whole set evenly over the folds.
        order = np.lexsort((rng.permutation(len(classes)), classes))
        folds[order] = (rng.permutation(n_folds) + 1)[np.arange(len(classes)) % n_folds]
    return pd.Series(folds, index=labelled.index, name="fold")


def _check_export_inputs(
    counts: pd.DataFrame, labels: pd.Series, folds: pd.Series, outside_folds: bool = False
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Check the three tables agree; return counts, labels and the folds of the labelled clips
    that have one, aligned and sorted (single-labelled clips without a fold are refused unless
    ``outside_folds``)."""
    check_emotion_columns(counts)
    if counts.shape[1] != N_EMOTIONS:
        raise AnalysisInputError(
            f"the DFEW export has {N_EMOTIONS} emotion columns, counts have {counts.shape[1]}: "
            f"count votes with vote_counts(votes, n_categories={N_EMOTIONS})"
        )
    matrix = count_matrix(counts)
    check_unique_index(counts, "counts")
    codes = pd.Series(label_codes(labels, N_EMOTIONS), index=labels.index)
    unknown = codes.index.difference(counts.index)
    if len(unknown):
        raise AnalysisInputError(
            f"{len(unknown)} labelled clip(s) are not in counts (e.g. {unknown[0]!r}): "
            "give vote counts for every clip in labels (zeros where there are none)"
        )
    order = _sorted_index(counts.index, "counts")
    table = pd.DataFrame(matrix, index=counts.index, columns=_COUNT_COLUMNS).reindex(order)
    codes = codes.reindex(order, fill_value=0)
    if not isinstance(folds, pd.Series):
        raise AnalysisInputError(
            f"folds must be a pandas Series indexed by clip, got {type(folds).__name__}: "
            "build them with assign_folds"
        )
    check_unique_index(folds, "folds")
    labelled = codes.index[codes > 0]
    if not len(labelled):
        raise AnalysisInputError(
            "no clip is single-labelled, so there is nothing to split into folds: "
            "collect more votes or use a lower threshold"
        )
    without = labelled.difference(folds.index)
    if outside_folds:
        labelled = labelled.difference(without)
    elif len(without):
        raise AnalysisInputError(
            f"{len(without)} single-labelled clip(s) have no fold (e.g. {without[0]!r}): "
            "assign folds with assign_folds(labels)"
        )
    extra = folds.index.difference(labelled)
    if len(extra):
        raise AnalysisInputError(
            f"{len(extra)} clip(s) have a fold but no single label (e.g. {extra[0]!r}): "
            "assign folds from the same labels you export"
        )
    fold_numbers = folds.reindex(labelled)
    numbers = pd.to_numeric(fold_numbers, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    n_folds = int(np.nanmax(numbers)) if not np.isnan(numbers).all() else 0
    used = np.unique(numbers)
    if n_folds < 2 or not np.array_equal(used, np.arange(1, n_folds + 1)):
        raise AnalysisInputError(
            f"fold numbers are [{', '.join(f'{x:g}' for x in used)}], expected every whole "
            "number from 1 to the number of folds (at least 2): assign folds with "
            "assign_folds(labels)"
        )
    return table, codes, fold_numbers.astype(np.int64)


def _check_clip_names(clips: pd.Series) -> None:
    """Raise when a clip name is empty or holds a character that would need CSV quoting."""
    names = clips.to_numpy(dtype=object)
    everything = "".join(names)
    if all(char not in everything for char in ',"\r\n') and all(map(len, names)):
        return
    awkward = (clips == "") | clips.str.contains(r'[,"\r\n]', regex=True)
    if awkward.any():
        raise AnalysisInputError(
            f"{int(awkward.sum())} clip name(s) are empty or hold a comma, quote or line break "
            f"(e.g. {clips[awkward].iloc[0]!r}), which DFEW's CSV readers cannot parse: "
            "rename those clips"
        )


def write_dfew_export(
    out_dir: str | os.PathLike[str],
    counts: pd.DataFrame,
    labels: pd.Series,
    folds: pd.Series,
    outside_folds: bool = False,
) -> list[Path]:
    """Write vote counts, single labels and folds in the DFEW release's file layout.

    Everything is checked before anything is written; each file is then written atomically
    (a temporary file in the same folder, then ``os.replace``), so a failure never leaves a
    half-written file and an earlier export stays as it was. Rows are sorted by clip and the
    files hold no timestamps: the same inputs give byte-identical files. The split folders
    are spelled ``(single-labeled)`` unless only ``(single_labeled)`` ones exist. Split files
    ``set_K.csv`` with K above this export's number of folds, left by an earlier export with
    more folds, are removed.

    Parameters
    ----------
    out_dir : str or PathLike
        Folder to write into; created if missing.
    counts : DataFrame
        Vote counts of every clip to list in annotation.csv (columns 1..7, as
        :func:`analysis.votes.vote_counts` returns them).
    labels : Series
        Labels indexed by clip (0 = not single-labelled, else 1..7); every clip must be in
        ``counts``; clips of ``counts`` missing here get label 0.
    folds : Series
        Fold numbers 1..K (K >= 2) of exactly the single-labelled clips, as
        :func:`assign_folds` returns them.
    outside_folds : bool, default False
        Let single-labelled clips have no fold: they stay in annotation.csv and
        single_labeled.csv and out of every split file, as DFEW leaves out clips without a face.

    Returns
    -------
    list of pathlib.Path
        The written files: annotation.csv, single_labeled.csv, then the train sets 1..K and
        the test sets 1..K.

    Raises
    ------
    AnalysisInputError
        When the inputs disagree (a labelled clip without counts or fold, a fold without a
        label, fold numbers not 1..K) or are malformed; nothing is written then.
    """
    table, codes, fold_numbers = _check_export_inputs(counts, labels, folds, outside_folds)
    clips = pd.Series(table.index.astype(str), index=table.index, name="clip")
    _check_clip_names(clips)
    annotation = pd.concat([clips, table, codes.rename("label")], axis=1)
    single = annotation.loc[codes > 0, ["clip", "label"]]
    # Each single-labelled clip appears in six two-column files; format its line once.
    folded = single.loc[fold_numbers.index]
    lines = (folded["clip"] + "," + folded["label"].astype(str) + "\n").to_numpy()
    fold_of = fold_numbers.to_numpy()
    n_folds = int(fold_of.max())

    root = Path(out_dir)
    split = root / SPLIT_FOLDER
    train_dir, test_dir = (_export_folder(split, kind) for kind in ("train", "test"))
    contents: dict[Path, bytes] = {
        root / "annotation.csv": annotation.to_csv(index=False, lineterminator="\n").encode(),
        root / "single_labeled.csv": ("clip,label\n" + "".join(lines)).encode(),
    }
    for fold in range(1, n_folds + 1):
        text = "video_name,label\n" + "".join(lines[fold_of != fold])
        contents[train_dir / f"set_{fold}.csv"] = text.encode()
    for fold in range(1, n_folds + 1):
        text = "video_name,label\n" + "".join(lines[fold_of == fold])
        contents[test_dir / f"set_{fold}.csv"] = text.encode()

    for folder in (train_dir, test_dir):
        folder.mkdir(parents=True, exist_ok=True)
    written = [atomic_write_bytes(path, data) for path, data in contents.items()]
    for folder in (train_dir, test_dir):
        for stale in _set_files(folder):
            if stale[0] > n_folds:
                stale[1].unlink()
    return written


def _export_folder(split: Path, kind: str) -> Path:
    """Return the folder to write ``kind`` sets into: the spelling already there, if only one."""
    loaders, readme = (split / f"{kind}({spelling})" for spelling in _SPELLINGS)
    return readme if readme.is_dir() and not loaders.is_dir() else loaders


def _set_files(folder: Path) -> list[tuple[int, Path]]:
    """Return the (K, path) of every set_K.csv file in ``folder``, sorted by K."""
    found = []
    for path in folder.iterdir():
        match = _SET_FILE.fullmatch(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def _spelled_folder(split: Path, kind: str) -> Path:
    """Return split/<kind>(single-labeled) or split/<kind>(single_labeled), whichever exists."""
    present = [split / f"{kind}({s})" for s in _SPELLINGS if (split / f"{kind}({s})").is_dir()]
    if not present:
        raise AnalysisInputError(
            f"{split} has no {kind}(single-labeled) folder: give the EmoLabel_DataSplit folder "
            "of a DFEW release or export"
        )
    if len(present) > 1:
        raise AnalysisInputError(
            f"{split} has both {present[0].name} and {present[1].name}: keep only one of them"
        )
    return present[0]


def _read_set(path: Path) -> pd.DataFrame:
    """Read one set_K.csv as columns clip (str, DFEW-padded) and label (int64 1..7)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AnalysisInputError(f"{path} could not be read as CSV ({exc}): re-export it") from exc
    raw.columns = [str(column).strip() for column in raw.columns]
    if not {"video_name", "label"} <= set(raw.columns):
        raise AnalysisInputError(
            f"{path} has columns {list(raw.columns)}, expected video_name and label: "
            "is it a DFEW split file?"
        )
    names = raw["video_name"].str.strip()
    if (names == "").any():
        raise AnalysisInputError(f"{path} has a row without a video_name: fill it in or drop it")
    # DFEW names clips 00001 … 16372; its split files store them as integers, which loaders
    # pad back to five digits. Names that are not plain digits are kept as they are.
    names = names.where(~names.str.fullmatch(r"\d+"), names.str.zfill(5))
    label_text = raw["label"].str.strip()
    valid = label_text.str.fullmatch(r"[1-7]")
    if not valid.all():
        first = int(np.flatnonzero(~valid.to_numpy())[0])
        raise AnalysisInputError(
            f"{path} row {first + 2} has label {raw['label'].iloc[first]!r}, not 1..7: "
            "fix the file (DFEW labels are 1 Happy … 7 Fear)"
        )
    repeated = names[names.duplicated()]
    if len(repeated):
        raise AnalysisInputError(
            f"{path} lists clip {repeated.iloc[0]!r} twice: keep one row per clip"
        )
    return pd.DataFrame({"clip": names.astype(str), "label": label_text.astype(np.int64)})


def _numbered_sets(folder: Path) -> dict[int, Path]:
    """Return the set_K.csv files of a folder by K, checking they are set_1 … set_K, K >= 2."""
    sets = dict(_set_files(folder))
    if len(sets) < 2 or sorted(sets) != list(range(1, len(sets) + 1)):
        raise AnalysisInputError(
            f"{folder} holds set files {sorted(sets)}, expected set_1.csv … set_K.csv with "
            "K >= 2: restore the missing files or re-export"
        )
    return sets


def read_dfew_split(split_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a DFEW-layout EmoLabel_DataSplit folder: each clip's label and test fold.

    Parameters
    ----------
    split_dir : str or PathLike
        The EmoLabel_DataSplit folder, holding ``train(single-labeled)`` and
        ``test(single-labeled)`` (or the ``single_labeled`` spelling), each with set_1.csv …
        set_K.csv of columns video_name and label.

    Returns
    -------
    DataFrame
        Columns ``clip`` (str; all-digit names zero-padded to 5 digits as DFEW loaders do,
        other names as written), ``label`` (int64, 1..7) and ``fold`` (int64, the test set
        holding the clip, 1..K); one row per clip of the test sets, sorted by clip.

    Raises
    ------
    AnalysisInputError
        On a missing folder or set file, a malformed file, a clip in two test sets, a clip in
        both the train and test set of one fold, or a clip with two different labels.
    """
    split = Path(split_dir)
    if not split.is_dir():
        raise AnalysisInputError(
            f"no folder {split}: give the EmoLabel_DataSplit folder of a DFEW release or export"
        )
    test_sets = _numbered_sets(_spelled_folder(split, "test"))
    train_sets = _numbered_sets(_spelled_folder(split, "train"))
    if len(train_sets) != len(test_sets):
        raise AnalysisInputError(
            f"{split} has {len(train_sets)} train sets but {len(test_sets)} test sets: "
            "restore the missing files or re-export"
        )
    tests = [_read_set(path).assign(fold=fold) for fold, path in test_sets.items()]
    result = pd.concat(tests, ignore_index=True)
    twice = result["clip"].duplicated(keep=False)
    if twice.any():
        clip = result.loc[twice, "clip"].iloc[0]
        where = result.loc[result["clip"] == clip, "fold"].tolist()
        raise AnalysisInputError(
            f"clip {clip!r} is in test sets {where}: a clip belongs to one test set only; "
            "fix the split files or re-export"
        )
    labels = result.set_index("clip")["label"]
    for fold, path in train_sets.items():
        train = _read_set(path).set_index("clip")["label"]
        overlap = train.index.intersection(tests[fold - 1]["clip"])
        if len(overlap):
            raise AnalysisInputError(
                f"clip {overlap[0]!r} is in both train and test set {fold} "
                f"({len(overlap)} clip(s)): fix the split files or re-export"
            )
        known = labels.reindex(train.index)
        conflict = known.notna() & (known != train)
        if conflict.any():
            clip = conflict.index[conflict.to_numpy()][0]
            raise AnalysisInputError(
                f"clip {clip!r} has label {train[clip]} in train set {fold} but "
                f"{labels[clip]} in its test set: fix the split files or re-export"
            )
    return result.sort_values("clip", ignore_index=True)[["clip", "label", "fold"]]
