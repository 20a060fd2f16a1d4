"""Tests for analysis.krippendorff: nominal alpha by hand, on published data and against kappa."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.agreement import fleiss_kappa
from analysis.errors import AnalysisInputError
from analysis.krippendorff import krippendorff_alpha


def test_alpha_of_a_small_table_computed_by_hand() -> None:
    # Clip 1: votes 1, 1, 2 (m = 3); clip 2: votes 2, 2 (m = 2); clip 3: one vote (left out).
    # o_11 = 2·1/2 = 1, o_22 = 0 + 2·1/1 = 2, so Σ o_cc = 3; n_1 = 2, n_2 = 3, n = 5;
    # Σ n_c (n_c − 1) = 2 + 6 = 8; α = (4·3 − 8) / (5·4 − 8) = 4 / 12 = 1/3.
    counts = [[2, 1, 0], [0, 2, 0], [0, 0, 1]]
    assert krippendorff_alpha(counts) == pytest.approx(1 / 3, abs=1e-12)


def test_alpha_on_krippendorffs_published_example() -> None:
    # Krippendorff (2011), section C: 4 observers, 12 units, values 1..5 with missing data;
    # nominal alpha 0.743 as published (unit 12 has a single value and is left out).
    observers = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    counts = np.zeros((12, 5), dtype=int)
    for values in observers:
        for unit, value in enumerate(values):
            if value is not None:
                counts[unit, value - 1] += 1
    assert krippendorff_alpha(counts) == pytest.approx(0.743, abs=5e-4)


def test_alpha_follows_fleiss_kappa_on_complete_clips() -> None:
    rng = np.random.default_rng(7)
    n_clips, raters = 200, 10
    truth = rng.integers(0, 7, n_clips)
    counts = np.zeros((n_clips, 7), dtype=int)
    for clip in range(n_clips):
        noisy = rng.random(raters) < 0.35
        votes = np.where(noisy, rng.integers(0, 7, raters), truth[clip])
        np.add.at(counts[clip], votes, 1)
    kappa, alpha = fleiss_kappa(counts), krippendorff_alpha(counts)
    votes = n_clips * raters
    assert alpha == pytest.approx(1 - (1 - kappa) * (votes - 1) / votes, abs=1e-12)
    assert abs(alpha - kappa) <= (1 - kappa) / votes
    # Taking a random vote away from every third clip leaves alpha close; kappa cannot take
    # such a table.
    partial = counts.copy()
    for clip in range(0, n_clips, 3):
        partial[clip, rng.choice(7, p=counts[clip] / raters)] -= 1
    assert krippendorff_alpha(partial) == pytest.approx(alpha, abs=0.05)
    with pytest.raises(AnalysisInputError):
        fleiss_kappa(partial)


@pytest.mark.parametrize(
    ("counts", "message"),
    [([[1, 0], [0, 1]], "no clip has 2"), ([[3, 0], [2, 0]], "same category")],
)
def test_alpha_refuses_tables_without_an_answer(counts, message) -> None:
    with pytest.raises(AnalysisInputError, match=message):
        krippendorff_alpha(counts)
