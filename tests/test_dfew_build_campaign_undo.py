"""Undo (changing one's own last vote) and the seconds a vote records, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.errors import LeaseLost, NotAllowed
from dfew_build.campaign.figures import annotator_table, load_votes
from dfew_build.campaign.vote_casting import submit_vote, vote_seconds
from dfew_build.campaign.vote_change import change_for_player, change_last_vote
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip, Vote, VoteChange
from tests.app_fixtures import add_clips, quick_people

NOW = now_utc()


def _votes(store) -> list[tuple[str, int]]:
    with store.read() as session:
        query = select(Clip.name, Vote.emotion).join(Clip).order_by(Vote.id)
        return [tuple(row) for row in session.execute(query)]


def _changes(store) -> list[tuple[int, int]]:
    with store.read() as session:
        query = select(VoteChange.old_emotion, VoteChange.new_emotion).order_by(VoteChange.id)
        return [tuple(row) for row in session.execute(query)]


def test_the_last_vote_changes_once_audited_until_the_next_vote(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b", "c"])
    tokens = quick_people(store, ["ann", "bob"])
    first = next_clip(store, tokens["ann"], now=NOW)
    submit_vote(store, tokens["ann"], first.lease_id, 2, now=NOW)
    receipt = change_last_vote(store, tokens["ann"], first.lease_id, 5, now=NOW)
    assert (receipt.old_emotion, receipt.new_emotion, receipt.changed) == (2, 5, True)
    assert _votes(store) == [(first.clip_name, 5)] and _changes(store) == [(2, 5)]
    # The same emotion again writes nothing.
    assert not change_last_vote(store, tokens["ann"], first.lease_id, 5, now=NOW).changed
    assert _changes(store) == [(2, 5)]
    # Only the account's own lease; nobody else's vote.
    with pytest.raises(NotAllowed, match="not handed to you"):
        change_last_vote(store, tokens["bob"], first.lease_id, 1, now=NOW)
    # A vote on another clip ends the chance to change the first.
    second = next_clip(store, tokens["ann"], now=NOW)
    submit_vote(store, tokens["ann"], second.lease_id, 3, now=NOW)
    with pytest.raises(LeaseLost, match="only your last vote"):
        change_last_vote(store, tokens["ann"], first.lease_id, 1, now=NOW)
    turn = change_for_player(store, tokens["ann"], first.lease_id, 1, now=NOW)
    assert not turn.saved and turn.message.startswith("Not changed:")
    assert turn.current is not None  # the player goes on with the queue
    assert _votes(store) == [(first.clip_name, 5), (second.clip_name, 3)]
    # The dashboard counts the change for ann, none for anyone else.
    with store.read() as session:
        votes = load_votes(session)
    table = annotator_table(votes, votes.iloc[0:0][["annotator"]], 10, NOW)
    assert table["changes"].to_dict() == {"ann": 1}


def test_a_completed_clip_cannot_change_and_never_gains_a_vote(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    clips = add_clips(store, ["a"])
    tokens = quick_people(store, ["ann", "bob"])
    leases = {name: next_clip(store, tokens[name], now=NOW) for name in tokens}
    submit_vote(store, tokens["ann"], leases["ann"].lease_id, 1, now=NOW)
    assert change_for_player(store, tokens["ann"], leases["ann"].lease_id, 4, now=NOW).saved
    submit_vote(store, tokens["bob"], leases["bob"].lease_id, 1, now=NOW)  # completes the clip
    for name in tokens:
        with pytest.raises(LeaseLost, match="all its votes"):
            change_last_vote(store, tokens[name], leases[name].lease_id, 6, now=NOW)
    with store.read() as session:
        assert session.scalar(select(func.count()).where(Vote.clip_id == clips["a"])) == 2
        assert session.get(Clip, clips["a"]).status == "complete"
    assert sorted(_votes(store)) == [("a", 1), ("a", 4)] and _changes(store) == [(1, 4)]


def test_vote_seconds_count_only_the_time_on_screen_up_to_the_time_since_hand_out() -> None:
    assert vote_seconds(3.5, 60.0) == 3.5  # the player's visible seconds
    assert vote_seconds(600.0, 60.0) == 60.0  # never more than since the hand-out
    assert vote_seconds(-2.0, 60.0) == 0.0
    assert vote_seconds(None, 60.0) == 60.0  # no player measured: the time since hand-out
    assert vote_seconds(None, -1.0) == 0.0  # a clock that went back


@pytest.mark.parametrize(("shown", "recorded"), [(4.25, 4.25), (900.0, 120.0), (None, 120.0)])
def test_a_vote_records_its_seconds_on_screen(store_url: str, shown, recorded) -> None:
    store = init_store(store_url)
    add_clips(store, ["a"])
    token = quick_people(store, ["ann"])["ann"]
    lease = next_clip(store, token, now=NOW)
    later = NOW + timedelta(seconds=120)
    receipt = submit_vote(store, token, lease.lease_id, 2, now=later, shown=shown)
    with store.read() as session:
        assert session.scalar(select(Vote.seconds)) == pytest.approx(recorded)
    assert receipt.seconds == pytest.approx(recorded)
