"""``init`` and ``info``: create, configure and describe the store."""

from __future__ import annotations

import argparse

from rich.console import Console

from dfew_build.options import bounded_int
from dfew_build.store.engine import head_revision, init_store, open_store, safe_url
from dfew_build.store.queries import row_counts


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``init`` and ``info`` subcommands."""
    init = commands.add_parser("init", help="create the store (or change its settings)")
    init.add_argument(
        "--votes-per-clip", type=bounded_int(2, 1000), help="votes each clip needs (default 10)"
    )
    init.add_argument(
        "--quota",
        type=bounded_int(1, 10_000),
        help="most non-rejected clips per movie (default 20)",
    )
    init.set_defaults(handler=run_init)

    info = commands.add_parser("info", help="show the store's settings and contents")
    info.set_defaults(handler=run_info)


def run_init(args: argparse.Namespace, console: Console) -> None:
    """Create or reconfigure the store and print its settings."""
    store = init_store(args.url, votes_per_clip=args.votes_per_clip, quota=args.quota)
    settings = store.settings()
    console.print(
        f"store ready at {safe_url(args.url)} (schema {head_revision()}): "
        f"{settings.votes_per_clip} votes per clip, quota {settings.quota} clips per movie"
    )


def run_info(args: argparse.Namespace, console: Console) -> None:
    """Print the store's settings and row counts."""
    store = open_store(args.url)
    settings = store.settings()
    with store.read() as session:
        counts = row_counts(session)
    console.print(f"store {safe_url(args.url)} (schema {head_revision()})", markup=False)
    console.print(
        f"{settings.votes_per_clip} votes per clip, quota {settings.quota} clips per movie; "
        + ", ".join(f"{n} {table}s" for table, n in counts.items())
    )
