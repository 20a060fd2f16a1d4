"""The admin's gold-clip page: mark clips with their known emotion, as guide examples or quiz."""

from __future__ import annotations

import streamlit as st

from analysis.emotions import EMOTIONS
from annotation_app.context import PageContext, flash
from annotation_app.text import plain
from dfew_build.campaign.admin import gold_clips, mark_gold, unmark_gold
from dfew_build.errors import UserError


def render(ctx: PageContext) -> None:
    """Draw the gold clips and the forms to add or remove one (admins only)."""
    st.title("Gold clips")
    rows = gold_clips(ctx.store, ctx.token)
    examples = sum(row.example for row in rows)
    rules = ctx.config.rules
    quiz = len(rows) - examples
    st.caption(
        f"{quiz} quiz clips, {examples} guide examples. The quiz draws "
        f"{min(rules.quiz_size, quiz)} quiz clips; {rules.pass_mark:.0%} right qualifies."
    )
    if quiz < rules.quiz_size:
        st.warning(
            f"Only {quiz} quiz clips for a quiz of {rules.quiz_size}: every attempt asks all of "
            "them, so a retake repeats clips. Mark more clips as gold (not as guide examples)."
        )
    if rows:
        st.dataframe(
            [
                {"clip": row.clip, "emotion": EMOTIONS[row.emotion - 1], "use": _use(row.example)}
                for row in rows
            ],
            hide_index=True,
        )
    with st.form("add-gold", clear_on_submit=True):
        st.subheader("Mark a clip as gold")
        clip = st.text_input("Clip name", key="gold-clip")
        emotion = st.selectbox(
            "Known emotion",
            range(1, 8),
            format_func=lambda code: EMOTIONS[code - 1],
            key="gold-emotion",
        )
        example = st.checkbox("Guide example (not a quiz question)", key="gold-example")
        if st.form_submit_button("Mark as gold", type="primary"):
            _act(lambda: mark_gold(ctx.store, ctx.token, clip.strip(), emotion, example))
    if rows:
        with st.form("remove-gold"):
            name = st.selectbox("Gold clip", [row.clip for row in rows], key="gold-remove")
            if st.form_submit_button("Remove from gold"):
                _act(lambda: unmark_gold(ctx.store, ctx.token, name))


def _use(example: bool) -> str:
    return "guide example" if example else "quiz"


def _act(action) -> None:
    try:
        action()
    except UserError as exc:
        st.error(plain(exc))
        return
    flash("Saved.", "success")
    st.rerun()
