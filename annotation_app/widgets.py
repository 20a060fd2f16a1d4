"""Widgets the pages share: the clip player and the seven emotion buttons in DFEW order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from analysis.emotions import EMOTIONS
from annotation_app.text import plain
from dfew_build.campaign.clip_files import ClipPathRefused, resolve_clip_file

REPLAY_KEY = "replay"


def play_clip(clip_dir: Path, stored_path: str | None, label: str, replay: bool = True) -> bool:
    """Show a clip looping, muted and playing; return False when its file cannot be served.

    Only files inside ``clip_dir`` are served. ``label`` names the clip in the player's text
    alternative; the "Replay" button restarts the clip by changing that text, which makes the
    browser mount the player afresh.
    """
    try:
        path = resolve_clip_file(clip_dir, stored_path)
    except ClipPathRefused as exc:
        st.error(plain(exc))
        return False
    turn = st.session_state.get(REPLAY_KEY, 0)
    alt = f"{label}, viewing {turn + 1}" if replay else label
    st.video(str(path), loop=True, autoplay=True, muted=True, alt=alt)
    if replay:
        st.button(
            "Replay from the start", key="replay-button", on_click=_replay, icon=":material/replay:"
        )
    return True


def _replay() -> None:
    st.session_state[REPLAY_KEY] = st.session_state.get(REPLAY_KEY, 0) + 1


def emotion_buttons(key: str, on_choose: Callable[..., None], args: tuple = ()) -> None:
    """Draw seven large neutral buttons one above the other, Happy … Fear, with keyboard
    shortcuts 1–7 (Streamlit shows each button's key beside its name, so the number appears once).

    A click calls ``on_choose(*args, code)`` as a callback, before the next run draws the page,
    and the buttons' keys include ``key`` (the lease or quiz question), so a stale click can
    only ever concern the clip it was made on.
    """
    for code, name in enumerate(EMOTIONS, start=1):
        st.button(
            name,
            key=f"{key}-{code}",
            on_click=on_choose,
            args=(*args, code),
            shortcut=str(code),
            type="secondary",
            width="stretch",
        )
