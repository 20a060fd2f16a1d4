"""dfew_build.label_export: the DFEW-format export files, written and read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisInputError
from analysis.export import assign_folds
from dfew_build.errors import UserError
from dfew_build.label_export import read_clip_files, read_dfew_split, write_dfew_export
from tests.test_analysis_export import dataset, tree_hashes
from training.splits import clip_name

SPLIT = "EmoLabel_DataSplit"


def test_export_layout_and_contents(tmp_path: Path) -> None:
    counts, labels = dataset()
    folds = assign_folds(labels, seed=1)
    paths = write_dfew_export(tmp_path, counts, labels, folds)
    split = tmp_path / SPLIT
    assert paths[:2] == [tmp_path / "annotation.csv", tmp_path / "single_labeled.csv"]
    assert paths[2:7] == [split / "train(single-labeled)" / f"set_{k}.csv" for k in range(1, 6)]
    assert paths[7:] == [split / "test(single-labeled)" / f"set_{k}.csv" for k in range(1, 6)]
    assert all(b"\r" not in path.read_bytes() for path in paths)

    annotation = pd.read_csv(tmp_path / "annotation.csv", dtype={"clip": str})
    assert list(annotation.columns) == [
        "clip", "1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear", "label"
    ]  # fmt: skip
    assert annotation["clip"].tolist() == sorted(counts.index)
    np.testing.assert_array_equal(annotation.iloc[:, 1:8].to_numpy(), counts.to_numpy())
    assert annotation["label"].tolist() == labels.tolist()

    single = pd.read_csv(tmp_path / "single_labeled.csv", dtype={"clip": str})
    assert list(single.columns) == ["clip", "label"]
    assert single.set_index("clip")["label"].to_dict() == labels[labels > 0].to_dict()

    labelled = set(labels.index[labels > 0])
    seen: list[str] = []
    for k in range(1, 6):
        test = pd.read_csv(split / "test(single-labeled)" / f"set_{k}.csv", dtype=str)
        train = pd.read_csv(split / "train(single-labeled)" / f"set_{k}.csv", dtype=str)
        assert list(test.columns) == ["video_name", "label"]
        assert test["video_name"].astype(int).is_monotonic_increasing  # DFEW's integers
        test_clips, train_clips = (
            set(frame["video_name"].map(clip_name)) for frame in (test, train)
        )
        assert test_clips == set(folds.index[folds == k])
        assert train_clips.isdisjoint(test_clips)
        assert train_clips | test_clips == labelled
        seen += sorted(test_clips)
    assert sorted(seen) == sorted(labelled)  # test sets are disjoint and cover every clip


def test_export_is_byte_identical_for_identical_inputs(tmp_path: Path) -> None:
    counts, labels = dataset()
    write_dfew_export(tmp_path / "one", counts, labels, assign_folds(labels, seed=9))
    # The same data in another row order, folds recomputed with the same seed.
    order = np.random.default_rng(0).permutation(len(counts))
    shuffled_counts, shuffled_labels = counts.iloc[order], labels.iloc[order]
    folds = assign_folds(shuffled_labels, seed=9)
    write_dfew_export(tmp_path / "two", shuffled_counts, shuffled_labels, folds)
    first, second = tree_hashes(tmp_path / "one"), tree_hashes(tmp_path / "two")
    assert len(first) == 12
    assert first == second
    write_dfew_export(tmp_path / "three", counts, labels, assign_folds(labels, seed=10))
    assert tree_hashes(tmp_path / "three") != first


def test_labels_missing_from_counts_default_to_zero(tmp_path: Path) -> None:
    counts, labels = dataset(100)
    partial = labels[labels > 0]
    write_dfew_export(tmp_path, counts, partial, assign_folds(partial))
    annotation = pd.read_csv(tmp_path / "annotation.csv", dtype={"clip": str})
    assert len(annotation) == len(counts)
    assert annotation["label"].tolist() == labels.tolist()


@pytest.mark.parametrize("spelling", ["single-labeled", "single_labeled"])
def test_read_back_what_was_written(tmp_path: Path, spelling: str) -> None:
    counts, labels = dataset()
    folds = assign_folds(labels, seed=2)
    write_dfew_export(tmp_path, counts, labels, folds)
    split = tmp_path / SPLIT
    for kind in ("train", "test"):
        (split / f"{kind}(single-labeled)").rename(split / f"{kind}({spelling})")
    read = read_dfew_split(split)
    assert list(read.columns) == ["clip", "label", "fold"]
    assert read["clip"].tolist() == sorted(folds.index)
    assert read.set_index("clip")["label"].to_dict() == labels[labels > 0].to_dict()
    assert read.set_index("clip")["fold"].to_dict() == folds.to_dict()
    assert read["label"].dtype == np.int64 and read["fold"].dtype == np.int64


def _write_split(split: Path, tests: list[str], trains: list[str]) -> None:
    for kind, sets in (("test", tests), ("train", trains)):
        folder = split / f"{kind}(single-labeled)"
        folder.mkdir(parents=True, exist_ok=True)
        for k, text in enumerate(sets, start=1):
            (folder / f"set_{k}.csv").write_text(text)


def test_read_pads_integer_video_names(tmp_path: Path) -> None:
    _write_split(
        tmp_path,
        tests=["video_name,label\n1,3\n16372,7\n", "video_name,label\n25,1\nclip_x,2\n"],
        trains=["video_name,label\n25,1\nclip_x,2\n", "video_name,label\n1,3\n16372,7\n"],
    )
    read = read_dfew_split(tmp_path)
    assert read.to_dict("list") == {
        "clip": ["00001", "00025", "16372", "clip_x"],
        "label": [3, 1, 7, 2],
        "fold": [1, 2, 1, 2],
    }


@pytest.mark.parametrize(
    ("tests", "trains", "message"),
    [
        (["video_name,label\n1,3\n", "video_name,label\n00001,3\n"], ["video_name,label\n"] * 2,
         r"'00001' is in test sets \[1, 2\]"),
        (["video_name,label\n1,3\n", "video_name,label\n2,3\n"],
         ["video_name,label\n1,3\n", "video_name,label\n1,3\n"], "both train and test set 1"),
        (["video_name,label\n1,3\n", "video_name,label\n2,3\n"],
         ["video_name,label\n2,4\n", "video_name,label\n1,3\n"], "label 4 in train set 1"),
        (["video_name,label\n1,9\n", "video_name,label\n2,3\n"], ["video_name,label\n"] * 2,
         "expected 1..7"),
        (["name,label\n1,3\n", "video_name,label\n2,3\n"], ["video_name,label\n"] * 2,
         "expected video_name and label"),
        (["video_name,label\n1,3\n"], ["video_name,label\n"], "K >= 2"),
        (["video_name,label\n1,3\n", "video_name,label\n2,3\n"], ["video_name,label\n"] * 3,
         "3 train sets but 2 test sets"),
    ],
)  # fmt: skip
def test_read_refuses_inconsistent_splits(
    tmp_path: Path, tests: list[str], trains: list[str], message: str
) -> None:
    _write_split(tmp_path, tests, trains)
    with pytest.raises(UserError, match=message):
        read_dfew_split(tmp_path)


def test_read_refuses_missing_folders_and_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no folder"):
        read_dfew_split(tmp_path / "nowhere")
    with pytest.raises(UserError, match=r"no test\(single-labeled\) folder"):
        read_dfew_split(tmp_path)
    _write_split(tmp_path, ["video_name,label\n1,3\n"] * 3, ["video_name,label\n"] * 3)
    (tmp_path / "test(single-labeled)" / "set_2.csv").unlink()
    with pytest.raises(UserError, match=r"set files \[1, 3\]"):
        read_dfew_split(tmp_path)
    (tmp_path / "test(single_labeled)").mkdir()
    with pytest.raises(UserError, match="has both"):
        read_dfew_split(tmp_path)


PROBLEMS = {
    "label_without_counts": r"1 labelled clip\(s\) are not in counts \(e.g. '99999'\)",
    "labelled_without_fold": r"1 single-labelled clip\(s\) have no fold",
    "fold_without_label": r"1 clip\(s\) have a fold but no single label",
    "fold_gap": r"fold numbers are \[1, 2, 4, 5, 6\]",
    "bad_label": r"label\(s\) are not 0..7",
    "no_labels": "no clip is single-labelled",
}


@pytest.mark.parametrize("problem", PROBLEMS)
def test_failed_export_leaves_earlier_export_untouched(tmp_path: Path, problem: str) -> None:
    counts, labels = dataset()
    folds = assign_folds(labels, seed=1)
    write_dfew_export(tmp_path, counts, labels, folds)
    before = tree_hashes(tmp_path)
    new_counts, new_labels, new_folds = counts.copy(), labels.copy(), folds.copy()
    new_counts.iloc[0, 0] += 1  # the new export would differ in every file
    if problem == "label_without_counts":
        new_labels["99999"] = 3
        new_folds["99999"] = 1
    elif problem == "labelled_without_fold":
        new_folds = new_folds.iloc[1:]
    elif problem == "fold_without_label":
        new_folds[labels.index[labels == 0][0]] = 2
    elif problem == "fold_gap":
        new_folds[new_folds == 3] = 6
    elif problem == "bad_label":
        new_labels.iloc[3] = 8
    else:
        new_labels[:] = 0
    with pytest.raises(AnalysisInputError, match=PROBLEMS[problem]):
        write_dfew_export(tmp_path, new_counts, new_labels, new_folds)
    assert tree_hashes(tmp_path) == before  # nothing rewritten, no temporary file left behind


def test_reexport_with_fewer_folds_removes_stale_sets(tmp_path: Path) -> None:
    counts, labels = dataset()
    write_dfew_export(tmp_path, counts, labels, assign_folds(labels, n_folds=10))
    write_dfew_export(tmp_path, counts, labels, assign_folds(labels, n_folds=5))
    for kind in ("train", "test"):
        names = sorted(p.name for p in (tmp_path / SPLIT / f"{kind}(single-labeled)").iterdir())
        assert names == [f"set_{k}.csv" for k in range(1, 6)]
    assert read_dfew_split(tmp_path / SPLIT)["fold"].max() == 5


@pytest.mark.parametrize("name", ["a,b", 'say "hi"', "two\nlines", ""])
def test_export_refuses_clip_names_that_need_quoting(tmp_path: Path, name: str) -> None:
    counts, labels = dataset(50)
    renamed = {counts.index[0]: name}
    counts, labels = counts.rename(index=renamed), labels.rename(index=renamed)
    labels[name] = 1
    folds = assign_folds(labels)
    with pytest.raises(AnalysisInputError, match="comma, quote or line break"):
        write_dfew_export(tmp_path, counts, labels, folds)
    assert not any(tmp_path.iterdir())


def test_reexport_keeps_the_readme_spelling(tmp_path: Path) -> None:
    counts, labels = dataset()
    write_dfew_export(tmp_path, counts, labels, assign_folds(labels, seed=1))
    split = tmp_path / SPLIT
    for kind in ("train", "test"):
        (split / f"{kind}(single-labeled)").rename(split / f"{kind}(single_labeled)")
    folds = assign_folds(labels, seed=2)
    paths = write_dfew_export(tmp_path, counts, labels, folds)
    assert all("single_labeled)" in str(path) for path in paths[2:])
    assert sorted(p.name for p in split.iterdir()) == [
        "test(single_labeled)",
        "train(single_labeled)",
    ]
    assert read_dfew_split(split).set_index("clip")["fold"].to_dict() == folds.to_dict()


def test_export_refuses_mixed_name_types(tmp_path: Path) -> None:
    counts = pd.DataFrame([[10, 0, 0, 0, 0, 0, 0]] * 3, index=pd.Index([1, "1", 2], dtype=object))
    counts.columns = range(1, 8)
    labels = pd.Series([1, 0, 1], index=counts.index)
    folds = pd.Series([1, 2], index=pd.Index([1, 2], dtype=object))
    with pytest.raises(AnalysisInputError, match="mix types"):
        write_dfew_export(tmp_path, counts, labels, folds)
    assert not any(tmp_path.iterdir())


def test_clip_files_are_relative_inside_the_campaign_folder_else_absolute(tmp_path: Path) -> None:
    counts, labels = dataset()
    first, second, third = sorted(counts.index)[:3]
    campaign, elsewhere = tmp_path / "campaign", tmp_path / "other"
    paths = pd.Series(
        {first: campaign / "clips" / "a.mp4", second: elsewhere / "b.mp4", "not-exported": "x"}
    )
    export = campaign / "export"
    write_dfew_export(export, counts, labels, assign_folds(labels, seed=1), clip_paths=paths)
    assert (export / "clip_files.csv").read_text().splitlines() == [
        "clip,path",
        f"{first},../clips/a.mp4",
        f"{second},{elsewhere / 'b.mp4'}",
    ]
    found = read_clip_files(export)
    assert found == {
        clip_name(first): export / "../clips/a.mp4",
        clip_name(second): elsewhere / "b.mp4",
    }
    assert third not in found and read_clip_files(tmp_path) is None
    (export / "clip_files.csv").write_text("name,file\n")
    with pytest.raises(UserError, match="expected clip and path"):
        read_clip_files(export)
