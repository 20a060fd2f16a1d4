"""The next-clip rule, leases and vote submission, checked clause by clause on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from dfew_build.campaign import accounts, assign
from dfew_build.campaign.assign import next_clip, reserve_next, reserved_pair
from dfew_build.campaign.errors import LeaseLost, NotAllowed
from dfew_build.campaign.rules import CampaignRules
from dfew_build.campaign.vote_casting import (
    my_progress,
    report_broken,
    report_for_player,
    submit_and_next,
    submit_vote,
    vote_for_player,
)
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import init_store
from dfew_build.store.models import (
    Annotator,
    BrokenReport,
    Clip,
    ClipQueue,
    GoldClip,
    Lease,
    Vote,
)
from tests.app_fixtures import add_clips, quick_people
from tests.campaign import import_vote

NOW = now_utc()


def _ids(store, names: list[str]) -> dict[str, int]:
    with store.read() as session:
        rows = session.execute(
            select(Annotator.name, Annotator.id).where(Annotator.name.in_(names))
        )
        return dict(rows.all())


def _votes(store, clip_id: int, voters: list[int], emotion: int = 1) -> None:
    for voter in voters:
        with store.write() as session:
            import_vote(session, clip_id, voter, emotion)


def _vote_count(store, clip_id: int | None = None) -> int:
    query = select(func.count()).select_from(Vote)
    if clip_id is not None:
        query = query.where(Vote.clip_id == clip_id)
    with store.read() as session:
        return session.scalar(query)


def test_nearest_completion_first_then_oldest(store_url: str) -> None:
    store = init_store(store_url)
    clips = add_clips(store, ["a", "b", "c", "d"])
    others = list(_ids(store, list(quick_people(store, [f"o{i}" for i in range(5)]))).values())
    tokens = quick_people(store, ["ann", "bob", "cat", "dan", "eve"])
    _votes(store, clips["b"], others[:3])
    _votes(store, clips["c"], others[:5])
    _votes(store, clips["d"], others[:5])
    order = [next_clip(store, tokens[name], now=NOW).clip_name for name in ("ann", "bob")]
    assert order == ["c", "c"]  # most votes first, and c is older than d
    # Once ann and bob voted on c, it has 7 votes: still the nearest to completion.
    for name in ("ann", "bob"):
        submit_vote(store, tokens[name], next_clip(store, tokens[name], now=NOW).lease_id, 2)
    assert next_clip(store, tokens["cat"], now=NOW).clip_name == "c"
    # ann has seen c: her next clip is d (5 votes), then b (3), then a (0), then nothing.
    seen = []
    for _ in range(4):
        assignment = next_clip(store, tokens["ann"], now=NOW)
        if assignment is None:
            break
        seen.append(assignment.clip_name)
        submit_vote(store, tokens["ann"], assignment.lease_id, 3)
    assert seen == ["d", "b", "a"]


def test_reserving_after_a_vote_follows_the_same_rule(store_url: str) -> None:
    """After a vote the next clip is reserved without a session check (PostgreSQL: in one
    statement); the order is still the rule's: most votes first, then oldest, never seen."""
    store = init_store(store_url)
    clips = add_clips(store, ["a", "b", "c", "d"])
    others = list(_ids(store, list(quick_people(store, [f"o{i}" for i in range(5)]))).values())
    ann = _ids(store, list(quick_people(store, ["ann"])))["ann"]
    _votes(store, clips["b"], others[:3])
    _votes(store, clips["c"], others[:5])
    _votes(store, clips["d"], others[:5])
    rules, seen = CampaignRules(), []
    while (assignment := reserve_next(store, ann, rules, NOW, resume=False)) is not None:
        seen.append(assignment.clip_name)
        _votes(store, assignment.clip_id, [ann])
    assert seen == ["c", "d", "b", "a"]
    with store.read() as session:
        leases = session.scalars(select(Lease.clip_id).where(Lease.annotator_id == ann))
        assert sorted(leases) == sorted(clips.values())


def test_a_choice_refused_by_the_lease_cap_falls_back_to_the_full_rule(
    postgres_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-statement reservation can lose a clip's last slot to another annotator between
    its choice and its lock; the database refuses that lease and the full rule picks again."""
    store = init_store(postgres_server.create_database("lease_cap_fallback"), votes_per_clip=2)
    clips = add_clips(store, ["full", "free"])
    people = _ids(store, list(quick_people(store, ["o1", "o2", "ann"])))
    _votes(store, clips["full"], [people["o1"], people["o2"]])
    stale_choice = text(  # what a choice made just before the clip filled up inserts
        "INSERT INTO lease (clip_id, annotator_id, issued_at, expires_at) "
        f"VALUES ({clips['full']}, :me, :now, :expires_at) RETURNING id"
    )
    monkeypatch.setattr(assign, "_take_statements", lambda: (stale_choice,))
    following = reserve_next(store, people["ann"], CampaignRules(), NOW, resume=False)
    assert following.clip_name == "free"
    with store.read() as session:
        leases = session.scalars(select(Lease.clip_id).where(Lease.annotator_id == people["ann"]))
        assert list(leases) == [clips["free"]]


def test_a_reload_shows_the_same_clip_and_renews_its_lease(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b"])
    token = quick_people(store, ["ann"])["ann"]
    first = next_clip(store, token, now=NOW)
    again = next_clip(store, token, now=NOW + timedelta(minutes=9))
    assert again.lease_id == first.lease_id and again.clip_name == first.clip_name
    assert again.expires_at == NOW + timedelta(minutes=19)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Lease)) == 1


def test_never_a_clip_the_annotator_has_seen(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b", "c", "d"])
    token = quick_people(store, ["ann"])["ann"]
    voted = next_clip(store, token, now=NOW)
    submit_vote(store, token, voted.lease_id, 1, now=NOW)
    reported = next_clip(store, token, now=NOW)
    report_broken(store, token, reported.lease_id, "no face", now=NOW)
    walked_away = next_clip(store, token, now=NOW)
    later = NOW + timedelta(minutes=11)  # the lease expired: the clip goes to others, not back
    last = next_clip(store, token, now=later)
    names = [voted.clip_name, reported.clip_name, walked_away.clip_name, last.clip_name]
    assert sorted(names) == ["a", "b", "c", "d"]
    submit_vote(store, token, last.lease_id, 1, now=later)
    assert next_clip(store, token, now=later) is None


def test_never_a_clip_with_all_votes_or_all_slots_leased(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=3)
    clips = add_clips(store, ["full", "leased", "free"])
    voters = list(_ids(store, list(quick_people(store, ["v1", "v2", "v3"]))).values())
    tokens = quick_people(store, [f"p{i}" for i in range(5)])
    _votes(store, clips["full"], voters)  # three votes: complete
    _votes(store, clips["leased"], voters[:1])  # one vote and, below, two open leases
    holders = [next_clip(store, tokens[f"p{i}"], now=NOW) for i in range(2)]
    assert [h.clip_name for h in holders] == ["leased", "leased"]
    fresh = next_clip(store, tokens["p2"], now=NOW)
    assert fresh.clip_name == "free"  # "leased" has 1 vote + 2 open leases = 3 slots used
    with store.read() as session:
        assert session.get(Clip, clips["full"]).status == "complete"
    # Ten minutes later the two leases have expired and the slots are free again.
    later = NOW + timedelta(minutes=10, seconds=1)
    assert next_clip(store, tokens["p3"], now=later).clip_name == "leased"


def test_leases_expire_after_the_configured_minutes(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    add_clips(store, ["only"])
    tokens = quick_people(store, ["a", "b", "c"])
    for name in ("a", "b"):
        assert next_clip(store, tokens[name], now=NOW).clip_name == "only"
    assert next_clip(store, tokens["c"], now=NOW + timedelta(minutes=9, seconds=59)) is None
    assert next_clip(store, tokens["c"], now=NOW + timedelta(minutes=10)).clip_name == "only"
    short = CampaignRules(lease_minutes=1)
    add_clips(store, ["second"])
    d = quick_people(store, ["d"])["d"]
    lease = next_clip(store, d, short, now=NOW)
    assert lease.expires_at - lease.issued_at == timedelta(minutes=1)


def test_gold_candidate_and_rejected_clips_are_never_handed_out(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["candidate"], status="candidate")
    add_clips(store, ["rejected"], status="rejected")
    gold = add_clips(store, ["gold"])
    with store.write() as session:
        session.add(GoldClip(clip_id=gold["gold"], emotion=3))
    token = quick_people(store, ["ann"])["ann"]
    assert next_clip(store, token, now=NOW) is None


def test_a_double_submit_or_resubmit_yields_one_vote(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b"])
    token = quick_people(store, ["ann"])["ann"]
    lease = next_clip(store, token, now=NOW)
    first = submit_vote(store, token, lease.lease_id, 5, now=NOW + timedelta(seconds=4))
    second = submit_vote(store, token, lease.lease_id, 2, now=NOW + timedelta(seconds=5))
    assert not first.already and second.already
    assert second.vote_id == first.vote_id and second.emotion == 5
    assert first.seconds == pytest.approx(4.0)
    assert _vote_count(store) == 1
    with pytest.raises(LeaseLost):
        report_broken(store, token, lease.lease_id)


def test_an_expired_lease_still_votes_while_its_slot_is_free(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    clip = add_clips(store, ["only"])["only"]
    tokens = quick_people(store, ["a", "b", "c"])
    late = next_clip(store, tokens["a"], now=NOW)
    next_clip(store, tokens["b"], now=NOW)
    back = NOW + timedelta(minutes=12)
    submit_vote(store, tokens["a"], late.lease_id, 4, now=back)  # nobody took a's slot
    assert _vote_count(store, clip) == 1
    # b walked away too, and c took the freed slot: b's late vote would overfill the clip.
    expired_b = back + timedelta(minutes=1)
    with store.read() as session:
        b_lease = session.scalar(select(Lease.id).where(Lease.outcome.is_(None)))
    assert next_clip(store, tokens["c"], now=expired_b).clip_name == "only"
    with pytest.raises(LeaseLost, match="expired"):
        submit_vote(store, tokens["b"], b_lease, 4, now=expired_b)
    assert _vote_count(store, clip) == 1


def test_votes_need_a_qualified_account_and_its_own_lease(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a"])
    tokens = quick_people(store, ["ann", "bob"])
    pending = quick_people(store, ["newbie"], qualified=False)["newbie"]
    with pytest.raises(NotAllowed, match="quiz"):
        next_clip(store, pending, now=NOW)
    lease = next_clip(store, tokens["ann"], now=NOW)
    with pytest.raises(NotAllowed, match="not handed to you"):
        submit_vote(store, tokens["bob"], lease.lease_id, 1, now=NOW)
    with pytest.raises(NotAllowed):
        submit_vote(store, pending, lease.lease_id, 1, now=NOW)
    with pytest.raises(NotAllowed, match="not handed to you"):
        submit_vote(store, tokens["ann"], 987654, 1, now=NOW)
    assert _vote_count(store) == 0


def test_broken_reports_free_the_slot_and_are_kept_once(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    clip = add_clips(store, ["only"])["only"]
    tokens = quick_people(store, ["a", "b", "c"])
    leases = [next_clip(store, tokens[name], now=NOW) for name in ("a", "b")]
    assert next_clip(store, tokens["c"], now=NOW) is None
    for _ in range(2):  # a double click on "report"
        report_broken(store, tokens["a"], leases[0].lease_id, "does not play", now=NOW)
    assert next_clip(store, tokens["c"], now=NOW).clip_id == clip
    with store.read() as session:
        reports = session.execute(select(BrokenReport.reason)).scalars().all()
    assert reports == ["does not play"]


def test_disabling_an_account_frees_its_clip(store_url: str) -> None:
    store = init_store(store_url, votes_per_clip=2)
    add_clips(store, ["only"])
    tokens = quick_people(store, ["a", "b", "c"])
    held = next_clip(store, tokens["a"], now=NOW)
    next_clip(store, tokens["b"], now=NOW)
    accounts.set_active(store, "a", active=False, now=NOW)
    assert next_clip(store, tokens["c"], now=NOW).clip_name == "only"
    with pytest.raises(NotAllowed):
        submit_vote(store, tokens["a"], held.lease_id, 1, now=NOW)


def test_progress_counts_only_the_annotators_own_votes(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b", "c"])
    tokens = quick_people(store, ["ann", "bob"])
    yesterday = NOW - timedelta(days=1)
    lease = next_clip(store, tokens["ann"], now=yesterday)
    submit_vote(store, tokens["ann"], lease.lease_id, 1, now=yesterday)
    for _ in range(2):
        lease = next_clip(store, tokens["ann"], now=NOW)
        submit_vote(store, tokens["ann"], lease.lease_id, 1, now=NOW)
    bob = next_clip(store, tokens["bob"], now=NOW)
    submit_vote(store, tokens["bob"], bob.lease_id, 2, now=NOW)
    progress = my_progress(store, tokens["ann"], day_start=NOW - timedelta(hours=1), now=NOW)
    assert (progress.today, progress.total) == (2, 3)


def test_the_database_refuses_leases_beyond_a_clips_slots(store_url: str) -> None:
    """Raw inserts, bypassing every Python check: the lease triggers alone must refuse them."""
    store = init_store(store_url)
    clips = add_clips(store, ["open"]) | add_clips(store, ["candidate"], status="candidate")
    ids = list(_ids(store, list(quick_people(store, [f"p{i:02d}" for i in range(12)]))).values())
    row = {"issued_at": NOW, "expires_at": NOW + timedelta(minutes=10)}
    _votes(store, clips["open"], ids[:2])
    for person in ids[2:10]:  # 2 votes + 8 open leases = 10 slots
        with store.write() as session:
            session.execute(insert(Lease).values(clip_id=clips["open"], annotator_id=person, **row))
    with pytest.raises(IntegrityError, match="dfew:lease_cap"), store.write() as session:
        session.execute(insert(Lease).values(clip_id=clips["open"], annotator_id=ids[10], **row))
    with pytest.raises(IntegrityError, match="dfew:lease_clip_state"), store.write() as session:
        session.execute(
            insert(Lease).values(clip_id=clips["candidate"], annotator_id=ids[10], **row)
        )
    # Leases that expired before the new one's issue time do not count.
    later = {"issued_at": NOW + timedelta(minutes=11), "expires_at": NOW + timedelta(minutes=21)}
    with store.write() as session:
        session.execute(insert(Lease).values(clip_id=clips["open"], annotator_id=ids[10], **later))
    with pytest.raises(IntegrityError), store.write() as session:  # one lease per annotator
        session.execute(insert(Lease).values(clip_id=clips["open"], annotator_id=ids[10], **later))


def test_a_click_commits_the_vote_and_reserves_the_next_clip_at_once(store_url: str) -> None:
    store = init_store(store_url)
    add_clips(store, ["a", "b", "c"])
    token = quick_people(store, ["ann"])["ann"]
    shown = next_clip(store, token, now=NOW)
    receipt, following = submit_and_next(store, token, shown.lease_id, 6, now=NOW)
    assert not receipt.already and following.clip_name != shown.clip_name
    # A double click on the old clip: the same vote, and the same next clip, nothing new.
    again, again_next = submit_and_next(store, token, shown.lease_id, 2, now=NOW)
    assert again.already and again.vote_id == receipt.vote_id
    assert again_next.lease_id == following.lease_id
    assert _vote_count(store) == 1
    with pytest.raises(NotAllowed):  # nothing is written when the vote is refused
        submit_and_next(store, quick_people(store, ["eve"], qualified=False)["eve"], 1, 1)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Lease)) == 2


def test_a_click_in_one_tab_resumes_the_clip_held_in_another(store_url: str) -> None:
    """Rule 1 holds after a vote too: a second open lease of the voter comes back first."""
    store = init_store(store_url)
    clips = add_clips(store, ["a", "b", "c"])
    token = quick_people(store, ["ann"])["ann"]
    shown = next_clip(store, token, now=NOW)
    other = next(name for name in ("a", "b", "c") if name != shown.clip_name)
    with store.write() as session:  # a second tab holding another clip (a race of two tabs)
        session.execute(
            insert(Lease).values(
                clip_id=clips[other],
                annotator_id=_ids(store, ["ann"])["ann"],
                issued_at=NOW,
                expires_at=NOW + timedelta(minutes=10),
            )
        )
    _, following = submit_and_next(store, token, shown.lease_id, 3, now=NOW)
    assert following.clip_name == other
    _, last = submit_and_next(store, token, following.lease_id, 3, now=NOW)
    assert last.clip_name not in (shown.clip_name, other)


def test_the_clip_queue_follows_clips_and_votes(store_url: str) -> None:
    """The triggers keep clip_queue equal to the accepted clips and their vote counts."""
    store = init_store(store_url, votes_per_clip=2)
    clips = add_clips(store, ["a", "b"]) | add_clips(store, ["c"], status="candidate")
    voters = list(_ids(store, list(quick_people(store, ["v1", "v2"]))).values())

    def queue() -> dict[int, int]:
        with store.read() as session:
            return dict(session.execute(select(ClipQueue.clip_id, ClipQueue.votes)).all())

    assert queue() == {clips["a"]: 0, clips["b"]: 0}
    _votes(store, clips["a"], voters[:1])
    with store.write() as session:
        session.execute(update(Clip).where(Clip.id == clips["c"]).values(status="accepted"))
    assert queue() == {clips["a"]: 1, clips["b"]: 0, clips["c"]: 0}
    _votes(store, clips["a"], voters[1:])  # complete: it leaves the queue
    with store.write() as session:
        session.execute(update(Clip).where(Clip.id == clips["b"]).values(status="rejected"))
    assert queue() == {clips["c"]: 0}
    _votes(store, clips["c"], voters[:1])
    with store.write() as session:
        session.execute(Vote.__table__.delete().where(Vote.clip_id == clips["c"]))
    assert queue() == {clips["c"]: 0}


def test_the_player_gets_the_open_lease_and_one_reserved_after_it(store_url: str) -> None:
    store = init_store(store_url)
    clips = add_clips(store, ["a", "b", "c"])
    token = quick_people(store, ["ann"])["ann"]
    current, ahead = reserved_pair(store, token, now=NOW)
    assert (current.clip_id, ahead.clip_id) == (clips["a"], clips["b"])
    # Another tab (or a reload) gets the same pair; nothing new is reserved.
    again = reserved_pair(store, token, now=NOW + timedelta(seconds=1))
    assert [a.lease_id for a in again] == [current.lease_id, ahead.lease_id]
    turn = vote_for_player(store, token, current.lease_id, 4, now=NOW + timedelta(seconds=2))
    assert turn.saved and turn.message == "Saved: Angry."
    assert (turn.current.lease_id, turn.ahead.clip_id) == (ahead.lease_id, clips["c"])
    # The stale tab's key on the clip voted already saves nothing and says so.
    stale = vote_for_player(store, token, current.lease_id, 1, now=NOW + timedelta(seconds=3))
    assert not stale.saved and "voted on already" in stale.message
    assert stale.current.lease_id == turn.current.lease_id
    assert _vote_count(store) == 1
    with store.read() as session:
        assert session.scalar(select(Vote.emotion)) == 4


def test_the_player_reports_a_broken_clip_and_moves_on(store_url: str) -> None:
    store = init_store(store_url)
    clips = add_clips(store, ["a", "b", "c"])
    token = quick_people(store, ["ann"])["ann"]
    current, _ = reserved_pair(store, token, now=NOW)
    turn = report_for_player(store, token, current.lease_id, "no face", now=NOW)
    assert turn.saved and turn.current.clip_id == clips["b"]
    with store.read() as session:
        assert session.execute(select(BrokenReport.clip_id, BrokenReport.reason)).one() == (
            clips["a"],
            "no face",
        )
    again = report_for_player(store, token, current.lease_id, None, now=NOW)
    assert again.saved  # repeating a report is harmless
    voted = vote_for_player(store, token, turn.current.lease_id, 2, now=NOW)
    late = report_for_player(store, token, turn.current.lease_id, None, now=NOW)
    assert voted.saved and not late.saved and "already voted" in late.message
