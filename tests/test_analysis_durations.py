"""Tests for analysis.durations: the duration buckets and the paper's Table 2."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.durations import BUCKETS, duration_bucket, duration_percentages, duration_table
from analysis.emotions import EMOTIONS
from analysis.errors import AnalysisInputError


def test_bucket_boundaries() -> None:
    seconds = [0.0, 1.999, 2.0, 4.999, 5.0, 37.5]
    assert duration_bucket(seconds).tolist() == ["0-2s", "0-2s", "2-5s", "2-5s", "5s+", "5s+"]


def test_bucket_keeps_shape() -> None:
    buckets = duration_bucket(np.array([[1.0, 3.0], [6.0, 2.0]]))
    assert buckets.shape == (2, 2)
    assert buckets[1, 0] == "5s+"
    assert duration_bucket(np.float64(2.5)).item() == "2-5s"


@pytest.mark.parametrize("bad", [[-0.1], [1.0, np.nan], ["long"]])
def test_bucket_refuses_negative_missing_or_text(bad: list) -> None:
    with pytest.raises(AnalysisInputError):
        duration_bucket(bad)


def _labels_and_durations() -> tuple[pd.Series, pd.Series]:
    labels = pd.Series(
        {"c1": 1, "c2": 1, "c3": 3, "c4": 7, "c5": 0, "c6": 7, "c7": 2},
        name="label",
    )
    # Listed in another order than the labels, and c5 (not labelled) has no duration.
    durations = pd.Series({"c7": 5.0, "c6": 1.999, "c4": 2.0, "c3": 4.999, "c2": 0.4, "c1": 9.0})
    return labels, durations


def test_duration_table_counts_and_totals() -> None:
    labels, durations = _labels_and_durations()
    table = duration_table(labels, durations)
    assert list(table.index) == [*EMOTIONS, "Total"]
    assert list(table.columns) == [*BUCKETS, "Total"]
    assert (table.dtypes == "int64").all()
    assert table.loc["Happy"].tolist() == [1, 0, 1, 2]
    assert table.loc["Sad"].tolist() == [0, 0, 1, 1]
    assert table.loc["Neutral"].tolist() == [0, 1, 0, 1]
    assert table.loc["Fear"].tolist() == [1, 1, 0, 2]
    assert table.loc["Disgust"].tolist() == [0, 0, 0, 0]
    assert table.loc["Total"].tolist() == [2, 2, 2, 6]
    body = table.iloc[:-1, :-1]
    assert (body.sum(axis=1) == table["Total"].iloc[:-1]).all()
    assert (body.sum(axis=0) == table.loc["Total"].iloc[:-1]).all()


def test_duration_table_refuses_labelled_clip_without_duration() -> None:
    labels, durations = _labels_and_durations()
    with pytest.raises(AnalysisInputError, match=r"2 labelled clip\(s\) have no duration"):
        duration_table(labels, durations.drop(["c1", "c4"]))
    durations["c3"] = np.nan
    with pytest.raises(AnalysisInputError, match=r"1 labelled clip\(s\) have no duration.*'c3'"):
        duration_table(labels, durations)


def test_duration_table_refuses_bad_labels_and_repeats() -> None:
    labels, durations = _labels_and_durations()
    with pytest.raises(AnalysisInputError, match="not 0..7"):
        duration_table(labels.replace(7, 8), durations)
    with pytest.raises(AnalysisInputError, match="more than once"):
        duration_table(pd.concat([labels, labels.iloc[:1]]), durations)


def test_duration_percentages() -> None:
    labels, durations = _labels_and_durations()
    percent = duration_percentages(duration_table(labels, durations))
    assert percent.loc["Total", "Total"] == pytest.approx(100.0)
    assert percent.iloc[:-1, :-1].to_numpy().sum() == pytest.approx(100.0)
    assert percent.loc["Happy", "Total"] == pytest.approx(100 * 2 / 6)
    assert (percent.dtypes == "float64").all()


def test_duration_percentages_of_empty_table_refused() -> None:
    table = duration_table(pd.Series({"a": 0}), pd.Series(dtype=float))
    assert table.loc["Total", "Total"] == 0
    with pytest.raises(AnalysisInputError, match="no clips"):
        duration_percentages(table)
