"""Tests for analysis.agreement: Fleiss' kappa, per-category kappas, bootstrap and bands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from analysis.agreement import (
    KappaReport,
    category_kappas,
    fleiss_kappa,
    kappa_bootstrap_ci,
    kappa_report,
    landis_koch,
)
from analysis.errors import AnalysisInputError

# Wikipedia, "Fleiss' kappa", section "Worked example": 10 subjects, 14 raters, 5 categories.
WIKIPEDIA_TABLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


def _rated_table(
    rng: np.random.Generator, n_clips: int, n: int, k: int, agree: float
) -> np.ndarray:
    """Counts of n votes per clip over k categories: a hidden category, agreement ``agree``."""
    truth = rng.integers(0, k, n_clips)
    votes = np.where(
        rng.random((n_clips, n)) < agree, truth[:, None], rng.integers(0, k, (n_clips, n))
    )
    return np.stack([(votes == j).sum(axis=1) for j in range(k)], axis=1)


@pytest.mark.parametrize("seed", range(30))
def test_equals_statsmodels_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_clips = int(rng.integers(5, 3000))
    n = int(rng.integers(2, 21))
    k = int(rng.integers(2, 10))
    shares = rng.dirichlet(np.ones(k))
    table = rng.multinomial(n, shares, size=n_clips)
    if (table.sum(axis=0) == n_clips * n).any():  # all votes in one category: undefined
        pytest.skip("degenerate draw")
    ours = fleiss_kappa(table)
    assert isinstance(ours, float)
    assert ours == pytest.approx(statsmodels_fleiss_kappa(table, method="fleiss"), abs=1e-12)
    frame = pd.DataFrame(table, columns=range(1, k + 1))
    assert fleiss_kappa(frame) == pytest.approx(ours, abs=1e-15)
    assert fleiss_kappa(table.astype(float)) == pytest.approx(ours, abs=1e-15)
    assert fleiss_kappa(frame.astype("Int64")) == pytest.approx(ours, abs=1e-15)


def test_equals_statsmodels_with_agreement() -> None:
    rng = np.random.default_rng(7)
    table = _rated_table(rng, 5000, 10, 7, agree=0.7)
    assert fleiss_kappa(table) == pytest.approx(statsmodels_fleiss_kappa(table), abs=1e-12)


def test_wikipedia_worked_example() -> None:
    """Wikipedia's "Fleiss' kappa" worked example (10 subjects, 14 raters, 5 categories).

    The page prints P̄ = 0.378, P̄_e = 0.213 and κ = 0.210 (three decimals); Fleiss (1971)
    Table 1 was not used.
    """
    kappa = fleiss_kappa(WIKIPEDIA_TABLE)
    assert round(kappa, 3) == 0.210
    assert kappa == pytest.approx(0.20993, abs=5e-6)


def test_category_kappas_match_definition_and_weighted_mean() -> None:
    rng = np.random.default_rng(3)
    table = _rated_table(rng, 400, 6, 5, agree=0.5)
    n_clips, n = table.shape[0], 6
    p = table.sum(axis=0) / (n_clips * n)
    direct = [
        1
        - sum(row[j] * (n - row[j]) for row in table) / (n_clips * n * (n - 1) * p[j] * (1 - p[j]))
        for j in range(table.shape[1])
    ]
    kappas = category_kappas(table)
    np.testing.assert_allclose(kappas, direct, rtol=0, atol=1e-12)
    # Fleiss (1971): overall kappa is the p_j (1 − p_j)-weighted mean of the κ_j.
    weights = p * (1 - p)
    assert fleiss_kappa(table) == pytest.approx((weights * kappas).sum() / weights.sum(), abs=1e-12)


def test_category_kappas_nan_for_unused_or_always_used() -> None:
    table = WIKIPEDIA_TABLE.copy()
    table = np.column_stack([table, np.zeros(len(table), dtype=int)])
    kappas = category_kappas(table)
    assert np.isnan(kappas[-1])
    assert not np.isnan(kappas[:-1]).any()
    always = category_kappas(np.array([[3, 0], [3, 0]]))
    assert np.isnan(always).all()


def test_unequal_vote_totals_refused() -> None:
    table = np.array([[8, 0, 0], [5, 5, 0], [3, 3, 3]])
    with pytest.raises(AnalysisInputError, match=r"between 8 and 10 votes.*complete clips"):
        fleiss_kappa(table)


def test_single_category_refused() -> None:
    with pytest.raises(AnalysisInputError, match="undefined"):
        fleiss_kappa(np.array([[0, 10, 0], [0, 10, 0]]))
    with pytest.raises(AnalysisInputError, match="at least 2 categories"):
        fleiss_kappa(np.array([[10], [10]]))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (np.zeros((0, 7), dtype=int), "no clips"),
        (np.array([[3, -1], [1, 1]]), "negative"),
        (np.array([[1, 0], [0, 1]]), "at least 2 votes"),
        (np.array([[1.5, 0.5], [1.0, 1.0]]), "fractional"),
        (np.array([1, 2, 3]), "2-D"),
        (np.array([["a", "b"]]), "not numbers"),
    ],
)
def test_malformed_tables_refused(table: np.ndarray, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        fleiss_kappa(table)


def test_bootstrap_contains_estimate_and_is_deterministic() -> None:
    table = _rated_table(np.random.default_rng(11), 300, 10, 7, agree=0.6)
    kappa = fleiss_kappa(table)
    low, high = kappa_bootstrap_ci(table, n_boot=500, seed=5)
    assert low < kappa < high
    assert kappa_bootstrap_ci(table, n_boot=500, seed=5) == (low, high)
    assert kappa_bootstrap_ci(table, n_boot=500, seed=6) != (low, high)
    narrower = kappa_bootstrap_ci(table, n_boot=500, level=0.5, seed=5)
    assert low < narrower[0] < narrower[1] < high


def test_bootstrap_narrows_with_more_clips() -> None:
    rng = np.random.default_rng(12)
    small = _rated_table(rng, 100, 10, 7, agree=0.6)
    large = _rated_table(rng, 10_000, 10, 7, agree=0.6)
    small_low, small_high = kappa_bootstrap_ci(small, n_boot=400)
    large_low, large_high = kappa_bootstrap_ci(large, n_boot=400)
    # The width shrinks like 1/sqrt(N): 100 times the clips, about a tenth of the width.
    assert (large_high - large_low) < 0.2 * (small_high - small_low)


def test_bootstrap_matches_resampling_clips() -> None:
    """The multinomial shortcut gives the interval that resampling whole clips gives."""
    table = _rated_table(np.random.default_rng(13), 300, 10, 7, agree=0.6)
    rng = np.random.default_rng(99)
    naive = [
        statsmodels_fleiss_kappa(table[rng.integers(0, len(table), len(table))])
        for _ in range(3000)
    ]
    naive_low, naive_high = np.quantile(naive, [0.025, 0.975])
    low, high = kappa_bootstrap_ci(table, n_boot=3000, seed=1)
    assert low == pytest.approx(naive_low, abs=0.006)
    assert high == pytest.approx(naive_high, abs=0.006)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_boot": 0}, "n_boot"),
        ({"level": 1.0}, "between 0 and 1"),
        ({"level": 0}, "between"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bootstrap_argument_checks(kwargs: dict, message: str) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        kappa_bootstrap_ci(WIKIPEDIA_TABLE, **kwargs)


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.3, "Poor"),
        (-1e-9, "Poor"),
        (0.0, "Slight"),
        (0.2, "Slight"),
        (0.2000001, "Fair"),
        (0.21, "Fair"),
        (0.4, "Fair"),
        (0.41, "Moderate"),
        (0.6, "Moderate"),
        (0.61, "Substantial"),
        (0.63, "Substantial"),  # DFEW, single-labelled clips
        (0.70, "Substantial"),  # DFEW, all clips
        (0.8, "Substantial"),
        (0.8000001, "Almost perfect"),
        (1.0, "Almost perfect"),
    ],
)
def test_landis_koch_bands(kappa: float, band: str) -> None:
    assert landis_koch(kappa) == band


@pytest.mark.parametrize("kappa", [float("nan"), 1.01, "high", None])
def test_landis_koch_refuses_non_kappas(kappa: object) -> None:
    with pytest.raises(AnalysisInputError):
        landis_koch(kappa)


def _counts_frame(table: np.ndarray, columns: list | None = None) -> pd.DataFrame:
    columns = columns or list(range(1, table.shape[1] + 1))
    index = pd.Index([f"{i:05d}" for i in range(len(table))], name="clip")
    return pd.DataFrame(table, index=index, columns=columns)


def test_kappa_report_leaves_out_incomplete_clips() -> None:
    table = _rated_table(np.random.default_rng(21), 500, 10, 7, agree=0.6)
    table[:, 5] = 0  # Disgust never chosen...
    table[:, 0] = 10 - table[:, 1:].sum(axis=1)  # ...its votes moved to Happy
    incomplete = np.array([[3, 2, 0, 0, 0, 0, 0], [12, 0, 0, 0, 0, 0, 0]])
    counts = _counts_frame(np.vstack([table, incomplete]))
    report = kappa_report(counts, n_raters=10, n_boot=200, seed=3)
    assert isinstance(report, KappaReport)
    assert report.n_clips == 500
    assert report.n_left_out == 2
    assert report.n_raters == 10
    assert report.kappa == pytest.approx(statsmodels_fleiss_kappa(table), abs=1e-12)
    assert report.ci_low < report.kappa < report.ci_high
    assert list(report.per_category) == [
        "Happy",
        "Sad",
        "Neutral",
        "Angry",
        "Surprise",
        "Disgust",
        "Fear",
    ]
    assert report.per_category["Disgust"] is None
    assert report.interpretation == landis_koch(report.kappa)
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["per_category"]["Disgust"] is None
    assert data["n_left_out"] == 2


def test_kappa_report_names_other_columns() -> None:
    report = kappa_report(_counts_frame(WIKIPEDIA_TABLE, list("ABCDE")), n_raters=14, n_boot=50)
    assert list(report.per_category) == ["A", "B", "C", "D", "E"]
    assert round(report.kappa, 3) == 0.210


def test_kappa_report_without_complete_clips() -> None:
    counts = _counts_frame(np.array([[3, 2, 0, 0, 0, 0, 0]]))
    with pytest.raises(AnalysisInputError, match="no clip has all 10 votes yet"):
        kappa_report(counts, n_raters=10)
