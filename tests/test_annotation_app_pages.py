"""The Streamlit app driven by ``AppTest``: login, the qualification gate, voting, role checks.

Every test runs the real entry script (``annotation_app/app.py``) against a seeded store, once
on SQLite and once on PostgreSQL, with clip files cut from a real video.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from analysis.emotions import EMOTIONS
from annotation_app.config import parse_config
from annotation_app.text import plain
from dfew_build.campaign import accounts
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.screening import decide
from dfew_build.campaign.vote_casting import report_broken, submit_vote
from dfew_build.store.models import Clip, GoldClip, QuizAnswer, Vote
from tests.app_fixtures import (
    Campaign,
    add_clips,
    cut_clips,
    qualify,
    quick_people,
    seed_campaign,
)

APP = Path(__file__).resolve().parent.parent / "annotation_app" / "app.py"
PEOPLE = {"ann": "annotator", "rev": "reviewer", "boss": "admin"}


@pytest.fixture(scope="module")
def clip_files(tmp_path_factory: pytest.TempPathFactory, sample_videos: Path) -> list[Path]:
    """Twenty real H.264 clips (carphone), shared by the module's tests."""
    folder = tmp_path_factory.mktemp("clips")
    return cut_clips(sample_videos / "carphone_pristine.mp4", folder, 20)


@pytest.fixture
def campaign(store_url: str, clip_files: list[Path], monkeypatch) -> Iterator[Campaign]:
    """A seeded campaign the app is pointed at through its environment."""
    seeded = seed_campaign(store_url, clip_files[0].parent, clip_files, people=PEOPLE)
    monkeypatch.setenv("DFEW_DB", store_url)
    monkeypatch.setenv("DFEW_CLIPS", str(clip_files[0].parent))
    yield seeded
    st.cache_resource.clear()  # disposes the app's engine
    seeded.store.dispose()


@pytest.fixture
def new_session() -> Iterator[Callable[[], AppTest]]:
    """Yield a factory of fresh browser sessions (one AppTest each).

    AppTest installs the app script as ``sys.modules["__main__"]`` and leaves it there; put the
    real one back, or processes spawned later in this test run would re-run the app as their
    main module.
    """
    main_module = sys.modules["__main__"]
    yield lambda: AppTest.from_file(str(APP), default_timeout=30)
    sys.modules["__main__"] = main_module


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Ask for the page at ``/url_path``, as a browser typing that address does."""
    # AppTest.switch_page only takes page files; a page of st.navigation is addressed by the
    # hash of its URL path, which is what the browser's request carries.
    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    return at


def click(at: AppTest, label: str) -> AppTest:
    """Click the button whose label is (or starts with) ``label`` and rerun."""
    matches = [b for b in at.button if b.label == label or b.label.startswith(label)]
    assert matches, f"no button {label!r} among {[b.label for b in at.button]}"
    return matches[0].click().run()


def titles(at: AppTest) -> list[str]:
    """Return the page's titles."""
    assert not at.exception, at.exception
    return [title.value for title in at.title]


def log_in(at: AppTest, name: str, secret: str) -> AppTest:
    """Log in through the form. The run after a good login carries it to the cookie and
    stops; then the browser asks for the next run, as here."""
    at.run()
    at.text_input(key="login-name").input(name)
    at.text_input(key="login-secret").input(secret)
    click(at, "Log in")
    if "token" not in at.session_state:
        return at  # refused
    (handoff,) = at.get("bidi_component")
    assert "handoff" in json.loads(handoff.proto.json) and titles(at) == []
    return at.run()


def player(at: AppTest) -> dict:
    """Return the data the voting page hands its player: the current and preloaded clips
    (lease, address, text alternative), the emotion names and the annotator's counts."""
    (component,) = at.get("bidi_component")
    return json.loads(component.proto.json)


def shown_clip(at: AppTest) -> str:
    """Return the name of the clip the voting player shows (from its text alternative)."""
    return player(at)["current"]["label"].removeprefix("Clip ")


def page_text(at: AppTest) -> str:
    """Return all the markdown, captions and alerts of the page, joined."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "success", "info", "warning", "error", "toast")
        for e in at.get(kind)
    ]
    return "\n".join(str(part) for part in parts)


def test_only_the_login_page_exists_without_a_session(campaign, new_session) -> None:
    at = new_session().run()
    assert titles(at) == ["DFEW annotation"]
    for url in ("vote", "guide", "quiz", "screen", "dashboard", "gold"):
        open_page(at, url)
        assert titles(at) == ["DFEW annotation"], url
        assert [b.label for b in at.button] == ["Log in"]
        assert not at.get("video")


def test_a_wrong_secret_is_refused(campaign, new_session) -> None:
    at = log_in(new_session(), "ann", "not-the-secret")
    assert "wrong name or secret" in at.error[0].value
    assert titles(at) == ["DFEW annotation"] and "token" not in at.session_state


def test_the_quiz_gates_voting(campaign, new_session) -> None:
    at = log_in(new_session(), "ann", campaign.secrets["ann"])
    assert titles(at) == ["Guide"]
    assert len(at.get("video")) == 7  # one example clip per emotion
    assert titles(open_page(at, "vote")) == ["Guide"]  # no voting page before the quiz
    click(at, "Take the quiz")
    assert titles(at) == ["Qualification quiz"]

    def answer_all(right: bool) -> None:
        click(at, "Start the quiz")
        while at.get("video"):
            with campaign.store.read() as session:
                clip = session.scalar(
                    select(QuizAnswer.clip_id)
                    .where(QuizAnswer.emotion.is_(None))
                    .order_by(QuizAnswer.id)
                )
                truth = session.get(GoldClip, clip).emotion
            click(at, EMOTIONS[(truth if right else 1 + truth % 7) - 1])

    answer_all(right=False)
    assert "0 of 7 right" in at.toast[0].value  # a toast: it moves no button
    assert not accounts.current_actor(campaign.store, at.session_state["token"]).qualified
    assert titles(open_page(at, "vote")) == ["Guide"]
    open_page(at, "quiz")
    answer_all(right=True)
    assert "Passed with 7 of 7" in at.toast[0].value
    click(at, "Start voting")
    assert titles(at) == ["Vote"] and player(at)["current"] is not None
    with campaign.store.read() as session:  # quiz answers are not votes
        assert session.scalars(select(Vote)).all() == []


def test_the_player_gets_a_reserved_pair_that_a_reload_keeps(campaign, new_session) -> None:
    qualify(campaign, "ann")
    at = log_in(new_session(), "ann", campaign.secrets["ann"])
    assert titles(at) == ["Vote"]
    shown = player(at)
    first, ahead = shown_clip(at), shown["ahead"]["label"].removeprefix("Clip ")
    assert first in campaign.clips and not first.startswith(("gold", "example"))
    assert ahead in campaign.clips and ahead != first
    assert shown["current"]["src"] == f"/api/clip/{campaign.clips[first]}"
    assert (shown["today"], shown["total"]) == (0, 0)
    # A reload (a new browser session, logging in again) shows the same pair, not new clips.
    again = log_in(new_session(), "ann", campaign.secrets["ann"])
    assert player(again)["current"] == shown["current"]
    assert player(again)["ahead"] == shown["ahead"]
    for word in ("Happy:", "Sad:", "Neutral:", "votes on this clip", "others"):
        assert word not in page_text(at)


def test_the_page_names_a_clip_file_it_cannot_serve(campaign, new_session, tmp_path) -> None:
    with campaign.store.write() as session:
        for clip in session.scalars(select(Clip).where(Clip.name.like("clip%"))):
            clip.path = str(tmp_path / ".." / "elsewhere.mp4")
    qualify(campaign, "ann")
    at = log_in(new_session(), "ann", campaign.secrets["ann"])
    # The player stays, so that the clip can be reported from it.
    assert plain("'..'") in at.error[0].value and player(at)["current"] is not None


def test_pages_follow_roles(campaign, new_session) -> None:
    qualify(campaign, "ann")
    annotator = log_in(new_session(), "ann", campaign.secrets["ann"])
    for url in ("dashboard", "gold", "screen"):
        assert titles(open_page(annotator, url)) == ["Vote"], url
    reviewer = log_in(new_session(), "rev", campaign.secrets["rev"])
    assert titles(open_page(reviewer, "screen")) == ["Screening"]
    for url in ("dashboard", "gold"):
        assert titles(open_page(reviewer, url)) == ["Guide"], url
    boss = log_in(new_session(), "boss", campaign.secrets["boss"])
    assert titles(boss) == ["Campaign dashboard"]
    assert [m.label for m in boss.metric][:2] == ["Complete clips", "Candidates to screen"]
    assert titles(open_page(boss, "gold")) == ["Gold clips"]


def test_an_admin_marks_gold_clips_in_the_page(campaign, new_session) -> None:
    boss = open_page(log_in(new_session(), "boss", campaign.secrets["boss"]), "gold")
    boss.text_input(key="gold-clip").input("clip002")
    boss.selectbox(key="gold-emotion").select(7)
    click(boss, "Mark as gold")
    with campaign.store.read() as session:
        gold = session.execute(select(Clip.name, GoldClip.emotion).join(Clip)).all()
    assert ("clip002", 7) in gold


def test_a_reviewer_screens_candidates(campaign, new_session) -> None:
    add_clips(
        campaign.store, ["cand"], status="candidate", paths=[campaign.clip_dir / "clip000.mp4"]
    )
    reviewer = open_page(log_in(new_session(), "rev", campaign.secrets["rev"]), "screen")
    # The screening player gets the claimed candidate and the queue's counter; it decides
    # through /api/screen (tested in Chromium), so here the store decides as it would.
    shown = player(reviewer)
    assert (shown["mode"], shown["current"]["label"]) == ("screen", "Candidate clip cand")
    assert shown["ahead"] is None and shown["counter"] == "1 of 1 left to screen"
    decide(campaign.store, campaign.token("rev"), shown["current"]["lease"], accept=True)
    with campaign.store.read() as session:
        assert session.scalar(select(Clip.status).where(Clip.name == "cand")) == "accepted"
    assert "No candidate clip is waiting" in page_text(reviewer.run())


def test_a_disabled_or_forged_session_is_out_at_the_next_click(campaign, new_session) -> None:
    qualify(campaign, "ann")
    at = log_in(new_session(), "ann", campaign.secrets["ann"])
    assert titles(at) == ["Vote"]
    accounts.set_active(campaign.store, "ann", active=False)
    assert titles(open_page(at, "guide")) == ["DFEW annotation"]
    assert "disabled" in page_text(at) or "ended" in page_text(at)
    forged = new_session()
    forged.session_state["token"] = "forged-token"
    assert titles(forged.run()) == ["DFEW annotation"]


def test_the_app_reads_its_command_line_before_its_environment(tmp_path: Path) -> None:
    environ = {
        "DFEW_DB": "sqlite:///env.sqlite",
        "DFEW_CLIPS": "/env/clips",
        "DFEW_LEASE_MINUTES": "5",
    }
    config = parse_config(["--db", "sqlite:///cli.sqlite", "--pass-mark", "0.9"], environ)
    assert config.url == "sqlite:///cli.sqlite" and config.clip_dir == Path("/env/clips")
    assert (config.rules.pass_mark, config.rules.lease_minutes) == (0.9, 5.0)
    assert parse_config([], {}).url == "sqlite:///dfew.sqlite"


def test_the_dashboard_shows_progress_and_settles_reports(campaign, new_session) -> None:
    voters = quick_people(campaign.store, [f"v{i}" for i in range(10)])
    for token in voters.values():  # ten votes on each of the first two clips
        for _ in range(2):
            shown = next_clip(campaign.store, token)
            submit_vote(campaign.store, token, shown.lease_id, 7)
    token = voters["v0"]
    report_broken(campaign.store, token, next_clip(campaign.store, token).lease_id, "no face")
    boss = log_in(new_session(), "boss", campaign.secrets["boss"])
    assert titles(boss) == ["Campaign dashboard"]
    metrics = {m.label: m.value for m in boss.metric}
    assert metrics["Complete clips"] == "2 of 6" and metrics["Votes today"] == "20"
    assert len(boss.get("vega_lite_chart")) >= 5  # the charts
    click(boss, "Reject the clip")
    with campaign.store.read() as session:
        rejected = session.scalars(select(Clip.name).where(Clip.status == "rejected")).all()
    assert rejected == ["clip002"]


def test_plain_text_escapes_every_markdown_mark() -> None:
    assert plain("![x](http://h/y.png) :red[a]\nb_c") == (
        r"\!\[x\]\(http\:\/\/h\/y\.png\) \:red\[a\] b\_c"
    )


def test_a_clip_named_in_markdown_shows_as_its_plain_name(campaign, new_session) -> None:
    name = "![x](http://127.0.0.1:9/y.png)"
    add_clips(campaign.store, [name], status="candidate", paths=[campaign.clip_dir / "clip000.mp4"])
    reviewer = open_page(log_in(new_session(), "rev", campaign.secrets["rev"]), "screen")
    # The screening player sets the name as text (an attribute), never as markup.
    assert player(reviewer)["current"]["label"] == f"Candidate clip {name}"
    assert name not in page_text(reviewer)


def test_a_locked_store_is_one_line_not_a_traceback() -> None:
    from sqlalchemy.exc import OperationalError

    from annotation_app.server import STORE_BUSY, store_trouble

    locked = OperationalError("UPDATE lease", {}, Exception("database is locked"))
    assert store_trouble(locked) is True and "\n" not in STORE_BUSY
    assert store_trouble(ValueError("a bug")) is None  # left to Streamlit
