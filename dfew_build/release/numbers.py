"""Stable release numbers: a clip keeps its number in every release of the store."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from dfew_build.store.models import ReleaseNumber


def release_numbers(session: Session, clip_ids: Sequence[int]) -> dict[int, int]:
    """Return clip id → release number (1, 2, …) for ``clip_ids``.

    Clips numbered by an earlier release keep their number; the others get the next unused
    numbers, in the order of ``clip_ids``, and are recorded in the ``release_number`` table
    within ``session``'s transaction.
    """
    wanted = list(dict.fromkeys(clip_ids))
    numbers: dict[int, int] = {}
    for start in range(0, len(wanted), 500):  # keep each IN list small
        chunk = wanted[start : start + 500]
        rows = session.execute(
            select(ReleaseNumber.clip_id, ReleaseNumber.number).where(
                ReleaseNumber.clip_id.in_(chunk)
            )
        )
        numbers.update((clip_id, number) for clip_id, number in rows)
    new = [clip_id for clip_id in wanted if clip_id not in numbers]
    if new:
        last = session.scalar(select(func.max(ReleaseNumber.number))) or 0
        rows = [{"clip_id": clip_id, "number": last + k} for k, clip_id in enumerate(new, 1)]
        session.execute(insert(ReleaseNumber), rows)
        numbers.update((row["clip_id"], row["number"]) for row in rows)
    return numbers
