"""``annotators add|list|disable|enable|reset``: the campaign's accounts."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from dfew_build.campaign import accounts
from dfew_build.options import name
from dfew_build.store.engine import open_store
from dfew_build.store.models import PERSON_NAME_LENGTH, ROLES

ACCOUNT_NAME = name("account name", PERSON_NAME_LENGTH)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``annotators`` command group."""
    group = commands.add_parser("annotators", help="create and manage annotator accounts")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="create an account and print its one-time secret")
    add.add_argument("name", type=ACCOUNT_NAME)
    add.add_argument("--role", choices=ROLES, default="annotator")
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="list accounts with their votes")
    listing.set_defaults(handler=run_list)

    disable = actions.add_parser("disable", help="lock an account out at its next click")
    disable.add_argument("name", type=ACCOUNT_NAME)
    disable.set_defaults(handler=run_disable)

    enable = actions.add_parser("enable", help="let a disabled account log in again")
    enable.add_argument("name", type=ACCOUNT_NAME)
    enable.set_defaults(handler=run_enable)

    reset = actions.add_parser("reset", help="give an account a new secret (ends its logins)")
    reset.add_argument("name", type=ACCOUNT_NAME)
    reset.add_argument("--requalify", action="store_true", help="also make it pass the quiz again")
    reset.set_defaults(handler=run_reset)


def run_add(args: argparse.Namespace, console: Console) -> None:
    """Create the account and print its secret once."""
    secret = accounts.create_account(open_store(args.url), args.name, args.role)
    console.print(f"created {args.role} {args.name}")
    _print_secret(console, secret)


def _print_secret(console: Console, secret: str) -> None:
    console.print("secret (shown only now; hand it over privately):")
    # Plain print: the secret alone on its line, never wrapped or styled.
    print(secret)


def run_list(args: argparse.Namespace, console: Console) -> None:
    """Print every account: role, qualification, state and votes."""
    rows = accounts.list_accounts(open_store(args.url))
    table = Table("name", "role", "qualification", "state", "votes", "created (UTC)")
    for row in rows:
        table.add_row(
            row.name,
            row.role,
            row.qualification,
            "active" if row.active else "disabled",
            f"{row.votes:,}",
            f"{row.created_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
    console.print(f"{len(rows)} accounts")


def run_disable(args: argparse.Namespace, console: Console) -> None:
    """Disable the account: its logins end and its held clips go back to the pool."""
    accounts.set_active(open_store(args.url), args.name, active=False)
    console.print(f"disabled {args.name}: logged out, held clips released")


def run_enable(args: argparse.Namespace, console: Console) -> None:
    """Enable the account again."""
    accounts.set_active(open_store(args.url), args.name, active=True)
    console.print(f"enabled {args.name}")


def run_reset(args: argparse.Namespace, console: Console) -> None:
    """Give the account a new secret and print it once."""
    secret = accounts.reset_secret(open_store(args.url), args.name, requalify=args.requalify)
    console.print(f"new secret for {args.name} (old one and its logins no longer work)")
    _print_secret(console, secret)
