"""Gold clips (clips whose emotion is known), the training guide and the qualification quiz.

An admin marks gold clips: *examples*, one per emotion, illustrate the guide; the others are
quiz questions. A new annotator takes a quiz of up to ``rules.quiz_size`` quiz clips drawn at
random, a retake first drawing clips this annotator was not asked before (so that it cannot be
passed from memory); the attempt is scored when its last answer lands, and reaching
``rules.pass_mark`` (default 80 %) qualifies the account for voting. Quiz answers live in their
own table and are never votes; gold clips are never handed out for voting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dfew_build.campaign.accounts import authenticate
from dfew_build.campaign.errors import NotAllowed
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import Store
from dfew_build.store.models import (
    EMOTION_CODES,
    Annotator,
    Clip,
    GoldClip,
    QuizAnswer,
    QuizAttempt,
    check_emotion,
)


@dataclass(frozen=True)
class GoldRow:
    """A gold clip: its name, known emotion (1..7), whether it is a guide example, its file."""

    clip_id: int
    clip: str
    emotion: int
    example: bool
    path: str | None


@dataclass(frozen=True)
class QuizQuestion:
    """The next unanswered question of an open attempt (position counts from 1)."""

    attempt_id: int
    position: int
    n_questions: int
    clip_id: int
    path: str | None


@dataclass(frozen=True)
class QuizResult:
    """A finished attempt: score, pass mark (share 0..1), and each question's two answers."""

    attempt_id: int
    n_correct: int
    n_questions: int
    pass_mark: float
    passed: bool
    answers: list[tuple[str, int, int]]  # (clip name, given emotion, gold emotion)

    @property
    def score(self) -> float:
        """Return the share of right answers, 0..1."""
        return self.n_correct / self.n_questions

    def confusions(self) -> list[tuple[int, int, int]]:
        """Return the emotions read differently, without naming any clip: (known emotion,
        given emotion, how many times), most frequent first, then by emotion code."""
        pairs: dict[tuple[int, int], int] = {}
        for _, given, truth in self.answers:
            if given != truth:
                pairs[truth, given] = pairs.get((truth, given), 0) + 1
        return sorted(
            ((truth, given, n) for (truth, given), n in pairs.items()),
            key=lambda row: (-row[2], row[0], row[1]),
        )


def quiz_length(store: Store, rules: CampaignRules | None = None) -> tuple[int, int]:
    """Return (questions in a new attempt, quiz clips marked): the attempt has
    ``rules.quiz_size`` questions, or every quiz clip when fewer are marked."""
    rules = rules or CampaignRules()
    with store.read() as session:
        marked = session.scalar(
            select(func.count()).select_from(GoldClip).where(GoldClip.example.is_(False))
        )
    return min(rules.quiz_size, marked), marked


def add_gold(
    session: Session,
    clip_name: str,
    emotion: int,
    example: bool = False,
    added_by: int | None = None,
) -> GoldRow:
    """Mark a clip as gold with its known emotion (or change it), in the caller's transaction.

    Returns the gold row. Raises UserError for an unknown clip or emotion.
    """
    emotion = check_emotion(emotion)
    clip = session.scalar(select(Clip).where(Clip.name == clip_name))
    if clip is None:
        raise UserError(f"no clip named {clip_name!r} — check the name (dfew-build info)")
    gold = session.get(GoldClip, clip.id)
    if gold is None:
        gold = GoldClip(clip_id=clip.id, emotion=emotion, example=example, added_by=added_by)
        session.add(gold)
    else:
        gold.emotion, gold.example, gold.added_by = emotion, example, added_by
    session.flush()
    return GoldRow(clip.id, clip.name, emotion, example, clip.path)


def remove_gold(session: Session, clip_name: str) -> None:
    """Unmark a gold clip (past quiz answers keep their record); UserError when not gold."""
    clip_id = session.scalar(select(Clip.id).where(Clip.name == clip_name))
    if clip_id is None or session.get(GoldClip, clip_id) is None:
        raise UserError(f"{clip_name!r} is not a gold clip — see `dfew-build gold list`")
    session.execute(delete(GoldClip).where(GoldClip.clip_id == clip_id))


def list_gold(session: Session) -> list[GoldRow]:
    """Return every gold clip, examples first, then by emotion and clip name."""
    rows = session.execute(
        select(Clip.id, Clip.name, GoldClip.emotion, GoldClip.example, Clip.path)
        .join(GoldClip, GoldClip.clip_id == Clip.id)
        .order_by(GoldClip.example.desc(), GoldClip.emotion, Clip.name)
    )
    return [GoldRow(*row) for row in rows]


def guide_examples(store: Store, token: str | None, now: datetime | None = None) -> dict:
    """Return the guide's example clip per emotion: {code 1..7: GoldRow or None}.

    Any logged-in account may read the guide. The example of an emotion is its first example
    gold clip by name.
    """
    examples: dict[int, GoldRow | None] = dict.fromkeys(EMOTION_CODES)
    with store.read() as session:
        authenticate(session, token, now)
        for row in list_gold(session):
            if row.example and examples[row.emotion] is None:
                examples[row.emotion] = row
    return examples


def _open_attempt(session: Session, annotator_id: int) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.annotator_id == annotator_id, QuizAttempt.finished_at.is_(None))
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def start_quiz(
    store: Store,
    token: str | None,
    rules: CampaignRules | None = None,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> int:
    """Return the id of the account's open quiz attempt, starting one when there is none.

    A new attempt draws ``rules.quiz_size`` quiz clips (all of them when fewer exist) in random
    order, first from the clips this account was never asked, then (only when those run out)
    from the ones it saw before. Raises UserError when no quiz clip exists yet.
    """
    rules, now, rng = rules or CampaignRules(), now_utc(now), rng or random.SystemRandom()
    with store.write() as session:
        actor = authenticate(session, token, now)
        attempt = _open_attempt(session, actor.id)
        if attempt is not None:
            return attempt.id
        pool = list(
            session.scalars(
                select(GoldClip.clip_id)
                .where(GoldClip.example.is_(False))
                .order_by(GoldClip.clip_id)
            )
        )
        if not pool:
            raise UserError(
                "the quiz has no questions yet — an admin must mark gold clips "
                "(dfew-build gold add CLIP EMOTION)"
            )
        seen = set(
            session.scalars(
                select(QuizAnswer.clip_id)
                .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
                .where(QuizAttempt.annotator_id == actor.id)
            )
        )
        fresh = [clip_id for clip_id in pool if clip_id not in seen]
        size = min(rules.quiz_size, len(pool))
        chosen = rng.sample(fresh, min(size, len(fresh)))
        again = [clip_id for clip_id in pool if clip_id in seen]
        chosen += rng.sample(again, size - len(chosen))
        rng.shuffle(chosen)
        attempt = QuizAttempt(
            annotator_id=actor.id,
            pass_mark=rules.pass_mark,
            n_questions=len(chosen),
            started_at=now,
        )
        session.add(attempt)
        session.flush()
        session.add_all(
            QuizAnswer(attempt_id=attempt.id, clip_id=clip_id, position=position)
            for position, clip_id in enumerate(chosen, start=1)
        )
        return attempt.id


def next_question(
    store: Store, token: str | None, now: datetime | None = None
) -> QuizQuestion | None:
    """Return the next unanswered question of the account's open attempt, or None."""
    with store.read() as session:
        actor = authenticate(session, token, now)
        attempt = _open_attempt(session, actor.id)
        if attempt is None:
            return None
        row = session.execute(
            select(QuizAnswer.position, QuizAnswer.clip_id, Clip.path)
            .join(Clip, Clip.id == QuizAnswer.clip_id)
            .where(QuizAnswer.attempt_id == attempt.id, QuizAnswer.emotion.is_(None))
            .order_by(QuizAnswer.position)
            .limit(1)
        ).first()
        if row is None:
            return None
        return QuizQuestion(attempt.id, row.position, attempt.n_questions, row.clip_id, row.path)


def answer_question(
    store: Store,
    token: str | None,
    attempt_id: int,
    position: int,
    emotion: int,
    now: datetime | None = None,
) -> QuizResult | None:
    """Record an answer; return the attempt's result when this was its last answer, else None.

    A second answer to the same question (a double click) is ignored. Passing sets the
    account's qualification to ``qualified`` in the same transaction. Raises NotAllowed for an
    attempt of another account or one already finished.
    """
    emotion, now = check_emotion(emotion), now_utc(now)
    with store.write() as session:
        actor = authenticate(session, token, now)
        attempt = session.get(QuizAttempt, attempt_id, with_for_update=True)
        if attempt is None or attempt.annotator_id != actor.id:
            raise NotAllowed("this quiz attempt is not yours — start the quiz from its page")
        if attempt.finished_at is not None:
            return None
        answer = session.scalar(
            select(QuizAnswer).where(
                QuizAnswer.attempt_id == attempt_id, QuizAnswer.position == position
            )
        )
        if answer is None:
            raise NotAllowed(f"the quiz has no question {position} — reload the quiz page")
        if answer.emotion is None:
            gold = session.get(GoldClip, answer.clip_id)
            answer.emotion, answer.answered_at = emotion, now
            # A clip unmarked as gold meanwhile counts as right: the annotator is not to blame.
            answer.correct = gold is None or gold.emotion == emotion
            session.flush()
        return _finish_if_complete(session, attempt, now)


def _finish_if_complete(session: Session, attempt: QuizAttempt, now: datetime) -> QuizResult | None:
    answered, correct = session.execute(
        select(
            func.count(QuizAnswer.emotion),
            func.count().filter(QuizAnswer.correct.is_(True)),
        ).where(QuizAnswer.attempt_id == attempt.id)
    ).one()
    if answered < attempt.n_questions:
        return None
    attempt.n_correct, attempt.finished_at = correct, now
    # Compare counts, not floats: 8 of 10 at a mark of 0.8 passes.
    attempt.passed = correct >= attempt.pass_mark * attempt.n_questions - 1e-9
    if attempt.passed:
        annotator = session.get(Annotator, attempt.annotator_id)
        if annotator is not None and annotator.qualification == "pending":
            annotator.qualification = "qualified"
    session.flush()
    return _result(session, attempt)


def _result(session: Session, attempt: QuizAttempt) -> QuizResult:
    rows = session.execute(
        select(Clip.name, QuizAnswer.emotion, GoldClip.emotion)
        .join(Clip, Clip.id == QuizAnswer.clip_id)
        .outerjoin(GoldClip, GoldClip.clip_id == QuizAnswer.clip_id)
        .where(QuizAnswer.attempt_id == attempt.id)
        .order_by(QuizAnswer.position)
    )
    answers = [(name, given, gold if gold is not None else given) for name, given, gold in rows]
    return QuizResult(
        attempt.id,
        attempt.n_correct or 0,
        attempt.n_questions,
        attempt.pass_mark,
        bool(attempt.passed),
        answers,
    )


def last_result(store: Store, token: str | None, now: datetime | None = None) -> QuizResult | None:
    """Return the account's most recent finished attempt, or None when it never finished one."""
    with store.read() as session:
        actor = authenticate(session, token, now)
        attempt = session.scalar(
            select(QuizAttempt)
            .where(QuizAttempt.annotator_id == actor.id, QuizAttempt.finished_at.is_not(None))
            .order_by(QuizAttempt.id.desc())
            .limit(1)
        )
        return None if attempt is None else _result(session, attempt)
