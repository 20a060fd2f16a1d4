"""DFEW-layout split files: both folder spellings, name padding, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.errors import SplitError
from training.splits import clip_name, parse_folds, read_fold, split_file
from training.synthetic import write_splits

CLIPS = [f"{k:05d}" for k in range(1, 36)]
LABELS = [k % 7 + 1 for k in range(35)]
FOLDS = [k % 5 + 1 for k in range(35)]


@pytest.mark.parametrize("spelling", ["single-labeled", "single_labeled"])
def test_reads_each_fold_in_both_spellings(tmp_path: Path, spelling: str) -> None:
    write_splits(tmp_path, CLIPS, LABELS, FOLDS, spelling)
    for fold in range(1, 6):
        split = read_fold(tmp_path, fold)
        test = {(c, y) for c, y, f in zip(CLIPS, LABELS, FOLDS, strict=True) if f == fold}
        train = {(c, y) for c, y, f in zip(CLIPS, LABELS, FOLDS, strict=True) if f != fold}
        assert set(split.test) == test and set(split.train) == train
    # The EmoLabel_DataSplit folder itself is accepted too.
    assert read_fold(tmp_path / "EmoLabel_DataSplit", 2).number == 2


def test_integer_names_are_padded_and_strings_kept(tmp_path: Path) -> None:
    write_splits(tmp_path, CLIPS, LABELS, FOLDS)
    path = split_file(tmp_path, "test", 1)
    path.write_text("video_name,label\n1,3\n00042,7\nclip_a,1\n")
    assert read_fold(tmp_path, 1).test == [("00001", 3), ("00042", 7), ("clip_a", 1)]
    assert clip_name(" 123 ") == "00123"


def test_missing_files_and_bad_folds_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SplitError, match="no EmoLabel_DataSplit"):
        read_fold(tmp_path, 1)
    write_splits(tmp_path, CLIPS, LABELS, FOLDS)
    split_file(tmp_path, "train", 4).unlink()
    with pytest.raises(SplitError, match=r"missing split file .*set_4\.csv"):
        read_fold(tmp_path, 4)
    for fold in (0, 6):
        with pytest.raises(SplitError, match="outside 1..5"):
            read_fold(tmp_path, fold)
    with pytest.raises(SplitError, match="outside 1..5"):
        parse_folds("7")
    with pytest.raises(SplitError, match="outside 1..5"):
        parse_folds("one")
    assert parse_folds("all") == [1, 2, 3, 4, 5] and parse_folds("3,1") == [1, 3]


def test_bad_labels_and_columns_are_clear_errors(tmp_path: Path) -> None:
    write_splits(tmp_path, CLIPS, LABELS, FOLDS)
    path = split_file(tmp_path, "test", 1)
    path.write_text("video_name,label\n00001,8\n")
    with pytest.raises(SplitError, match="expected 1..7"):
        read_fold(tmp_path, 1)
    path.write_text("clip,emotion\n00001,1\n")
    with pytest.raises(SplitError, match="expected video_name and label"):
        read_fold(tmp_path, 1)
