"""import-dfew on a release folder laid out as DFEW ships it (its documented file layout)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from statsmodels.stats.inter_rater import fleiss_kappa

from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip
from tests.campaign import random_votes
from tests.cli import assert_one_line_error, run

HEADERS = ["1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear"]
SAMPLE_DURATIONS = {"carphone_pristine.mp4": 4.004, "bikes.mp4": 10.0, "bigbuckbunny.mp4": 5.28}


def make_release(
    root: Path,
    sample_videos: Path,
    with_annotation: bool = True,
    spelling: str = "single-labeled",
    unfolded: int = 0,
) -> pd.DataFrame:
    """Write a 60-clip DFEW-layout release under ``root``; return its counts, labels and folds.

    The first ``unfolded`` single-labelled clips are in no fold, as DFEW's 362 single-labelled
    clips without a face are.
    """
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
    labelled = table[table["label"] > 0].iloc[unfolded:].reset_index(drop=True)
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
            tmp_path / "export" / "EmoLabel_DataSplit" / "test(single-labeled)" / f"set_{fold}.csv"
        )
        expected = labelled[labelled["fold"] == fold]
        # integer video names, as DFEW writes them (1, not 00001)
        assert list(ours["video_name"]) == sorted(expected["order"])


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


def test_export_release_folds_keeps_the_published_split_files(
    tmp_path, sqlite_url, sample_videos, capsys
):
    """Labelled clips outside every fold stay out; the split files come back byte for byte."""
    release = make_release(tmp_path / "DFEW", sample_videos, unfolded=3)
    assert release["fold"].isna().sum() - (release["label"] == 0).sum() == 3
    run(capsys, "--db", sqlite_url, "init")
    assert run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))[0] == 0
    status, out, _ = run(
        capsys, "--db", sqlite_url, "export", "--release-folds", "--out", str(tmp_path / "out")
    )
    assert status == 0 and "left out of the split files: 3 labelled clips" in out
    published = tmp_path / "DFEW" / "EmoLabel_DataSplit"
    for path in sorted(published.rglob("set_*.csv")):
        written = tmp_path / "out" / "EmoLabel_DataSplit" / path.relative_to(published)
        assert written.read_bytes() == path.read_bytes(), path


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("label", 9, "labels must be whole numbers from 0 to 7, found 9"),
        ("1happy", 1e30, "vote counts must be whole numbers from 0 to 100, found 1e+30"),
        ("2sad", 2.5, "vote counts must be whole numbers from 0 to 100, found 2.5"),
        ("2sad", 100, "110 votes for one clip, at most 100 are allowed"),
    ],
)
def test_import_dfew_refuses_bad_values(
    tmp_path, sqlite_url, sample_videos, capsys, column, value, message
):
    make_release(tmp_path / "DFEW", sample_videos)
    path = tmp_path / "DFEW" / "Annotation" / "annotation.xlsx"
    table = pd.read_excel(path)
    table[column] = table[column].astype("float64")
    table.loc[4, column] = value
    table.to_excel(path, index=False)
    run(capsys, "--db", sqlite_url, "init")
    status, _, err = run(capsys, "--db", sqlite_url, "import-dfew", str(tmp_path / "DFEW"))
    assert_one_line_error(status, err, f"row 6: {message}")
    store = open_store(sqlite_url)
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Clip)) == 0  # store untouched
    store.dispose()
