"""Screening: reviewers accept or reject candidates; rejected clips free their movie's quota."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.errors import NotAllowed
from dfew_build.campaign.figures import clip_states
from dfew_build.campaign.gold import add_gold
from dfew_build.campaign.screening import (
    candidate_pair,
    decide,
    decide_for_player,
    next_candidate,
)
from dfew_build.errors import UserError
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip, Screening
from tests.app_fixtures import add_clips, add_movie, quick_people

NOW = now_utc()


def test_only_accepted_clips_reach_annotators(store_url: str) -> None:
    store = init_store(store_url)
    movie = add_movie(store)
    add_clips(store, ["c1", "c2"], status="candidate", movie_id=movie)
    reviewer = quick_people(store, ["rev"], role="reviewer")["rev"]
    annotator = quick_people(store, ["ann"])["ann"]
    assert next_clip(store, annotator, now=NOW) is None
    task = next_candidate(store, reviewer, now=NOW)
    assert (task.clip_name, task.movie) == ("c1", "movie")
    assert decide(store, reviewer, task.clip_id, accept=True, now=NOW) == "accepted"
    assert decide(store, reviewer, task.clip_id, accept=True, now=NOW) == "accepted"  # repeat
    assert next_clip(store, annotator, now=NOW).clip_name == "c1"
    task = next_candidate(store, reviewer, now=NOW)
    assert decide(store, reviewer, task.clip_id, False, "no visible face", now=NOW) == "rejected"
    assert next_candidate(store, reviewer, now=NOW) is None
    with store.read() as session:
        claim = session.get(Screening, task.clip_id)
        assert (claim.decision, claim.reason) == ("rejected", "no visible face")
    with pytest.raises(UserError, match="already screened"):
        decide(store, reviewer, task.clip_id, accept=True, now=NOW)


def test_a_rejected_clip_frees_its_movies_quota_slot(store_url: str) -> None:
    store = init_store(store_url, quota=2)
    movie = add_movie(store)
    add_clips(store, ["c1", "c2"], status="candidate", movie_id=movie)
    with pytest.raises(Exception, match="dfew:quota"):
        add_clips(store, ["c3"], status="candidate", movie_id=movie)
    reviewer = quick_people(store, ["rev"], role="reviewer")["rev"]
    decide(store, reviewer, next_candidate(store, reviewer, now=NOW).clip_id, False, now=NOW)
    assert add_clips(store, ["c3"], status="candidate", movie_id=movie)


def test_two_reviewers_never_hold_the_same_candidate(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["c1", "c2"], status="candidate")
    tokens = quick_people(store, ["r1", "r2", "r3"], role="reviewer")
    first = next_candidate(store, tokens["r1"], now=NOW)
    second = next_candidate(store, tokens["r2"], now=NOW)
    assert first.clip_name != second.clip_name
    assert next_candidate(store, tokens["r3"], now=NOW) is None
    assert next_candidate(store, tokens["r1"], now=NOW).clip_id == first.clip_id  # a reload
    with pytest.raises(UserError, match="another reviewer"):
        decide(store, tokens["r3"], first.clip_id, accept=True, now=NOW)
    # A claim left for longer than a lease goes to the next reviewer.
    later = NOW + timedelta(minutes=11)
    assert next_candidate(store, tokens["r3"], now=later).clip_id in {first.clip_id, second.clip_id}


def test_annotators_cannot_screen(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    clip = add_clips(store, ["c1"], status="candidate")["c1"]
    annotator = quick_people(store, ["ann"])["ann"]
    with pytest.raises(NotAllowed, match="reviewer or admin"):
        next_candidate(store, annotator)
    with pytest.raises(NotAllowed):
        decide(store, annotator, clip, accept=True)
    with store.read() as session:
        assert session.scalar(select(Clip.status)) == "candidate"


def test_gold_clips_never_enter_the_screening_queue(store_url: str) -> None:
    store = init_store(store_url)
    ids = add_clips(store, ["c1", "g1", "c2", "g2", "c3"], status="candidate")
    with store.write() as session:
        add_gold(session, "g1", 3)
        add_gold(session, "g2", 5, example=True)
    reviewer = quick_people(store, ["rev"], role="reviewer")["rev"]
    turn = candidate_pair(store, reviewer, now=NOW)
    assert (turn.current.clip_name, turn.ahead.clip_name) == ("c1", "c2")
    assert (turn.left, turn.total) == (3, 3) == (candidates_on_the_dashboard(store), 3)
    with pytest.raises(UserError, match="gold clip"):
        decide(store, reviewer, ids["g1"], accept=True, now=NOW)
    seen = []
    while (task := next_candidate(store, reviewer, now=NOW)) is not None:
        seen.append(task.clip_name)
        decide(store, reviewer, task.clip_id, accept=True, now=NOW)
    assert seen == ["c1", "c2", "c3"]
    assert candidate_pair(store, reviewer, now=NOW).left == 0
    assert candidates_on_the_dashboard(store) == 0


def candidates_on_the_dashboard(store) -> int:
    """Return the dashboard's count of candidates to screen."""
    with store.read() as session:
        return int(clip_states(session)["candidate"])


def test_the_screening_player_holds_two_candidates_and_moves_on(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["c1", "c2", "c3"], status="candidate")
    tokens = quick_people(store, ["r1", "r2"], role="reviewer")
    turn = candidate_pair(store, tokens["r1"], now=NOW)
    assert (turn.current.clip_name, turn.ahead.clip_name, turn.left) == ("c1", "c2", 3)
    # The second reviewer gets neither of the first one's two claims.
    other = candidate_pair(store, tokens["r2"], now=NOW)
    assert (other.current.clip_name, other.ahead) == ("c3", None)
    turn = decide_for_player(store, tokens["r1"], turn.current.clip_id, False, "other", now=NOW)
    assert turn.saved and turn.message == "Saved: rejected (other)."
    assert (turn.current.clip_name, turn.ahead, turn.left, turn.total) == ("c2", None, 2, 3)
    # A stale decision (the clip went to the other reviewer's decision) saves nothing.
    decide(store, tokens["r2"], other.current.clip_id, True, now=NOW)
    stale = decide_for_player(store, tokens["r1"], other.current.clip_id, False, now=NOW)
    assert not stale.saved and stale.message.startswith("Not saved: clip c3 was already")
    with store.read() as session:
        assert session.scalar(select(Clip.status).where(Clip.name == "c3")) == "accepted"
