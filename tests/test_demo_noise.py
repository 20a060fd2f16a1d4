"""The simulated annotators' noise model does what its documentation says."""

from __future__ import annotations

import numpy as np

from dfew_build.demo.noise import DFEW_CLASS_COUNTS, NoiseModel


def test_votes_name_the_truth_with_the_annotators_skill() -> None:
    rng = np.random.default_rng(0)
    votes = np.array([NoiseModel.vote(4, 0.8, rng) for _ in range(20_000)])
    assert abs(np.mean(votes == 4) - 0.8) < 0.01
    # Slips go to the six other emotions alike, never outside 1..7.
    slips = np.bincount(votes[votes != 4], minlength=8)[1:]
    assert slips[3] == 0 and set(np.unique(votes)) <= set(range(1, 8))
    shares = np.delete(slips, 3) / slips.sum()
    assert np.all(np.abs(shares - 1 / 6) < 0.015)


def test_truth_follows_dfew_class_frequencies_and_skills_their_range() -> None:
    rng = np.random.default_rng(1)
    model = NoiseModel(skill_low=0.7, skill_high=0.9)
    truth = model.true_emotions(50_000, rng)
    shares = np.bincount(truth, minlength=8)[1:] / len(truth)
    assert np.all(np.abs(shares - DFEW_CLASS_COUNTS / DFEW_CLASS_COUNTS.sum()) < 0.01)
    skills = model.skills(1_000, rng)
    assert skills.min() >= 0.7 and skills.max() <= 0.9 and abs(skills.mean() - 0.8) < 0.01
