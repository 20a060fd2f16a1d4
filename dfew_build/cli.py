"""The ``dfew-build`` command line: parses arguments and calls the library, nothing more.

Subcommands live in :mod:`dfew_build.commands`, one module per group. Every user mistake
surfaces as one line ``error: <problem> — <fix>`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from dfew_build.errors import UserError

# Everything else loads inside main(), so that Ctrl+C in the first second of start-up (while
# SQLAlchemy, Alembic and rich import) is one line and exit 130, not a traceback.


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose mistakes become one-line UserErrors instead of a usage block.

    Subparsers made by ``add_subparsers`` are of the same class, so every level behaves alike.
    """

    def error(self, message: str) -> NoReturn:
        """Raise UserError naming the problem and where the options are listed."""
        raise UserError(f"{self.prog}: {message} — see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``dfew-build`` with every subcommand registered."""
    import importlib
    import pkgutil

    from dfew_build import commands
    from dfew_build.options import store_url

    parser = OneLineParser(
        prog="dfew-build",
        description="Build DFEW-style facial expression datasets: clips, votes, labels, kappa.",
    )
    db_help = "store URL (SQLAlchemy); default: $DFEW_DB or sqlite:///dfew.sqlite"
    parser.add_argument("--db", type=store_url, help=db_help)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"{commands.__name__}.{module.name}").register(subparsers)
    # --db is also taken after the subcommand; SUPPRESS keeps a value given before it.
    for subparser in _command_parsers(parser):
        subparser.add_argument("--db", type=store_url, default=argparse.SUPPRESS, help=db_help)
    return parser


def _command_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Return every parser below ``parser``: groups (``annotators``) and their actions."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                found += [child, *_command_parsers(child)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``dfew-build``; returns the exit status (0 ok, 2 user error, 130 interrupted)."""
    url = None
    try:
        from rich.console import Console
        from sqlalchemy.exc import SQLAlchemyError

        from analysis.errors import AnalysisInputError
        from dfew_build.options import store_url
        from dfew_build.store.engine import describe_store_error, resolve_url

        args = build_parser().parse_args(argv)
        url = resolve_url(args.db)
        if args.db is None:
            _check_environment_url(url, store_url)
        args.url = url
        # User data (names, paths, titles) is printed as typed: no rich markup, no :emoji: codes.
        args.handler(args, Console(markup=False, emoji=False))
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept", file=sys.stderr)
        return 130
    except (UserError, AnalysisInputError) as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: {describe_store_error(exc, url)}", file=sys.stderr)
        return 2
    return 0


def _check_environment_url(url: str, check) -> None:
    """Refuse an unusable ``DFEW_DB`` with the same message as ``--db``."""
    try:
        check(url)
    except argparse.ArgumentTypeError as exc:
        raise UserError(f"DFEW_DB: {exc}") from exc


def _one_line(message: str) -> str:
    """Return ``message`` on one line (a value quoted in it may hold a newline)."""
    return " ".join(message.split("\n"))


if __name__ == "__main__":
    raise SystemExit(main())
