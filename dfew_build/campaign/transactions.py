"""Write transactions for campaign actions: on SQLite, a process's writers queue in line first.

SQLite lets one writer in at a time; a writer that finds the database busy sleeps and retries
with growing pauses (up to 100 ms each), which leaves the database idle while writers doze and
makes the slowest votes wait long. The app serves every browser session from one process, so
its writers first queue on a lock per database file, handed over the moment the previous
transaction ends; SQLite's own waiting is left only for writers in other processes (the CLI).
PostgreSQL runs writers side by side and needs no such line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy.orm import Session

from dfew_build.store.engine import Store

_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(store: Store) -> threading.RLock | nullcontext:
    """Return the lock that this process's writers of ``store`` take turns on (SQLite only)."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return nullcontext()
    key = str(Path(url.database).resolve())
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.RLock())


@contextmanager
def writing(store: Store) -> Iterator[Session]:
    """Yield a session in one write transaction, committed on success, else rolled back."""
    with _writer_lock(store), store.write() as session:
        yield session
