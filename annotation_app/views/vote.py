"""The voting page: the player (clip, keys 1–7, emotion buttons, the next clip preloaded, the
broken-clip report and the annotator's own progress).

Nothing here shows a clip's tally or anyone else's choice. The player votes through the
server's ``/api/vote`` route, which commits the vote before the next clip can be voted on; no
Streamlit rerun sits between a key and the next clip.
"""

from __future__ import annotations

import streamlit as st

from annotation_app.context import PageContext, local_day_start
from annotation_app.player import voting_player
from annotation_app.text import plain
from dfew_build.campaign.assign import reserved_pair
from dfew_build.campaign.clip_files import ClipPathRefused, resolve_clip_file
from dfew_build.campaign.vote_casting import my_progress


def render(ctx: PageContext) -> None:
    """Draw the clip to vote on next (the same one again after a reload) or say none is left."""
    st.title("Vote")
    progress = my_progress(ctx.store, ctx.token, local_day_start())
    current, ahead = reserved_pair(ctx.store, ctx.token, ctx.config.rules)
    if current is None:
        st.caption(f"Your votes today: {progress.today} · in all: {progress.total}")
        st.info("No clip needs your vote right now. Thank you! Come back later.")
        return
    try:
        resolve_clip_file(ctx.config.clip_dir, current.path)
    except ClipPathRefused as exc:
        st.error(plain(exc))  # the player stays: the clip can be reported from it
    st.markdown("**Which emotion does the face show?** Keys 1–7.")
    voting_player(current, ahead, progress.today, progress.total)
