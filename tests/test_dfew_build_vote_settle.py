"""Votes counted as they commit (migration 0004): the cap, completion and the queue count hold.

On PostgreSQL the vote cap moved from the INSERT to the COMMIT, so votes on one clip no longer
wait for each other's transactions. These tests check that nothing was lost on the way: raw
votes committed side by side still stop at ten, the tenth completes its clip, the queue's
count stays the real count, a refusal at commit reaches the voter as a one-line LeaseLost, and
the migration goes down and up again.
"""

from __future__ import annotations

import threading

import pytest
from alembic import command
from sqlalchemy import false, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from dfew_build.campaign import vote_casting
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.errors import LeaseLost
from dfew_build.store.engine import alembic_config, init_store, open_store
from dfew_build.store.models import Annotator, Clip, ClipQueue, Vote
from tests.app_fixtures import add_clips, quick_people
from tests.campaign import import_vote


def _raters(store, n: int) -> list[int]:
    with store.write() as session:
        session.execute(insert(Annotator), [{"name": f"r{i:02d}"} for i in range(n)])
        return list(session.scalars(select(Annotator.id).order_by(Annotator.id)))


def _raw_voter(url: str, clip_id: int, raters: list[int], start, committed: list) -> None:
    """Insert one raw vote per rater, as the app's vote does (checked at commit on PostgreSQL)."""
    store = open_store(url)
    start.wait(timeout=60)
    for rater in raters:
        try:
            with store.write() as session:
                session.execute(insert(Vote).values(clip_id=clip_id, annotator_id=rater, emotion=4))
            committed.append(rater)
        except IntegrityError as exc:
            assert "dfew:vote_cap" in str(exc.orig)
    store.dispose()


def test_votes_committed_side_by_side_stop_at_ten_and_complete_the_clip(store_url: str) -> None:
    store = init_store(store_url)
    raters = _raters(store, 32)
    clips = add_clips(store, ["busy", "other"])
    start, committed = threading.Barrier(8), []
    threads = [
        threading.Thread(
            target=_raw_voter, args=(store_url, clips["busy"], raters[i::8], start, committed)
        )
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with store.read() as session:
        stored = sorted(session.scalars(select(Vote.annotator_id)))
        status = session.get(Clip, clips["busy"]).status
        queued = dict(session.execute(select(ClipQueue.clip_id, ClipQueue.votes)).all())
    assert stored == sorted(committed)
    assert len(stored) == 10
    assert status == "complete"
    assert queued == {clips["other"]: 0}  # the complete clip left the queue


def test_queue_counts_the_votes_of_a_clip_still_open(store_url: str) -> None:
    store = init_store(store_url)
    raters = _raters(store, 4)
    clip = add_clips(store, ["open"])["open"]
    for rater in raters[:3]:
        with store.write() as session:
            session.execute(insert(Vote).values(clip_id=clip, annotator_id=rater, emotion=2))
    with store.write() as session:
        import_vote(session, clip, raters[3], 5)
    with store.read() as session:
        assert session.get(ClipQueue, clip).votes == 4
        assert session.get(Clip, clip).status == "accepted"


def test_votes_on_a_clip_outside_the_queue_are_still_capped(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    raters = _raters(store, 3)
    clip = add_clips(store, ["imported"], status="candidate")["imported"]
    for rater in raters[:2]:
        with store.write() as session:
            session.execute(insert(Vote).values(clip_id=clip, annotator_id=rater, emotion=1))
    with pytest.raises(IntegrityError, match="dfew:vote_cap"), store.write() as session:
        session.execute(insert(Vote).values(clip_id=clip, annotator_id=raters[2], emotion=1))
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 2
        assert session.get(Clip, clip).status == "complete"


def test_a_vote_refused_at_commit_reaches_the_voter_as_lease_lost(
    postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two CLI votes fill the clip while the annotator's vote is on its way to COMMIT."""
    store = init_store(postgres_server.create_database("refused_at_commit"), votes_per_clip=2)
    clip = add_clips(store, ["contested"])["contested"]
    token = quick_people(store, ["ann"])["ann"]
    cli_voters = _raters(store, 2)[-2:]
    shown = next_clip(store, token)
    cast = vote_casting._cast

    def cast_while_the_cli_fills_the_clip(session, *args):
        receipt = cast(session, *args)
        with store.write() as other:  # another connection, committed first
            for rater in cli_voters:
                import_vote(other, clip, rater, 7)
        return receipt

    monkeypatch.setattr(vote_casting, "_cast", cast_while_the_cli_fills_the_clip)
    monkeypatch.setattr(
        vote_casting, "_VOTE_AT_ONCE", select(literal(1)).where(false())
    )  # careful path
    with pytest.raises(LeaseLost, match="already has all its votes"):
        vote_casting.submit_vote(store, token, shown.lease_id, 3)
    with store.read() as session:
        voters = sorted(session.scalars(select(Vote.annotator_id).where(Vote.clip_id == clip)))
        assert voters == sorted(cli_voters)
        assert session.get(Clip, clip).status == "complete"


def test_a_one_statement_vote_refused_at_commit_takes_the_careful_path(
    postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The usual vote is one autocommitted statement; when its commit is refused (the clip
    filled up meanwhile), the careful transaction runs and names the reason."""
    store = init_store(postgres_server.create_database("one_statement_refused"), votes_per_clip=2)
    clip = add_clips(store, ["contested"])["contested"]
    token = quick_people(store, ["ann"])["ann"]
    cli_voters = _raters(store, 3)[-3:]
    shown = next_clip(store, token)
    for rater in cli_voters[:2]:  # the CLI fills the clip while ann still looks at it
        with store.write() as session:
            import_vote(session, clip, rater, 7)
    refused_at_commit = text(  # an eleventh vote, as the one-statement vote would cast it
        f"INSERT INTO vote (clip_id, annotator_id, emotion) VALUES ({clip}, {cli_voters[2]}, 1) "
        "RETURNING id"
    )
    monkeypatch.setattr(vote_casting, "_VOTE_AT_ONCE", refused_at_commit)
    with pytest.raises(LeaseLost, match="withdrawn or completed"):
        vote_casting.submit_vote(store, token, shown.lease_id, 3)
    with store.read() as session:
        assert session.scalar(select(func.count()).where(Vote.clip_id == clip)) == 2


def _trigger_names(store) -> set[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'vote'::regclass AND NOT tgisinternal"
            )
        )
        return set(rows.scalars())


def test_migration_0004_goes_down_and_up_again(postgres_server) -> None:
    store = init_store(postgres_server.create_database("settle_migration"))
    assert _trigger_names(store) == {"vote_settle", "clip_queue_vote"}
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0003")
    assert _trigger_names(store) == {"vote_cap", "vote_completes_clip", "clip_queue_vote"}
    with store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    assert _trigger_names(store) == {"vote_settle", "clip_queue_vote"}
