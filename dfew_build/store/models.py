"""SQLAlchemy 2.0 models of the store: settings, movies, clips, annotators and votes.

The invariants that must hold however many processes write at once (the per-movie quota and
the per-clip vote cap) are enforced by triggers created in the Alembic migrations
(:mod:`dfew_build.store.triggers`); the simple ones are constraints declared here.
"""

from __future__ import annotations

from datetime import UTC, datetime

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

CLIP_STATUSES = ("candidate", "accepted", "rejected", "complete")
CLIP_SOURCES = ("auto", "manual", "imported")
ROLES = ("annotator", "reviewer", "admin")
QUALIFICATIONS = ("pending", "qualified", "imported")
EXTRACT_STATES = ("running", "done", "failed")

# A file size in bytes: 64-bit on PostgreSQL (movies pass 2 GiB); SQLite integers are 64-bit anyway.
FileSize = BigInteger().with_variant(Integer(), "sqlite")

# Stable constraint names, so migrations and error messages can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


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
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str | None] = mapped_column(String(1000))
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
    name: Mapped[str] = mapped_column(String(200), unique=True)
    movie_id: Mapped[int | None] = mapped_column(ForeignKey("movie.id", ondelete="RESTRICT"))
    path: Mapped[str | None] = mapped_column(String(1000))
    file_hash: Mapped[str | None] = mapped_column(String(64))
    start_s: Mapped[float | None] = mapped_column(Float)
    end_s: Mapped[float | None] = mapped_column(Float)
    start_frame: Mapped[int | None] = mapped_column(Integer)
    end_frame: Mapped[int | None] = mapped_column(Integer)
    bucket: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16), default="manual")
    extractor: Mapped[str | None] = mapped_column(String(100))
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
    name: Mapped[str] = mapped_column(String(100), unique=True)
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
