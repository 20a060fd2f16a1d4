"""The screening page: reviewers accept or reject candidate clips before annotation."""

from __future__ import annotations

import streamlit as st

from annotation_app.context import PageContext, flash
from annotation_app.text import plain
from annotation_app.widgets import play_clip
from dfew_build.campaign.screening import REJECT_REASONS, decide, next_candidate
from dfew_build.errors import UserError


def render(ctx: PageContext) -> None:
    """Draw the next candidate clip with Accept and Reject, or say that none is waiting."""
    st.title("Screening")
    st.caption(
        "Accept a clip when it shows one of the seven emotions on a visible face and plays "
        "properly; only accepted clips go to annotators. Rejecting frees the movie's quota slot."
    )
    task = next_candidate(ctx.store, ctx.token, ctx.config.rules)
    if task is None:
        st.info("No candidate clip is waiting for screening.")
        return
    st.write(
        f"**{plain(task.clip_name)}**" + (f" — from *{plain(task.movie)}*" if task.movie else "")
    )
    play_clip(ctx.config.clip_dir, task.path, f"Candidate clip {task.clip_name}")
    accept, reject = st.columns(2)
    accept.button(
        "Accept",
        key=f"accept-{task.clip_id}",
        type="primary",
        width="stretch",
        on_click=_decide,
        args=(ctx, task.clip_id, True),
    )
    with reject:
        st.radio("Reason to reject", REJECT_REASONS, key=f"reason-{task.clip_id}")
        st.button(
            "Reject",
            key=f"reject-{task.clip_id}",
            width="stretch",
            on_click=_decide,
            args=(ctx, task.clip_id, False),
        )


def _decide(ctx: PageContext, clip_id: int, accept: bool) -> None:
    reason = None if accept else st.session_state.get(f"reason-{clip_id}")
    try:
        status = decide(ctx.store, ctx.token, clip_id, accept, reason)
    except UserError as exc:
        flash(str(exc), "warning")
        return
    flash(f"Clip {status}.", "success")
