"""The screening page: reviewers accept or reject candidate clips before annotation.

The screening player (see :mod:`annotation_app.player`) shows the claimed candidate with the
next one preloaded; keys A and R (then 1–n for the reason) decide through the server's
``/api/screen`` route, without a Streamlit rerun.
"""

from __future__ import annotations

import streamlit as st

from annotation_app.context import PageContext
from annotation_app.player import queue_counter, screening_player
from dfew_build.campaign.screening import candidate_pair


def render(ctx: PageContext) -> None:
    """Draw the screening player on the reviewer's next candidate, or say none is waiting."""
    st.title("Screening")
    st.caption(
        "Accept (key **A**) a clip that shows one of the seven emotions on a visible face and "
        "plays properly; only accepted clips go to annotators. Reject (key **R**, then the "
        "reason's number) frees the movie's quota slot."
    )
    turn = candidate_pair(ctx.store, ctx.token, ctx.config.rules)
    if turn.current is None:
        st.caption(queue_counter(turn))
        st.info("No candidate clip is waiting for screening.")
        return
    screening_player(turn)
