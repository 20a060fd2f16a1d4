"""Generated annotation campaigns for tests: seeded votes with a realistic label skew."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from dfew_build.store.models import Annotator, Clip
from dfew_build.vote_import import add_votes

# DFEW-like class frequencies (Happy … Fear), from the release's single-label counts.
CLASS_FREQUENCIES = np.array([0.21, 0.16, 0.23, 0.19, 0.13, 0.01, 0.07])


def random_votes(
    n_clips: int, n_raters: int = 10, agreement: float = 0.7, seed: int = 0
) -> pd.DataFrame:
    """Return a long votes table (clip, annotator, emotion) for ``n_clips`` complete clips.

    Each clip has a hidden true emotion; each rater names it with probability ``agreement``
    and otherwise picks one of the seven emotions uniformly.
    """
    rng = np.random.default_rng(seed)
    frequencies = CLASS_FREQUENCIES / CLASS_FREQUENCIES.sum()
    truth = rng.choice(np.arange(1, 8), size=n_clips, p=frequencies)
    agrees = rng.random((n_clips, n_raters)) < agreement
    noise = rng.integers(1, 8, size=(n_clips, n_raters))
    emotions = np.where(agrees, truth[:, None], noise)
    return pd.DataFrame(
        {
            "clip": np.repeat([f"clip{i:05d}" for i in range(n_clips)], n_raters),
            "annotator": np.tile([f"rater{j:02d}" for j in range(n_raters)], n_clips),
            "emotion": emotions.ravel(),
        }
    )


def import_vote(session: Session, clip_id: int, annotator_id: int, emotion: int) -> None:
    """Write one vote in ``session``'s transaction the way ``dfew-build import-votes`` does
    (the CLI's path: names looked up, the store's checks settled at the INSERT)."""
    clip = session.scalar(select(Clip.name).where(Clip.id == clip_id))
    annotator = session.scalar(select(Annotator.name).where(Annotator.id == annotator_id))
    add_votes(
        session, pd.DataFrame({"clip": [clip], "annotator": [annotator], "emotion": [emotion]})
    )
