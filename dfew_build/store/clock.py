"""Times as the store keeps them: aware UTC datetimes.

SQLite gives stored times back naive (PostgreSQL keeps the zone); every time read from the
store goes through :func:`as_utc`, every "now" through :func:`now_utc`.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime (the store's column default)."""
    return datetime.now(UTC)


def now_utc(now: datetime | None = None) -> datetime:
    """Return ``now`` as an aware UTC datetime, or the current time when it is None."""
    if now is None:
        return utc_now()
    return as_utc(now)


def as_utc(moment: datetime) -> datetime:
    """Return an aware UTC datetime; a naive one (as SQLite gives back) is taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
