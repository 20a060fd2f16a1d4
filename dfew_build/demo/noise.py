"""The simulated annotators' noise model: each votes a clip's hidden true emotion or a slip.

Every clip gets a hidden true emotion drawn with DFEW's class frequencies (the single-label
counts of the public release: Happy 2,445, Sad 1,894, Neutral 2,669, Angry 2,173, Surprise
1,469, Disgust 145, Fear 902). Every simulated annotator gets a skill ``s`` drawn uniformly from
``[skill_low, skill_high]``; on each clip (and each quiz question) they name the true emotion
with probability ``s`` and otherwise one of the six other emotions, uniformly. With the default
skills (0.6–0.95) about four clips in five reach more than six of ten votes for one emotion,
close to DFEW's 74 % single-labelled share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EMOTION_CODES = np.arange(1, 8)
DFEW_CLASS_COUNTS = np.array([2445, 1894, 2669, 2173, 1469, 145, 902])


@dataclass(frozen=True)
class NoiseModel:
    """Skills of simulated annotators lie uniformly in ``[skill_low, skill_high]`` (shares 0..1)."""

    skill_low: float = 0.6
    skill_high: float = 0.95

    def true_emotions(self, n_clips: int, rng: np.random.Generator) -> np.ndarray:
        """Return ``n_clips`` hidden true emotions (codes 1..7), drawn with DFEW's frequencies."""
        return rng.choice(
            EMOTION_CODES, size=n_clips, p=DFEW_CLASS_COUNTS / DFEW_CLASS_COUNTS.sum()
        )

    def skills(self, n_annotators: int, rng: np.random.Generator) -> np.ndarray:
        """Return each annotator's skill: the probability (0..1) of naming the true emotion."""
        return rng.uniform(self.skill_low, self.skill_high, size=n_annotators)

    @staticmethod
    def vote(truth: int, skill: float, rng: np.random.Generator) -> int:
        """Return one vote (code 1..7): ``truth`` with probability ``skill``, else another one."""
        if rng.random() < skill:
            return int(truth)
        others = [code for code in EMOTION_CODES if code != truth]
        return int(rng.choice(others))
