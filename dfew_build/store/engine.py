"""Opening, creating and migrating a store, whatever its SQLAlchemy URL.

``DFEW_DB`` (or ``--db``) names the store; the default is ``sqlite:///dfew.sqlite`` in the
working folder. SQLite stores run in WAL mode with foreign keys on and a busy timeout, and
write transactions start with ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of
failing on a stale snapshot; a process's writers of one file first queue in line (see
:class:`_WriterLock`). A store whose schema is older than this code is migrated with Alembic
when it is opened. What each database can do is decided in :mod:`dfew_build.store.backend`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    IntegrityError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from dfew_build.errors import UserError
from dfew_build.store.backend import Backend, backend_of
from dfew_build.store.models import StoreSettings
from dfew_build.store.queries import largest_movie_use, largest_vote_count

DEFAULT_URL = "sqlite:///dfew.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def resolve_url(cli_value: str | None, environ: Mapping[str, str] | None = None) -> str:
    """Return the store URL: ``--db`` if given, else ``DFEW_DB``, else the default SQLite file."""
    environ = os.environ if environ is None else environ
    return cli_value or environ.get("DFEW_DB") or DEFAULT_URL


def safe_url(url: str) -> str:
    """Return ``url`` fit to print: its password, if any, replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "(unparseable store URL)"


def describe_store_error(exc: SQLAlchemyError, url: str | None) -> str:
    """Return one line saying what a database error means for the user and what to do.

    Covers SQLite and PostgreSQL alike: a locked or unreachable store, a file that is not a
    store, a value too long for its column, and a concurrent writer that won a race.
    """
    where = "the store" if url is None else f"store {safe_url(url)}"
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
    low = detail.lower()
    if isinstance(exc, IntegrityError):
        return (
            f"another process changed {where} at the same moment ({detail}) — nothing was "
            "written; run the command again"
        )
    if isinstance(exc, DataError):
        return f"a value does not fit {where} ({detail}) — shorten it or fix its type"
    if "locked" in low or "busy" in low:
        return (
            f"{where} stayed locked by another writer for {SQLITE_BUSY_TIMEOUT_MS / 1000:g} s — "
            "wait for it (an extract or import) to finish, then run again"
        )
    if "not a database" in low or "malformed" in low or "file is encrypted" in low:
        return f"{where} is not a dfew-build store (not a SQLite database) — check --db / DFEW_DB"
    if isinstance(exc, OperationalError) and (
        "connect" in low or "timeout" in low or "unable to open" in low or "does not exist" in low
    ):
        return f"cannot reach {where} ({detail}) — check --db / DFEW_DB and that it is running"
    if isinstance(exc, DatabaseError):
        return f"{where} refused the operation ({detail}) — check --db / DFEW_DB"
    return f"{where}: {type(exc).__name__} ({detail}) — check --db / DFEW_DB"


def _sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None for other backends and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    """Return an engine for ``url``, configured for SQLite's WAL mode where it applies."""
    try:
        parsed = make_url(url)
        postgres = parsed.get_backend_name() == "postgresql"
        # A server that does not answer fails in seconds rather than after the OS's minutes.
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S} if postgres else {}
        engine = create_engine(parsed, connect_args=connect_args)
    except (ArgumentError, ValueError, NoSuchModuleError, ModuleNotFoundError) as exc:
        raise UserError(
            f"cannot use store URL {safe_url(url)} ({type(exc).__name__}) — give a SQLAlchemy "
            "URL such as sqlite:///dfew.sqlite or postgresql+psycopg://user@host/db"
        ) from exc
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Turn on WAL, foreign keys and the busy timeout; let us choose how transactions begin."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (the driver's own is always deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def alembic_config(connection) -> Config:
    """Return an Alembic configuration that migrates over ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """Return the newest schema revision this code knows."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    return script.get_current_head()


_writer_locks: dict[Path, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


class _WriterLock:
    """A SQLite file's in-process line of writers: each waits its turn, handed over the moment
    the previous transaction ends.

    SQLite lets one writer in at a time; a writer that finds the database busy sleeps and
    retries with growing pauses (up to 100 ms each), which leaves the database idle while
    writers doze and makes the slowest writes wait long. The app serves every browser session
    from one process, so its writers first queue here; SQLite's own waiting is left for writers
    in other processes (the CLI). A writer that waited the busy timeout here goes on to SQLite's
    own waiting, which reports a store that stays locked.
    """

    def __init__(self, database: Path) -> None:
        key = database.resolve()
        with _writer_locks_guard:
            self._lock = _writer_locks.setdefault(key, threading.RLock())
        self._taken = threading.local()  # per thread: whether each nested entry got the lock

    def __enter__(self) -> None:
        if not hasattr(self._taken, "stack"):
            self._taken.stack = []
        self._taken.stack.append(self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000))

    def __exit__(self, *_exc: object) -> None:
        if self._taken.stack.pop():
            self._lock.release()


@dataclass
class Store:
    """An open store: its URL, its engine and session factories for reading and writing."""

    url: str
    engine: Engine

    def __post_init__(self) -> None:
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )
        self.backend: Backend = backend_of(self.engine)
        database = _sqlite_path(self.url)
        self._writer_lock: AbstractContextManager[None] = (
            nullcontext() if database is None else _WriterLock(database)
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session for reading; it is rolled back at the end."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session inside one write transaction: committed on success, else rolled back.

        On SQLite the process's writers of one file first queue in line (:class:`_WriterLock`).
        """
        with self._writer_lock, self._writer.begin() as session:
            yield session

    def settings(self) -> StoreSettings:
        """Return the campaign settings (votes per clip, quota)."""
        with self.read() as session:
            settings = session.get(StoreSettings, 1)
        if settings is None:
            raise UserError(
                f"store {safe_url(self.url)} has no settings row — run `dfew-build init` on it"
            )
        return settings

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def open_store(url: str) -> Store:
    """Open an existing store, migrating its schema to this code's revision if it is older.

    Returns the open :class:`Store`. Raises :class:`UserError` when no store exists at ``url``,
    when the database cannot be reached, or when the store was made by a newer dfew-build.
    """
    sqlite_file = _sqlite_path(url)
    if sqlite_file is not None and not sqlite_file.is_file():
        raise UserError(
            f"no store at {sqlite_file.absolute()} — cd to your campaign's folder or point --db "
            "/ DFEW_DB at its store; to start one here run `dfew-build init` (or try "
            "`dfew-build demo`)"
        )
    engine = make_engine(url)
    try:
        revision = _current_revision(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise UserError(describe_store_error(exc, url)) from exc
    if revision is None:
        engine.dispose()
        raise UserError(
            f"{safe_url(url)} is not a dfew-build store — run `dfew-build init` to create one"
        )
    try:
        _refuse_newer(url, revision)
    except UserError:
        engine.dispose()
        raise
    if revision != head_revision():
        _upgrade(engine)
    return Store(url, engine)


def _refuse_newer(url: str, revision: str | None) -> None:
    """Raise UserError when the store's schema ``revision`` is one this code does not know."""
    known = {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if revision is not None and revision not in known:
        raise UserError(
            f"store {safe_url(url)} has schema revision {revision}, newer than this dfew-build "
            "knows — upgrade dfew-build (pip install -U dfew-build)"
        )


def init_store(url: str, votes_per_clip: int | None = None, quota: int | None = None) -> Store:
    """Create the store at ``url`` (or migrate and reconfigure an existing one).

    ``votes_per_clip`` and ``quota`` are stored in the settings row; None keeps the current value
    (10 and 20 for a new store). Returns the open :class:`Store`. Lowering a setting below what
    the store already holds (a clip with more votes, a movie with more clips) is refused.
    """
    if votes_per_clip is not None and votes_per_clip < 2:
        raise UserError(f"--votes-per-clip {votes_per_clip} is too small — use 2 or more")
    if quota is not None and quota < 1:
        raise UserError(f"--quota {quota} is too small — use 1 or more")
    sqlite_file = _sqlite_path(url)
    if sqlite_file is not None and not sqlite_file.parent.is_dir():
        raise UserError(f"folder {sqlite_file.parent} does not exist — create it or pick another")
    engine = make_engine(url)
    try:
        _refuse_newer(url, _current_revision(engine))
        _upgrade(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise UserError(describe_store_error(exc, url)) from exc
    except UserError:
        engine.dispose()
        raise
    store = Store(url, engine)
    with store.write() as session:
        settings = session.get(StoreSettings, 1)
        if settings is None:
            settings = StoreSettings(id=1, votes_per_clip=10, quota=20)
            session.add(settings)
        _check_lowering(session, votes_per_clip, quota)
        if votes_per_clip is not None:
            settings.votes_per_clip = votes_per_clip
        if quota is not None:
            settings.quota = quota
    return store


def _check_lowering(session: Session, votes_per_clip: int | None, quota: int | None) -> None:
    """Refuse settings that the votes or clips already in the store exceed."""
    if votes_per_clip is not None:
        most = largest_vote_count(session)
        if most > votes_per_clip:
            raise UserError(
                f"a clip already has {most} votes, more than --votes-per-clip {votes_per_clip} — "
                f"use at least {most}"
            )
    if quota is not None:
        most = largest_movie_use(session)
        if most > quota:
            raise UserError(
                f"a movie already has {most} clips, more than --quota {quota} — use at least {most}"
            )
