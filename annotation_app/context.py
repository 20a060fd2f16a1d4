"""What every page run needs: the store (one engine per process), the session token, the actor.

The engine lives in ``st.cache_resource``; ``st.session_state`` holds only UI state: the
session token handed out at login (the store decides whether it is still good, on every run),
a one-shot message to show after a rerun, and per-widget counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from annotation_app.config import AppConfig
from dfew_build.campaign.accounts import Actor, current_actor, logout
from dfew_build.campaign.errors import SessionInvalid
from dfew_build.store.engine import Store, open_store

TOKEN_KEY = "token"
FLASH_KEY = "flash"


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
    """Return this run's context; a token the store no longer honours is dropped with a note."""
    store = cached_store(config.url)
    token = st.session_state.get(TOKEN_KEY)
    actor = None
    if token:
        try:
            actor = current_actor(store, token)
        except SessionInvalid as exc:
            st.session_state.pop(TOKEN_KEY, None)
            flash(str(exc), "warning")
            token = None
    return PageContext(config, store, token, actor)


def sign_in(token: str) -> None:
    """Keep the session token of a successful login for the following runs."""
    st.session_state[TOKEN_KEY] = token


def sign_out(store: Store) -> None:
    """End the login in the store and forget its token (a button callback)."""
    logout(store, st.session_state.pop(TOKEN_KEY, None))


def flash(message: str, kind: str = "info") -> None:
    """Queue a message for the next run: kind "toast" pops up in a corner, "info", "success",
    "warning" and "error" show at the top of the page."""
    st.session_state[FLASH_KEY] = (kind, message)


def show_flash() -> None:
    """Show and forget the queued message, if any."""
    queued = st.session_state.pop(FLASH_KEY, None)
    if queued is not None:
        kind, message = queued
        getattr(st, kind)(message)


def local_day_start(now: datetime | None = None) -> datetime:
    """Return the start of today in the server's time zone, as an aware datetime."""
    now = (now or datetime.now()).astimezone()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)
