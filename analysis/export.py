"""DFEW-format export as tables: class-stratified folds, and the checked annotation table.

:func:`assign_folds` draws the cross-validation folds; :func:`export_tables` checks vote
counts, single labels and folds against each other and returns what an export holds. Writing
the files (DFEW's layout, its split-file format) is ``dfew_build.label_export``'s job, on top
of ``training.splits``, which owns the split format.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from analysis.checks import (
    check_emotion_columns,
    check_unique_index,
    count_matrix,
    label_codes,
    whole_number,
)
from analysis.emotions import EMOTIONS, N_EMOTIONS
from analysis.errors import AnalysisInputError

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


@dataclass(frozen=True)
class ExportTables:
    """What a DFEW-format export holds, checked and sorted by clip.

    ``annotation`` has columns ``clip`` (str), ``1happy … 7fear`` (vote counts) and ``label``
    (0 = not single-labelled, else 1..7), one row per clip; ``folds`` holds the test fold
    (1..K) of each single-labelled clip that has one, indexed like ``annotation``.
    """

    annotation: pd.DataFrame
    folds: pd.Series


def export_tables(
    counts: pd.DataFrame, labels: pd.Series, folds: pd.Series, outside_folds: bool = False
) -> ExportTables:
    """Check vote counts, single labels and folds against each other; return the export tables.

    Parameters
    ----------
    counts : DataFrame
        Vote counts of every clip to list (columns 1..7, as
        :func:`analysis.vote_counts.vote_counts` returns them).
    labels : Series
        Labels indexed by clip (0 = not single-labelled, else 1..7); every clip must be in
        ``counts``; clips of ``counts`` missing here get label 0.
    folds : Series
        Fold numbers 1..K (K >= 2) of the single-labelled clips, as :func:`assign_folds`
        returns them.
    outside_folds : bool, default False
        Let single-labelled clips have no fold (they then stay out of every split file, as
        DFEW leaves out clips without a face); otherwise every one needs a fold.

    Returns
    -------
    ExportTables
        The annotation table and the folds, sorted by clip.

    Raises
    ------
    AnalysisInputError
        When the inputs disagree (a labelled clip without counts or fold, a fold without a
        label, fold numbers not 1..K), are malformed, or a clip name is empty or holds a
        comma, quote or line break.
    """
    table, codes, fold_numbers = _check_export_inputs(counts, labels, folds, outside_folds)
    clips = pd.Series(table.index.astype(str), index=table.index, name="clip")
    _check_clip_names(clips)
    annotation = pd.concat([clips, table, codes.rename("label")], axis=1)
    return ExportTables(annotation, fold_numbers)
