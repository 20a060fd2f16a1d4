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


def write_synthetic_dataset(
    folder: str | os.PathLike[str],
    count: int = 70,
    frames: int = 16,
    size: int = 112,
    seed: int = 0,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    spelling: str = "single-labeled",
) -> SyntheticDataset:
    """Write ``count`` generated clips as shards in ``folder/data`` and splits in ``folder``.

    Clips are named like DFEW's (``00001`` …), labels cycle through 1..7 and folds through 1..5,
    so every fold holds every class once ``count`` >= 35.
    """
    root = Path(folder)
    clips_array, labels_array = synthetic_clips(count, frames, size, seed)
    names = [f"{k + 1:05d}" for k in range(count)]
    labels = [int(y) for y in labels_array]
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
    write_splits(root, names, labels, folds, spelling)
    return SyntheticDataset(root / "data", root, names, labels, folds)
