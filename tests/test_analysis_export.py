"""Tests for analysis.export: stratified folds (its files: test_dfew_build_label_export)."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisInputError
from analysis.export import assign_folds
from analysis.vote_counts import single_labels


def dataset(n_clips: int = 600, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Counts of 10 votes per clip (some clips incomplete) and their single labels at r = 6."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(7, size=n_clips, p=[0.21, 0.16, 0.23, 0.19, 0.13, 0.02, 0.06])
    agree = rng.random((n_clips, 10)) < 0.7
    votes = np.where(agree, truth[:, None], rng.integers(0, 7, (n_clips, 10)))
    table = np.stack([(votes == j).sum(axis=1) for j in range(7)], axis=1)
    table[::50, 0] = np.maximum(table[::50, 0] - 1, 0)  # a few clips lack a vote
    index = pd.Index([f"{i + 1:05d}" for i in range(n_clips)], name="clip")
    counts = pd.DataFrame(table, index=index, columns=range(1, 8))
    return counts, single_labels(counts, threshold=6, n_raters=10)


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _check_balanced(labels: pd.Series, folds: pd.Series, n_folds: int) -> None:
    labelled = labels[labels > 0]
    assert sorted(folds.index) == sorted(labelled.index)
    assert set(folds.unique()) == set(range(1, n_folds + 1))
    sizes = folds.value_counts()
    assert sizes.max() - sizes.min() <= 1
    per_class = pd.crosstab(labelled, folds.reindex(labelled.index)).reindex(
        columns=range(1, n_folds + 1), fill_value=0
    )
    assert ((per_class.max(axis=1) - per_class.min(axis=1)) <= 1).all()


def test_assign_folds_stratified_and_balanced() -> None:
    _, labels = dataset()
    folds = assign_folds(labels, n_folds=5, seed=3)
    assert folds.name == "fold"
    assert folds.dtype == np.int64
    assert folds.index.is_monotonic_increasing
    _check_balanced(labels, folds, 5)


def test_assign_folds_does_not_depend_on_input_order() -> None:
    _, labels = dataset()
    shuffled = labels.sample(frac=1.0, random_state=1)
    pd.testing.assert_series_equal(assign_folds(shuffled, seed=4), assign_folds(labels, seed=4))
    assert not assign_folds(labels, seed=5).equals(assign_folds(labels, seed=4))


def test_assign_folds_with_a_class_rarer_than_folds() -> None:
    _, labels = dataset()
    disgust = labels.index[labels == 6]
    labels[disgust[2:]] = 0  # leave Disgust with 2 clips, fewer than 5 folds
    assert (labels == 6).sum() == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # StratifiedKFold would warn here
        folds = assign_folds(labels, n_folds=5, seed=0)
    _check_balanced(labels, folds, 5)
    assert folds[labels.index[labels == 6]].nunique() == 2


def test_assign_folds_when_every_class_is_rare() -> None:
    labels = pd.Series({"a": 1, "b": 1, "c": 2, "d": 3, "e": 3, "f": 0, "g": 7})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        folds = assign_folds(labels, n_folds=5, seed=2)
    _check_balanced(labels, folds, 5)
    assert folds["a"] != folds["b"] and folds["d"] != folds["e"]
    pd.testing.assert_series_equal(folds, assign_folds(labels, n_folds=5, seed=2))


@pytest.mark.parametrize(
    ("n_folds", "message"), [(1, "at least 2"), (7, "7 folds need at least 7"), (2.5, "whole")]
)
def test_assign_folds_argument_checks(n_folds: object, message: str) -> None:
    labels = pd.Series({"a": 1, "b": 2, "c": 3, "d": 0, "e": 4, "f": 5})
    with pytest.raises(AnalysisInputError, match=message):
        assign_folds(labels, n_folds=n_folds)
