"""Generated datasets in the real on-disk layout, for tests, smoke runs and benchmarks.

:func:`write_synthetic_dataset` writes shards (through :class:`~training.shards.ShardWriter`)
and DFEW-layout split files whose clips are learnable: each class has its own random template
clip and every clip is its class template plus noise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.shards import DEFAULT_MAX_SHARD_BYTES, ShardWriter
from training.splits import N_FOLDS, SPLIT_FOLDER, format_split


@dataclass(frozen=True)
class SyntheticDataset:
    """Where a generated dataset lives and what it holds."""

    data: Path
    splits: Path
    clips: list[str]
    labels: list[int]
    folds: list[int]


def synthetic_clips(
    count: int, frames: int, size: int, seed: int = 0, num_classes: int = 7, noise: float = 40.0
) -> tuple[np.ndarray, np.ndarray]:
    """Return uint8 clips (count, frames, size, size, 3) and labels 1..num_classes (cycling)."""
    rng = np.random.default_rng(seed)
    templates = rng.uniform(40, 215, (num_classes, frames, size, size, 3))
    labels = np.arange(count) % num_classes + 1
    clips = templates[labels - 1] + rng.normal(0, noise, (count, frames, size, size, 3))
    return np.clip(clips, 0, 255).astype(np.uint8), labels


def write_splits(
    export_dir: Path,
    clips: list[str],
    labels: list[int],
    folds: list[int],
    spelling: str = "single-labeled",
) -> Path:
    """Write DFEW-layout split files for the given fold assignment; return the split folder."""
    root = export_dir / SPLIT_FOLDER
    for part in ("train", "test"):
        (root / f"{part}({spelling})").mkdir(parents=True, exist_ok=True)
    for fold in range(1, N_FOLDS + 1):
        for part, keep in (("train", lambda f, k=fold: f != k), ("test", lambda f, k=fold: f == k)):
            pairs = [(c, y) for c, y, f in zip(clips, labels, folds, strict=True) if keep(f)]
            path = root / f"{part}({spelling})" / f"set_{fold}.csv"
            path.write_text(format_split(pairs))
    return root


def synthetic_votes(labels: list[int], seed: int = 0, voters: int = 10) -> np.ndarray:
    """Return vote counts (N, 7) of ``voters`` votes per clip for labels 0..7.

    A clip of label k in 1..7 gets 7 to ``voters`` votes for k and the rest spread at random;
    a clip of label 0 (no single label) gets its votes split between two random emotions so
    that neither has more than 6.
    """
    rng = np.random.default_rng(seed + 1)
    counts = np.zeros((len(labels), 7), dtype=np.int64)
    for row, label in enumerate(labels):
        if label:
            agree = int(rng.integers(7, voters + 1))
            counts[row, label - 1] = agree
            np.add.at(counts[row], rng.integers(0, 7, voters - agree), 1)
        else:
            first, second = rng.choice(7, 2, replace=False)
            counts[row, first] = voters // 2
            counts[row, second] = voters - voters // 2
    return counts


def write_annotation(
    export_dir: Path, clips: list[str], counts: np.ndarray, labels: list[int]
) -> Path:
    """Write ``export_dir/annotation.csv`` (clip, 1happy … 7fear, label) as the export does;
    return its path."""
    header = "clip,1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,label"
    lines = [header]
    for clip, row, label in zip(clips, counts, labels, strict=True):
        lines.append(",".join([clip, *map(str, row), str(label)]))
    path = export_dir / "annotation.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_synthetic_dataset(
    folder: str | os.PathLike[str],
    count: int = 70,
    frames: int = 16,
    size: int = 112,
    seed: int = 0,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    spelling: str = "single-labeled",
    multi: int = 0,
) -> SyntheticDataset:
    """Write ``count`` generated clips as shards in ``folder/data``, splits and annotation.csv
    (vote counts, see :func:`synthetic_votes`) in ``folder``.

    Clips are named like DFEW's (``00001`` …), labels cycle through 1..7 and folds through 1..5,
    so every fold holds every class once ``count`` >= 35. ``multi`` more clips without a single
    label (label 0, in no split file) follow them in the shards and in annotation.csv.
    """
    root = Path(folder)
    clips_array, labels_array = synthetic_clips(count + multi, frames, size, seed)
    names = [f"{k + 1:05d}" for k in range(count + multi)]
    labels = [int(y) for y in labels_array[:count]] + [0] * multi
    folds = [k // 7 % N_FOLDS + 1 for k in range(count)]
    with ShardWriter(
        root / "data", frames=frames, size=size, max_shard_bytes=max_shard_bytes
    ) as writer:
        for name, label, clip in zip(names, labels, clips_array, strict=True):
            writer.add(
                name,
                label,
                clip,
                face_ratio=1.0,
                source_hash="synthetic",
                detector="none",
                detector_version="0",
            )
    write_splits(root, names[:count], labels[:count], folds, spelling)
    write_annotation(root, names, synthetic_votes(labels, seed), labels)
    return SyntheticDataset(root / "data", root, names[:count], labels[:count], folds)
