"""Turn the database's refusals (constraints, triggers) into messages a user can act on."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

# The markers that the triggers of migrations 0001 and 0004 put in their errors.
VOTE_CAP_MARKER = "dfew:vote_cap"
QUOTA_MARKER = "dfew:quota"

_ONE_VOTE_EACH = "this annotator already voted on this clip — one vote each"
_EXPLANATIONS = (
    (VOTE_CAP_MARKER, "the clip already has all its votes — it needs no more"),
    (
        QUOTA_MARKER,
        "the movie's clip quota is full — reject a clip of it first or raise the "
        "quota with `dfew-build init --quota Q`",
    ),
    ("uq_vote_clip_annotator", _ONE_VOTE_EACH),
    ("vote.clip_id, vote.annotator_id", _ONE_VOTE_EACH),
    ("ck_vote_emotion", "emotion codes are 1..7 (1 Happy … 7 Fear)"),
    ("uq_clip_name", "a clip with this name already exists — pick another name"),
    ("clip.name", "a clip with this name already exists — pick another name"),
    ("uq_annotator_name", "an annotator with this name already exists — pick another name"),
    ("annotator.name", "an annotator with this name already exists — pick another name"),
)


def explain_integrity_error(error: IntegrityError) -> str:
    """Return a one-line explanation of a refused write, naming the rule that refused it."""
    text = str(error.orig)
    for marker, explanation in _EXPLANATIONS:
        if marker in text:
            return explanation
    return f"the store refused the change ({text.splitlines()[0]})"
