"""Undo: an annotator changes their own last vote, while the clip still takes votes.

A change rewrites the emotion of the annotator's vote and keeps what it held before in one
:class:`~dfew_build.store.models.VoteChange` row. It adds no vote, so a clip's count (at most
``votes_per_clip``) and an annotator's quota are exactly what they were. A vote can change
until its annotator votes on another clip or the clip completes (its last vote arrived); the
clip row is locked first, so a change and the vote that completes the clip never overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from analysis.emotions import EMOTIONS
from dfew_build.campaign.accounts import authenticate, require
from dfew_build.campaign.assign import reserved_pair
from dfew_build.campaign.errors import LeaseLost, NotAllowed
from dfew_build.campaign.rules import CampaignRules
from dfew_build.campaign.vote_casting import PlayerTurn
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip, Lease, Vote, VoteChange, check_emotion


@dataclass(frozen=True)
class ChangeReceipt:
    """A committed change: the vote's id and clip, the emotions before and after (1..7), and
    ``changed`` (False when the new emotion was the old one: nothing was written)."""

    vote_id: int
    clip_id: int
    old_emotion: int
    new_emotion: int
    changed: bool


def change_last_vote(
    store: Store, token: str | None, lease_id: int, emotion: int, now: datetime | None = None
) -> ChangeReceipt:
    """Change the account's vote on the clip of ``lease_id`` (the lease it voted under) to
    ``emotion`` and return the receipt.

    Raises SessionInvalid or NotAllowed (not logged in, not qualified, not this account's
    lease), UserError for an emotion outside 1..7, and LeaseLost when the vote may no longer
    change: the account voted on another clip since, or the clip completed or was withdrawn.
    """
    emotion, now = check_emotion(emotion), now_utc(now)
    with store.write() as session:
        actor = require(authenticate(session, token, now), qualified=True)
        lease = session.get(Lease, lease_id)
        if lease is None or lease.annotator_id != actor.id:
            raise NotAllowed("this clip was not handed to you — no vote of yours to change")
        status = session.scalar(
            select(Clip.status).where(Clip.id == lease.clip_id).with_for_update()
        )
        vote = session.scalar(
            select(Vote)
            .where(Vote.clip_id == lease.clip_id, Vote.annotator_id == actor.id)
            .with_for_update()
        )
        if vote is None:
            raise LeaseLost("you have not voted on this clip — there is nothing to change")
        latest = session.scalar(select(func.max(Vote.id)).where(Vote.annotator_id == actor.id))
        if latest != vote.id:
            raise LeaseLost("you voted on another clip since — only your last vote can change")
        if status != "accepted":
            raise LeaseLost("this clip has all its votes now (or was withdrawn) — it cannot change")
        old = vote.emotion
        if old != emotion:
            session.add(
                VoteChange(
                    vote_id=vote.id,
                    annotator_id=actor.id,
                    old_emotion=old,
                    new_emotion=emotion,
                    created_at=now,
                )
            )
            vote.emotion = emotion
        return ChangeReceipt(vote.id, vote.clip_id, old, emotion, changed=old != emotion)


def change_for_player(
    store: Store,
    token: str | None,
    lease_id: int,
    emotion: int,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
) -> PlayerTurn:
    """Change the vote under ``lease_id`` as :func:`change_last_vote` does, then return the
    annotator's reserved pair; a change that cannot be made saves nothing and says why.

    Raises SessionInvalid for a session that is not live, NotAllowed for an account that may
    not vote, UserError for an emotion outside 1..7.
    """
    name = EMOTIONS[check_emotion(emotion) - 1]
    try:
        receipt = change_last_vote(store, token, lease_id, emotion, now)
    except (LeaseLost, NotAllowed) as exc:
        saved, message = False, f"Not changed: {exc}"
    else:
        saved = receipt.changed
        message = (
            f"Changed: your last vote is now {name}."
            if saved
            else f"Unchanged: your last vote was {name} already."
        )
    current, ahead = reserved_pair(store, token, rules, now)
    return PlayerTurn(saved, message, current, ahead)
