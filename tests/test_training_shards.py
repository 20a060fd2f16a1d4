"""Shard format: writer/reader round trip, crash-safe resume, shape validation."""

from __future__ import annotations

import csv
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.errors import ShardFormatError
from training.shards import INDEX_COLUMNS, ShardDataset, ShardWriter, read_index
from training.synthetic import synthetic_clips

FRAMES, SIZE = 4, 8
CLIP_BYTES = FRAMES * SIZE * SIZE * 3


def _clips(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return synthetic_clips(count, FRAMES, SIZE, seed)


def test_round_trip_rolls_shards_and_keeps_metadata(tmp_path: Path) -> None:
    clips, labels = _clips(10)
    with ShardWriter(
        tmp_path, frames=FRAMES, size=SIZE, max_shard_bytes=3 * CLIP_BYTES, extra_columns=("fold",)
    ) as writer:
        for k, (clip, label) in enumerate(zip(clips, labels, strict=True)):
            writer.add(
                f"{k:05d}",
                int(label),
                clip,
                face_ratio=0.75,
                source_hash=f"h{k}",
                detector="centerface",
                detector_version="1.0",
                fold=k % 5 + 1,
            )
    assert sorted(p.name for p in tmp_path.glob("shard-*.npy")) == [
        f"shard-{n:05d}.npy" for n in range(4)
    ]
    with open(tmp_path / "index.csv", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [*INDEX_COLUMNS, "fold"]
    records, extra = read_index(tmp_path)
    assert extra == ("fold",)
    assert records[4].shard == "shard-00001.npy" and records[4].offset == 1
    assert records[4].face_ratio == 0.75 and records[4].extra == {"fold": "5"}
    assert np.load(tmp_path / "shard-00000.npy", mmap_mode="r").shape == (3, FRAMES, SIZE, SIZE, 3)

    dataset = ShardDataset(tmp_path)
    assert len(dataset) == 10 and dataset.clip_shape == (FRAMES, SIZE, SIZE, 3)
    for k in range(10):
        frames, label = dataset[k]
        np.testing.assert_array_equal(frames, clips[k])
        assert label == labels[k]
    batch = dataset.read_batch([9, 0, 4])
    np.testing.assert_array_equal(batch, clips[[9, 0, 4]])
    assert dataset.position("00004") == 4 and dataset.position("nope") is None
    # Worker processes get the dataset pickled: no memory maps travel with it.
    assert pickle.loads(pickle.dumps(dataset))._maps == {}


def test_resume_keeps_complete_shards_and_drops_leftovers(tmp_path: Path) -> None:
    clips, labels = _clips(8)
    writer = ShardWriter(tmp_path, frames=FRAMES, size=SIZE, max_shard_bytes=3 * CLIP_BYTES)
    for k in range(5):
        writer.add(f"c{k}", int(labels[k]), clips[k])
    # A crash now: clips 3 and 4 are only buffered; leave a half-written shard and an orphan
    # (renamed into place, but the index was never updated) behind as a dying run could.
    del writer
    (tmp_path / "shard-00001.npy.partial").write_bytes(b"\x93NUMPY half")
    np.save(tmp_path / "shard-00001.npy", clips[3:5])
    assert [r.clip for r in read_index(tmp_path)[0]] == ["c0", "c1", "c2"]

    with ShardWriter(tmp_path, frames=FRAMES, size=SIZE, max_shard_bytes=3 * CLIP_BYTES) as again:
        assert again.done_clips() == {"c0", "c1", "c2"}
        assert not (tmp_path / "shard-00001.npy.partial").exists()
        assert not (tmp_path / "shard-00001.npy").exists()
        for k in range(8):
            if f"c{k}" not in again.done_clips():
                again.add(f"c{k}", int(labels[k]), clips[k])
        with pytest.raises(ValueError, match="already"):
            again.add("c0", 1, clips[0])
    dataset = ShardDataset(tmp_path)
    assert [r.clip for r in dataset.records] == [f"c{k}" for k in range(8)]
    np.testing.assert_array_equal(dataset.read_batch(list(range(8))), clips)


def test_writer_refuses_bad_clips(tmp_path: Path) -> None:
    clips, _ = _clips(1)
    with ShardWriter(tmp_path, frames=FRAMES, size=SIZE) as writer:
        with pytest.raises(ValueError, match="expected uint8"):
            writer.add("a", 1, clips[0][:, :4])
        with pytest.raises(ValueError, match="expected uint8"):
            writer.add("a", 1, clips[0].astype(np.float32))
        with pytest.raises(ValueError, match="outside 0..7"):
            writer.add("a", 8, clips[0])
        with pytest.raises(ValueError, match="unknown metadata"):
            writer.add("a", 1, clips[0], colour="red")
        writer.add("a", 0, clips[0])
    with pytest.raises(ShardFormatError, match="holds clips of"):
        ShardWriter(tmp_path, frames=FRAMES, size=2 * SIZE)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((3, FRAMES, SIZE // 2, SIZE // 2, 3), np.uint8),
        np.zeros((3, FRAMES, SIZE, SIZE, 3), np.float32),
        np.zeros((3, FRAMES, SIZE, SIZE), np.uint8),
        np.zeros((1, FRAMES, SIZE, SIZE, 3), np.uint8),
    ],
    ids=["small-frames", "float32", "no-channels", "too-few-rows"],
)
def test_reader_rejects_shards_that_do_not_match_the_index(tmp_path: Path, bad: np.ndarray) -> None:
    clips, labels = _clips(3)
    with ShardWriter(tmp_path, frames=FRAMES, size=SIZE) as writer:
        for k in range(3):
            writer.add(f"c{k}", int(labels[k]), clips[k])
    np.save(tmp_path / "shard-00000.npy", bad)
    with pytest.raises(ShardFormatError, match="shard-00000.npy"):
        ShardDataset(tmp_path)


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ShardFormatError, match="no index.csv"):
        ShardDataset(tmp_path)


def test_shards_module_does_not_import_torch() -> None:
    code = "import sys, training.shards; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
