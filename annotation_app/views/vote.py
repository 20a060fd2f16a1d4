"""The voting page: one clip, seven buttons, a broken-clip report, the annotator's own progress.

Nothing here shows a clip's tally or anyone else's choice. The button's callback commits the
vote, then reserves the next clip, before this page is drawn again with it.
"""

from __future__ import annotations

import streamlit as st

from analysis.emotions import EMOTIONS
from annotation_app.context import PageContext, flash, local_day_start
from annotation_app.widgets import emotion_buttons, play_clip
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.voting import my_progress, report_broken, submit_and_next
from dfew_build.errors import UserError

NEXT_KEY = "next-assignment"


def render(ctx: PageContext) -> None:
    """Draw the clip to vote on next (the same one again after a reload) or say none is left."""
    st.title("Vote")
    progress = my_progress(ctx.store, ctx.token, local_day_start())
    st.caption(f"Your votes today: **{progress.today}** · in all: {progress.total}")
    # The clip reserved with the last vote, if any; else the open one (after a reload) or a new one.
    assignment = st.session_state.pop(NEXT_KEY, None) or next_clip(
        ctx.store, ctx.token, ctx.config.rules
    )
    if assignment is None:
        st.info("No clip needs your vote right now. Thank you! Come back later.")
        return
    clip_column, choice_column = st.columns([3, 2], gap="large")
    with clip_column:
        play_clip(ctx.config.clip_dir, assignment.path, f"Clip {assignment.clip_name}")
    with choice_column:
        st.markdown("**Which emotion does the face show?** Keys 1–7.")
        emotion_buttons(f"vote-{assignment.lease_id}", _vote, (ctx, assignment.lease_id))
        with st.expander("Report a broken clip"):
            st.text_input(
                "What is wrong? (optional)",
                key=f"broken-reason-{assignment.lease_id}",
                placeholder="does not play / no face / no emotion of the seven",
            )
            st.button(
                "Report broken clip",
                key=f"broken-{assignment.lease_id}",
                on_click=_report,
                args=(ctx, assignment.lease_id),
            )


def _vote(ctx: PageContext, lease_id: int, emotion: int) -> None:
    try:
        receipt, following = submit_and_next(
            ctx.store, ctx.token, lease_id, emotion, ctx.config.rules
        )
    except UserError as exc:
        flash(str(exc), "warning")
        return
    st.session_state[NEXT_KEY] = following
    if not receipt.already:
        flash(f"Saved: {EMOTIONS[emotion - 1]}.", "toast")


def _report(ctx: PageContext, lease_id: int) -> None:
    reason = st.session_state.get(f"broken-reason-{lease_id}")
    try:
        report_broken(ctx.store, ctx.token, lease_id, reason)
    except UserError as exc:
        flash(str(exc), "warning")
        return
    flash("Thanks — the clip was reported and will not come back to you.", "info")
