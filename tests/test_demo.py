"""``dfew-build demo``: the browser campaign from the sample videos, and the simulated chain."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import select

from dfew_build.campaign.accounts import login
from dfew_build.campaign.errors import NotAllowed
from dfew_build.campaign.gold import list_gold
from dfew_build.cli import main
from dfew_build.demo.chain import demo_url, labels_matching_truth, prepare_demo
from dfew_build.store.engine import open_store
from dfew_build.store.models import Annotator, Clip, GoldClip, Vote
from tests.ports import free_port

START_TIMEOUT_S = 300  # the demo builds its movies and cuts its clips before the app starts
LOGIN_ROW = re.compile(r"(admin|ann1|ann2)\s*│\s*(admin|annotator)\s*│\s*([\w-]{16})\s")


@pytest.mark.slow
def test_demo_builds_a_campaign_and_serves_it(tmp_path: Path, capsys) -> None:
    folder, port = tmp_path / "demo", free_port()
    log_path = tmp_path / "demo.log"
    command = [
        sys.executable,
        "-c",
        "import sys; from dfew_build.cli import main; sys.exit(main())",
        "demo",
        "--dir",
        str(folder),
        "--no-browser",
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                url = f"http://localhost:{port}/_stcore/health"
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the demo app did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        output = log_path.read_text()
        assert f"annotation app: http://localhost:{port}" in output
        secrets = {name: secret for name, _, secret in LOGIN_ROW.findall(output)}
        assert set(secrets) == {"admin", "ann1", "ann2"}, output

        # While the demo's app holds the port, a second demo names the problem and a way out,
        # before building anything.
        other = tmp_path / "other"
        assert main(["demo", "--dir", str(other), "--port", str(port)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"port {port} is in use" in err and "--port" in err
        assert not other.exists()

        store = open_store(demo_url(folder))
        try:
            for name, secret in secrets.items():
                assert login(store, name, secret)
            with store.read() as session:
                clips = session.scalars(select(Clip)).all()
                gold = list_gold(session)
                roles = dict(session.execute(select(Annotator.name, Annotator.role)).all())
        finally:
            store.dispose()
        assert roles == {"admin": "admin", "ann1": "annotator", "ann2": "annotator"}
        # Candidate clips from the five demo movies, within the quota, with their files.
        assert len(clips) >= 10 and {clip.status for clip in clips} == {"candidate"}
        assert max(Counter(clip.movie_id for clip in clips).values()) <= 20
        assert len({clip.movie_id for clip in clips}) == 5
        assert all((folder / "clips" / clip.path).is_file() for clip in clips)
        # Two quiz clips and the guide's example for the one emotion the demo clips show.
        assert [(row.emotion, row.example) for row in gold] == [(3, True), (3, False), (3, False)]
    finally:
        process.terminate()
        process.wait(timeout=30)

    # A second run in the same folder reuses it: no new clips, and new secrets replace the old.
    campaign = prepare_demo(Console(quiet=True), folder, workers=2)
    store = open_store(campaign.url)
    try:
        with store.read() as session:
            assert len(session.scalars(select(Clip.id)).all()) == len(clips)
        assert login(store, "ann1", campaign.secrets["ann1"])
        with pytest.raises(NotAllowed):
            login(store, "ann1", secrets["ann1"])
    finally:
        store.dispose()


@pytest.mark.slow
def test_simulate_runs_the_whole_chain(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--dir", str(folder), "--simulate", "10", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    sim = folder / "simulated"
    assert "SIMULATED" in (sim / "SIMULATED.md").read_text()
    # Each later step ran through its own command line, as the README shows it.
    for step in ("kappa", "stats --out", "export --threshold 6", "preprocess --labels"):
        assert re.search(rf"\$ dfew-build --db \S+ {step}", out), step
    assert "$ dfew-train --data" in out and "--fold 1 --model c3d --epochs 1" in out

    store = open_store(demo_url(sim))
    try:
        with store.read() as session:
            gold = set(session.scalars(select(GoldClip.clip_id)))
            voted = session.scalars(select(Clip.id).where(Clip.id.not_in(gold))).all()
            votes = session.execute(
                select(Vote.clip_id, Annotator.name, Annotator.qualification).join(Annotator)
            ).all()
    finally:
        store.dispose()
    # Every clip but the three gold ones got ten votes from ten different simulated annotators.
    assert len(gold) == 3 and len(voted) >= 10
    assert Counter(clip for clip, _, _ in votes) == dict.fromkeys(voted, 10)
    assert len(set(votes)) == len(votes)
    assert {name for _, name, _ in votes} == {f"simulated-{n:02d}" for n in range(1, 11)}
    assert {state for _, _, state in votes} == {"qualified"}

    # Labels recover the hidden truth: a wrong emotion cannot gather 7 of 10 noisy votes.
    agree, labelled = labels_matching_truth(sim / "export", sim / "truth.csv")
    assert labelled >= 5 and agree == labelled
    assert f"SIMULATED: {agree} of {labelled} single labels equal" in out
    assert len(list((sim / "export" / "EmoLabel_DataSplit").glob("*/set_*.csv"))) == 10
    assert list((sim / "report").glob("*.png")) and list((sim / "report").glob("*.csv"))

    # Carphone's face is found in every demo clip: each voted clip is in the shards, with its
    # exported label (0 for the clips without a single label).
    exported = _csv_rows(sim / "export" / "annotation.csv")
    index = _csv_rows(sim / "data" / "index.csv")
    assert len(exported) == len(voted)
    assert {(row["clip"], row["label"]) for row in index} == {
        (row["clip"], row["label"]) for row in exported
    }
    run = sim / "runs" / "simulated-c3d" / "fold1"
    results = json.loads((run / "results.json").read_text())
    assert results["model"] == "c3d" and results["epochs"] == 1 and 0 <= results["uar"] <= 1
    assert (run / "confusion.png").stat().st_size > 0 and (run / "checkpoint.pt").is_file()
    assert "SIMULATED outputs (10 simulated annotators)" in out

    # It ends with the dataset in DFEW's layout, every voted clip numbered.
    assert re.search(r"\$ dfew-build --db \S+ release", out)
    assert len(_csv_rows(sim / "release" / "clips.csv")) == len(voted)
    assert (sim / "release" / "Annotation" / "annotation.xlsx").is_file()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
