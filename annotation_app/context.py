"""What every page run needs: the store (one engine per process), the session token, the actor.

The engine lives in ``st.cache_resource``. The session token lives in an HttpOnly cookie (set
by the server's ``/api/session`` route right after login, so a reload, Back/Forward or a new
tab keep the login); ``st.session_state`` holds only UI state: the token of a login made in
this very run until the cookie carries it, a one-shot message to show after a rerun, and
per-widget counters. The store decides on every run whether a token is still good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from annotation_app.config import AppConfig
from annotation_app.handoff import HANDOFFS
from annotation_app.player import browser_component
from annotation_app.text import plain
from dfew_build.campaign.accounts import Actor, current_actor, keep_alive, logout
from dfew_build.campaign.errors import SessionInvalid
from dfew_build.store.engine import Store, open_store

TOKEN_KEY = "token"
FLASH_KEY = "flash"
HANDOFF_KEY = "handoff"
SESSION_COOKIE = "dfew_session"


@dataclass(frozen=True)
class PageContext:
    """One run's view of the app: configuration, store, session token and logged-in account."""

    config: AppConfig
    store: Store
    token: str | None
    actor: Actor | None


def _dispose(store: Store) -> None:
    store.dispose()


@st.cache_resource(show_spinner=False, on_release=_dispose)
def cached_store(url: str) -> Store:
    """Return the open store for ``url``, one per server process (migrated when opened)."""
    return open_store(url)


def page_context(config: AppConfig) -> PageContext:
    """Return this run's context, logged in by this tab's login or the session cookie.

    A login of this tab that the store no longer honours is dropped with a note; a dead
    cookie (after a logout, say) just leaves the run logged out.
    """
    store = cached_store(config.url)
    own = st.session_state.get(TOKEN_KEY)
    cookie = st.context.cookies.get(SESSION_COOKIE)
    token = own or (cookie if isinstance(cookie, str) else None)
    actor = None
    if token:
        try:
            actor = current_actor(store, token)
            keep_alive(store, token, config.rules)  # idle hours count from this use
        except SessionInvalid as exc:
            st.session_state.pop(TOKEN_KEY, None)
            if own:
                flash(str(exc), "warning")
            token = None
    return PageContext(config, store, token, actor)


def sign_in(token: str) -> None:
    """Keep the session token of a successful login for this tab's runs, and queue its hand-off
    to the session cookie (:func:`carry_login`)."""
    st.session_state[TOKEN_KEY] = token
    st.session_state[HANDOFF_KEY] = HANDOFFS.issue(token)


def carry_login() -> None:
    """Turn a login made in this tab into the session cookie before any page draws: the
    browser posts the one-time hand-off code to ``/api/session``, which sets the cookie, then
    asks for a new run; this run stops here. Every clip the pages show (``/api/clip``,
    Streamlit's ``/media``) needs that cookie. Returns None; without a queued login, nothing."""
    code = st.session_state.pop(HANDOFF_KEY, None)
    if code is None:
        return
    st.caption("Logging in…")
    browser_component()(key="session-handoff", data={"handoff": code}, on_carried_change=_next_run)
    st.stop()


def _next_run() -> None:
    """The hand-off's callback: nothing to do, the run it starts draws the page."""


def sign_out(store: Store, token: str | None) -> None:
    """End the login ``token`` in the store and forget this tab's copy (a button callback)."""
    st.session_state.pop(TOKEN_KEY, None)
    logout(store, token)


# The icon of each kind of message (Material icons come from Streamlit's own font file).
FLASH_ICONS = {
    "info": ":material/info:",
    "success": ":material/check_circle:",
    "warning": ":material/warning:",
    "error": ":material/error:",
}


def flash(message: str, kind: str = "info") -> None:
    """Queue a message for the next run, of kind "info", "success", "warning" or "error"."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show and forget the queued message, if any, as plain text (it may quote user data), in
    a toast that floats over the page: a message never moves the buttons under a second
    click."""
    queued = st.session_state.pop(FLASH_KEY, None)
    if queued is not None:
        kind, message = queued
        st.toast(plain(message), icon=FLASH_ICONS.get(kind), duration="long")


def local_day_start(now: datetime | None = None) -> datetime:
    """Return the start of today in the server's time zone, as an aware datetime."""
    now = (now or datetime.now()).astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
