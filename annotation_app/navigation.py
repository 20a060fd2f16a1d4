"""Which pages an account may open: the router registers only those, so no other page exists."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import streamlit as st

from annotation_app import links
from annotation_app.context import PageContext
from annotation_app.views import dashboard, gold_admin, guide, login, quiz, screen, vote


class PageSpec(NamedTuple):
    """A page: menu section, drawing function, title, URL path and icon."""

    section: str
    render: Callable[[PageContext], None]
    title: str
    url_path: str
    icon: str


LOGIN = PageSpec("", login.render, "Log in", links.LOGIN, ":material/login:")
VOTE = PageSpec("Annotate", vote.render, "Vote", links.VOTE, ":material/how_to_vote:")
GUIDE = PageSpec("Annotate", guide.render, "Guide", links.GUIDE, ":material/menu_book:")
QUIZ = PageSpec("Annotate", quiz.render, "Quiz", links.QUIZ, ":material/quiz:")
SCREEN = PageSpec("Review", screen.render, "Screening", links.SCREEN, ":material/rule:")
DASHBOARD = PageSpec(
    "Admin", dashboard.render, "Dashboard", links.DASHBOARD, ":material/monitoring:"
)
GOLD = PageSpec("Admin", gold_admin.render, "Gold clips", links.GOLD, ":material/star:")


def allowed_pages(ctx: PageContext) -> tuple[list[PageSpec], PageSpec]:
    """Return the pages the account behind ``ctx`` may open, and the one it starts on.

    Without a session only the login page exists. Voting exists only for qualified accounts,
    screening for reviewers and admins, the dashboard and gold clips for admins.
    """
    actor = ctx.actor
    if actor is None:
        return [LOGIN], LOGIN
    specs = ([VOTE] if actor.qualified else []) + [GUIDE, QUIZ]
    if actor.can_screen:
        specs.append(SCREEN)
    if actor.is_admin:
        specs += [DASHBOARD, GOLD]
    start = DASHBOARD if actor.is_admin else (VOTE if actor.qualified else GUIDE)
    return specs, start


def pages_for(ctx: PageContext) -> dict[str, list[st.Page]]:
    """Return this run's ``st.Page`` objects by menu section, for ``st.navigation``."""
    specs, start = allowed_pages(ctx)
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        page = st.Page(
            partial(spec.render, ctx),
            title=spec.title,
            url_path=spec.url_path,
            icon=spec.icon,
            default=spec == start,
        )
        sections.setdefault(spec.section, []).append(page)
    return sections
