"""The login page: the only page reachable without a session."""

from __future__ import annotations

import streamlit as st

from annotation_app.context import PageContext, sign_in
from annotation_app.text import plain
from dfew_build.campaign.accounts import login
from dfew_build.campaign.errors import NotAllowed


def render(ctx: PageContext) -> None:
    """Draw the login form; a good name and secret start a session and rerun the app."""
    st.title("DFEW annotation")
    st.write("Log in with the name and secret your campaign admin gave you.")
    with st.form("login"):
        name = st.text_input("Name", key="login-name")
        secret = st.text_input("Secret", type="password", key="login-secret")
        submitted = st.form_submit_button("Log in", type="primary")
    if not submitted:
        return
    try:
        token = login(ctx.store, name, secret, ctx.config.rules)
    except NotAllowed as exc:
        st.error(plain(exc))
        return
    sign_in(token)
    st.rerun()
