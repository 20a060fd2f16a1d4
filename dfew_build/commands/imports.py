"""``import-votes`` and ``import-dfew``: bring annotations made elsewhere into the store."""

from __future__ import annotations

import argparse

from rich.console import Console

from dfew_build.options import existing_dir, existing_file
from dfew_build.store.engine import open_store


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``import-votes`` and ``import-dfew`` subcommands."""
    votes = commands.add_parser(
        "import-votes", help="add votes from a CSV (clip,annotator,emotion)"
    )
    votes.add_argument("file", type=existing_file("votes CSV"))
    votes.add_argument(
        "--create", action="store_true", help="create clips and annotators the store lacks"
    )
    votes.set_defaults(handler=run_import_votes)

    release = commands.add_parser("import-dfew", help="import the DFEW annotation release")
    release.add_argument(
        "dir", type=existing_dir("DFEW folder"), help="folder where DFEW was unpacked"
    )
    release.set_defaults(handler=run_import_dfew)


def run_import_votes(args: argparse.Namespace, console: Console) -> None:
    """Import a votes CSV in one transaction and print what was added."""
    from dfew_build.vote_import import import_votes, read_vote_file  # deferred: pandas

    table = read_vote_file(args.file)
    store = open_store(args.url)
    added = import_votes(store, table, create=args.create)
    console.print(
        f"imported {added.votes} votes ({added.clips_created} clips and "
        f"{added.annotators_created} annotators created)"
    )


def run_import_dfew(args: argparse.Namespace, console: Console) -> None:
    """Import a DFEW release folder and print what was found."""
    from dfew_build.dfew_release import import_dfew  # deferred: pandas, PyAV

    store = open_store(args.url)
    found = import_dfew(store, args.dir)
    console.print(
        f"imported {found.clips} clips, {found.votes} votes, {found.single_labelled} single "
        f"labels, {found.in_folds} clips in folds, {found.with_duration} durations"
    )
    if found.annotation_file is None:
        console.print("no annotation.xlsx: vote counts absent, so kappa is unavailable")
