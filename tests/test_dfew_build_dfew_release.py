"""import-dfew on a release folder laid out exactly as DFEW ships it (see shared research notes)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from statsmodels.stats.inter_rater import fleiss_kappa

from tests.campaign import random_votes
from tests.test_dfew_build_cli import assert_one_line_error, run

HEADERS = ["1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear"]
SAMPLE_DURATIONS = {"carphone_pristine.mp4": 4.004, "bikes.mp4": 10.0, "bigbuckbunny.mp4": 5.28}


def make_release(
    root: Path, sample_videos: Path, with_annotation: bool = True, spelling: str = "single-labeled"
) -> pd.DataFrame:
    """Write a 60-clip DFEW-layout release under ``root``; return its counts, labels and folds."""
    votes = random_votes(60, seed=11)
    counts = votes.groupby(["clip", "emotion"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=range(1, 8), fill_value=0).to_numpy()
    table = pd.DataFrame(counts, columns=HEADERS)
    table["order"] = np.arange(1, 61)
    table["label"] = np.where(counts.max(axis=1) > 6, counts.argmax(axis=1) + 1, 0)
    if with_annotation:
        (root / "Annotation").mkdir(parents=True)
        sheet = Workbook()
        sheet.active.append(list(table.columns))
        for row in table.itertuples(index=False):
            sheet.active.append([int(value) for value in row])
        sheet.save(root / "Annotation" / "annotation.xlsx")
    labelled = table[table["label"] > 0].reset_index(drop=True)
    labelled["fold"] = labelled.index % 5 + 1
    for kind in ("train", "test"):
        (root / "EmoLabel_DataSplit" / f"{kind}({spelling})").mkdir(parents=True)
    for fold in range(1, 6):
        for kind, rows in (("test", labelled["fold"] == fold), ("train", labelled["fold"] != fold)):
            labelled.loc[rows, ["order", "label"]].rename(columns={"order": "video_name"}).to_csv(
                root / "EmoLabel_DataSplit" / f"{kind}({spelling})" / f"set_{fold}.csv", index=False
            )
    originals = root / "Clip" / "original"
    originals.mkdir(parents=True)
    samples = list(SAMPLE_DURATIONS)
    table["duration"] = 0.0
    for i in range(60):
        os.symlink(sample_videos / samples[i % 3], originals / f"{i + 1:05d}.mp4")
        table.loc[i, "duration"] = SAMPLE_DURATIONS[samples[i % 3]]
    return table.merge(labelled[["order", "fold"]], on="order", how="left")


def test_import_dfew_reproduces_kappa_and_table_two(tmp_path, sqlite_url, sample_videos, capsys):
    release = make_release(tmp_path / "DFEW", sample_videos)
    run(capsys, "--db", sqlite_url, "init")
    status, out, err = run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))
    assert status == 0, err
    n_labelled = int((release["label"] > 0).sum())
    assert f"imported 60 clips, 600 votes, {n_labelled} single labels" in out

    status, out, _ = run(capsys, "--db", sqlite_url, "kappa", "--json")
    assert json.loads(out)["kappa"] == pytest.approx(
        fleiss_kappa(release[HEADERS].to_numpy()), abs=1e-12
    )
    status, _, _ = run(capsys, "--db", sqlite_url, "stats", "--out", str(tmp_path / "t2"))
    table = pd.read_csv(tmp_path / "t2" / "table2_counts.csv", index_col=0)
    labelled = release[release["label"] > 0]
    assert table.loc["Total", "2-5s"] == int((labelled["duration"] < 5).sum())
    assert table.loc["Total", "5s+"] == int((labelled["duration"] >= 5).sum())

    status, _, _ = run(
        capsys, "--db", sqlite_url, "export", "--release-folds", "--out", str(tmp_path / "export")
    )
    assert status == 0
    for fold in range(1, 6):
        ours = pd.read_csv(
            tmp_path / "export" / "EmoLabel_DataSplit" / "test(single-labeled)" / f"set_{fold}.csv",
            dtype={"video_name": str},
        )
        expected = labelled[labelled["fold"] == fold]
        assert sorted(ours["video_name"]) == [f"{n:05d}" for n in sorted(expected["order"])]


def test_import_dfew_without_vote_file(tmp_path, sqlite_url, sample_videos, capsys):
    release = make_release(
        tmp_path / "DFEW", sample_videos, with_annotation=False, spelling="single_labeled"
    )
    run(capsys, "--db", sqlite_url, "init")
    status, out, _ = run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))
    assert status == 0 and "kappa is unavailable" in out
    status, _, err = run(capsys, "--db", sqlite_url, "kappa")
    assert_one_line_error(status, err, "no votes")
    status, out, _ = run(capsys, "--db", sqlite_url, "stats")
    assert status == 0 and "labels from release" in out
    assert f"{int((release['label'] > 0).sum())}" in out


def test_import_dfew_twice_or_from_a_wrong_folder_is_refused(
    tmp_path, sqlite_url, sample_videos, capsys
):
    make_release(tmp_path / "DFEW", sample_videos)
    run(capsys, "--db", sqlite_url, "init")
    assert run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))[0] == 0
    status, _, err = run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))
    assert_one_line_error(status, err, "already has a clip", "fresh store")
    status, _, err = run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path))
    assert_one_line_error(status, err, "neither")
