"""Clip durations in the DFEW paper's three buckets, and its Table 2 (emotion × duration).

The paper's Table 2 names the buckets "0-2s", "2-5s" and "5s+" without saying where a clip of
exactly 2 s or 5 s goes. Here every bucket includes its lower bound and excludes its upper one:
[0, 2) s, [2, 5) s and [5, ∞) s, so a 2.0 s clip is "2-5s" and a 5.0 s clip is "5s+".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.checks import check_unique_index, label_codes
from analysis.emotions import EMOTIONS, N_EMOTIONS
from analysis.errors import AnalysisInputError

BUCKETS: tuple[str, ...] = ("0-2s", "2-5s", "5s+")
_EDGES_S = np.array([2.0, 5.0])  # lower bounds of the second and third buckets, in seconds


def _bucket_index(seconds: ArrayLike) -> np.ndarray:
    """Return the bucket number (0, 1, 2) of each duration, checking the durations."""
    try:
        values = np.asarray(seconds, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(
            f"durations could not be read as numbers ({exc}): pass durations in seconds"
        ) from exc
    bad = np.isnan(values) | (values < 0)
    if bad.any():
        first = values[bad].flat[0]
        raise AnalysisInputError(
            f"{int(bad.sum())} duration(s) are negative or missing (e.g. {first}): "
            "pass each clip's length in seconds, 0 or more, and leave out clips without one"
        )
    return np.searchsorted(_EDGES_S, values, side="right")


def duration_bucket(seconds: ArrayLike) -> np.ndarray:
    """Return the duration bucket of each clip length.

    Parameters
    ----------
    seconds : array_like
        Clip durations in seconds (a scalar or an array of any shape).

    Returns
    -------
    numpy.ndarray
        Object array of the same shape holding bucket names from :data:`BUCKETS`: "0-2s" for
        [0, 2) s, "2-5s" for [2, 5) s, "5s+" for 5 s and longer.

    Raises
    ------
    AnalysisInputError
        When a duration is negative, NaN or not a number.
    """
    names = np.array(BUCKETS, dtype=object)[_bucket_index(seconds)]
    return np.asarray(names, dtype=object)  # a 0-d array, not a str, for a scalar input


def duration_table(labels: pd.Series, durations_s: pd.Series) -> pd.DataFrame:
    """Return the DFEW paper's Table 2: single-labelled clips by emotion and duration bucket.

    Parameters
    ----------
    labels : Series
        Single labels indexed by clip: 0 (not single-labelled; ignored) or an emotion code
        1..7.
    durations_s : Series
        Clip durations in seconds indexed by clip; aligned with ``labels`` on the index. Clips
        without a label may be missing.

    Returns
    -------
    DataFrame
        int64 numbers of clips. Rows: the seven emotion names, then "Total"; columns: the
        three buckets of :data:`BUCKETS`, then "Total".

    Raises
    ------
    AnalysisInputError
        On a label outside 0..7, a clip listed twice, or a labelled clip without a duration.
    """
    codes = label_codes(labels, N_EMOTIONS)
    if not isinstance(durations_s, pd.Series):
        raise AnalysisInputError(
            f"durations must be a pandas Series indexed by clip, got {type(durations_s).__name__}"
        )
    check_unique_index(durations_s, "durations")
    labelled = codes > 0
    seconds = durations_s.reindex(labels.index[labelled])
    missing = seconds.isna()
    if missing.any():
        raise AnalysisInputError(
            f"{int(missing.sum())} labelled clip(s) have no duration (e.g. "
            f"{missing.index[missing][0]!r}): give their durations or leave them out of labels"
        )
    cells = (codes[labelled] - 1) * len(BUCKETS) + _bucket_index(seconds)
    grid = np.bincount(cells, minlength=N_EMOTIONS * len(BUCKETS)).reshape(N_EMOTIONS, -1)
    table = pd.DataFrame(
        grid.astype(np.int64),
        index=pd.Index(list(EMOTIONS), name="emotion"),
        columns=pd.Index(list(BUCKETS), name="duration"),
    )
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


def duration_percentages(table: pd.DataFrame) -> pd.DataFrame:
    """Return a count table's cells as percentages of its grand total.

    Parameters
    ----------
    table : DataFrame
        Counts as :func:`duration_table` returns them; the grand total is its "Total"/"Total"
        cell when both exist, else the sum of all cells.

    Returns
    -------
    DataFrame
        Same shape and labels, float64 percentages from 0 to 100.

    Raises
    ------
    AnalysisInputError
        When the table holds no clips (percentages undefined).
    """
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError(
            f"table must be a pandas DataFrame, got {type(table).__name__}: "
            "build it with duration_table"
        )
    if "Total" in table.index and "Total" in table.columns:
        grand_total = table.loc["Total", "Total"]
    else:
        grand_total = table.to_numpy().sum()
    if not grand_total > 0:
        raise AnalysisInputError(
            "the table holds no clips, so percentages are undefined: label some clips first"
        )
    return table.astype(np.float64) * (100.0 / float(grand_total))
