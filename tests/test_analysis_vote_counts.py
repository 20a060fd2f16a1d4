"""Tests for analysis.vote_counts: vote counts, the threshold and single labels."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisInputError
from analysis.vote_counts import (
    check_threshold,
    default_threshold,
    single_labels,
    vote_counts,
)


def _counts(rows: dict[str, list[int]]) -> pd.DataFrame:
    """A counts frame from clip -> seven counts."""
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=range(1, 8))
    frame.index.name = "clip"
    return frame.astype("int64")


def test_vote_counts_small_table() -> None:
    votes = pd.DataFrame(
        {
            "clip": ["b", "a", "b", "a", "a", "c"],
            "annotator": ["x", "x", "y", "y", "z", "x"],
            "emotion": [1, 7, 1, 3, 7, 2],
        }
    )
    counts = vote_counts(votes)
    assert counts.index.name == "clip"
    assert list(counts.index) == ["a", "b", "c"]
    assert list(counts.columns) == list(range(1, 8))
    assert (counts.dtypes == "int64").all()
    expected = np.array(
        [[0, 0, 1, 0, 0, 0, 2], [2, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0]], dtype=np.int64
    )
    np.testing.assert_array_equal(counts.to_numpy(), expected)


def test_vote_counts_integer_clips_and_fewer_categories() -> None:
    votes = pd.DataFrame({"clip": [30, 4, 30, 100], "emotion": [3, 1, 3, 2]})
    counts = vote_counts(votes, n_categories=3)
    assert list(counts.index) == [4, 30, 100]  # numeric order, not string order
    np.testing.assert_array_equal(counts.to_numpy(), [[1, 0, 0], [0, 0, 2], [0, 1, 0]])


def test_vote_counts_without_annotator_allows_repeats() -> None:
    votes = pd.DataFrame({"clip": ["a", "a"], "emotion": [2, 2]})
    assert vote_counts(votes).loc["a", 2] == 2


def test_duplicate_clip_annotator_refused() -> None:
    votes = pd.DataFrame(
        {"clip": ["a", "b", "a"], "annotator": ["x", "x", "x"], "emotion": [1, 2, 3]}
    )
    with pytest.raises(AnalysisInputError, match=r"annotator 'x' voted more than once on clip 'a'"):
        vote_counts(votes)


@pytest.mark.parametrize("bad", [0, 8, -3])
def test_emotion_out_of_range_refused(bad: int) -> None:
    votes = pd.DataFrame({"clip": ["a", "b"], "emotion": [1, bad]})
    with pytest.raises(AnalysisInputError, match=rf"emotion {bad} .*outside 1\.\.7"):
        vote_counts(votes)


def test_emotion_name_instead_of_code_refused() -> None:
    votes = pd.DataFrame({"clip": ["a", "b"], "emotion": ["3", "happy"]})
    with pytest.raises(AnalysisInputError, match="'happy'.*emotion_code"):
        vote_counts(votes)


def test_emotion_digit_strings_accepted() -> None:
    votes = pd.DataFrame({"clip": ["a", "b"], "emotion": ["3", "7"]})
    assert vote_counts(votes).loc["b", 7] == 1


def test_missing_column_and_missing_clip_refused() -> None:
    with pytest.raises(AnalysisInputError, match="lack column.*emotion"):
        vote_counts(pd.DataFrame({"clip": ["a"], "label": [1]}))
    with pytest.raises(AnalysisInputError, match="1 vote.*no clip"):
        vote_counts(pd.DataFrame({"clip": ["a", None], "emotion": [1, 2]}))


def test_vote_counts_empty() -> None:
    counts = vote_counts(pd.DataFrame({"clip": [], "annotator": [], "emotion": []}))
    assert counts.shape == (0, 7)
    assert list(counts.columns) == list(range(1, 8))


def _random_votes(n_clips: int) -> pd.DataFrame:
    """Ten votes per clip from ten raters, emotions drawn uniformly (seeded)."""
    rng = np.random.default_rng(1)
    names = np.array([f"{i:06d}" for i in range(n_clips)], dtype=object)
    raters = np.array([f"rater{j}" for j in range(10)], dtype=object)
    return pd.DataFrame(
        {
            "clip": np.repeat(names, 10),
            "annotator": np.tile(raters, n_clips),
            "emotion": rng.integers(1, 8, n_clips * 10),
        }
    )


def _python_lines(function, *args) -> int:
    """Return how many Python lines running ``function(*args)`` executes (calls included)."""
    lines = 0

    def trace(frame, event, arg):
        nonlocal lines
        lines += 1
        return trace

    sys.settrace(trace)
    try:
        function(*args)
    finally:
        sys.settrace(None)
    return lines


def test_vote_counts_million_rows_is_vectorised() -> None:
    # A per-row Python loop would run ~100x more Python lines for 100x more votes; the
    # vectorised path runs about the same number whatever the size (timing belongs in bench/).
    small, large = _random_votes(1_000), _random_votes(100_000)
    counts = vote_counts(large)
    assert counts.to_numpy().sum(axis=1).tolist() == [10] * 100_000
    assert _python_lines(vote_counts, large) < 2 * _python_lines(vote_counts, small)


@pytest.mark.parametrize(("n", "expected"), [(10, 6), (20, 10), (5, 4), (2, 1), (12, 6)])
def test_default_threshold_is_the_papers_r_moved_into_the_valid_range(n: int, expected: int):
    assert default_threshold(n) == expected
    check_threshold(expected, n)  # always a threshold the rule accepts


@pytest.mark.parametrize(("n", "low", "high"), [(10, 5, 9), (5, 2, 4), (2, 1, 1), (3, 1, 2)])
def test_check_threshold_valid_range(n: int, low: int, high: int) -> None:
    for r in range(low, high + 1):
        check_threshold(r, n)
        assert 2 * (r + 1) > n  # no clip can have two emotions above r
    assert 2 * low <= n  # one below the range, two labels are possible
    with pytest.raises(AnalysisInputError, match=rf"allows two labels.*from {low} to {high}"):
        check_threshold(low - 1, n)
    with pytest.raises(AnalysisInputError, match=rf"never be exceeded.*from {low} to {high}"):
        check_threshold(high + 1, n)


def test_check_threshold_message_is_actionable() -> None:
    with pytest.raises(AnalysisInputError) as caught:
        check_threshold(4, 10)
    assert str(caught.value) == (
        "threshold 4 allows two labels for 10 raters (needs r >= 5): use a threshold from 5 to 9"
    )


@pytest.mark.parametrize(("threshold", "n_raters"), [(0, 1), (6.0, 10), ("6", 10), (True, 2)])
def test_check_threshold_refuses_bad_types(threshold: object, n_raters: object) -> None:
    with pytest.raises(AnalysisInputError):
        check_threshold(threshold, n_raters)


def test_single_labels_threshold_boundary() -> None:
    counts = _counts(
        {
            "exactly_r": [6, 4, 0, 0, 0, 0, 0],  # 6 votes is not more than r = 6
            "r_plus_1": [0, 0, 0, 0, 0, 3, 7],
            "all_ten": [0, 10, 0, 0, 0, 0, 0],
            "incomplete": [9, 0, 0, 0, 0, 0, 0],  # 9 > 6 but only 9 of 10 votes
            "overfilled": [11, 0, 0, 0, 0, 0, 0],
            "spread": [2, 2, 2, 1, 1, 1, 1],
        }
    )
    labels = single_labels(counts, threshold=6, n_raters=10)
    assert labels.name == "label"
    assert labels.dtype == np.int64
    assert labels.index.equals(counts.index)
    assert labels.to_dict() == {
        "exactly_r": 0,
        "r_plus_1": 7,
        "all_ten": 2,
        "incomplete": 0,
        "overfilled": 0,
        "spread": 0,
    }
    # The same clip at r = 5 is labelled: 6 > 5.
    assert single_labels(counts, threshold=5, n_raters=10)["exactly_r"] == 1


def test_single_labels_checks_threshold_and_columns() -> None:
    counts = _counts({"a": [10, 0, 0, 0, 0, 0, 0]})
    with pytest.raises(AnalysisInputError, match="allows two labels"):
        single_labels(counts, threshold=4, n_raters=10)
    with pytest.raises(AnalysisInputError, match="emotion codes"):
        single_labels(counts[[2, 1, 3, 4, 5, 6, 7]], threshold=6, n_raters=10)
    with pytest.raises(AnalysisInputError, match="negative"):
        single_labels(counts * -1, threshold=6, n_raters=10)


def test_single_labels_empty() -> None:
    labels = single_labels(_counts({}), threshold=6, n_raters=10)
    assert len(labels) == 0


def test_vote_counts_sorts_names_as_python_does() -> None:
    names = ["é1", "z", "a", "Z", "ä", "a10", "a9"]
    votes = pd.DataFrame({"clip": names, "emotion": [1] * len(names)})
    assert list(vote_counts(votes).index) == sorted(names)


def test_vote_counts_refuses_unsortable_clip_names() -> None:
    votes = pd.DataFrame({"clip": pd.Series(["a", 3], dtype=object), "emotion": [1, 2]})
    with pytest.raises(AnalysisInputError, match="mix types"):
        vote_counts(votes)
