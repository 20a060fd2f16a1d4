"""Single-row writes that the annotation app and the CLI share."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.errors import UserError
from dfew_build.store.integrity import explain_integrity_error
from dfew_build.store.models import Vote
from dfew_build.store.vote_settle import settle_votes_now


def add_vote(
    session: Session, clip_id: int, annotator_id: int, emotion: int, seconds: float | None = None
) -> Vote:
    """Insert one vote in the caller's transaction and return it (flushed, so it has an id).

    The database refuses a second vote by the same annotator, an emotion outside 1..7 and a vote
    beyond the clip's limit; those refusals surface as ``UserError`` with the reason.
    """
    settle_votes_now(session)
    vote = Vote(clip_id=clip_id, annotator_id=annotator_id, emotion=emotion, seconds=seconds)
    session.add(vote)
    try:
        session.flush()
    except IntegrityError as exc:
        raise UserError(f"vote refused: {explain_integrity_error(exc)}") from exc
    return vote
