"""The next-clip rule: which clip an annotator votes on next, reserved by a lease.

The rule, checked by the tests:

1. An annotator who holds an open (unexpired, unvoted) lease gets that clip again, so a reload
   shows the same clip; its lease is renewed for another ``rules.lease_minutes``.
2. Otherwise the clip is chosen among ``accepted`` clips that are not gold and that this
   annotator has never been shown (no lease of theirs, ever) nor voted on, and whose votes plus
   open leases of others are below ``votes_per_clip`` (so never a clip with ten votes, nor one
   with ten open leases).
3. Among those, clips nearest completion come first: most votes first, then the oldest
   (smallest id), so that finished clips accumulate steadily.

A lease expires ``rules.lease_minutes`` (default 10) after it was issued when the annotator
walks away; the slot is then free for someone else. The database itself refuses a lease beyond
the clip's slots (migration 0003's lease trigger). On PostgreSQL the choice skips clip
rows that another transaction has locked at that instant (``FOR NO KEY UPDATE SKIP LOCKED``),
so concurrent annotators spread over clips instead of queueing on one; under such contention
the order of rule 3 holds among the clips not being written at that moment. Right after a vote
(:func:`reserve_next`) the choice and the lease go to the server as one statement.

Clips are looked up through ``clip_queue`` (accepted clips and their vote counts, kept by
triggers): first the clips that already have votes, most first, then the untouched ones by id,
both read along the queue's ``(votes, clip_id)`` index, so the cost does not grow with the
number of clips in the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.campaign.accounts import authenticate, require
from dfew_build.campaign.rules import CampaignRules
from dfew_build.store.backend import backend_of
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip, ClipQueue, GoldClip, Lease, StoreSettings, Vote


@dataclass(frozen=True)
class Assignment:
    """A clip handed to an annotator: the lease to vote under, the clip and its file path."""

    lease_id: int
    clip_id: int
    clip_name: str
    path: str | None
    issued_at: datetime
    expires_at: datetime


def votes_per_clip(session: Session) -> int:
    """Return the store's ``votes_per_clip`` (the number of votes that completes a clip)."""
    return session.scalar(select(StoreSettings.votes_per_clip).where(StoreSettings.id == 1))


def vote_count(clip_id_column):
    """Return a correlated scalar subquery counting the votes of the clip in ``clip_id_column``."""
    return select(func.count()).where(Vote.clip_id == clip_id_column).scalar_subquery()


def open_lease_count(clip_id_column, now: datetime, except_lease: int | None = None):
    """Return a scalar subquery counting a clip's leases still open at ``now``."""
    query = select(func.count()).where(
        Lease.clip_id == clip_id_column, Lease.closed_at.is_(None), Lease.expires_at > now
    )
    if except_lease is not None:
        query = query.where(Lease.id != except_lease)
    return query.scalar_subquery()


def next_clip(
    store: Store,
    token: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> Assignment | None:
    """Return the clip the account behind ``token`` should vote on next, or None when none is left.

    Runs in one short write transaction: checks the session (qualified accounts only), then
    applies the rule above and records the lease. Raises SessionInvalid or NotAllowed.
    """
    rules, now = rules or CampaignRules(), now_utc(now)
    with store.write() as session:
        actor = require(authenticate(session, token, now), qualified=True)
        return assign(session, actor.id, rules, now)


def reserved_pair(
    store: Store,
    token: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> tuple[Assignment | None, Assignment | None]:
    """Return the clip to vote on now and the one reserved after it (either None when none is
    left), for a player that preloads the next clip while the annotator watches this one.

    Both are leases under the usual rules: the annotator's open leases come back first, oldest
    first (renewed), so every tab of one annotator shows the same pair; a missing one is
    reserved by the next-clip rule. Raises SessionInvalid or NotAllowed as :func:`next_clip`.
    """
    rules, now = rules or CampaignRules(), now_utc(now)
    with store.write() as session:
        actor = require(authenticate(session, token, now), qualified=True)
        current = assign(session, actor.id, rules, now)
        if current is None:
            return None, None
        ahead = _resume(session, actor.id, rules, now, after=current.lease_id) or assign(
            session, actor.id, rules, now, resume=False
        )
        return current, ahead


def reserve_next(
    store: Store, annotator_id: int, rules: CampaignRules, now: datetime, resume: bool = True
) -> Assignment | None:
    """Apply the next-clip rule for ``annotator_id`` in a transaction of its own; return the
    assignment or None when no clip is left. ``resume`` as for :func:`assign`.

    For a caller that has just checked the annotator's session (the vote it committed). On
    PostgreSQL a new clip is first taken in one autocommitted statement that chooses and
    leases it at once (:func:`_take_statements`): one round trip instead of four. When that
    finds no clip free this instant, or the lease cap refuses its choice because another
    annotator took the last slot between the choice and the lock, the full rule runs.
    """
    if not resume and store.backend.concurrent_writers:
        params = {"me": annotator_id, "now": now, "expires_at": now + rules.lease, "refused": []}
        autocommit = store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        with autocommit as connection:
            for statement in _take_statements():
                try:
                    row = connection.execute(statement, params).first()
                except IntegrityError:  # the clip filled up meanwhile: take the careful path
                    break
                if row is not None:
                    return Assignment(
                        row.lease_id, row.id, row.name, row.path, now, params["expires_at"]
                    )
    with store.write() as session:
        return assign(session, annotator_id, rules, now, resume=resume)


def assign(
    session: Session,
    annotator_id: int,
    rules: CampaignRules,
    now: datetime,
    resume: bool = True,
) -> Assignment | None:
    """Apply the next-clip rule for ``annotator_id`` in the caller's write transaction.

    Returns the assignment (a resumed or a new lease), or None when no clip is available.
    ``resume=False`` skips rule 1, for a caller that already knows the annotator holds no open
    lease.
    """
    resumed = _resume(session, annotator_id, rules, now) if resume else None
    if resumed is not None:
        return resumed
    concurrent = backend_of(session).concurrent_writers
    params = {"me": annotator_id, "now": now, "refused": []}
    # Each refusal (another annotator took the clip's last slot first) excludes that clip, so
    # the loop ends. On PostgreSQL a first pass skips clips locked at this instant; only when it
    # finds none does a second pass wait for those locks, so None always means none is left.
    passes = ((True, True), (True, False)) if concurrent else ((False, False),)
    for lock, skip_locked in passes:
        while True:
            row = None
            for query in _best_clip_queries(lock, skip_locked):
                row = session.connection().execute(query, params).first()
                if row is not None:
                    break
            if row is None:
                break
            lease = {
                "clip_id": row.id,
                "annotator_id": annotator_id,
                "issued_at": now,
                "expires_at": now + rules.lease,
            }
            lease_id = session.connection().execute(_INSERT_LEASE_IF_FREE, lease).scalar()
            if lease_id is None:
                params["refused"] = [*params["refused"], row.id]
                continue
            return Assignment(lease_id, row.id, row.name, row.path, now, now + rules.lease)
    return None


def _insert_lease_if_free():
    """Return the INSERT that adds a lease only while the clip has a free slot (RETURNING id).

    It checks what the ``lease_cap`` trigger checks, with the statement's own fresh view, so a
    clip filled meanwhile yields no row instead of an error that would abort the transaction.
    The clip row is locked by the choice just before (on PostgreSQL), so nothing can fill the
    clip between this check and the trigger's.
    """
    clip_id = bindparam("clip_id", type_=Lease.clip_id.type)
    issued_at = bindparam("issued_at", type_=Lease.issued_at.type)
    cap = select(StoreSettings.votes_per_clip).where(StoreSettings.id == 1).scalar_subquery()
    votes = select(func.count()).where(Vote.clip_id == clip_id).scalar_subquery()
    status = select(Clip.status).where(Clip.id == clip_id).scalar_subquery()
    row = select(
        clip_id,
        bindparam("annotator_id", type_=Lease.annotator_id.type),
        issued_at,
        bindparam("expires_at", type_=Lease.expires_at.type),
    ).where(status == "accepted", votes + open_lease_count(clip_id, issued_at) < cap)
    columns = ["clip_id", "annotator_id", "issued_at", "expires_at"]
    return insert(Lease).from_select(columns, row).returning(Lease.id)


_INSERT_LEASE_IF_FREE = _insert_lease_if_free()


_OPEN_LEASE = (
    select(
        Lease.id,
        Lease.clip_id,
        Lease.issued_at,
        Clip.name,
        Clip.path,
        Clip.status,
        exists().where(GoldClip.clip_id == Lease.clip_id).label("gold"),
    )
    .join(Clip, Clip.id == Lease.clip_id)
    .where(
        Lease.annotator_id == bindparam("me"),
        Lease.id > bindparam("after"),
        Lease.closed_at.is_(None),
        Lease.expires_at > bindparam("now"),
    )
    .order_by(Lease.id)
    .limit(1)
)
_CHANGE_LEASE = update(Lease).where(Lease.id == bindparam("lease_id"))


def _resume(
    session: Session, annotator_id: int, rules: CampaignRules, now: datetime, after: int = 0
) -> Assignment | None:
    """Return the annotator's oldest open lease with an id above ``after``, renewed (None when
    there is none); a lease whose clip left the pool is closed instead."""
    connection = session.connection()
    row = connection.execute(_OPEN_LEASE, {"me": annotator_id, "now": now, "after": after}).first()
    if row is None:
        return None
    if row.status != "accepted" or row.gold:
        connection.execute(
            _CHANGE_LEASE.values(closed_at=now, outcome="released"), {"lease_id": row.id}
        )
        return None
    expires = now + rules.lease
    connection.execute(_CHANGE_LEASE.values(expires_at=expires), {"lease_id": row.id})
    return Assignment(row.id, row.clip_id, row.name, row.path, as_utc(row.issued_at), expires)


@cache
def _take_statements() -> tuple:
    """Return the two statements (PostgreSQL) that choose a free clip and lease it at once.

    Each wraps one of :func:`_best_clip_queries` (skipping locked clips) in a data-modifying
    WITH and returns (lease_id, id, name, path), or no row when that query found no clip.
    """
    statements = []
    for query in _best_clip_queries(lock=True, skip_locked=True):
        pick = query.cte("pick")
        lease = (
            insert(Lease)
            .from_select(
                ["clip_id", "annotator_id", "issued_at", "expires_at"],
                select(
                    pick.c.id,
                    bindparam("me", type_=Lease.annotator_id.type),
                    bindparam("now", type_=Lease.issued_at.type),
                    bindparam("expires_at", type_=Lease.expires_at.type),
                ),
            )
            .returning(Lease.id, Lease.clip_id)
            .cte("leased")
        )
        statements.append(
            select(lease.c.id.label("lease_id"), pick.c.id, pick.c.name, pick.c.path).join_from(
                lease, pick, lease.c.clip_id == pick.c.id
            )
        )
    return tuple(statements)


@cache
def _best_clip_queries(lock: bool, skip_locked: bool) -> tuple:
    """Return the two queries (parameters me, now, refused) for the best clip, in turn.

    Both read along the queue's index: first clips that have votes, most first; then untouched
    clips, oldest first. Each returns one row (id, name, path) or none.
    """
    me, now = bindparam("me"), bindparam("now")
    cap = select(StoreSettings.votes_per_clip).where(StoreSettings.id == 1).scalar_subquery()
    seen = exists().where(Lease.clip_id == ClipQueue.clip_id, Lease.annotator_id == me)
    voted = exists().where(Vote.clip_id == ClipQueue.clip_id, Vote.annotator_id == me)
    gold = exists().where(GoldClip.clip_id == ClipQueue.clip_id)
    base = (
        select(Clip.id, Clip.name, Clip.path)
        .select_from(ClipQueue)
        .join(Clip, Clip.id == ClipQueue.clip_id)
        .where(
            Clip.status == "accepted",
            ~seen,
            ~voted,
            ~gold,
            ClipQueue.votes + open_lease_count(ClipQueue.clip_id, now) < cap,
            ClipQueue.clip_id.not_in(bindparam("refused", expanding=True)),
        )
        .limit(1)
    )
    if lock:
        # FOR NO KEY UPDATE: leases of one clip take turns, votes' foreign-key checks do not wait.
        base = base.with_for_update(of=Clip, skip_locked=skip_locked, key_share=True)
    started = base.where(ClipQueue.votes > 0).order_by(ClipQueue.votes.desc(), ClipQueue.clip_id)
    untouched = base.where(ClipQueue.votes == 0).order_by(ClipQueue.clip_id)
    return started, untouched
