"""The dfew-build CLI end to end on a real SQLite file: votes in, kappa, Table 2, export out."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import update
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip
from dfew_build.store.queries import row_counts
from tests.campaign import random_votes
from tests.cli import assert_one_line_error, run


def snapshot(folder: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under ``folder``, keyed by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def campaign(tmp_path: Path, sqlite_url: str, capsys) -> tuple[str, pd.DataFrame]:
    """A store holding 300 complete clips × 10 votes imported from a CSV, with durations."""
    votes = random_votes(300, seed=7)
    votes.to_csv(tmp_path / "votes.csv", index=False)
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    status, out, err = run(
        capsys, "--db", sqlite_url, "import-votes", str(tmp_path / "votes.csv"), "--create"
    )
    assert status == 0, err
    assert "imported 3000 votes (300 clips and 10 annotators created)" in out
    store = open_store(sqlite_url)
    durations = np.random.default_rng(1).uniform(0.5, 9.0, size=300)
    with store.write() as session:
        for i, seconds in enumerate(durations):
            session.execute(
                update(Clip).where(Clip.name == f"clip{i:05d}").values(start_s=0.0, end_s=seconds)
            )
    store.dispose()
    return sqlite_url, votes


def test_kappa_json_matches_statsmodels_on_the_imported_votes(campaign, capsys) -> None:
    url, votes = campaign
    status, out, _ = run(capsys, "--db", url, "kappa", "--json")
    report = json.loads(out)
    ratings = votes.pivot(index="clip", columns="annotator", values="emotion").to_numpy()
    expected = fleiss_kappa(aggregate_raters(ratings, n_cat=None)[0])
    assert status == 0
    assert report["kappa"] == pytest.approx(expected, abs=1e-12)
    assert report["n_clips"] == 300 and report["n_raters"] == 10
    assert report["ci_low"] < report["kappa"] < report["ci_high"]
    assert set(report["per_category"]) == {
        "Happy",
        "Sad",
        "Neutral",
        "Angry",
        "Surprise",
        "Disgust",
        "Fear",
    }
    status, out, _ = run(capsys, "--db", url, "kappa", "--subset", "single", "--json")
    single = json.loads(out)
    assert status == 0 and single["n_clips"] < 300 and single["kappa"] > report["kappa"]


def test_kappa_report_is_readable(campaign, capsys) -> None:
    status, out, _ = run(capsys, "--db", campaign[0], "kappa")
    assert status == 0
    assert "Fleiss' kappa over 300 clips × 10 raters" in out
    assert "Landis" in out and "Substantial" in out and "Disgust" in out


def test_stats_prints_table_two_and_writes_csv_and_png(campaign, tmp_path, capsys) -> None:
    url, votes = campaign
    status, out, _ = run(capsys, "--db", url, "stats", "--out", str(tmp_path / "report"))
    assert status == 0
    table = pd.read_csv(tmp_path / "report" / "table2_counts.csv", index_col=0)
    counts = votes.groupby(["clip", "emotion"]).size().unstack(fill_value=0)
    assert table.loc["Total", "Total"] == int((counts.max(axis=1) > 6).sum())
    for png in ("duration_distribution.png", "vote_agreement.png"):
        assert (tmp_path / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "0-2s" in out and "Total" in out


def test_export_is_byte_identical_and_folds_are_disjoint(campaign, tmp_path, capsys) -> None:
    url, _ = campaign
    for name in ("a", "b"):
        assert (
            run(capsys, "--db", url, "export", "--out", str(tmp_path / name), "--seed", "3")[0] == 0
        )
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")
    split = tmp_path / "a" / "EmoLabel_DataSplit"
    tests = [pd.read_csv(split / "test(single-labeled)" / f"set_{k}.csv") for k in range(1, 6)]
    names = [set(t["video_name"]) for t in tests]
    assert sum(len(n) for n in names) == len(set().union(*names))
    single = pd.read_csv(tmp_path / "a" / "single_labeled.csv")
    assert set().union(*names) == set(single["clip"])
    annotation = pd.read_csv(tmp_path / "a" / "annotation.csv")
    assert len(annotation) == 300 and list(annotation.columns)[1:] == [
        "1happy",
        "2sad",
        "3neutral",
        "4angry",
        "5surprise",
        "6disgust",
        "7fear",
        "label",
    ]
    run(capsys, "--db", url, "export", "--out", str(tmp_path / "c"), "--seed", "4")
    assert snapshot(tmp_path / "c") != snapshot(tmp_path / "a")


def _store_rows(url: str) -> dict[str, int]:
    store = open_store(url)
    with store.read() as session:
        counts = row_counts(session)
    store.dispose()
    return counts


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("clip,annotator,emotion\nclip00000,new,9\n", ["row 2", "9"]),
        ("clip,annotator,emotion\nclip00000,new,joy\n", ["row 2", "joy"]),
        ("clip,annotator,emotion\nclip00001,x,1\nclip00001,x,2\n", ["row 3", "twice"]),
        ("clip,annotator,emotion\nclip00001,rater03,2\n", ["already voted"]),
        ("clip,annotator,emotion\nclip00001,newcomer,2\n", ["would have 11 votes"]),
        ("clip,rater,emotion\nclip00001,x,2\n", ["lacks column", "annotator"]),
        ("clip,annotator,emotion\nnope,rater01,2\n", ["not in the store", "--create"]),
    ],
)
def test_bad_vote_files_change_nothing(campaign, tmp_path, capsys, rows, words) -> None:
    url, _ = campaign
    before = _store_rows(url)
    (tmp_path / "bad.csv").write_text(rows)
    create = [] if "not in the store" in words else ["--create"]
    status, _, err = run(capsys, "--db", url, "import-votes", str(tmp_path / "bad.csv"), *create)
    assert_one_line_error(status, err, *words)
    assert _store_rows(url) == before


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (["kappa", "--subset", "single", "--threshold", "4"], ["threshold 4", "5"]),
        (["stats", "--threshold", "10"], ["threshold 10"]),
        (["export", "--threshold", "3", "--out", "OUT"], ["threshold 3"]),
    ],
)
def test_threshold_out_of_range_leaves_earlier_export(campaign, tmp_path, capsys, command, words):
    url, _ = campaign
    out = tmp_path / "out"
    assert run(capsys, "--db", url, "export", "--out", str(out))[0] == 0
    before = snapshot(out)
    argv = [str(out) if part == "OUT" else part for part in command]
    status, _, err = run(capsys, "--db", url, *argv)
    assert_one_line_error(status, err, *words)
    assert snapshot(out) == before


def test_missing_store_says_to_run_init(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    for command in (["kappa"], ["stats"], ["export", "--out", str(tmp_path / "x")], ["info"]):
        status, _, err = run(capsys, "--db", url, *command)
        assert_one_line_error(status, err, "dfew-build init")
    status, _, err = run(capsys, "kappa", "--db", url)  # --db after the subcommand works too
    assert_one_line_error(status, err, "dfew-build init", "none.sqlite")
    assert not (tmp_path / "none.sqlite").exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["kappa", "--subset", "some"], ["--subset", "invalid choice", "dfew-build kappa --help"]),
        (["kappa", "--threshold", "six"], ["--threshold", "six"]),
        (["export"], ["--out", "required"]),
        (["frob"], ["invalid choice", "frob", "dfew-build --help"]),
        ([], ["COMMAND", "required"]),
    ],
)
def test_mistyped_options_get_one_line_not_a_usage_block(campaign, capsys, argv, words) -> None:
    url, _ = campaign
    before = _store_rows(url)
    status, _, err = run(capsys, "--db", url, *argv)
    assert_one_line_error(status, err, *words)
    assert _store_rows(url) == before


def test_kappa_without_any_complete_clip_is_refused(tmp_path, sqlite_url, capsys) -> None:
    votes = random_votes(20, seed=2)
    votes = votes[votes["annotator"] < "rater06"]  # six of the ten votes on every clip
    votes.to_csv(tmp_path / "partial.csv", index=False)
    run(capsys, "--db", sqlite_url, "init")
    assert (
        run(capsys, "--db", sqlite_url, "import-votes", str(tmp_path / "partial.csv"), "--create")[
            0
        ]
        == 0
    )
    status, _, err = run(capsys, "--db", sqlite_url, "kappa")
    assert_one_line_error(status, err, "10 votes")


def test_init_takes_any_number_of_raters_for_published_examples(tmp_path, sqlite_url, capsys):
    """Fleiss (1971) Table 1 style: 6 raters per subject, through the CLI."""
    votes = random_votes(40, n_raters=6, seed=5)
    votes.to_csv(tmp_path / "six.csv", index=False)
    assert run(capsys, "--db", sqlite_url, "init", "--votes-per-clip", "6")[0] == 0
    assert (
        run(capsys, "--db", sqlite_url, "import-votes", str(tmp_path / "six.csv"), "--create")[0]
        == 0
    )
    status, out, _ = run(capsys, "--db", sqlite_url, "kappa", "--json")
    ratings = votes.pivot(index="clip", columns="annotator", values="emotion").to_numpy()
    assert status == 0
    assert json.loads(out)["kappa"] == pytest.approx(
        fleiss_kappa(aggregate_raters(ratings)[0]), abs=1e-12
    )
    assert json.loads(out)["n_raters"] == 6
