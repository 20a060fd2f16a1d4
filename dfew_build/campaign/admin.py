"""Admin actions from the browser, each checking an admin's session token in its transaction.

The CLI changes the store directly (whoever runs it can open the database anyway); the app
goes through these functions, so a non-admin session cannot reach them whatever page it
forges.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import update

from analysis.vote_counts import default_threshold
from dfew_build.campaign import figures
from dfew_build.campaign.accounts import ADMIN_ROLES, authenticate, require
from dfew_build.campaign.assign import votes_per_clip
from dfew_build.campaign.gold import GoldRow, add_gold, list_gold, remove_gold
from dfew_build.errors import UserError
from dfew_build.store.clock import now_utc
from dfew_build.store.engine import Store
from dfew_build.store.models import BrokenReport, Clip, Lease


@dataclass(frozen=True)
class Dashboard:
    """Every figure of the admin dashboard (see :mod:`dfew_build.campaign.figures`)."""

    votes_per_clip: int
    threshold: int
    states: pd.Series
    per_day: pd.Series
    annotators: pd.DataFrame
    kappa: float | None
    complete_clips: int
    alpha: float | None
    alpha_clips: int
    emotions: pd.DataFrame
    reports: pd.DataFrame
    rare: pd.DataFrame


def dashboard(
    store: Store,
    token: str | None,
    day_start: datetime,
    threshold: int | None = None,
    now: datetime | None = None,
) -> Dashboard:
    """Return the dashboard's figures for an admin; ``day_start`` begins "today" (aware time).

    Raises NotAllowed for anyone but an admin.
    """
    now = now_utc(now)
    with store.read() as session:
        require(authenticate(session, token, now), ADMIN_ROLES)
        n_raters = votes_per_clip(session)
        votes = figures.load_votes(session)
        gold = figures.load_gold_answers(session)
        states = figures.clip_states(session)
        reports = figures.load_reports(session)
        suggestions = figures.load_suggestions(session)
    threshold = default_threshold(n_raters) if threshold is None else threshold
    kappa, complete = figures.kappa_so_far(votes, n_raters)
    alpha, alpha_clips = figures.alpha_so_far(votes)
    return Dashboard(
        votes_per_clip=n_raters,
        threshold=threshold,
        states=states,
        per_day=figures.votes_per_day(votes),
        annotators=figures.annotator_table(votes, gold, n_raters, day_start),
        kappa=kappa,
        complete_clips=complete,
        alpha=alpha,
        alpha_clips=alpha_clips,
        emotions=figures.emotion_distribution(votes, n_raters, threshold),
        reports=reports,
        rare=figures.rare_expression_tally(votes, n_raters, threshold, suggestions),
    )


def mark_gold(
    store: Store,
    token: str | None,
    clip_name: str,
    emotion: int,
    example: bool = False,
    now: datetime | None = None,
) -> GoldRow:
    """Mark a clip as gold with its known emotion, as an admin; return the gold row."""
    with store.write() as session:
        actor = require(authenticate(session, token, now), ADMIN_ROLES)
        return add_gold(session, clip_name, emotion, example, added_by=actor.id)


def unmark_gold(
    store: Store, token: str | None, clip_name: str, now: datetime | None = None
) -> None:
    """Unmark a gold clip, as an admin."""
    with store.write() as session:
        require(authenticate(session, token, now), ADMIN_ROLES)
        remove_gold(session, clip_name)


def gold_clips(store: Store, token: str | None, now: datetime | None = None) -> list[GoldRow]:
    """Return the gold clips, for an admin (their answers must not reach annotators)."""
    with store.read() as session:
        require(authenticate(session, token, now), ADMIN_ROLES)
        return list_gold(session)


def resolve_reports(
    store: Store, token: str | None, clip_id: int, reject: bool, now: datetime | None = None
) -> None:
    """Settle a clip's open broken-clip reports, as an admin.

    ``reject``: the clip is rejected (it leaves the pool, frees its movie's quota slot, and its
    open leases are released); otherwise the clip is kept and the reports are marked so.
    """
    now = now_utc(now)
    with store.write() as session:
        require(authenticate(session, token, now), ADMIN_ROLES)
        clip = session.get(Clip, clip_id, with_for_update=True)
        if clip is None:
            raise UserError(f"no clip with id {clip_id} — reload the page")
        session.execute(
            update(BrokenReport)
            .where(BrokenReport.clip_id == clip_id, BrokenReport.resolution.is_(None))
            .values(resolution="rejected" if reject else "kept", resolved_at=now)
        )
        if reject and clip.status != "rejected":
            clip.status = "rejected"
            session.execute(
                update(Lease)
                .where(Lease.clip_id == clip_id, Lease.closed_at.is_(None))
                .values(closed_at=now, outcome="released")
            )
