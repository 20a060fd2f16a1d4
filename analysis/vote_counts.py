"""From individual votes to per-clip vote counts and single labels.

The single-label rule is the DFEW paper's: a clip voted on by ``n`` raters gets label ``k`` when
more than ``r`` of its votes (the threshold) went to emotion ``k``; otherwise it stays
multi-label only (label 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.checks import check_emotion_columns, count_matrix, whole_number
from analysis.errors import AnalysisInputError


def _integer_emotions(column: pd.Series, n_categories: int) -> np.ndarray:
    """Return the emotion column as int64 codes, raising on anything outside 1..n_categories."""
    values = column.to_numpy()
    if values.dtype.kind == "b":
        raise AnalysisInputError(
            f"emotions are True/False, not codes: give codes from 1 to {n_categories}"
        )
    if values.dtype.kind not in "iu":
        numeric = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad = ~np.isfinite(numeric) | (numeric != np.round(numeric))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise AnalysisInputError(
                f"emotion {values[first]!r} (vote row {first}) is not a code from 1 to "
                f"{n_categories}: convert names with analysis.emotions.emotion_code first"
            )
        values = numeric
    codes = values.astype(np.int64, copy=False)
    outside = (codes < 1) | (codes > n_categories)
    if outside.any():
        first = int(np.flatnonzero(outside)[0])
        raise AnalysisInputError(
            f"emotion {codes[first]} (vote row {first}) is outside 1..{n_categories}: "
            f"use codes 1 to {n_categories} ({int(outside.sum())} vote(s) affected)"
        )
    return codes


def _sorted_codes(column: pd.Series, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Factorize a column into codes that follow the sorted order of its distinct values."""
    codes, uniques = pd.factorize(column.to_numpy())
    if (codes < 0).any():
        raise AnalysisInputError(
            f"{int((codes < 0).sum())} vote(s) have no {what}: drop them or fill in the {what}"
        )
    keys = uniques
    # Sorting fixed-width NumPy strings runs in C, several times faster than comparing Python
    # str objects one pair at a time; the order is the same (by code point). The fixed width
    # is the longest name's, so this is skipped when that would take much memory.
    if (
        uniques.dtype == object
        and pd.api.types.infer_dtype(uniques, skipna=False) == "string"
        and max(map(len, uniques)) * len(uniques) <= 16_000_000
    ):
        keys = uniques.astype(str)
    try:
        order = np.argsort(keys, kind="stable")
    except TypeError as exc:
        raise AnalysisInputError(
            f"{what} values mix types that cannot be sorted ({exc}): use one type, e.g. str"
        ) from exc
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes], uniques[order]


def vote_counts(votes: pd.DataFrame, n_categories: int = 7) -> pd.DataFrame:
    """Count each clip's votes per emotion.

    Parameters
    ----------
    votes : DataFrame
        One row per vote, with columns ``clip`` (any sortable clip name) and ``emotion``
        (integer codes 1..n_categories), and optionally ``annotator``; when ``annotator`` is
        present, each (clip, annotator) pair may appear only once.
    n_categories : int, default 7
        The number of emotion categories.

    Returns
    -------
    DataFrame
        Index ``clip`` (sorted clip names, one row per clip with at least one vote), columns
        the codes 1..n_categories, values int64 numbers of votes.

    Raises
    ------
    AnalysisInputError
        On a missing column, an emotion outside 1..n_categories, a vote without a clip, or an
        annotator who voted twice on one clip.
    """
    n_categories = whole_number(n_categories, "n_categories", minimum=2)
    if not isinstance(votes, pd.DataFrame):
        raise AnalysisInputError(
            f"votes must be a pandas DataFrame, got {type(votes).__name__}: pass a table with "
            "columns clip and emotion"
        )
    missing = [name for name in ("clip", "emotion") if name not in votes.columns]
    if missing:
        raise AnalysisInputError(
            f"votes lack column(s) {', '.join(missing)} (have {list(votes.columns)}): "
            "pass one row per vote with columns clip, emotion and optionally annotator"
        )
    columns = pd.RangeIndex(1, n_categories + 1, name="emotion")
    if not len(votes):
        empty = np.zeros((0, n_categories), dtype=np.int64)
        return pd.DataFrame(empty, index=pd.Index([], name="clip"), columns=columns)
    emotions = _integer_emotions(votes["emotion"], n_categories)
    clip_codes, clips = _sorted_codes(votes["clip"], "clip")
    if "annotator" in votes.columns:
        _check_one_vote_each(votes, clip_codes)
    cells = clip_codes * n_categories + (emotions - 1)
    flat = np.bincount(cells, minlength=len(clips) * n_categories)
    return pd.DataFrame(
        flat.reshape(len(clips), n_categories).astype(np.int64, copy=False),
        index=pd.Index(clips, name="clip"),
        columns=columns,
    )


def _check_one_vote_each(votes: pd.DataFrame, clip_codes: np.ndarray) -> None:
    """Raise when an annotator has more than one vote on the same clip."""
    annotator_codes, annotators = pd.factorize(votes["annotator"].to_numpy())
    if (annotator_codes < 0).any():
        raise AnalysisInputError(
            f"{int((annotator_codes < 0).sum())} vote(s) have no annotator: fill it in or drop "
            "the annotator column"
        )
    pairs = clip_codes.astype(np.int64) * len(annotators) + annotator_codes
    n_pairs = (int(clip_codes.max()) + 1) * len(annotators)
    if n_pairs <= 4 * len(pairs) + 1_000_000:
        # Few enough possible pairs to count them all in one array: faster than hashing.
        unique = np.bincount(pairs, minlength=n_pairs).max() <= 1
    else:
        unique = pd.Index(pairs).is_unique
    if unique:
        return
    twice = pd.Series(pairs).duplicated().to_numpy()
    first = int(np.flatnonzero(twice)[0])
    raise AnalysisInputError(
        f"annotator {votes['annotator'].iloc[first]!r} voted more than once on clip "
        f"{votes['clip'].iloc[first]!r} ({int(twice.sum())} repeated vote(s)): keep one vote "
        "per clip and annotator"
    )


def check_threshold(threshold: int, n_raters: int) -> None:
    """Check that a single-label threshold suits the number of raters per clip.

    A clip gets label ``k`` when more than ``threshold`` (r) of its ``n_raters`` (n) votes
    went to ``k``. Two labels need 2(r + 1) <= n votes, so valid thresholds are
    floor(n/2) <= r <= n - 1 (for the default n = 10: 5..9, i.e. r < n/2 is refused); at n or
    above no clip could ever be labelled.

    Parameters
    ----------
    threshold : int
        The threshold r.
    n_raters : int
        The number of votes a complete clip has (n), at least 2.

    Returns
    -------
    None
        Returns nothing; raises when the pair is invalid.

    Raises
    ------
    AnalysisInputError
        Naming the valid range of thresholds for ``n_raters``.
    """
    n = whole_number(n_raters, "n_raters", minimum=2)
    r = whole_number(threshold, "threshold", minimum=None)
    low, high = n // 2, n - 1
    if r < low:
        raise AnalysisInputError(
            f"threshold {r} allows two labels for {n} raters (needs r >= {low}): "
            f"use a threshold from {low} to {high}"
        )
    if r > high:
        raise AnalysisInputError(
            f"threshold {r} can never be exceeded by {n} raters' votes (needs r <= {high}): "
            f"use a threshold from {low} to {high}"
        )


PAPER_THRESHOLD = 6  # DFEW's r: a single label needs more than 6 of 10 votes


def default_threshold(n_raters: int) -> int:
    """Return the paper's single-label threshold r = 6, moved into n/2..n-1 for other n."""
    return min(max(PAPER_THRESHOLD, n_raters // 2), n_raters - 1)


def single_labels(counts: pd.DataFrame, threshold: int, n_raters: int) -> pd.Series:
    """Return each clip's single label under the rule "more than ``threshold`` votes".

    Parameters
    ----------
    counts : DataFrame
        Vote counts as :func:`vote_counts` returns them (columns 1..k).
    threshold : int
        The threshold r; see :func:`check_threshold` for the valid range.
    n_raters : int
        The number of votes a complete clip has. Clips with any other total are incomplete
        (or over-filled) and are never labelled.

    Returns
    -------
    Series
        Named ``label``, same index as ``counts``, int64: the emotion code k (1..k) whose count
        exceeds ``threshold``, or 0 when no emotion does or the clip's total is not
        ``n_raters``.

    Raises
    ------
    AnalysisInputError
        On an invalid threshold or a malformed counts table.
    """
    check_threshold(threshold, n_raters)
    check_emotion_columns(counts)
    matrix = count_matrix(counts)
    if matrix.shape[0]:
        top = matrix.argmax(axis=1)
        chosen = (matrix.max(axis=1) > threshold) & (matrix.sum(axis=1) == n_raters)
        labels = np.where(chosen, top + 1, 0).astype(np.int64)
    else:
        labels = np.zeros(0, dtype=np.int64)
    return pd.Series(labels, index=counts.index, name="label")
