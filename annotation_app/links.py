"""Page addresses, and moving to a page from a button on another.

Streamlit identifies a page of ``st.navigation`` by its URL path alone, so a stand-in
``st.Page`` with the same path switches to the page the router registered under it.
"""

from __future__ import annotations

import streamlit as st

LOGIN, VOTE, GUIDE, QUIZ, SCREEN, DASHBOARD, GOLD = (
    "login",
    "vote",
    "guide",
    "quiz",
    "screen",
    "dashboard",
    "gold",
)


def _stand_in() -> None:
    """Never runs: the router's page registered under the same URL path runs instead."""


def switch_to(url_path: str, title: str) -> None:
    """Rerun the app on the page at ``url_path`` (it must be registered for this account)."""
    st.switch_page(st.Page(_stand_in, title=title, url_path=url_path))
