"""Casting a vote, reporting a broken clip and an annotator's own progress.

A vote is cast under the lease that handed the clip out: the lease names the clip and proves it
was shown to this annotator. One transaction checks the session, the lease and the clip's slots,
inserts the vote and closes the lease; when it returns, the vote is committed. Casting twice
under the same lease (a double click, a resubmitted page) returns the first vote's receipt
instead of a second vote, and the database's unique (clip, annotator) constraint backs that up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from analysis.emotions import emotion_name
from dfew_build.campaign.accounts import (
    SESSION_COLUMNS,
    Actor,
    actor_of,
    authenticate,
    require,
)
from dfew_build.campaign.assign import (
    Assignment,
    assign,
    open_lease_count,
    reserve_next,
    reserved_pair,
    vote_count,
)
from dfew_build.campaign.errors import LeaseLost, NotAllowed
from dfew_build.campaign.hashing import token_digest
from dfew_build.campaign.rules import CampaignRules
from dfew_build.store.backend import backend_of
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import Store
from dfew_build.store.integrity import explain_integrity_error
from dfew_build.store.models import (
    Annotator,
    BrokenReport,
    Clip,
    Lease,
    LoginSession,
    StoreSettings,
    Vote,
    check_emotion,
)
from dfew_build.store.vote_settle import settle_votes_now


@dataclass(frozen=True)
class VoteReceipt:
    """A committed vote: ids, emotion (1..7), seconds the clip was watched (see
    :func:`vote_seconds`), and ``already``.

    ``already`` is True when this lease had been voted before (a repeated submission); the
    receipt then describes that first vote and nothing was written.
    """

    vote_id: int
    clip_id: int
    emotion: int
    seconds: float | None
    already: bool


@dataclass(frozen=True)
class Progress:
    """An annotator's own votes: since the start of the day given, and in all."""

    today: int
    total: int


def vote_seconds(shown: float | None, elapsed: float) -> float:
    """Return the seconds a vote records: the seconds its clip was on screen in a visible tab
    as the player measured them (``shown``), never more than the ``elapsed`` seconds since the
    clip was handed out (a player's clock is not trusted beyond that) nor less than 0; the
    elapsed seconds when no player measured (``shown`` None: the CLI, a script)."""
    elapsed = max(elapsed, 0.0)
    return elapsed if shown is None else min(max(shown, 0.0), elapsed)


def submit_vote(
    store: Store,
    token: str | None,
    lease_id: int,
    emotion: int,
    now: datetime | None = None,
    shown: float | None = None,
) -> VoteReceipt:
    """Commit the account's vote on the clip of ``lease_id`` and return its receipt; ``shown``:
    the seconds the player had the clip on screen in a visible tab (see :func:`vote_seconds`).

    Raises SessionInvalid or NotAllowed (not logged in, not qualified, not this account's
    lease) and LeaseLost when the clip can no longer take the vote: the clip was reported
    broken, withdrawn, or its lease expired and the slot went to someone else.
    """
    receipt, _, _ = _commit_vote(
        store, token, lease_id, check_emotion(emotion), now_utc(now), shown
    )
    return receipt


@dataclass(frozen=True)
class PlayerTurn:
    """What a voting player shows after a key: whether the vote was committed now, a message
    for the annotator, the clip to vote on now and the one to preload (None: none left)."""

    saved: bool
    message: str
    current: Assignment | None
    ahead: Assignment | None


def vote_for_player(
    store: Store,
    token: str | None,
    lease_id: int,
    emotion: int,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
    shown: float | None = None,
) -> PlayerTurn:
    """Commit a vote as :func:`submit_vote` does (``shown``: seconds on screen, as there), then
    return the annotator's reserved pair.

    A vote that cannot be taken (its clip was voted already, in another tab; it is not this
    account's any more; the slot went to someone else) saves nothing and says so in the
    message. Raises SessionInvalid for a session that is not live, NotAllowed for an account
    that may not vote, UserError for an emotion outside 1..7.
    """
    name = emotion_name(check_emotion(emotion))
    try:
        receipt = submit_vote(store, token, lease_id, emotion, now, shown)
    except (LeaseLost, NotAllowed) as exc:
        saved, message = False, f"Not saved: {exc}"
    else:
        saved = not receipt.already
        message = (
            f"Saved: {name}."
            if saved
            else "Not saved: this clip was voted on already (in another tab) — here is the next"
        )
    current, ahead = reserved_pair(store, token, rules, now)
    return PlayerTurn(saved, message, current, ahead)


def report_for_player(
    store: Store,
    token: str | None,
    lease_id: int,
    reason: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> PlayerTurn:
    """Report the clip of ``lease_id`` as :func:`report_broken` does, then return the
    annotator's reserved pair; a report that cannot be taken says why in the message.

    Raises SessionInvalid for a session that is not live, NotAllowed for an account that may
    not vote.
    """
    try:
        report_broken(store, token, lease_id, reason, now)
    except (LeaseLost, NotAllowed) as exc:
        saved, message = False, f"Not reported: {exc}"
    else:
        saved, message = True, "Thanks — the clip was reported and will not come back to you."
    current, ahead = reserved_pair(store, token, rules, now)
    return PlayerTurn(saved, message, current, ahead)


def submit_and_next(
    store: Store,
    token: str | None,
    lease_id: int,
    emotion: int,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> tuple[VoteReceipt, Assignment | None]:
    """Commit a vote, then reserve the next clip; return both (None when no clip is left).

    What the voting page does on a click; the vote is committed before the next clip can be
    shown. On PostgreSQL the vote commits in a transaction that locks nothing but its lease,
    and the next clip is chosen as :func:`~dfew_build.campaign.assign.next_clip` would, in a
    second short transaction (:func:`~dfew_build.campaign.assign.reserve_next`): a vote thus
    never holds one clip's lock while waiting for another's. SQLite lets one writer in at a
    time, so there both go in one transaction and one commit. Raises as :func:`submit_vote`
    does; then nothing is written.
    """
    rules, emotion, now = rules or CampaignRules(), check_emotion(emotion), now_utc(now)
    if not store.backend.concurrent_writers:
        with store.write() as session:
            actor, lease = _voter_and_lease(session, token, lease_id, now)
            receipt = _cast(session, actor, lease_id, lease, emotion, now)
            return receipt, assign(session, actor.id, rules, now, resume=lease.other_open)
    receipt, actor, other_open = _commit_vote(store, token, lease_id, emotion, now)
    return receipt, reserve_next(store, actor.id, rules, now, resume=other_open)


def _commit_vote(
    store: Store,
    token: str | None,
    lease_id: int,
    emotion: int,
    now: datetime,
    shown: float | None = None,
) -> tuple[VoteReceipt, Actor, bool]:
    """Commit the vote under ``lease_id``; return its receipt, the voter, and whether the voter
    holds another open lease (two tabs). Raises as :func:`submit_vote` does.

    On PostgreSQL the usual vote (live session, qualified account, its own open lease on an
    accepted clip) goes to the server as one autocommitted statement. Anything else, and any
    refusal, takes the transaction below, which tells the case apart and says what happened.
    """
    if token and store.backend.concurrent_writers:
        params = {
            "digest": token_digest(token),
            "lease_id": lease_id,
            "now": now,
            "vote_emotion": emotion,
            "shown": shown,
        }
        autocommit = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            try:
                row = connection.execute(_VOTE_AT_ONCE, params).first()
            except IntegrityError:  # refused at commit: the transaction below explains why
                row = None
        if row is not None:
            actor = Actor(row.id, row.name, row.role, row.qualification)
            receipt = VoteReceipt(row.vote_id, row.clip_id, emotion, row.seconds, already=False)
            return receipt, actor, row.other_open
    try:
        with store.write() as session:
            actor, lease = _voter_and_lease(session, token, lease_id, now)
            receipt = _cast(session, actor, lease_id, lease, emotion, now, shown)
            return receipt, actor, lease.other_open
    except IntegrityError as exc:  # the vote cap, checked as the vote commits (PostgreSQL)
        raise LeaseLost(f"vote refused: {explain_integrity_error(exc)}") from exc


_OTHER = aliased(Lease)  # another lease of the same annotator

# Built once: the statements of every vote. The session check and the lease come in one
# statement, and on PostgreSQL the vote and the closing of its lease in another (a
# data-modifying WITH): each round trip to the server costs about as much as the work itself.
_VOTER_AND_LEASE = (
    select(
        *SESSION_COLUMNS,
        Lease.clip_id,
        Lease.annotator_id.label("holder"),
        Lease.issued_at,
        Lease.expires_at.label("lease_expires_at"),
        Lease.closed_at,
        Lease.outcome,
        Clip.status,
        exists()
        .where(
            Lease.annotator_id == _OTHER.annotator_id,
            _OTHER.id != Lease.id,
            _OTHER.closed_at.is_(None),
            _OTHER.expires_at > bindparam("now", type_=Lease.expires_at.type),
        )
        .label("other_open"),  # another open lease of the voter's (two tabs): rule 1 applies
    )
    .select_from(LoginSession)
    .join(Annotator, Annotator.id == LoginSession.annotator_id)
    .join(Lease, Lease.id == bindparam("lease_id"))
    .join(Clip, Clip.id == Lease.clip_id)
    .where(LoginSession.token_hash == bindparam("digest"))
    .with_for_update(of=Lease)  # PostgreSQL: one submission per lease at a time
)
# Parameters named vote_<column>: plain column names would also be SET by the UPDATE in WITH.
_VOTE_COLUMNS = ("clip_id", "annotator_id", "emotion", "seconds", "created_at")
_INSERT_VOTE = (
    insert(Vote)
    .values({c: bindparam(f"vote_{c}", type_=Vote.__table__.c[c].type) for c in _VOTE_COLUMNS})
    .returning(Vote.id)
)
_CLOSE_LEASE = (
    update(Lease)
    .where(Lease.id == bindparam("lease_id"))
    .values(closed_at=bindparam("now", type_=Lease.closed_at.type), outcome="voted")
)
_INSERT_VOTE_CLOSING_LEASE = _INSERT_VOTE.add_cte(_CLOSE_LEASE.cte("closed"))


def _vote_at_once():
    """Return the one statement (PostgreSQL) that casts the usual vote, or returns no row.

    It takes the row of :data:`_VOTER_AND_LEASE` only when every check of the careful path
    passes (session live, account active and qualified, its own lease open and unexpired, clip
    accepted), then closes the lease and inserts the vote in the same WITH. It returns the
    vote (vote_id, clip_id, seconds) with the voter's account columns and ``other_open``.
    """
    now = bindparam("now", type_=Lease.closed_at.type)
    live = _VOTER_AND_LEASE.where(
        LoginSession.ended_at.is_(None),
        LoginSession.expires_at > now,
        Annotator.active.is_(True),
        Annotator.qualification == "qualified",
        Lease.annotator_id == Annotator.id,
        Lease.closed_at.is_(None),
        Lease.expires_at > now,
        Clip.status == "accepted",
    ).cte("live")
    closed = (
        update(Lease)
        .where(Lease.id == bindparam("lease_id"), Lease.clip_id == live.c.clip_id)
        .values(closed_at=now, outcome="voted")
        .returning(Lease.id)
        .cte("closed")
    )
    # vote_seconds in SQL: LEAST ignores a NULL ``shown`` (no player measured).
    elapsed = func.greatest(func.extract("epoch", now - live.c.issued_at), 0.0)
    shown = bindparam("shown", type_=Vote.seconds.type)
    seconds = func.greatest(func.least(elapsed, shown), 0.0)
    ballot = (
        insert(Vote)
        .from_select(
            ["clip_id", "annotator_id", "emotion", "seconds", "created_at"],
            select(
                live.c.clip_id,
                live.c.id,
                bindparam("vote_emotion", type_=Vote.emotion.type),
                seconds,
                now,
            ),
        )
        .returning(Vote.id, Vote.seconds)
        .cte("ballot")
    )
    return (
        select(
            ballot.c.id.label("vote_id"),
            ballot.c.seconds,
            live.c.clip_id,
            live.c.id,
            live.c.name,
            live.c.role,
            live.c.qualification,
            live.c.other_open,
        )
        .select_from(ballot)
        .join(live, true())
        .add_cte(closed)
    )


_VOTE_AT_ONCE = _vote_at_once()


def _voter_and_lease(session: Session, token: str | None, lease_id: int, now: datetime):
    """Return the qualified account behind ``token`` and its lease ``lease_id`` (row, locked).

    Raises SessionInvalid or NotAllowed as :func:`authenticate` and :func:`require` do, and
    NotAllowed when the lease is not this account's.
    """
    params = {"digest": token_digest(token) if token else "", "lease_id": lease_id, "now": now}
    row = session.connection().execute(_VOTER_AND_LEASE, params).first()
    if row is None:  # no such session, or no such lease: say which
        require(authenticate(session, token, now), qualified=True)
    else:
        actor = require(actor_of(row, now), qualified=True)
        if row.holder == actor.id:
            return actor, row
    raise NotAllowed("this clip was not handed to you — take the next clip from the vote page")


def _cast(
    session: Session,
    actor: Actor,
    lease_id: int,
    lease,
    emotion: int,
    now: datetime,
    shown: float | None = None,
) -> VoteReceipt:
    """Insert the vote under ``lease`` (its locked row) in the caller's transaction.

    Returns the receipt; raises as :func:`submit_vote` does.
    """
    connection = session.connection()
    if lease.outcome == "voted":
        return _receipt_of_earlier_vote(session, lease.clip_id, actor.id)
    if lease.closed_at is not None:
        raise LeaseLost("you already reported this clip or gave it back — here is the next one")
    if lease.status != "accepted":
        raise LeaseLost("this clip was withdrawn or completed meanwhile — here is the next one")
    if as_utc(lease.lease_expires_at) <= now:
        if not _slot_free(session, lease.clip_id, lease_id, now):
            raise LeaseLost(
                "your reservation of this clip expired and its last slot went to someone else — "
                "here is the next one"
            )
        # The slot can still go to someone else before this commits: let the cap refuse the
        # vote at its INSERT, where it becomes LeaseLost below, rather than at COMMIT.
        settle_votes_now(session)
    seconds = vote_seconds(shown, (now - as_utc(lease.issued_at)).total_seconds())
    row = {
        "vote_clip_id": lease.clip_id,
        "vote_annotator_id": actor.id,
        "vote_emotion": emotion,
        "vote_seconds": seconds,
        "vote_created_at": now,
        "lease_id": lease_id,
        "now": now,
    }
    modifying_with = backend_of(connection).modifying_with
    try:
        vote_id = connection.execute(
            _INSERT_VOTE_CLOSING_LEASE if modifying_with else _INSERT_VOTE, row
        ).scalar_one()
    except IntegrityError as exc:
        raise LeaseLost(f"vote refused: {explain_integrity_error(exc)}") from exc
    if not modifying_with:  # SQLite has no data-modifying WITH
        connection.execute(_CLOSE_LEASE, row)
    return VoteReceipt(vote_id, lease.clip_id, emotion, seconds, already=False)


def _slot_free(session: Session, clip_id: int, lease_id: int, now: datetime) -> bool:
    """Return True when an expired lease's clip still has a slot besides others' open leases."""
    cap = session.scalar(select(StoreSettings.votes_per_clip).where(StoreSettings.id == 1))
    used = session.scalar(select(vote_count(clip_id) + open_lease_count(clip_id, now, lease_id)))
    return used < cap


def _receipt_of_earlier_vote(session: Session, clip_id: int, annotator_id: int) -> VoteReceipt:
    vote = session.scalar(
        select(Vote).where(Vote.clip_id == clip_id, Vote.annotator_id == annotator_id)
    )
    if vote is None:  # the vote was deleted by hand; nothing to repeat
        raise LeaseLost("this clip's vote is gone from the store — here is the next clip")
    return VoteReceipt(vote.id, vote.clip_id, vote.emotion, vote.seconds, already=True)


def report_broken(
    store: Store,
    token: str | None,
    lease_id: int,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Report the clip of ``lease_id`` as broken and give its slot back; repeating is harmless.

    The clip stays in the pool (an admin decides on reports) but never returns to this
    annotator. Raises SessionInvalid or NotAllowed as :func:`submit_vote` does.
    """
    now = now_utc(now)
    reason = (reason or "").strip()[:500] or None
    with store.write() as session:
        actor = authenticate(session, token, now)
        lease = session.get(Lease, lease_id, with_for_update=True)
        if lease is None or lease.annotator_id != actor.id:
            raise NotAllowed("this clip was not handed to you — take the next clip first")
        if lease.outcome == "voted":
            raise LeaseLost("you already voted on this clip — it cannot be reported now")
        if lease.closed_at is None:
            lease.closed_at, lease.outcome = now, "broken"
        exists = session.scalar(
            select(BrokenReport.id).where(
                BrokenReport.clip_id == lease.clip_id, BrokenReport.annotator_id == actor.id
            )
        )
        if exists is None:
            session.add(
                BrokenReport(
                    clip_id=lease.clip_id, annotator_id=actor.id, reason=reason, created_at=now
                )
            )


def my_progress(
    store: Store, token: str | None, day_start: datetime, now: datetime | None = None
) -> Progress:
    """Return the account's own vote counts since ``day_start`` (an aware datetime) and in all.

    Only the account's own votes are counted: never another annotator's, never a clip's tally.
    """
    with store.read() as session:
        actor = authenticate(session, token, now)
        today, total = session.execute(
            select(
                func.count().filter(Vote.created_at >= as_utc(day_start)),
                func.count(),
            ).where(Vote.annotator_id == actor.id)
        ).one()
    return Progress(today, total)
