"""``serve``: start the annotation app (Streamlit) on the store and the clip folder."""

from __future__ import annotations

import argparse
import errno
import importlib.util
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console

from dfew_build.campaign.rules import (
    DEFAULT_LEASE_MINUTES,
    DEFAULT_PASS_MARK,
    DEFAULT_QUIZ_SIZE,
    DEFAULT_SESSION_HOURS,
    CampaignRules,
)
from dfew_build.errors import UserError
from dfew_build.options import PORT, bounded_int, existing_dir, finite_float, host
from dfew_build.store.engine import open_store


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    serve = commands.add_parser("serve", help="start the annotation app in the browser")
    serve.add_argument("--port", type=PORT, default=8501, help="port to listen on (8501)")
    serve.add_argument(
        "--address", type=host, help="address to listen on (default: Streamlit's, all interfaces)"
    )
    serve.add_argument(
        "--clips",
        type=existing_dir("clip folder"),
        help="folder of the clip files (default: $DFEW_CLIPS or ./clips)",
    )
    serve.add_argument(
        "--pass-mark",
        type=finite_float(0, 1, low_open=True),
        default=DEFAULT_PASS_MARK,
        help="quiz share to qualify (0.8)",
    )
    serve.add_argument(
        "--quiz-size",
        type=bounded_int(1, 1000),
        default=DEFAULT_QUIZ_SIZE,
        help="gold clips per quiz (10)",
    )
    serve.add_argument(
        "--lease-minutes",
        type=finite_float(0, 7 * 24 * 60, "minutes", low_open=True),
        default=DEFAULT_LEASE_MINUTES,
        help="minutes a clip stays reserved for its annotator (10)",
    )
    serve.add_argument(
        "--session-hours",
        type=finite_float(0, 24 * 366, "hours", low_open=True),
        default=DEFAULT_SESSION_HOURS,
        help="hours a login lasts without use before the secret is needed again (12)",
    )
    serve.set_defaults(handler=run_serve)


def app_script() -> Path:
    """Return the path of the app's launcher, ``annotation_app/server.py`` (Streamlit's ASGI app
    with the app's own routes, serving ``app.py``).

    Found, not imported: the app depends on dfew_build, never the other way round; Streamlit
    runs the script in its own process.
    """
    spec = importlib.util.find_spec("annotation_app")
    if spec is None or not spec.submodule_search_locations:
        raise UserError("the annotation app is not installed — pip install dfew-build")
    return Path(spec.submodule_search_locations[0]).resolve() / "server.py"


def check_port_free(port: int, address: str | None = None) -> None:
    """Return when the app could listen on ``port``; raise UserError naming a free one if not.

    ``address`` None means all interfaces, as Streamlit listens by default.
    """
    if not 0 < port < 65536:
        raise UserError(f"--port {port} is not a port number — use 1..65535")
    if not _can_listen(port, address):
        free = next(
            (p for p in range(port + 1, min(port + 100, 65536)) if _can_listen(p, address)), None
        )
        hint = f"pass --port {free}" if free else "pass another --port"
        raise UserError(
            f"port {port} is in use (another app, perhaps an earlier `dfew-build serve` or demo) "
            f"— {hint}, or stop the other app"
        )


def _can_listen(port: int, address: str | None) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the server itself does: a port left in TIME_WAIT by a stopped app is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address or "", port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise UserError(
                f"cannot listen on {address}:{port}: {exc.strerror} — check --address"
            ) from exc
    return True


def streamlit_command(
    args: argparse.Namespace, environ: Mapping[str, str], open_browser: bool = False
) -> tuple[list[str], dict[str, str]]:
    """Return the command line and environment that run the app for ``serve``'s arguments.

    The store URL travels in the environment (``DFEW_DB``), so a password in it does not show
    in the process list; the rest follows the script after ``--``. With ``open_browser`` the
    app opens its page in the default browser once it listens. Raises UserError for a store
    that cannot be opened, a missing clip folder, a port in use, or rules out of range.
    """
    rules = CampaignRules(
        args.pass_mark,
        args.quiz_size,
        args.lease_minutes,
        args.session_hours,
    )
    clip_dir = args.clips or Path(environ.get("DFEW_CLIPS") or "clips")
    if not clip_dir.is_dir():
        raise UserError(
            f"clip folder {clip_dir.absolute()} does not exist — cd to your campaign's folder, "
            "pass --clips DIR (the folder given to `extract --out`) or set DFEW_CLIPS"
        )
    check_port_free(args.port, args.address)
    open_store(args.url).dispose()  # fails here, with a clear message, rather than in the browser
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_script()),
        "--server.port",
        str(args.port),
        "--server.headless",
        "false" if open_browser else "true",
        "--server.showEmailPrompt",
        "false",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # A calm blue for primary buttons: Streamlit's default red reads as an error.
        "--theme.primaryColor",
        "#3b6ea5",
    ]
    if args.address:
        command += ["--server.address", args.address]
    command += [
        "--",
        "--clips",
        str(clip_dir.resolve()),
        "--pass-mark",
        str(rules.pass_mark),
        "--quiz-size",
        str(rules.quiz_size),
        "--lease-minutes",
        str(rules.lease_minutes),
        "--session-hours",
        str(rules.session_hours),
    ]
    return command, {**environ, "DFEW_DB": args.url}


def app_url(args: argparse.Namespace) -> str:
    """Return the address people open in their browser for ``serve``'s arguments."""
    return f"http://{args.address or 'localhost'}:{args.port}"


def start_app(console: Console, command: list[str], environ: dict[str, str], url: str) -> None:
    """Replace this process by the Streamlit server (so stopping one stops the other)."""
    console.print(f"annotation app at {url} — Ctrl+C stops it")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, environ)


def run_serve(args: argparse.Namespace, console: Console) -> None:
    """Start the app for ``serve``'s arguments in place of this process."""
    command, environ = streamlit_command(args, os.environ)
    start_app(console, command, environ, app_url(args))
