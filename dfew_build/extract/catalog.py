"""The store side of extraction: movies by content hash, clips with their files, the quota.

Every clip row comes with its file and the other way round, and no file is ever deleted that
this store did not record as its own. A clip is cut to a temporary name in the output folder;
then its row is inserted with that temporary path (the database's quota trigger and the unique
clip name may refuse it) and committed, the file is renamed to its final name, and the row's path
is updated. A refused row deletes the temporary file. A process killed between the commit and
the update leaves a row whose path is a temporary name, which :func:`recover_files` completes on
the next run (renaming the file, or dropping a row whose file is gone), while holding the same
lock (SQLite's write lock, PostgreSQL's lock on the movie row that the quota trigger also takes),
so it never races a concurrent writer. Files in the folder that no row of this store names (a
second campaign's clips, say) are never touched: :func:`foreign_clips` lets ``extract`` refuse
such a folder.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dfew_build.extract.probe import MovieInfo
from dfew_build.files import file_sha256
from dfew_build.store.clock import utc_now
from dfew_build.store.engine import Store
from dfew_build.store.integrity import QUOTA_MARKER
from dfew_build.store.models import Clip, Movie, Vote

CLIP_SUFFIX = ".mp4"
_PART = ".part"
_TEMP_FILE = re.compile(r"\.(?P<stem>.+)\.[0-9]+\.part(?P<suffix>\.[^.]+)")
_CLIP_FILE = re.compile(r"[0-9a-f]{16}_[0-9]{7}_[0-9]{7}\.mp4")


@dataclass(frozen=True)
class MovieRecord:
    """A movie row as extraction sees it: id, title, content hash and extraction state."""

    id: int
    title: str
    content_hash: str
    extract_status: str | None


@dataclass(frozen=True)
class ClipSpan:
    """An existing clip of a movie: name, frame span (end exclusive), source and status."""

    name: str
    start_frame: int | None
    end_frame: int | None
    start_s: float | None
    end_s: float | None
    source: str
    status: str
    path: str | None


def clip_name(content_hash: str, start_frame: int, end_frame: int) -> str:
    """Return the stable name of a clip: the movie's hash prefix and its frame span.

    The same movie and frames always give the same name, so re-runs recognise clips they cut.
    """
    return f"{content_hash[:16]}_{start_frame:07d}_{end_frame:07d}"


def temp_path(final: Path) -> Path:
    """Return the hidden temporary name a clip is written under before it is renamed to ``final``.

    It carries this process's id, so concurrent runs never share a temporary file.
    """
    return final.with_name(f".{final.stem}.{os.getpid()}{_PART}{final.suffix}")


def register_movie(store: Store, info: MovieInfo, content_hash: str) -> MovieRecord:
    """Return the movie with this content hash, creating it (or updating its path and facts).

    Two processes registering the same movie at once end with one row.
    """
    for attempt in range(2):
        try:
            with store.write() as session:
                movie = session.scalar(select(Movie).where(Movie.content_hash == content_hash))
                if movie is None:
                    movie = Movie(title=info.path.stem, content_hash=content_hash)
                    session.add(movie)
                movie.path = str(info.path.resolve())
                movie.duration_s = info.duration_s
                movie.fps = info.fps
                movie.width, movie.height = info.width, info.height
                movie.size_bytes = info.size_bytes
                movie.has_audio = info.has_audio
                session.flush()
                return MovieRecord(movie.id, movie.title, content_hash, movie.extract_status)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


# The first key of the PostgreSQL advisory locks by which extract runs claim a movie.
_CLAIM_KEY = 0x0DFE


@contextlib.contextmanager
def claim_movie(store: Store, movie_id: int) -> Iterator[str]:
    """Claim the movie for this process while inside; yield ``"claimed"``, ``"busy"`` (another
    process holds it) or ``"unsupported"`` (SQLite, whose write lock serialises runs anyway).

    On PostgreSQL the claim is a session advisory lock on a connection of its own: the server
    drops it when that connection ends, so a killed worker or a dead node frees its movie for
    the next run (a retried task, a rerun, a second driver).
    """
    if store.engine.dialect.name != "postgresql":
        yield "unsupported"
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        key = {"key": _CLAIM_KEY, "movie": movie_id}
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key, :movie)"), key).scalar()
        if not got:
            yield "busy"
            return
        try:
            yield "claimed"
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key, :movie)"), key)


def movie_status(store: Store, movie_id: int) -> str | None:
    """Return the movie's extraction state as the store holds it now."""
    with store.read() as session:
        return session.scalar(select(Movie.extract_status).where(Movie.id == movie_id))


def set_movie_state(
    store: Store,
    movie_id: int,
    status: str,
    error: str | None = None,
    frame_count: int | None = None,
    extraction: dict[str, Any] | None = None,
) -> None:
    """Record the extraction state of a movie (``running``, ``done`` or ``failed``)."""
    with store.write() as session:
        movie = session.get(Movie, movie_id)
        movie.extract_status = status
        movie.extract_error = None if error is None else error[:1000]
        if frame_count is not None:
            movie.frame_count = frame_count
        if extraction is not None:
            movie.extraction = extraction
        if status == "done":
            movie.extracted_at = utc_now()


def store_quota(store: Store) -> int:
    """Return the store's per-movie quota of non-rejected clips."""
    return store.settings().quota


def movie_clips(store: Store, movie_id: int) -> list[ClipSpan]:
    """Return the clips of a movie (every status), ordered by start."""
    with store.read() as session:
        rows = session.scalars(
            select(Clip).where(Clip.movie_id == movie_id).order_by(Clip.start_s, Clip.id)
        ).all()
        return [
            ClipSpan(
                c.name, c.start_frame, c.end_frame, c.start_s, c.end_s, c.source, c.status, c.path
            )
            for c in rows
        ]


def live_count(session: Session, movie_id: int) -> int:
    """Return the number of non-rejected clips of a movie (what the quota counts)."""
    return session.scalar(
        select(func.count()).where(Clip.movie_id == movie_id, Clip.status != "rejected")
    )


def name_taken(store: Store, name: str) -> bool:
    """Return whether a clip called ``name`` exists."""
    with store.read() as session:
        return session.scalar(select(Clip.id).where(Clip.name == name)) is not None


@dataclass(frozen=True)
class Insertion:
    """What became of a clip: ``outcome`` is "added", "quota" (movie full) or "exists" (name)."""

    outcome: str
    clip_id: int | None = None


def add_clip_with_file(store: Store, clip: Clip, temp: Path, final: Path) -> Insertion:
    """Insert ``clip`` for the cut file ``temp`` and move that file to ``final``.

    See the module docstring. ``clip.path`` ends as ``final`` and ``clip.file_hash`` is the
    file's hash. Returns the outcome; on a refusal the temporary file is deleted and the outcome
    says why; other errors delete the file (and the row, if it was committed) and rise.
    """
    clip.path = str(temp.resolve())  # recorded as this store's own temporary file
    clip.file_hash = file_sha256(temp)
    try:
        with store.write() as session:
            session.add(clip)
            session.flush()  # the quota trigger and the unique name check run here
            clip_id = clip.id
    except IntegrityError as exc:
        _unlink(temp)
        if QUOTA_MARKER in str(exc.orig):
            return Insertion("quota")
        if any(marker in str(exc.orig) for marker in ("clip.name", "uq_clip_name")):
            return Insertion("exists")
        raise
    except BaseException:
        _unlink(temp)
        raise
    try:
        os.replace(temp, final)
    except OSError:
        with store.write() as session:
            session.execute(delete(Clip).where(Clip.id == clip_id))
        _unlink(temp)
        raise
    with store.write() as session:
        session.execute(update(Clip).where(Clip.id == clip_id).values(path=str(final.resolve())))
    clip.path = str(final.resolve())
    return Insertion("added", clip_id)


def final_path(temp: Path) -> Path:
    """Return the final name of a clip written under the temporary name ``temp``."""
    match = _TEMP_FILE.fullmatch(temp.name)
    if match is None:
        raise ValueError(f"{temp} is not a temporary clip name")
    return temp.with_name(match["stem"] + match["suffix"])


def is_temp_path(path: str | Path) -> bool:
    """Return whether ``path`` is a temporary clip name (see :func:`temp_path`)."""
    return _TEMP_FILE.fullmatch(Path(path).name) is not None


def recover_files(store: Store, movie_id: int, claimed: bool = False) -> list[Path]:
    """Finish the clips of a movie that a killed run left under their temporary names.

    A recorded temporary file of a process that is gone is renamed to its final name; a row
    whose file is gone (and that has no votes) is dropped. Only files this store recorded are
    touched. Returns the final paths of the clips recovered. Runs under the movie's write lock.
    With ``claimed`` (this process holds :func:`claim_movie`'s claim) every temporary file of
    the movie is a dead run's, whatever host its process id belongs to.
    """
    recovered = []
    with store.write() as session:
        session.execute(select(Movie.id).where(Movie.id == movie_id).with_for_update())
        clips = session.scalars(select(Clip).where(Clip.movie_id == movie_id)).all()
        for clip in clips:
            if not clip.path or not is_temp_path(clip.path):
                continue
            temp = Path(clip.path)
            if not claimed and _pid_alive(_pid_of(temp)):
                continue  # a running process is about to rename it itself
            final = final_path(temp)
            if temp.exists():
                os.replace(temp, final)
            if final.exists():
                clip.path = str(final)
                recovered.append(final)
            elif session.scalar(select(Vote.id).where(Vote.clip_id == clip.id).limit(1)) is None:
                session.delete(clip)
    return recovered


def remove_dead_parts(out_dir: Path, content_hash: str) -> list[Path]:
    """Delete the temporary clip files of the movie ``content_hash`` left in ``out_dir`` by a
    run that died before recording them; return their paths.

    Call only under the movie's claim (:func:`claim_movie`) and after :func:`recover_files`:
    then no other process works on the movie, and every recorded temporary file has been
    finished, so what is left (named by this tool after this movie's hash, in this store's
    clip folder) is a dead run's half-written cut.
    """
    removed = []
    for path in out_dir.glob(f".{content_hash[:16]}_*{_PART}{CLIP_SUFFIX}"):
        if _TEMP_FILE.fullmatch(path.name):
            _unlink(path)
            removed.append(path)
    return removed


def foreign_clips(store: Store, out_dir: Path) -> list[Path]:
    """Return the clip files in ``out_dir`` (named like extracted clips) that no row of this
    store names: another store's clips, which this store must never delete or overwrite."""
    found = [p for p in out_dir.glob(f"*{CLIP_SUFFIX}") if _CLIP_FILE.fullmatch(p.name)]
    if not found:
        return []
    with store.read() as session:
        owned = set(session.scalars(select(Clip.path).where(Clip.path.is_not(None))))
    return sorted(p for p in found if str(p.resolve()) not in owned)


def discard_candidates(store: Store, movie_id: int) -> int:
    """Delete a movie's automatic clips still in ``candidate`` state without votes, and their files.

    Used by ``--force``: screened, voted and hand-cut clips stay. Returns the number deleted.
    Files are first moved aside, so a failed transaction can put them back.
    """
    with store.write() as session:
        voted = select(Vote.clip_id)
        clips = session.scalars(
            select(Clip).where(
                Clip.movie_id == movie_id,
                Clip.source == "auto",
                Clip.status == "candidate",
                Clip.id.not_in(voted),
            )
        ).all()
        moved: list[tuple[Path, Path]] = []
        try:
            for clip in clips:
                if clip.path and Path(clip.path).exists():
                    final = Path(clip.path)
                    aside = temp_path(final)
                    os.replace(final, aside)
                    moved.append((aside, final))
            session.execute(delete(Clip).where(Clip.id.in_([c.id for c in clips])))
        except BaseException:
            for aside, final in moved:
                os.replace(aside, final)
            raise
    for aside, _ in moved:
        _unlink(aside)
    return len(clips)


def _pid_of(path: Path) -> int | None:
    parts = path.name.split(".")
    with contextlib.suppress(IndexError, ValueError):
        return int(parts[-3])
    return None


def _pid_alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@dataclass(frozen=True)
class QuotaRow:
    """One movie's use of its quota: clips by source, by bucket (non-rejected) and rejected."""

    movie_id: int
    title: str
    extract_status: str | None
    live: int
    auto: int
    manual: int
    rejected: int
    buckets: dict[str, int]


def quota_rows(store: Store) -> list[QuotaRow]:
    """Return every movie's quota use, ordered by movie id."""
    with store.read() as session:
        movies = session.execute(
            select(Movie.id, Movie.title, Movie.extract_status).order_by(Movie.id)
        ).all()
        counts = session.execute(
            select(Clip.movie_id, Clip.source, Clip.status, Clip.bucket, func.count())
            .where(Clip.movie_id.is_not(None))
            .group_by(Clip.movie_id, Clip.source, Clip.status, Clip.bucket)
        ).all()
    rows = []
    for movie_id, title, state in movies:
        mine = [c for c in counts if c[0] == movie_id]
        live = [c for c in mine if c[2] != "rejected"]
        buckets: dict[str, int] = {}
        for c in live:
            buckets[c[3] or "?"] = buckets.get(c[3] or "?", 0) + c[4]
        rows.append(
            QuotaRow(
                movie_id=movie_id,
                title=title,
                extract_status=state,
                live=sum(c[4] for c in live),
                auto=sum(c[4] for c in live if c[1] == "auto"),
                manual=sum(c[4] for c in live if c[1] != "auto"),
                rejected=sum(c[4] for c in mine if c[2] == "rejected"),
                buckets=buckets,
            )
        )
    return rows
