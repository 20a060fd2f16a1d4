"""Entry script of the annotation app, served by ``annotation_app/server.py`` (``streamlit run
annotation_app/server.py -- --db URL ...``).

A thin router: read the configuration, open the store (cached per process), check the
session, register the pages this account may open, run the chosen one.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from annotation_app.config import parse_config, script_arguments
from annotation_app.context import carry_login, page_context, show_flash, sign_out
from annotation_app.navigation import pages_for
from annotation_app.text import plain
from dfew_build.errors import UserError

ICON = Path(__file__).with_name("frontend") / "icon.png"


def main() -> None:
    """Draw one run of the app."""
    # The tab's icon is the app's own file: a Material icon here would be fetched from an
    # outside host (fonts.gstatic.com) on every page.
    st.set_page_config(page_title="DFEW annotation", page_icon=str(ICON), layout="wide")
    config = parse_config(script_arguments(__file__), os.environ)
    try:
        ctx = page_context(config)
    except UserError as exc:
        st.error(f"The annotation store cannot be opened: {plain(exc)}")
        return
    carry_login()
    page = st.navigation(pages_for(ctx))
    if ctx.actor is not None:
        with st.sidebar:
            st.write(f"**{plain(ctx.actor.name)}** · {ctx.actor.role}")
            st.button("Log out", on_click=sign_out, args=(ctx.store, ctx.token), key="logout")
    show_flash()
    page.run()


main()
