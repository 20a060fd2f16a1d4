"""The admin dashboard's figures, on a hand-made vote table and on a real store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import update
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_kappa

from analysis.krippendorff import krippendorff_alpha
from analysis.vote_counts import vote_counts
from dfew_build.campaign import admin, figures, gold
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.vote_casting import report_broken, submit_vote
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip
from tests.app_fixtures import add_clips, quick_people

DAY1 = datetime(2024, 5, 1, 9, tzinfo=UTC)
DAY3 = DAY1 + timedelta(days=2)

# clip: (extractor, {annotator: emotion}); four votes complete a clip.
CLIPS = {
    "c1": ("scene", {"a": 6, "b": 6, "c": 6, "d": 1}),
    "c2": ("scene", {"a": 7, "b": 7, "c": 7, "d": 7}),
    "c3": ("manual", {"a": 1, "b": 1, "c": 2, "d": 2}),
    "c4": ("scene", {"a": 3, "b": 3}),  # incomplete: never in agreement figures
}


@pytest.fixture
def votes() -> pd.DataFrame:
    rows = []
    for index, (clip, (extractor, choices)) in enumerate(CLIPS.items()):
        for annotator, emotion in choices.items():
            rows.append(
                {
                    "clip": clip,
                    "annotator": annotator,
                    "emotion": emotion,
                    "seconds": float(2 + index),
                    "created_at": pd.Timestamp(DAY3 if clip == "c4" else DAY1),
                    "status": "complete" if clip != "c4" else "accepted",
                    "extractor": extractor,
                    "changes": int(annotator == "a" and clip == "c1"),
                }
            )
    return pd.DataFrame(rows)


def test_agreement_with_the_majority_of_the_others(votes: pd.DataFrame) -> None:
    agreement = figures.agreement_with_others(votes, n_raters=4)
    # a: agrees on c1 and c2, not on c3 (the others' single top is Sad); d: only on c2.
    assert agreement.to_dict() == pytest.approx({"a": 2 / 3, "b": 2 / 3, "c": 2 / 3, "d": 1 / 3})


def test_kappa_over_complete_clips_matches_statsmodels(votes: pd.DataFrame) -> None:
    kappa, n = figures.kappa_so_far(votes, n_raters=4)
    table = np.array([[1, 0, 0, 0, 0, 3, 0], [0, 0, 0, 0, 0, 0, 4], [2, 2, 0, 0, 0, 0, 0]])
    assert n == 3
    assert kappa == pytest.approx(statsmodels_kappa(table, method="fleiss"), abs=1e-12)
    assert figures.kappa_so_far(votes[votes["clip"] == "c4"], n_raters=4) == (None, 0)


def test_alpha_takes_the_clips_that_are_not_complete_yet(votes: pd.DataFrame) -> None:
    alpha, n = figures.alpha_so_far(votes)
    counts = vote_counts(votes[["clip", "annotator", "emotion"]])
    assert n == 4 and counts.sum(axis=1).tolist() == [4, 4, 4, 2]
    assert alpha == pytest.approx(krippendorff_alpha(counts), abs=1e-12)
    assert alpha != pytest.approx(figures.alpha_so_far(votes[votes["clip"] != "c4"])[0])
    assert figures.alpha_so_far(votes.iloc[:0]) == (None, 0)


def test_rare_expressions_are_tallied_per_extractor(votes: pd.DataFrame) -> None:
    tally = figures.rare_expression_tally(votes, n_raters=4, threshold=2)
    assert tally.loc["scene", ["labelled", "disgust", "fear", "rare"]].tolist() == [2, 1, 1, 2]
    assert "manual" not in tally.index  # its only clip has no single label
    assert tally["suggested_rare"].sum() == 0 and tally["confirmed"].sum() == 0
    # Suggested emotions (add-clip --emotion) feed the tally: c1 was suggested as Disgust and
    # the votes agree, c2 as Disgust but the votes say Fear; c9 has no votes yet.
    suggestions = pd.DataFrame(
        {
            "clip": ["c1", "c2", "c3", "c9"],
            "extractor": ["scene", "scene", "manual", "lab"],
            "suggested": [6, 6, 1, 7],
        }
    )
    tally = figures.rare_expression_tally(votes, n_raters=4, threshold=2, suggestions=suggestions)
    assert tally.loc["scene", ["labelled", "rare", "suggested_rare", "confirmed"]].tolist() == [
        2,
        2,
        2,
        1,
    ]
    assert tally.loc["lab", ["labelled", "suggested_rare", "confirmed"]].tolist() == [0, 1, 0]
    assert "manual" not in tally.index  # Happy is no rare expression
    emotions = figures.emotion_distribution(votes, n_raters=4, threshold=2)
    # Every vote so far counts, the incomplete clip c4's too (its two votes).
    assert emotions["votes"].sum() == 14 and emotions.loc["Fear", "votes"] == 4
    assert emotions["vote_share"].sum() == pytest.approx(1.0)
    assert emotions["single_labels"].tolist() == [0, 0, 0, 0, 0, 1, 1]


def test_votes_per_day_and_annotator_throughput(votes: pd.DataFrame) -> None:
    per_day = figures.votes_per_day(votes)
    assert per_day.tolist() == [12, 0, 2]  # the empty day in between is shown as 0
    gold_answers = pd.DataFrame(
        {
            "annotator": ["a", "a", "e"],
            "correct": [True, False, True],
            "attempt": [1, 1, 2],
            "passed": [False, False, True],
        }
    )
    table = figures.annotator_table(votes, gold_answers, n_raters=4, day_start=DAY3)
    assert table.loc["a", ["votes", "today", "active_days"]].tolist() == [4, 1, 2]
    assert table.loc["a", "per_active_day"] == 2.0
    assert table.loc["a", "median_s"] == pytest.approx(3.5)  # seconds 2, 3, 4, 5
    assert table["changes"].to_dict() == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 0}
    assert table.loc["a", "gold_accuracy"] == 0.5 and table.loc["e", "quiz_answers"] == 1
    assert table.loc["e", "votes"] == 0 and np.isnan(table.loc["e", "agreement"])


def test_the_dashboard_reads_a_live_store(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    add_clips(store, ["w1", "w2", "w3"], extractor="scene")
    add_clips(store, ["cand"], status="candidate")
    with store.write() as session:  # the extractor suggested Fear for its clips
        session.execute(update(Clip).where(Clip.extractor == "scene").values(suggested_emotion=7))
    add_clips(store, ["g1"])
    with store.write() as session:
        gold.add_gold(session, "g1", 6)
    tokens = quick_people(store, ["a", "b"])
    boss = quick_people(store, ["boss"], role="admin")["boss"]
    now = now_utc()
    for name, emotion in (("a", 7), ("b", 7)):
        submit_vote(store, tokens[name], next_clip(store, tokens[name], now=now).lease_id, emotion)
    report_broken(store, tokens["a"], next_clip(store, tokens["a"], now=now).lease_id, "black")
    board = admin.dashboard(store, boss, day_start=now - timedelta(hours=1))
    assert board.states.to_dict() == {
        "candidate": 1,
        "waiting": 2,
        "in progress": 0,
        "complete": 1,
        "rejected": 0,
        "gold": 1,
    }
    assert board.per_day.sum() == 2 and board.complete_clips == 1
    assert board.annotators.loc["a", "today"] == 1
    assert board.rare.loc["scene", "fear"] == 1 and board.threshold == 1
    assert board.rare.loc["scene", ["suggested_rare", "confirmed"]].tolist() == [3, 1]
    assert board.reports[["reporter", "reason"]].values.tolist() == [["a", "black"]]
    assert board.kappa is None  # one unanimous clip: kappa is undefined, not a crash
    assert (board.alpha, board.alpha_clips) == (None, 1)  # alpha likewise
