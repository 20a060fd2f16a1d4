"""Loading throughput from memory-mapped shards: the training data path against a plain one.

Usage::

    python bench/bench_loader.py                      # 2,048 generated clips of 16×112×112
    python bench/bench_loader.py --data DATA_DIR --workers 16 --batch 128

Both paths read the same clips in the same shuffled order after the shard files have been read
once (so both see the page cache):

* plain:    a per-clip dataset (``ShardDataset[i]``) in a DataLoader with default collation:
            the textbook way, reading the rows one by one;
* training: ``training.data`` — whole uint8 batches per DataLoader item, ``--workers``
            processes, pinned memory, and (with CUDA) the copy to the GPU plus the on-device
            crop/flip/normalise, i.e. exactly what the training loop consumes.

Both run with the same worker counts (0, 1, 2 and ``--workers``) and the same untimed warm-up
pass, and it prints clips/s for both and their ratio at each count: the training default of
workers comes from what this measures. Issue 6's target: ≥ 3,000 clips/s on the GPU
machine's 16 cores. Compare ratios within a run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from training.data import ClipBatches, ClipTransform, make_loader
from training.shards import ShardDataset, ShardWriter

TARGET_CLIPS_PER_S = 3000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="existing shard folder")
    parser.add_argument("--clips", type=int, default=2048, help="clips to generate [2048]")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip [16]")
    parser.add_argument("--size", type=int, default=112, help="frame side [112]")
    parser.add_argument("--batch", type=int, default=128, help="clips per batch [128]")
    parser.add_argument(
        "--workers",
        type=int,
        default=min(16, os.cpu_count() or 1),
        help="training-path workers [min(16, cores)]",
    )
    parser.add_argument("--epochs", type=int, default=2, help="timed training-path passes [2]")
    return parser.parse_args(argv)


def generate(folder: Path, clips: int, frames: int, size: int) -> Path:
    """Write ``clips`` random uint8 clips as shards into ``folder``; return it."""
    rng = np.random.default_rng(0)
    with ShardWriter(folder, frames=frames, size=size) as writer:
        for k in range(clips):
            frames_array = rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8)
            writer.add(f"{k + 1:05d}", k % 7 + 1, frames_array)
    return folder


def warm_cache(folder: Path) -> int:
    """Read every shard file once so both paths start from the page cache; return bytes read."""
    total = 0
    for path in sorted(folder.glob("shard-*.npy")):
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 24):
                total += len(chunk)
    return total


def plain_path(
    shards: ShardDataset, order: np.ndarray, batch: int, workers: int, epochs: int
) -> float:
    """Return clips/s of a per-clip dataset with default collation, with ``workers`` workers
    and one untimed warm-up pass, as the training path gets."""

    class PerClip(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(order)

        def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
            frames, label = shards[int(order[index])]
            return np.array(frames), label

    loader = DataLoader(
        PerClip(),
        batch_size=batch,
        shuffle=False,
        num_workers=workers,
        persistent_workers=workers > 0,
        generator=torch.Generator(),
    )
    sum(clips.shape[0] for clips, _ in loader)  # warm-up (starts the persistent workers)
    start = time.perf_counter()
    seen = sum(clips.shape[0] for _ in range(epochs) for clips, _ in loader)
    return seen / (time.perf_counter() - start)


def training_path(shards: ShardDataset, batch: int, workers: int, epochs: int) -> float:
    """Return clips/s of the training loader (+ transfer and transform on a GPU if present)."""
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    dataset = ClipBatches(shards, list(range(len(shards))), [0] * len(shards))
    parts = make_loader(
        dataset,
        batch,
        train=True,
        workers=workers,
        pin_memory=cuda,
        seed=0,
        generator=torch.Generator(),
    )
    transform = ClipTransform(channels_last=cuda)

    def one_epoch(epoch: int) -> int:
        parts.start_epoch(0, epoch)
        seen = 0
        for clips, _, _, _ in parts.loader:
            if cuda:
                inputs = transform(clips.to(device, non_blocking=True), train=True)
                del inputs
            seen += clips.shape[0]
        if cuda:
            torch.cuda.synchronize()
        return seen

    one_epoch(0)  # start the persistent workers
    start = time.perf_counter()
    seen = sum(one_epoch(epoch) for epoch in range(1, epochs + 1))
    return seen / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """Run both paths on the same shards and print clips/s and the ratio."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-loader-") as scratch:
        folder = args.data or generate(Path(scratch), args.clips, args.frames, args.size)
        shards = ShardDataset(folder)
        size = warm_cache(folder)
        where = (
            "GPU (copy + on-device transform included)"
            if torch.cuda.is_available()
            else ("no CUDA: CPU only, not the target machine")
        )
        print(
            f"{len(shards)} clips {shards.clip_shape}, {size / 2**30:.2f} GiB of shards, "
            f"batch {args.batch}, {args.workers} workers · {where}"
        )
        order = np.random.default_rng(0).permutation(len(shards))
        fast = plain = 0.0
        for workers in sorted({0, 1, 2, args.workers}):
            plain = plain_path(shards, order, args.batch, workers, args.epochs)
            fast = training_path(shards, args.batch, workers, args.epochs)
            print(
                f"{workers:2d} workers: per clip + collate {plain:9.1f} clips/s · "
                f"batched training path {fast:9.1f} clips/s · ratio {fast / plain:.2f}×",
                flush=True,
            )
        verdict = "met" if fast >= TARGET_CLIPS_PER_S else "NOT met"
        if not torch.cuda.is_available():
            verdict = "not judged here"
        print(
            f"at {args.workers} workers: ratio {fast / plain:.2f}× · target on the GPU machine: "
            f"≥ {TARGET_CLIPS_PER_S} clips/s ({verdict})"
        )


if __name__ == "__main__":
    main()
