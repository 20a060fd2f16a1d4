"""The voting player: a Streamlit component (``frontend/player.js``) that owns the clip, the
keys 1–7, the emotion buttons, the preloaded next clip, the annotator's counter and the
broken-clip report, and talks to the server's ``/api/vote`` and ``/api/report`` routes."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

from analysis.emotions import EMOTIONS
from dfew_build.campaign.assign import Assignment

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
