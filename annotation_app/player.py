"""The player: a Streamlit component (``frontend/player.js``) that owns the clip, the keys, the
buttons, the preloaded next clip and the counter, in one of two modes:

* voting: keys 1–7 and the emotion buttons, the broken-clip report; it talks to the server's
  ``/api/vote`` and ``/api/report`` routes;
* screening: keys A (accept) and R (reject, then 1–n for the reason) beside the clip, a
  "n of N left" counter; it talks to ``/api/screen``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from analysis.emotions import EMOTIONS
from dfew_build.campaign.assign import Assignment
from dfew_build.campaign.screening import REJECT_REASONS, ScreeningTask, ScreeningTurn

FRONTEND = Path(__file__).with_name("frontend")


def clip_address(assignment: Assignment | None) -> dict | None:
    """Return what the player needs of an assignment (lease id, the clip's address on the
    app's server, a text alternative), or None for None."""
    if assignment is None:
        return None
    return {
        "lease": assignment.lease_id,
        "src": f"/api/clip/{assignment.clip_id}",
        "label": f"Clip {assignment.clip_name}",
    }


def candidate_address(task: ScreeningTask | None) -> dict | None:
    """Return what the screening player needs of a candidate (its clip id as the lease, the
    clip's address on the app's server, a text alternative), or None for None."""
    if task is None:
        return None
    movie = f" from {task.movie}" if task.movie else ""
    return {
        "lease": task.clip_id,
        "src": f"/api/clip/{task.clip_id}",
        "label": f"Candidate clip {task.clip_name}{movie}",
    }


def queue_counter(turn: ScreeningTurn) -> str:
    """Return the screening counter's text, e.g. "3 of 17 left to screen"."""
    return f"{turn.left:,} of {turn.total:,} left to screen"


@cache
def browser_component():
    """Return the mounting command of the app's one component (``frontend/player.js``): the
    voting player, or (data ``handoff``) the carrier of a new login to the session cookie."""
    return st.components.v2.component(
        "dfew_player",
        js=(FRONTEND / "player.js").read_text(encoding="utf-8"),
        css=(FRONTEND / "player.css").read_text(encoding="utf-8"),
        isolate_styles=False,
    )


def voting_player(current: Assignment, ahead: Assignment | None, today: int, total: int) -> None:
    """Mount the player on ``current`` with ``ahead`` preloaded, showing the annotator's own
    vote counts ``today`` and ``total``. Returns None."""
    browser_component()(
        key="voting-player",
        data={
            "current": clip_address(current),
            "ahead": clip_address(ahead),
            "emotions": list(EMOTIONS),
            "today": today,
            "total": total,
        },
    )


def screening_player(turn: ScreeningTurn) -> None:
    """Mount the player in screening mode on ``turn``'s candidate with the next one preloaded.
    Returns None."""
    browser_component()(
        key="screening-player",
        data={
            "mode": "screen",
            "current": candidate_address(turn.current),
            "ahead": candidate_address(turn.ahead),
            "reasons": list(REJECT_REASONS),
            "counter": queue_counter(turn),
        },
    )
