"""PNG figures of the label distribution by duration and of vote agreement.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot, so no global state and no
display needed), with fixed size, resolution and metadata: the same input gives the same file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.atomic import atomic_write_bytes
from analysis.checks import count_matrix, whole_number
from analysis.errors import AnalysisInputError

_DPI = 100
_SIZE_IN = (8.0, 4.5)


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Render ``figure`` as PNG and write it atomically to ``path``; return the path."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # No "Software" entry: the file then does not change with the matplotlib version.
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, buffer.getvalue())
    return target


def plot_duration_distribution(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Draw the label distribution per duration bucket as a grouped bar chart.

    Parameters
    ----------
    table : DataFrame
        Emotion × duration-bucket counts as :func:`analysis.durations.duration_table` returns
        them; "Total" rows and columns are ignored.
    path : str or PathLike
        Where to write the PNG; missing parent folders are created.

    Returns
    -------
    pathlib.Path
        The path of the written PNG (800 × 450 pixels).

    Raises
    ------
    AnalysisInputError
        When the table has no emotion rows or no bucket columns, or holds non-count values.
    """
    if not isinstance(table, pd.DataFrame):
        raise AnalysisInputError(
            f"table must be a pandas DataFrame, got {type(table).__name__}: "
            "build it with analysis.durations.duration_table"
        )
    body = table.drop(index="Total", columns="Total", errors="ignore")
    if body.empty:
        raise AnalysisInputError(
            "the duration table has no emotion rows or bucket columns: "
            "build it with analysis.durations.duration_table"
        )
    counts = count_matrix(body)
    figure = Figure(figsize=_SIZE_IN)
    axes = figure.add_subplot()
    n_emotions, n_buckets = counts.shape
    width = 0.8 / n_emotions
    positions = np.arange(n_buckets)
    for row, emotion in enumerate(body.index):
        offset = (row - (n_emotions - 1) / 2) * width
        axes.bar(positions + offset, counts[row], width=width, label=str(emotion))
    axes.set_xticks(positions, [str(bucket) for bucket in body.columns])
    axes.set_xlabel("clip duration")
    axes.set_ylabel("single-labelled clips")
    axes.set_title("Single labels by clip duration")
    axes.legend(ncols=2, fontsize="small", frameon=False)
    figure.tight_layout()
    return _save(figure, path)


def plot_vote_agreement(
    counts: pd.DataFrame, path: str | os.PathLike[str], threshold: int | None = None
) -> Path:
    """Draw a histogram of each clip's top-emotion vote count (how far raters agree).

    Parameters
    ----------
    counts : DataFrame
        Vote counts, one row per clip (as :func:`analysis.vote_counts.vote_counts` returns them).
    path : str or PathLike
        Where to write the PNG; missing parent folders are created.
    threshold : int, optional
        The single-label threshold r; when given, a line marks it: clips right of the line
        (more than r votes for one emotion) are single-labelled.

    Returns
    -------
    pathlib.Path
        The path of the written PNG (800 × 450 pixels).

    Raises
    ------
    AnalysisInputError
        When ``counts`` has no clips or is not a table of vote counts.
    """
    matrix = count_matrix(counts)
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise AnalysisInputError("the vote-count table has no clips: collect votes first")
    top = matrix.max(axis=1)
    most = int(max(top.max(), matrix.sum(axis=1).max()))
    clips_per_value = np.bincount(top, minlength=most + 1)
    figure = Figure(figsize=_SIZE_IN)
    axes = figure.add_subplot()
    axes.bar(np.arange(most + 1), clips_per_value, width=0.9, color="tab:blue")
    axes.set_xticks(np.arange(most + 1))
    axes.set_xlabel("votes for the clip's most-voted emotion")
    axes.set_ylabel("clips")
    axes.set_title(f"Vote agreement over {matrix.shape[0]:,} clips")
    if threshold is not None:
        r = whole_number(threshold, "threshold", minimum=0)
        axes.axvline(r + 0.5, color="tab:red", linestyle="--", label=f"single label: > {r} votes")
        axes.legend(frameon=False)
    figure.tight_layout()
    return _save(figure, path)
