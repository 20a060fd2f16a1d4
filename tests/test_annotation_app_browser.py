"""End to end in a real headless Chromium: log in, pass the quiz, vote with a key, check the store.

The test starts the real app with ``dfew-build serve`` on a free localhost port and drives
Debian's Chromium through Playwright's Python client (no browser download). It skips when
Chromium or Playwright is missing, except in CI, where it fails. With ``DFEW_SCREENSHOTS=DIR``
the screenshots of the voting page and the dashboard are also saved in DIR (the README's come
from ``DFEW_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from sqlalchemy import func, select, update

from dfew_build.campaign import accounts
from dfew_build.campaign.admin import dashboard
from dfew_build.campaign.simulate import annotate
from dfew_build.demo.noise import NoiseModel
from dfew_build.store.engine import open_store
from dfew_build.store.models import (
    Annotator,
    Clip,
    GoldClip,
    Lease,
    QuizAnswer,
    Screening,
    Vote,
    VoteChange,
)
from tests.app_fixtures import Campaign, cut_clips, qualify, quick_people, seed_campaign
from tests.ports import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 60


def _chromium() -> str:
    """Return Chromium's path, or skip (fail in CI) when it or Playwright is missing."""
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        reason = "needs Debian's chromium and Playwright's Python client (pip install playwright)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} — .ci/run must install them")
        pytest.skip(reason)
    return path


@contextmanager
def _launched_browser() -> Iterator[Browser]:
    """Yield headless Chromium driven by Playwright (skip as :func:`_chromium` says), closed
    afterwards."""
    chromium = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def server(
    request, sqlite_url: str, tmp_path: Path, sample_videos: Path
) -> Iterator[tuple[Campaign, str]]:
    """A seeded campaign served by ``dfew-build serve``; yields it and the app's address.

    Indirect parametrisation passes further ``serve`` options (a list)."""
    clips = cut_clips(sample_videos / "carphone_pristine.mp4", tmp_path / "clips", 20)
    people = {"ann": "annotator", "boss": "admin"}
    campaign = seed_campaign(sqlite_url, clips[0].parent, clips, people=people)
    campaign.store.dispose()
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from dfew_build.cli import main; sys.exit(main())",
        "--db",
        sqlite_url,
        "serve",
        "--port",
        str(port),
        "--address",
        "127.0.0.1",
        "--clips",
        str(campaign.clip_dir),
        *getattr(request, "param", []),
    ]
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the app did not start: {(tmp_path / 'server.log').read_text()}")
        time.sleep(0.2)
    campaign.process = process
    yield campaign, url
    if process.poll() is None:
        process.kill()
    process.wait(timeout=30)
    log.close()


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    """Save a full-page screenshot in tmp_path (and in $DFEW_SCREENSHOTS when set); return it."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("DFEW_SCREENSHOTS"):
        folder = Path(os.environ["DFEW_SCREENSHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / name)
    return path


def _log_in(
    browser, url: str, name: str, secret: str, height: int = 900, requested: list | None = None
):
    """Open the app in a ``height`` pixels tall page and log in; return the page. The address
    of every request the page makes is added to ``requested`` when given."""
    context = browser.new_context(viewport={"width": 1280, "height": height})
    if requested is not None:
        context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Log in").click()
    return page


def _question(campaign: Campaign) -> tuple[str, int]:
    """Return the button key prefix of the quiz question due now and its known emotion."""
    with campaign.store.read() as session:
        answer = session.scalars(
            select(QuizAnswer).where(QuizAnswer.emotion.is_(None)).order_by(QuizAnswer.id)
        ).first()
        emotion = session.get(GoldClip, answer.clip_id).emotion
        return f"quiz-{answer.attempt_id}-{answer.position}", emotion


# True once the voting player plays a clip in its visible <video>.
_PLAYING = (
    "Array.from(document.querySelectorAll('video.dfew-video'))"
    ".some(v => !v.hidden && !v.paused && v.readyState >= 3)"
)


def test_log_in_pass_the_quiz_and_vote_with_a_key(server, tmp_path: Path) -> None:

    campaign, url = server
    with _launched_browser() as browser:
        page = _log_in(browser, url, "ann", campaign.secrets["ann"])
        page.get_by_role("button", name="Take the quiz").click()
        page.get_by_role("button", name="Start the quiz").click()
        for position in range(1, 8):
            page.get_by_text(f"Question {position} of 7").wait_for()
            key, emotion = _question(campaign)
            # Streamlit marks a keyed widget with the class st-key-KEY: wait for this
            # question's own buttons, not the previous question's fading ones.
            page.locator(f".st-key-{key}-7").wait_for()
            page.keyboard.press(str(emotion))
        page.get_by_text("Passed with 7 of 7").wait_for()
        page.get_by_role("button", name="Start voting").click()
        page.get_by_role("heading", name="Vote").wait_for()
        page.get_by_role("button", name="4 · Angry").wait_for()
        page.wait_for_function(_PLAYING)
        _screenshot(page, tmp_path, "voting-page.png")
        page.keyboard.press("4")
        page.get_by_text("Saved: Angry.").wait_for()
        page.get_by_text("Your votes today: 1").wait_for()
    assert (tmp_path / "voting-page.png").stat().st_size > 10_000

    # The acknowledged vote survives the server being killed outright.
    campaign.process.send_signal(signal.SIGKILL)
    campaign.process.wait(timeout=30)
    store = open_store(campaign.url)
    with store.read() as session:
        votes = session.execute(
            select(Annotator.name, Clip.name, Vote.emotion).join(Annotator).join(Clip)
        ).all()
        outcomes = session.scalars(select(Lease.outcome).order_by(Lease.id)).all()
    assert len(votes) == 1
    name, clip, emotion = votes[0]
    assert (name, emotion) == ("ann", 4) and clip.startswith("clip")
    assert outcomes[0] == "voted"


def test_admin_sees_the_dashboard(server, tmp_path: Path) -> None:

    campaign, url = server
    # Twelve annotators vote up to four times each with the demo's noise model: the first ten
    # complete four of the six clips.
    rng = np.random.default_rng(0)
    truth = dict(
        zip(
            campaign.clips.values(),
            NoiseModel().true_emotions(len(campaign.clips), rng),
            strict=True,
        )
    )
    for token in quick_people(campaign.store, [f"rater{n:02d}" for n in range(1, 13)]).values():
        annotate(
            campaign.store,
            token,
            max_votes=4,
            choose=lambda shown: NoiseModel.vote(truth[shown.clip_id], 0.8, rng),
        )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    board = dashboard(campaign.store, campaign.token("boss"), today)
    complete = int(board.states["complete"])
    pool = int(board.states[["waiting", "in progress", "complete"]].sum())
    assert (complete, pool) == (4, 6)
    with _launched_browser() as browser:
        page = _log_in(browser, url, "boss", campaign.secrets["boss"], height=1500)
        page.get_by_role("heading", name="Campaign dashboard").wait_for()
        page.get_by_text("4 of 6").wait_for()
        page.get_by_text(f"{board.kappa:.3f}").wait_for()
        page.get_by_text("Rare expressions per extractor").wait_for()
        # Its five charts and three tables are drawn (charts by Vega, tables on canvases).
        page.wait_for_function(
            "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 5"
            " && document.querySelectorAll('[data-testid=data-grid-canvas]').length >= 3"
        )
        shot = _screenshot(page, tmp_path, "dashboard.png")
    assert shot.stat().st_size > 10_000


# The text alternative of the clip the voting player shows.
_SHOWN_CLIP = (
    "Array.from(document.querySelectorAll('video.dfew-video'))"
    ".find(v => !v.hidden).getAttribute('aria-label')"
)


def _votes(campaign: Campaign) -> list[tuple[str, int]]:
    """Return every vote in the store as (clip name, emotion), oldest first."""
    with campaign.store.read() as session:
        return [
            tuple(row)
            for row in session.execute(select(Clip.name, Vote.emotion).join(Clip).order_by(Vote.id))
        ]


def test_clips_and_votes_need_a_session(server) -> None:
    campaign, url = server
    for request in (
        urllib.request.Request(f"{url}/api/clip/{campaign.clips['clip000']}"),
        urllib.request.Request(
            f"{url}/api/vote",
            data=b'{"lease": 1, "emotion": 1}',
            headers={"Content-Type": "application/json"},
        ),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401
    for body, status in (
        (b'{"lease": 1, "emotion": 1, "shown": -1}', 400),  # seconds on screen are never < 0
        (b'{"lease": 1, "emotion": 1, "shown": "5"}', 400),
        (b'{"lease": 1, "emotion": 1, "shown": 2.5}', 401),  # well-formed: no session
    ):
        for route in ("vote", "undo"):
            request = urllib.request.Request(
                f"{url}/api/{route}", data=body, headers={"Content-Type": "application/json"}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == status, (route, body)


def test_a_login_lasts_across_reloads_and_tabs_until_logout(server) -> None:

    campaign, url = server
    qualify(campaign, "ann")
    with _launched_browser() as browser:
        tab = _log_in(browser, url, "ann", campaign.secrets["ann"])
        tab.get_by_role("heading", name="Vote").wait_for()
        tab.wait_for_function(_PLAYING)
        (cookie,) = [c for c in tab.context.cookies() if c["name"] == "dfew_session"]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        # The server's session decides expiry; the cookie outlives any idle limit.
        assert cookie["expires"] > time.time() + 300 * 24 * 3600
        # A clip comes in pieces (range requests) and may be cached by this browser only.
        clip = tab.request.get(
            f"{url}/api/clip/{campaign.clips['clip000']}", headers={"Range": "bytes=0-99"}
        )
        assert clip.status == 206 and len(clip.body()) == 100
        assert clip.headers["cache-control"].startswith("private")
        missing = tab.request.get(f"{url}/api/clip/999999")
        assert missing.status == 404 and "error" in missing.json()
        tab.reload()
        tab.get_by_role("heading", name="Vote").wait_for()
        tab.goto(f"{url}/guide")  # a new page load: the cookie logs it in
        tab.get_by_role("heading", name="Guide").wait_for()
        tab.go_back()
        other = tab.context.new_page()
        other.goto(url)
        other.get_by_role("heading", name="Vote").wait_for()
        other.wait_for_function(_PLAYING)
        # Both tabs show the same clip; a vote in one makes the other's key a stale one.
        tab.get_by_role("heading", name="Vote").wait_for()
        tab.wait_for_function(_PLAYING)
        tab.keyboard.press("2")
        tab.get_by_text("Saved: Sad.").wait_for()
        other.keyboard.press("6")
        other.get_by_text("Not saved: this clip was voted on already").wait_for()
        assert len(_votes(campaign)) == 1 and _votes(campaign)[0][1] == 2
        other.keyboard.press("6")  # the other tab moved on to the next clip with the queue
        other.get_by_text("Saved: Disgust.").wait_for()
        tab.get_by_role("button", name="Log out").click()
        tab.get_by_label("Name").wait_for()
        other.keyboard.press("1")
        other.get_by_text("your session has ended").wait_for()
        assert len(_votes(campaign)) == 2
        other.reload()
        other.get_by_label("Name").wait_for()


def test_disabling_an_account_ends_its_login_in_every_tab(server) -> None:

    campaign, url = server
    qualify(campaign, "ann")
    with _launched_browser() as browser:
        tab = _log_in(browser, url, "ann", campaign.secrets["ann"])
        tab.wait_for_function(_PLAYING)
        other = tab.context.new_page()
        other.goto(url)
        other.wait_for_function(_PLAYING)
        accounts.set_active(campaign.store, "ann", active=False)
        for page in (tab, other):
            shown = page.evaluate(_SHOWN_CLIP)
            page.keyboard.press("3")
            page.get_by_text("your session has ended").wait_for()
            assert page.evaluate(_SHOWN_CLIP) == shown  # the unsaved clip is back on screen
            page.reload()
            page.get_by_label("Name").wait_for()
        # Clips are refused too, to a tab of this browser as to anyone.
        clip = tab.request.get(f"{url}/api/clip/{campaign.clips['clip000']}")
        assert clip.status == 401
    assert _votes(campaign) == []


def test_screening_by_keys_beside_the_clip(server, tmp_path: Path) -> None:

    campaign, url = server
    with campaign.store.write() as session:
        for clip in session.scalars(select(Clip).where(Clip.name.in_(["clip000", "clip001"]))):
            clip.status = "candidate"
        # A gold clip left as a candidate still never reaches the screening queue.
        session.scalar(select(Clip).where(Clip.name == "gold1")).status = "candidate"
    with _launched_browser() as browser:
        page = _log_in(browser, url, "boss", campaign.secrets["boss"], height=800)
        page.get_by_role("heading", name="Campaign dashboard").wait_for()
        page.get_by_role("link", name="Screening").click()
        page.get_by_text("2 of 2 left to screen").wait_for()
        page.wait_for_function(_PLAYING)
        shot = _screenshot(page, tmp_path, "screening-page.png")
        # Both decisions sit beside the clip, above the fold of a 1280×800 window.
        video = page.locator("video.dfew-video:visible").bounding_box()
        for name in ("A · Accept", "R · Reject…"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box["x"] >= video["x"] + video["width"]
            assert box["y"] + box["height"] <= 800
        page.keyboard.press("a")
        page.get_by_text("Saved: accepted.").wait_for()
        page.get_by_text("1 of 2 left to screen").wait_for()
        page.keyboard.press("r")
        page.get_by_role("button", name="2 · not one of the seven emotions").wait_for()
        page.keyboard.press("2")
        page.get_by_text("Saved: rejected (not one of the seven emotions).").wait_for()
        page.get_by_text("No candidate clip is waiting for screening.").wait_for()
        page.get_by_text("0 of 2 left to screen").wait_for()
    assert shot.stat().st_size > 10_000
    with campaign.store.read() as session:
        decided = session.execute(
            select(Clip.name, Screening.decision, Screening.reason)
            .join(Screening, Screening.clip_id == Clip.id)
            .order_by(Clip.name)
        ).all()
    assert decided == [
        ("clip000", "accepted", None),
        ("clip001", "rejected", "not one of the seven emotions"),
    ]


def _asked(campaign: Campaign) -> list[set[str]]:
    """Return the names of the clips each quiz attempt asked, oldest attempt first."""
    with campaign.store.read() as session:
        rows = session.execute(
            select(QuizAnswer.attempt_id, Clip.name).join(Clip).order_by(QuizAnswer.attempt_id)
        ).all()
    attempts: dict[int, set[str]] = {}
    for attempt, name in rows:
        attempts.setdefault(attempt, set()).add(name)
    return list(attempts.values())


def _answer_wrong(page, campaign: Campaign, questions: int) -> None:
    """Answer each of the quiz's questions with the emotion after the known one."""
    for position in range(1, questions + 1):
        page.get_by_text(f"Question {position} of {questions}").wait_for()
        key, emotion = _question(campaign)
        page.locator(f".st-key-{key}-7").wait_for()
        page.keyboard.press(str(1 + emotion % 7))


@pytest.mark.parametrize("server", [["--quiz-size", "3"]], indirect=True)
def test_a_failed_quiz_names_emotions_and_the_retake_asks_other_clips(
    server, tmp_path: Path
) -> None:

    campaign, url = server
    with _launched_browser() as browser:
        page = _log_in(browser, url, "ann", campaign.secrets["ann"])
        page.get_by_role("button", name="Take the quiz").click()
        page.get_by_text("Answer 3 clips whose emotion is known").wait_for()
        page.get_by_role("button", name="Start the quiz").click()
        _answer_wrong(page, campaign, 3)
        page.get_by_text("Last attempt: 0 of 3 (not passed)").wait_for()
        page.get_by_text("Emotions you read differently").wait_for()
        # The failure page names the confused emotions, never a clip.
        page.wait_for_function(
            "document.querySelectorAll('[data-testid=data-grid-canvas]').length >= 1"
        )
        assert "gold" not in page.locator("body").inner_text()
        _screenshot(page, tmp_path, "quiz-failed.png")
        page.get_by_text("A retake asks other clips").wait_for()
        page.get_by_role("button", name="Start the quiz").click()
        page.get_by_text("Question 1 of 3").wait_for()
        page.wait_for_timeout(1500)  # the question's clip and buttons, for the screenshot
        _screenshot(page, tmp_path, "quiz-question.png")
        _answer_wrong(page, campaign, 3)
        page.get_by_text("Last attempt: 0 of 3 (not passed)").wait_for()
    first, second = _asked(campaign)
    assert len(first) == len(second) == 3 and first.isdisjoint(second)


def test_a_whole_session_requests_nothing_from_another_origin(server) -> None:

    campaign, url = server
    qualify(campaign, "ann")
    with campaign.store.write() as session:
        session.scalar(select(Clip).where(Clip.name == "clip005")).status = "candidate"
    requested: list[str] = []
    with _launched_browser() as browser:
        # Annotate: the guide, the voting page, a vote by key.
        page = _log_in(browser, url, "ann", campaign.secrets["ann"], requested=requested)
        page.get_by_role("heading", name="Vote").wait_for()
        page.wait_for_function(_PLAYING)
        page.keyboard.press("5")
        page.get_by_text("Saved: Surprise.").wait_for()
        page.get_by_role("link", name="Guide").click()
        page.get_by_role("heading", name="Guide").wait_for()
        page.wait_for_function("document.querySelectorAll('video').length >= 7")
        # Screen and look at the dashboard, as the admin.
        page = _log_in(browser, url, "boss", campaign.secrets["boss"], 800, requested)
        page.get_by_role("heading", name="Campaign dashboard").wait_for()
        # Its charts of states, votes per day, annotators and emotions (Vega).
        page.wait_for_function(
            "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 4"
        )
        page.get_by_role("link", name="Screening").click()
        page.wait_for_function(_PLAYING)
        page.keyboard.press("a")
        page.get_by_text("Saved: accepted.").wait_for()
        page.get_by_role("link", name="Gold clips").click()
        page.get_by_role("heading", name="Gold clips").wait_for()
        page.wait_for_load_state("networkidle")
    assert any("/api/clip/" in address for address in requested)
    assert any("/static/media/" in address for address in requested)  # fonts, served here
    outside = [
        address
        for address in requested
        if not address.startswith((f"{url}/", f"blob:{url}/", "data:"))
    ]
    assert outside == []


# Hides or shows the page as the Page Visibility API reports it (headless Chromium never
# hides a page by itself).
_SET_HIDDEN = """(hidden) => {
  Object.defineProperty(document, 'hidden', {value: hidden, configurable: true});
  Object.defineProperty(document, 'visibilityState',
    {value: hidden ? 'hidden' : 'visible', configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def _vote_rows(campaign: Campaign) -> list[tuple[str, int, float, datetime, datetime]]:
    """Return every vote as (clip name, emotion, seconds, cast at, its lease's hand-out)."""
    with campaign.store.read() as session:
        query = (
            select(Clip.name, Vote.emotion, Vote.seconds, Vote.created_at, Lease.issued_at)
            .join(Clip, Clip.id == Vote.clip_id)
            .join(
                Lease,
                (Lease.clip_id == Vote.clip_id)
                & (Lease.annotator_id == Vote.annotator_id)
                & (Lease.outcome == "voted"),
            )
            .order_by(Vote.id)
        )
        return [tuple(row) for row in session.execute(query)]


def test_undo_changes_the_last_vote_and_hidden_time_does_not_count(server) -> None:

    campaign, url = server
    qualify(campaign, "ann")
    with _launched_browser() as browser:
        tab = _log_in(browser, url, "ann", campaign.secrets["ann"])
        tab.wait_for_function(_PLAYING)
        tab.keyboard.press("u")
        tab.get_by_text("Nothing to undo").wait_for()
        # Three seconds with the tab hidden: they do not count as watching the clip.
        tab.evaluate(_SET_HIDDEN, True)
        time.sleep(3)
        tab.evaluate(_SET_HIDDEN, False)
        tab.keyboard.press("2")
        tab.get_by_text("Saved: Sad.").wait_for()
        tab.keyboard.press("u")
        tab.get_by_text("Changing your last vote (Sad)").wait_for()
        tab.keyboard.press("5")
        tab.get_by_text("Changed: your last vote is now Surprise.").wait_for()
        tab.get_by_text("Your votes today: 1 ").wait_for()
        # The button does the same; Esc keeps the vote.
        tab.get_by_role("button", name="Undo last vote (U)").click()
        tab.get_by_text("Changing your last vote (Surprise)").wait_for()
        tab.keyboard.press("Escape")
        tab.get_by_text("Your last vote stays as it was.").wait_for()
        tab.keyboard.press("3")
        tab.get_by_text("Saved: Neutral.").wait_for()
        # Once the clip has all its votes, its last voter can no longer change it.
        with campaign.store.write() as session:
            session.execute(
                update(Clip).where(Clip.name == _votes(campaign)[1][0]).values(status="complete")
            )
        tab.keyboard.press("u")
        tab.keyboard.press("6")
        tab.get_by_text("Not changed: this clip has all its votes now").wait_for()
    rows = _vote_rows(campaign)
    assert [row[1] for row in rows] == [5, 3]  # changed in place: never a third vote
    with campaign.store.read() as session:
        changes = session.execute(select(VoteChange.old_emotion, VoteChange.new_emotion)).all()
        per_clip = session.scalars(select(func.count(Vote.id)).group_by(Vote.clip_id)).all()
    assert [tuple(change) for change in changes] == [(2, 5)]
    assert max(per_clip) <= 10
    _, _, seconds, cast, handed_out = rows[0]
    elapsed = (cast - handed_out).total_seconds()
    assert 0 < seconds <= elapsed - 2.5  # the hidden seconds are not in the vote's time


def test_streamlit_media_files_need_a_live_session(server) -> None:

    campaign, url = server
    with _launched_browser() as browser:
        tab = _log_in(browser, url, "ann", campaign.secrets["ann"])
        tab.get_by_role("button", name="Take the quiz").wait_for()
        tab.goto(f"{url}/guide")  # its example clips come from Streamlit's /media
        tab.get_by_role("heading", name="Guide").wait_for()
        video = tab.locator("video").first
        video.wait_for()
        source = video.get_attribute("src")
        assert "/media/" in source
        media = source if source.startswith("http") else f"{url}{source}"
        tab.wait_for_function(
            "Array.from(document.querySelectorAll('video')).some(v => v.readyState >= 2)"
        )
        assert tab.request.get(media).status == 200  # this browser's session
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(media, timeout=30)  # no session at all
        assert refused.value.code == 401
        accounts.set_active(campaign.store, "ann", active=False)
        assert tab.request.get(media).status == 401  # the session ended with the account
