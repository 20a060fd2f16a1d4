"""What the database behind a store can do: the one place that tells SQLite from PostgreSQL.

Callers ask for a capability (:attr:`Backend.concurrent_writers`, :attr:`Backend.modifying_with`)
instead of comparing dialect names, so the choice of behaviour per database lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Backend:
    """The features of one database system that the store's callers choose between.

    Attributes
    ----------
    name : str
        SQLAlchemy's dialect name, ``"sqlite"`` or ``"postgresql"``.
    concurrent_writers : bool
        Writers run side by side, each locking only the rows it touches (``FOR UPDATE``,
        ``SKIP LOCKED``), and the usual actions are single autocommitted statements. False:
        one writer at a time (SQLite), so a caller does all its work in one transaction.
    modifying_with : bool
        An INSERT or UPDATE may sit inside a ``WITH`` (PostgreSQL's data-modifying CTEs).
    """

    name: str
    concurrent_writers: bool
    modifying_with: bool


POSTGRESQL = Backend("postgresql", concurrent_writers=True, modifying_with=True)
SQLITE = Backend("sqlite", concurrent_writers=False, modifying_with=False)


def backend_of(bind: Engine | Connection | Session) -> Backend:
    """Return the :class:`Backend` of an engine, a connection or a session's bind."""
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    return POSTGRESQL if dialect.name == "postgresql" else SQLITE
