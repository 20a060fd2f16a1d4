"""SQLAlchemy 2.0 models of the store: settings, movies, clips, annotators and votes.

The invariants that must hold however many processes write at once (the per-movie quota and
the per-clip vote cap) are enforced by triggers created in the Alembic migrations
(0001, 0003, 0004); the simple ones are constraints declared here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dfew_build.errors import UserError
from dfew_build.store.clock import utc_now

CLIP_STATUSES = ("candidate", "accepted", "rejected", "complete")
CLIP_SOURCES = ("auto", "manual", "imported")
ROLES = ("annotator", "reviewer", "admin")
QUALIFICATIONS = ("pending", "qualified", "imported")
EXTRACT_STATES = ("running", "done", "failed")

# Column sizes of user-supplied text, checked before inserting so that SQLite (which would store
# a longer value) and PostgreSQL (which would raise DataError) refuse the same names.
TITLE_LENGTH = 300
PATH_LENGTH = 1000
CLIP_NAME_LENGTH = 200
PERSON_NAME_LENGTH = 100

# A file size in bytes: 64-bit on PostgreSQL (movies pass 2 GiB); SQLite integers are 64-bit anyway.
FileSize = BigInteger().with_variant(Integer(), "sqlite")

EMOTION_CODES = range(1, 8)  # DFEW's numbering, 1 Happy … 7 Fear; the CHECKs below hold it


def check_emotion(emotion: int) -> int:
    """Return ``emotion`` when it is a DFEW code the store holds (1..7); else raise UserError."""
    if isinstance(emotion, bool) or emotion not in EMOTION_CODES:
        raise UserError(f"emotion {emotion!r} is not a code 1..7 (1 Happy … 7 Fear)")
    return int(emotion)


# Stable constraint names, so migrations and error messages can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StoreSettings(Base):
    """The campaign's settings: one row (id 1)."""

    __tablename__ = "store_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("votes_per_clip >= 2", name="votes_per_clip"),
        CheckConstraint("quota >= 1", name="quota"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    votes_per_clip: Mapped[int] = mapped_column(Integer, default=10)
    quota: Mapped[int] = mapped_column(Integer, default=20)


class Movie(Base):
    """A source movie that clips are cut from."""

    __tablename__ = "movie"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    path: Mapped[str | None] = mapped_column(String(PATH_LENGTH))
    content_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    duration_s: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(FileSize)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Filled by `dfew-build extract` (migration 0002): decoded frame count, whether the movie has
    # sound, and the state of automatic extraction (None: never run; see EXTRACT_STATES).
    frame_count: Mapped[int | None] = mapped_column(Integer)
    has_audio: Mapped[bool | None] = mapped_column()
    extract_status: Mapped[str | None] = mapped_column(String(16))
    extract_error: Mapped[str | None] = mapped_column(String(1000))
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Settings and counts of the last extraction (detectors, shots, candidates, clips cut).
    extraction: Mapped[dict | None] = mapped_column(JSON)

    clips: Mapped[list[Clip]] = relationship(back_populates="movie")


class Clip(Base):
    """A candidate or accepted clip: where it comes from, its file and its state."""

    __tablename__ = "clip"
    __table_args__ = (
        CheckConstraint(_in("status", CLIP_STATUSES), name="status"),
        CheckConstraint(_in("source", CLIP_SOURCES), name="source"),
        CheckConstraint("end_s IS NULL OR start_s IS NULL OR end_s > start_s", name="span"),
        CheckConstraint(
            "suggested_emotion IS NULL OR suggested_emotion BETWEEN 1 AND 7",
            name="suggested_emotion",
        ),
        CheckConstraint("release_label IS NULL OR release_label BETWEEN 0 AND 7", name="label"),
        CheckConstraint("release_fold IS NULL OR release_fold >= 1", name="fold"),
        Index("ix_clip_movie_status", "movie_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(CLIP_NAME_LENGTH), unique=True)
    movie_id: Mapped[int | None] = mapped_column(ForeignKey("movie.id", ondelete="RESTRICT"))
    path: Mapped[str | None] = mapped_column(String(PATH_LENGTH))
    file_hash: Mapped[str | None] = mapped_column(String(64))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    start_frame: Mapped[int | None] = mapped_column(Integer)
    end_frame: Mapped[int | None] = mapped_column(Integer)
    bucket: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    extractor: Mapped[str | None] = mapped_column(String(PERSON_NAME_LENGTH))
    suggested_emotion: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    # The label and test fold a published release gave this clip (import-dfew), if any.
    release_label: Mapped[int | None] = mapped_column(Integer)
    release_fold: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # Share (0..1) of the sampled frames with a face, and where the clip came from: detector
    # names and scores, shot bounds, selection score (migration 0002).
    face_ratio: Mapped[float | None] = mapped_column(Float)
    provenance: Mapped[dict | None] = mapped_column(JSON)

    movie: Mapped[Movie | None] = relationship(back_populates="clips")

    @property
    def duration_s(self) -> float | None:
        """Length of the clip in seconds, or None when its span is unknown."""
        if self.start_s is None or self.end_s is None:
            return None
        return self.end_s - self.start_s


class Annotator(Base):
    """A person (or an imported pseudo-rater) who votes, screens or administers."""

    __tablename__ = "annotator"
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint(_in("qualification", QUALIFICATIONS), name="qualification"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(PERSON_NAME_LENGTH), unique=True)
    role: Mapped[str] = mapped_column(String(16), default="annotator")
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    qualification: Mapped[str] = mapped_column(String(16), default="pending")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class Vote(Base):
    """One annotator's emotion for one clip (1 Happy … 7 Fear, DFEW's numbering)."""

    __tablename__ = "vote"
    __table_args__ = (
        UniqueConstraint("clip_id", "annotator_id", name="uq_vote_clip_annotator"),
        CheckConstraint("emotion BETWEEN 1 AND 7", name="emotion"),
        CheckConstraint("seconds IS NULL OR seconds >= 0", name="seconds"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="RESTRICT"), index=True)
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotator.id", ondelete="RESTRICT"), index=True
    )
    emotion: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class VoteChange(Base):
    """An annotator's change of their own last vote (migration 0006): the audit of an undo.

    The vote row then holds ``new_emotion``; this row keeps what it held before. A change
    never adds a vote, so a clip's count and an annotator's quota stay as they were.
    """

    __tablename__ = "vote_change"
    __table_args__ = (
        CheckConstraint("old_emotion BETWEEN 1 AND 7", name="old_emotion"),
        CheckConstraint("new_emotion BETWEEN 1 AND 7", name="new_emotion"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("vote.id", ondelete="RESTRICT"), index=True)
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotator.id", ondelete="RESTRICT"), index=True
    )
    old_emotion: Mapped[int] = mapped_column(Integer)
    new_emotion: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


# --- The annotation campaign (migration 0003): logins, gold clips and the quiz, screening,
# leases on clips being annotated, broken-clip reports. Business rules live in
# :mod:`dfew_build.campaign`; the counting rule on leases is a trigger there.

LEASE_OUTCOMES = ("voted", "broken", "released")
SCREEN_DECISIONS = ("accepted", "rejected")
REPORT_RESOLUTIONS = ("rejected", "kept")


class LoginSession(Base):
    """A logged-in browser session: only the SHA-256 of its random token is stored."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotator.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set at logout, when the account is disabled or its secret reset: the token is dead.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class GoldClip(Base):
    """A clip whose emotion is known: a guide example or a qualification-quiz question.

    Gold clips are never handed out for voting, and answers to them are never votes.
    """

    __tablename__ = "gold_clip"
    __table_args__ = (CheckConstraint("emotion BETWEEN 1 AND 7", name="emotion"),)

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clip.id", ondelete="RESTRICT"), primary_key=True
    )
    emotion: Mapped[int] = mapped_column(Integer)
    # True: shown in the guide as the example of its emotion; False: a quiz question.
    example: Mapped[bool] = mapped_column(default=False)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("annotator.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)


class QuizAttempt(Base):
    """One sitting of the qualification quiz; ``passed`` is set when its last answer lands."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        CheckConstraint("pass_mark > 0 AND pass_mark <= 1", name="pass_mark"),
        CheckConstraint("n_questions >= 1", name="n_questions"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotator.id", ondelete="RESTRICT"), index=True
    )
    pass_mark: Mapped[float] = mapped_column(Float)
    n_questions: Mapped[int] = mapped_column(Integer)
    n_correct: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column()
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuizAnswer(Base):
    """One question of a quiz attempt (a gold clip) and, once given, the annotator's answer."""

    __tablename__ = "quiz_answer"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position", name="uq_quiz_answer_attempt_position"),
        UniqueConstraint("attempt_id", "clip_id", name="uq_quiz_answer_attempt_clip"),
        CheckConstraint("emotion IS NULL OR emotion BETWEEN 1 AND 7", name="emotion"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="RESTRICT"))
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(Integer)
    emotion: Mapped[int | None] = mapped_column(Integer)
    correct: Mapped[bool | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Screening(Base):
    """The pre-annotation check of one candidate clip: who holds it, and what they decided."""

    __tablename__ = "screening"
    __table_args__ = (
        CheckConstraint(
            f"decision IS NULL OR {_in('decision', SCREEN_DECISIONS)}", name="decision"
        ),
    )

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clip.id", ondelete="RESTRICT"), primary_key=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("annotator.id", ondelete="RESTRICT"))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    claim_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(300))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClipQueue(Base):
    """An accepted clip open for votes, with its number of votes: one row per such clip.

    Kept by triggers on ``clip`` and ``vote`` (created by migration 0003), never by
    application code; the next-clip rule reads it through the ``(votes, clip_id)`` index, so
    handing out a clip costs the same whether the campaign holds a hundred clips or twenty
    thousand.
    """

    __tablename__ = "clip_queue"
    __table_args__ = (
        CheckConstraint("votes >= 0", name="votes"),
        Index("ix_clip_queue_votes", "votes", "clip_id"),
    )

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clip.id", ondelete="CASCADE"), primary_key=True
    )
    votes: Mapped[int] = mapped_column(Integer)


class Lease(Base):
    """A clip handed to one annotator for voting; open until voted, reported, released or expired.

    One row per (clip, annotator) ever: a clip is never shown to the same annotator twice. The
    database refuses a lease that would give a clip more open leases plus votes than its
    ``votes_per_clip`` (trigger ``lease_cap``).
    """

    __tablename__ = "lease"
    __table_args__ = (
        UniqueConstraint("clip_id", "annotator_id", name="uq_lease_clip_annotator"),
        CheckConstraint("expires_at > issued_at", name="expiry"),
        CheckConstraint(
            f"(closed_at IS NULL AND outcome IS NULL) OR "
            f"(closed_at IS NOT NULL AND {_in('outcome', LEASE_OUTCOMES)})",
            name="outcome",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="RESTRICT"))
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("annotator.id", ondelete="RESTRICT"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(16))


class BrokenReport(Base):
    """An annotator's report that a clip is broken (no face, wrong content, does not play)."""

    __tablename__ = "broken_report"
    __table_args__ = (
        UniqueConstraint("clip_id", "annotator_id", name="uq_broken_report_clip_annotator"),
        CheckConstraint(
            f"resolution IS NULL OR {_in('resolution', REPORT_RESOLUTIONS)}", name="resolution"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clip_id: Mapped[int] = mapped_column(ForeignKey("clip.id", ondelete="RESTRICT"))
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotator.id", ondelete="RESTRICT"))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReleaseNumber(Base):
    """The number a clip carries in every ``dfew-build release`` (``00001`` …), for good.

    A clip keeps its number across releases; clips new to a release get the next numbers.
    """

    __tablename__ = "release_number"
    __table_args__ = (CheckConstraint("number >= 1", name="number"),)

    clip_id: Mapped[int] = mapped_column(
        ForeignKey("clip.id", ondelete="RESTRICT"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, unique=True)
