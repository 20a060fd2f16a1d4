"""Screening, the paper's pre-annotation check: reviewers accept or reject candidate clips.

A clip is accepted when it shows one of the seven emotions on a visible face and plays; only
accepted clips go to annotators. A rejected clip frees its movie's quota slot (the quota counts
non-rejected clips). Each candidate is claimed by one reviewer at a time for
``rules.lease_minutes``, so two reviewers do not screen the same clip; the decision and its
reviewer are kept in the ``screening`` table. Gold clips (quiz and guide clips) are never
candidates to screen, whatever their status. The screening player holds two claims at once:
the candidate shown and the next one, preloading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.campaign.accounts import SCREENING_ROLES, authenticate, require
from dfew_build.campaign.errors import NotAllowed
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.store.backend import backend_of
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import Store
from dfew_build.store.integrity import explain_integrity_error
from dfew_build.store.models import Clip, GoldClip, Movie, Screening

REJECT_REASONS = (
    "no visible face",
    "not one of the seven emotions",
    "broken or unplayable",
    "other",
)


@dataclass(frozen=True)
class ScreeningTask:
    """A candidate clip claimed by a reviewer: clip, its file, its movie and the claim's end."""

    clip_id: int
    clip_name: str
    path: str | None
    movie: str | None
    claim_expires_at: datetime


def next_candidate(
    store: Store,
    token: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> ScreeningTask | None:
    """Return the next candidate clip for the reviewer behind ``token``, or None when none is left.

    The reviewer's own undecided claim comes back first (renewed); otherwise the oldest
    candidate nobody holds is claimed. Reviewers and admins only (NotAllowed otherwise).
    """
    rules, now = rules or CampaignRules(), now_utc(now)
    with store.write() as session:
        actor = require(authenticate(session, token, now), SCREENING_ROLES)
        held = _hold(session, actor.id, rules, now, 1)
    return held[0] if held else None


@dataclass(frozen=True)
class ScreeningTurn:
    """What the screening player shows: the candidate to decide now and the one to preload
    (None: none), the candidates left to screen and all clips screening has seen (left plus
    decided), and a message about the last decision ("" before any)."""

    current: ScreeningTask | None
    ahead: ScreeningTask | None
    left: int
    total: int
    message: str = ""
    saved: bool = False


def candidate_pair(
    store: Store,
    token: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
    message: str = "",
    saved: bool = False,
) -> ScreeningTurn:
    """Return the reviewer's two claimed candidates (see :func:`next_candidate`; the second is
    claimed under the same lease rules) and the queue's counts, carrying ``message`` and
    ``saved``. Reviewers and admins only (NotAllowed otherwise)."""
    rules, now = rules or CampaignRules(), now_utc(now)
    with store.write() as session:
        actor = require(authenticate(session, token, now), SCREENING_ROLES)
        held = _hold(session, actor.id, rules, now, 2)
        left, total = _queue_counts(session)
    current, ahead = (held + [None, None])[:2]
    return ScreeningTurn(current, ahead, left, total, message, saved)


def decide_for_player(
    store: Store,
    token: str | None,
    clip_id: int,
    accept: bool,
    reason: str | None = None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> ScreeningTurn:
    """Decide as :func:`decide` does, then return the reviewer's next turn (see
    :func:`candidate_pair`); a decision that cannot be taken saves nothing and says why.

    Raises SessionInvalid for a session that is not live, NotAllowed for a non-reviewer.
    """
    try:
        status = decide(store, token, clip_id, accept, reason, now)
    except NotAllowed:
        raise
    except UserError as exc:
        saved, message = False, f"Not saved: {exc}"
    else:
        saved = True
        message = f"Saved: {status}" + (f" ({reason})." if reason and not accept else ".")
    return candidate_pair(store, token, rules, now, message, saved)


def _not_gold():
    return ~exists().where(GoldClip.clip_id == Clip.id)


def _queue_counts(session: Session) -> tuple[int, int]:
    """Return the candidates left to screen (gold clips never count) and those plus the
    non-gold clips screening decided."""
    left = session.scalar(
        select(func.count()).select_from(Clip).where(Clip.status == "candidate", _not_gold())
    )
    decided = session.scalar(
        select(func.count())
        .select_from(Screening)
        .join(Clip, Clip.id == Screening.clip_id)
        .where(Screening.decision.is_not(None), _not_gold())
    )
    return left, left + decided


def _hold(
    session: Session, reviewer_id: int, rules: CampaignRules, now: datetime, want: int
) -> list[ScreeningTask]:
    """Return up to ``want`` candidates held by the reviewer, oldest claim first: their own
    live claims (renewed), then fresh ones."""
    own = session.scalars(
        select(Screening)
        .join(Clip, Clip.id == Screening.clip_id)
        .where(
            Screening.reviewer_id == reviewer_id,
            Screening.decision.is_(None),
            Screening.claim_expires_at > now,
            Clip.status == "candidate",
            _not_gold(),
        )
        .order_by(Screening.claimed_at, Screening.clip_id)
        .limit(want)
    ).all()
    held = []
    for claim in own:
        claim.claim_expires_at = now + rules.lease
        held.append(_task(session, claim))
    while len(held) < want and (task := _claim(session, reviewer_id, rules, now)) is not None:
        held.append(task)
    return held


def _claim(
    session: Session, reviewer_id: int, rules: CampaignRules, now: datetime
) -> ScreeningTask | None:
    held = exists().where(
        Screening.clip_id == Clip.id,
        or_(Screening.decision.is_not(None), Screening.claim_expires_at > now),
    )
    skip_locked = backend_of(session).concurrent_writers
    refused: list[int] = []
    while True:  # each refusal excludes a clip, so this ends
        query = (
            select(Clip.id)
            .where(Clip.status == "candidate", ~held, _not_gold())
            .order_by(Clip.id)
            .limit(1)
        )
        if refused:
            query = query.where(Clip.id.not_in(refused))
        if skip_locked:
            query = query.with_for_update(of=Clip, skip_locked=True)
        clip_id = session.scalar(query)
        if clip_id is None:
            return None
        try:
            with session.begin_nested():
                claim = session.get(Screening, clip_id)
                if claim is None:
                    claim = Screening(clip_id=clip_id)
                    session.add(claim)
                claim.reviewer_id, claim.claimed_at = reviewer_id, now
                claim.claim_expires_at = now + rules.lease
        except IntegrityError:  # another reviewer claimed it first (PostgreSQL)
            refused.append(clip_id)
            continue
        return _task(session, claim)


def _task(session: Session, claim: Screening) -> ScreeningTask:
    clip = session.get(Clip, claim.clip_id)
    movie = session.get(Movie, clip.movie_id) if clip.movie_id is not None else None
    return ScreeningTask(
        clip.id, clip.name, clip.path, movie.title if movie else None, claim.claim_expires_at
    )


def decide(
    store: Store,
    token: str | None,
    clip_id: int,
    accept: bool,
    reason: str | None = None,
    now: datetime | None = None,
) -> str:
    """Accept or reject a candidate clip; return its new status ('accepted' or 'rejected').

    Repeating the same decision is harmless. Raises NotAllowed for non-reviewers, and UserError
    when another reviewer holds the clip or it was already screened otherwise.
    """
    now = now_utc(now)
    status = "accepted" if accept else "rejected"
    with store.write() as session:
        actor = require(authenticate(session, token, now), SCREENING_ROLES)
        clip = session.get(Clip, clip_id, with_for_update=True)
        if clip is None:
            raise UserError(f"no clip with id {clip_id} — reload the screening page")
        claim = session.get(Screening, clip_id)
        if claim is not None and claim.decision is not None:
            if claim.decision == status and claim.reviewer_id == actor.id:
                return status
            raise UserError(f"clip {clip.name} was already screened ({claim.decision})")
        if clip.status != "candidate":
            raise UserError(f"clip {clip.name} is {clip.status}, not a candidate — nothing to do")
        if session.get(GoldClip, clip_id) is not None:
            raise UserError(f"clip {clip.name} is a gold clip — gold clips are not screened")
        if (
            claim is not None
            and claim.reviewer_id != actor.id
            and as_utc(claim.claim_expires_at) > now
        ):
            raise UserError(f"another reviewer is screening clip {clip.name} — take the next one")
        if claim is None:
            claim = Screening(clip_id=clip_id, claimed_at=now)
            session.add(claim)
        claim.reviewer_id, claim.claim_expires_at = actor.id, now
        claim.decision, claim.decided_at = status, now
        claim.reason = (reason or "").strip()[:300] or None
        clip.status = status
        try:
            session.flush()
        except IntegrityError as exc:
            raise UserError(f"screening refused: {explain_integrity_error(exc)}") from exc
    return status
