"""The annotation guide: what to look for, and one example clip per emotion."""

from __future__ import annotations

import streamlit as st

from analysis.emotions import EMOTIONS
from annotation_app import links
from annotation_app.context import PageContext
from annotation_app.links import switch_to
from annotation_app.widgets import play_clip
from dfew_build.campaign.gold import guide_examples

CUES = (
    "smile, raised cheeks, crow's feet at the eyes",
    "corners of the mouth pulled down, inner brows raised, drooping eyelids",
    "relaxed face, no clear expression",
    "brows lowered and drawn together, glare, lips pressed or teeth bared",
    "brows raised high, eyes wide open, jaw dropped",
    "nose wrinkled, upper lip raised, head turned away",
    "brows raised and drawn together, eyes wide, lips stretched back",
)


def render(ctx: PageContext) -> None:
    """Draw the guide: the task, the seven emotions with their cues and example clips."""
    st.title("Guide")
    st.markdown(
        "Each clip shows a face in a movie scene. Watch it (it loops; replay as often as you "
        "like) and choose the **one** emotion that the face shows most, from the seven below. "
        "Judge the face, not the story, the music or the subtitles. Keys **1–7** choose an "
        "emotion. If the clip does not play, shows no face, or shows no emotion of the seven, "
        "report it as broken instead of guessing.\n\n"
        "You vote on your own: nobody sees your choice, and you never see anyone else's."
    )
    examples = guide_examples(ctx.store, ctx.token)
    for code, (name, cue) in enumerate(zip(EMOTIONS, CUES, strict=True), start=1):
        st.subheader(f"{code} · {name}")
        st.write(cue)
        example = examples.get(code)
        if example is not None:
            play_clip(ctx.config.clip_dir, example.path, f"Example of {name}", replay=False)
    if not ctx.actor.qualified:
        st.info("When you are ready, take the quiz: passing it unlocks voting.")
        if st.button("Take the quiz", type="primary"):
            switch_to(links.QUIZ, "Quiz")
