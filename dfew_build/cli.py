"""The ``dfew-build`` command line: parses arguments and calls the library, nothing more.

Subcommands live in :mod:`dfew_build.commands`, one module per group. Every user mistake
surfaces as one line ``error: <problem> — <fix>`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console

from analysis.errors import AnalysisInputError
from dfew_build import commands
from dfew_build.errors import UserError
from dfew_build.store.engine import resolve_url


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose mistakes become one-line UserErrors instead of a usage block.

    Subparsers made by ``add_subparsers`` are of the same class, so every level behaves alike.
    """

    def error(self, message: str) -> NoReturn:
        """Raise UserError naming the problem and where the options are listed."""
        raise UserError(f"{self.prog}: {message} — see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``dfew-build`` with every subcommand registered."""
    parser = OneLineParser(
        prog="dfew-build",
        description="Build DFEW-style facial expression datasets: clips, votes, labels, kappa.",
    )
    db_help = "store URL (SQLAlchemy); default: $DFEW_DB or sqlite:///dfew.sqlite"
    parser.add_argument("--db", help=db_help)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{module.name}").register(subparsers)
    # --db is also taken after the subcommand; SUPPRESS keeps a value given before it.
    for subparser in subparsers.choices.values():
        subparser.add_argument("--db", default=argparse.SUPPRESS, help=db_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dfew-build``; returns the exit status (0 ok, 2 user error, 130 interrupted)."""
    try:
        args = build_parser().parse_args(argv)
        args.url = resolve_url(args.db)
        args.handler(args, Console())
    except (UserError, AnalysisInputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
