"""Screening, the paper's pre-annotation check: reviewers accept or reject candidate clips.

A clip is accepted when it shows one of the seven emotions on a visible face and plays; only
accepted clips go to annotators. A rejected clip frees its movie's quota slot (the quota counts
non-rejected clips). Each candidate is claimed by one reviewer at a time for
``rules.lease_minutes``, so two reviewers do not screen the same clip; the decision and its
reviewer are kept in the ``screening`` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.campaign.accounts import SCREENING_ROLES, authenticate, require
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.store.backend import backend_of
from dfew_build.store.clock import as_utc, now_utc
from dfew_build.store.engine import Store
from dfew_build.store.integrity import explain_integrity_error
from dfew_build.store.models import Clip, Movie, Screening

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
        own = session.scalar(
            select(Screening).where(
                Screening.reviewer_id == actor.id,
                Screening.decision.is_(None),
                Screening.claim_expires_at > now,
            )
        )
        if own is not None and session.get(Clip, own.clip_id).status == "candidate":
            own.claim_expires_at = now + rules.lease
            return _task(session, own)
        return _claim(session, actor.id, rules, now)


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
        query = select(Clip.id).where(Clip.status == "candidate", ~held).order_by(Clip.id).limit(1)
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
