"""``gold add|list|remove``: clips with a known emotion, for the guide and the quiz."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from analysis.emotions import EMOTIONS
from dfew_build.campaign.gold import add_gold, list_gold, remove_gold
from dfew_build.options import emotion, name
from dfew_build.store.engine import open_store
from dfew_build.store.models import CLIP_NAME_LENGTH

CLIP_NAME = name("clip name", CLIP_NAME_LENGTH)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``gold`` command group."""
    group = commands.add_parser("gold", help="mark clips with a known emotion (guide and quiz)")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="mark CLIP as gold with its known EMOTION")
    add.add_argument("clip", type=CLIP_NAME, help="clip name")
    add.add_argument("emotion", type=emotion, help="1..7 or a name (1 Happy … 7 Fear)")
    add.add_argument(
        "--example", action="store_true", help="show it in the guide instead of the quiz"
    )
    add.set_defaults(handler=run_add)

    listing = actions.add_parser("list", help="list the gold clips")
    listing.set_defaults(handler=run_list)

    remove = actions.add_parser("remove", help="unmark a gold clip")
    remove.add_argument("clip", type=CLIP_NAME, help="clip name")
    remove.set_defaults(handler=run_remove)


def run_add(args: argparse.Namespace, console: Console) -> None:
    """Mark the clip as gold and say how it will be used."""
    code = args.emotion
    with open_store(args.url).write() as session:
        row = add_gold(session, args.clip, code, example=args.example)
    use = "guide example" if row.example else "quiz question"
    console.print(f"gold: {row.clip} is {EMOTIONS[code - 1]} ({use})")


def run_list(args: argparse.Namespace, console: Console) -> None:
    """Print the gold clips."""
    with open_store(args.url).read() as session:
        rows = list_gold(session)
    table = Table("clip", "emotion", "use")
    for row in rows:
        table.add_row(
            row.clip,
            f"{row.emotion} {EMOTIONS[row.emotion - 1]}",
            "guide example" if row.example else "quiz",
        )
    console.print(table)
    console.print(f"{len(rows)} gold clips")


def run_remove(args: argparse.Namespace, console: Console) -> None:
    """Unmark the gold clip."""
    with open_store(args.url).write() as session:
        remove_gold(session, args.clip)
    console.print(f"{args.clip} is no longer gold")
