"""Input checks shared by the analysis modules: count tables, clip indexes, whole numbers."""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from analysis.errors import AnalysisInputError


def count_matrix(counts: ArrayLike | pd.DataFrame) -> np.ndarray:
    """Return a table of vote counts as a 2-D int64 array after checking it.

    Parameters
    ----------
    counts : array_like or DataFrame
        Clips in rows, categories in columns, non-negative whole numbers (integer or
        integral floating-point values).

    Returns
    -------
    numpy.ndarray
        The counts as int64, shape (clips, categories); a view where no conversion is needed.

    Raises
    ------
    AnalysisInputError
        When the table is not 2-D, is not numeric, holds NaN, fractions or negative numbers.
    """
    try:
        if isinstance(counts, pd.DataFrame) and any(
            isinstance(dtype, pd.api.extensions.ExtensionDtype) for dtype in counts.dtypes
        ):
            # Nullable columns (Int64 …) would otherwise become an object array.
            table = counts.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            table = np.asarray(counts)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(
            f"vote counts could not be read as a table ({exc}): pass a clips × categories "
            "table of whole numbers"
        ) from exc
    if table.ndim != 2:
        raise AnalysisInputError(
            f"vote counts must be a 2-D clips × categories table, got {table.ndim} dimension(s):"
            " pass one row per clip and one column per category"
        )
    if table.dtype.kind in "iu":
        matrix = table.astype(np.int64, copy=False)
    elif table.dtype.kind == "f":
        if not np.isfinite(table).all() or not (table == np.round(table)).all():
            raise AnalysisInputError(
                "vote counts hold NaN, infinite or fractional values: pass whole vote counts "
                "(fill clips without votes with 0)"
            )
        matrix = table.astype(np.int64)
    else:
        raise AnalysisInputError(
            f"vote counts have dtype {table.dtype}, not numbers: pass integer vote counts"
        )
    if matrix.size and matrix.min() < 0:
        raise AnalysisInputError(
            f"vote counts hold a negative number ({matrix.min()}): counts are numbers of votes, "
            "0 or more"
        )
    return matrix


def check_emotion_columns(counts: pd.DataFrame) -> None:
    """Check that a counts frame's columns are the codes 1..k in order, as vote_counts gives.

    Parameters
    ----------
    counts : DataFrame
        Vote counts with one column per emotion code.

    Returns
    -------
    None
        Returns nothing; raises when the columns are anything else.

    Raises
    ------
    AnalysisInputError
        When ``counts`` is not a DataFrame or its columns are not 1..k.
    """
    if not isinstance(counts, pd.DataFrame):
        raise AnalysisInputError(
            f"vote counts must be a pandas DataFrame, got {type(counts).__name__}: "
            "build it with analysis.vote_counts.vote_counts"
        )
    expected = list(range(1, counts.shape[1] + 1))
    if list(counts.columns) != expected:
        raise AnalysisInputError(
            f"vote-count columns are {list(counts.columns)}, expected the emotion codes "
            f"{expected}: build the table with analysis.vote_counts.vote_counts"
        )


def check_unique_index(frame: pd.Series | pd.DataFrame, what: str) -> None:
    """Check that a frame's index (its clip names) has no repeated entry.

    Parameters
    ----------
    frame : Series or DataFrame
        A table indexed by clip.
    what : str
        What the table is, for the message (``"labels"``).

    Returns
    -------
    None
        Returns nothing; raises when a clip appears twice.

    Raises
    ------
    AnalysisInputError
        Naming the first repeated clip.
    """
    repeated = frame.index[frame.index.duplicated()]
    if len(repeated):
        raise AnalysisInputError(
            f"{what} list clip {repeated[0]!r} more than once ({len(repeated)} repeats): "
            "give one row per clip"
        )


def whole_number(value: int, name: str, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int after checking it is a whole number >= ``minimum``.

    Parameters
    ----------
    value : int
        The number to check (a Python or NumPy integer; bools are refused).
    name : str
        The parameter's name, for the message.
    minimum : int, optional
        The smallest accepted value.

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    AnalysisInputError
        When ``value`` is not an integer or is below ``minimum``.
    """
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise AnalysisInputError(
            f"{name} must be a whole number, got {value!r}: pass an int"
        ) from None
    if minimum is not None and number < minimum:
        raise AnalysisInputError(f"{name} is {number}: use a whole number of at least {minimum}")
    return number


def label_codes(labels: pd.Series, n_categories: int = 7) -> np.ndarray:
    """Return a Series of single labels as int64 codes after checking them.

    Parameters
    ----------
    labels : Series
        Labels indexed by clip: 0 (not single-labelled) or a code 1..n_categories.
    n_categories : int, default 7
        The number of emotion categories.

    Returns
    -------
    numpy.ndarray
        The labels as int64, in the Series' order.

    Raises
    ------
    AnalysisInputError
        When ``labels`` is not a Series, lists a clip twice, or holds anything but 0..k.
    """
    if not isinstance(labels, pd.Series):
        raise AnalysisInputError(
            f"labels must be a pandas Series indexed by clip, got {type(labels).__name__}: "
            "build them with analysis.vote_counts.single_labels"
        )
    check_unique_index(labels, "labels")
    codes = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(codes) | (codes != np.round(codes)) | (codes < 0) | (codes > n_categories)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisInputError(
            f"{int(bad.sum())} label(s) are not 0..{n_categories} (e.g. "
            f"{labels.iloc[first]!r} for clip {labels.index[first]!r}): use 0 for "
            f"not single-labelled, else the emotion code 1..{n_categories}"
        )
    return codes.astype(np.int64)
