"""The training data path: uint8 batches from memory-mapped shards, transforms on the device.

Workers only copy uint8 rows out of the shard maps (one batch per DataLoader item, so there is
no per-clip collation); the batch travels to the device as uint8 (4× less than float32, from
pinned memory when the device is a GPU), and :class:`ClipTransform` then converts, augments
(random crop + horizontal flip, one draw per clip, shared by its frames) and normalises it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import BatchSampler, DataLoader, Dataset, DistributedSampler, get_worker_info

from training.shards import ShardDataset

# Per-channel RGB mean and standard deviation of Kinetics-400 (0..1 scale), the usual choice
# for video models trained on faces from scratch as well.
KINETICS_MEAN = (0.43216, 0.394666, 0.37645)
KINETICS_STD = (0.22803, 0.22145, 0.216989)


class ClipBatches(Dataset):
    """Map-style dataset whose items are whole batches.

    ``dataset[[i, j, …]]`` returns ``(clips, labels, targets, positions)``: uint8
    (B, T, H, W, 3), int64 class indices (B,), float32 target distributions (B, C) and int64
    positions (B,) into this split. ``targets`` (N, C) default to the one-hot labels.
    """

    def __init__(
        self,
        shards: ShardDataset,
        rows: Sequence[int],
        labels: Sequence[int],
        targets: np.ndarray | None = None,
        num_classes: int = 7,
    ) -> None:
        if len(rows) != len(labels):
            raise ValueError("rows and labels differ in length")
        self.shards = shards
        self.rows = np.asarray(rows, dtype=np.int64)
        self.labels = np.asarray(labels, dtype=np.int64)
        if targets is None:
            targets = np.eye(num_classes, dtype=np.float32)[self.labels]
        self.targets = np.asarray(targets, dtype=np.float32)
        if self.targets.shape[0] != len(self.rows):
            raise ValueError("rows and targets differ in length")

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(
        self, batch: Sequence[int]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        positions = np.asarray(batch, dtype=np.int64)
        clips = torch.empty((len(positions), *self.shards.clip_shape), dtype=torch.uint8)
        if get_worker_info() is not None:
            # Fill shared memory directly: the batch then crosses to the main process uncopied.
            clips.share_memory_()
        self.shards.read_batch(self.rows[positions].tolist(), out=clips.numpy())
        return (
            clips,
            torch.from_numpy(self.labels[positions]),
            torch.from_numpy(self.targets[positions]),
            torch.from_numpy(positions),
        )


@dataclass
class LoaderParts:
    """A DataLoader, the sampler whose epoch must be set before each pass, and the loader's
    own random generator (reseed it per epoch with :meth:`start_epoch`)."""

    loader: DataLoader
    sampler: DistributedSampler
    generator: torch.Generator

    def start_epoch(self, seed: int, epoch: int) -> None:
        """Set the sampler's epoch and reseed the loader's generator from (seed, epoch)."""
        self.sampler.set_epoch(epoch)
        self.generator.manual_seed(epoch_seed(seed, epoch, stream=LOADER_STREAM))


LOADER_STREAM = 1
"""The stream number of the loader's generator in :func:`epoch_seed`."""


def epoch_seed(seed: int, epoch: int, rank: int = 0, stream: int = 0) -> int:
    """Return a 63-bit seed derived from (seed, epoch, rank, stream), distinct for each tuple."""
    state = np.random.SeedSequence([seed, epoch, rank, stream]).generate_state(2, np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


def make_loader(
    dataset: ClipBatches,
    batch_size: int,
    *,
    train: bool,
    workers: int,
    pin_memory: bool,
    seed: int,
    generator: torch.Generator,
    rank: int = 0,
    world_size: int = 1,
) -> LoaderParts:
    """Return a loader of uint8 batches for this rank.

    Training shuffles (seeded by ``seed`` and the epoch) and drops a last partial batch when at
    least one full batch remains; evaluation keeps every clip (the sampler may repeat a few to
    even out ranks; callers de-duplicate by position).

    ``generator`` is the loader's own: starting an iterator draws the workers' base seed from
    it instead of from torch's global generator, which would otherwise shift every later
    global draw (dropout) by whether the iterator was started in this process or an earlier
    one, so that a resumed run, or one with another worker count, would differ from an
    uninterrupted one.
    """
    sampler = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=train, seed=seed, drop_last=False
    )
    per_rank = len(sampler)
    drop_last = train and per_rank >= batch_size
    batches = BatchSampler(sampler, batch_size, drop_last=drop_last)
    loader = DataLoader(
        dataset,
        sampler=batches,
        batch_size=None,
        num_workers=workers,
        pin_memory=pin_memory,
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        generator=generator,
    )
    return LoaderParts(loader=loader, sampler=sampler, generator=generator)


@dataclass
class ClipTransform:
    """uint8 (B, T, H, W, 3) on the device → normalised float (B, 3, T, H, W).

    In training, each clip gets one random crop (side a uniform fraction in [min_crop, 1] of the
    frame, anywhere inside it) resized back to H × W, and a horizontal flip with probability ½,
    done as one batched ``grid_sample``. ``channels_last`` returns the channels_last_3d memory
    format, which the uint8 layout gives for free.
    """

    mean: tuple[float, float, float] = KINETICS_MEAN
    std: tuple[float, float, float] = KINETICS_STD
    min_crop: float = 0.8
    flip: bool = True
    channels_last: bool = False
    _cache: dict[str, tuple[torch.Tensor, torch.Tensor]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __call__(
        self, clips: torch.Tensor, train: bool, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Return the model input for uint8 ``clips``; random draws use ``generator``."""
        if clips.dtype != torch.uint8 or clips.ndim != 5 or clips.shape[-1] != 3:
            raise ValueError(f"expected uint8 (B, T, H, W, 3), got {clips.dtype} {clips.shape}")
        x = clips.float()
        if train and (self.min_crop < 1 or self.flip):
            x = self._augment(x, generator)
        x = x.permute(0, 4, 1, 2, 3)  # (B, 3, T, H, W), channels_last_3d strides
        scale, shift = self._constants(x.device)
        x = x * scale - shift
        memory_format = torch.channels_last_3d if self.channels_last else torch.contiguous_format
        return x.contiguous(memory_format=memory_format)

    def _constants(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (scale, shift) of shape (1, 3, 1, 1, 1) on ``device``, made once per device."""
        key = str(device)
        if key not in self._cache:
            scale = [1 / (255 * s) for s in self.std]
            shift = [m / s for m, s in zip(self.mean, self.std, strict=True)]
            self._cache[key] = (
                torch.tensor(scale, device=device).view(1, 3, 1, 1, 1),
                torch.tensor(shift, device=device).view(1, 3, 1, 1, 1),
            )
        return self._cache[key]

    def _augment(self, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """Random crop-and-resize plus flip of float (B, T, H, W, 3), one draw per clip."""
        batch, steps, height, width, channels = x.shape
        draws = torch.rand(batch, 4, device=x.device, generator=generator)
        side = self.min_crop + (1 - self.min_crop) * draws[:, 0]
        room = 1 - side  # the crop centre may move this far from the middle (grid units)
        centre_x = (2 * draws[:, 1] - 1) * room
        centre_y = (2 * draws[:, 2] - 1) * room
        mirror = torch.where(draws[:, 3] < 0.5, -1.0, 1.0) if self.flip else torch.ones_like(side)
        theta = torch.zeros(batch, 2, 3, device=x.device)
        theta[:, 0, 0] = side * mirror
        theta[:, 0, 2] = centre_x
        theta[:, 1, 1] = side
        theta[:, 1, 2] = centre_y
        planes = x.permute(0, 1, 4, 2, 3).reshape(batch, steps * channels, height, width)
        grid = F.affine_grid(theta, [batch, steps * channels, height, width], align_corners=False)
        warped = F.grid_sample(
            planes, grid, mode="bilinear", padding_mode="border", align_corners=False
        )
        return warped.reshape(batch, steps, channels, height, width).permute(0, 1, 3, 4, 2)
