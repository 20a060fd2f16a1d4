"""The training loop's parts: one step, one epoch, one evaluation pass, the runtime.

``train_step`` and ``train_one_epoch`` take uint8 batches from the loader, move them to the
device and let :class:`~training.data.ClipTransform` convert and augment them there; precision
(bf16 autocast or fp32), memory layout and device come from the :class:`Runtime`, which
:func:`make_runtime` builds from a :class:`~training.config.TrainConfig`. Run folders, folds and
sweeps live in :mod:`training.experiment`.
"""

from __future__ import annotations

import random
import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch import nn

from training import distributed
from training.config import TrainConfig
from training.data import ClipTransform, LoaderParts, epoch_seed
from training.losses import Criterion

DROPOUT_STREAM = 2
"""Stream of :func:`~training.data.epoch_seed` seeding torch's global generator per epoch."""
AUGMENT_STREAM = 3
"""Stream of :func:`~training.data.epoch_seed` seeding the device-side augmentation."""


@dataclass
class Runtime:
    """Where and how tensors are computed in this process."""

    device: torch.device
    env: distributed.DistEnv
    amp_dtype: torch.dtype | None
    transform: ClipTransform
    console: Console
    progress: bool


class TrainingModule(nn.Module):
    """Model and criterion as one module, so DDP and torch.compile see every parameter.

    ``forward(clips, labels, targets)`` returns (logits, features, total loss, main term, aux
    term); ``targets`` are the clips' target distributions (used by the distribution target).
    """

    def __init__(self, model: nn.Module, criterion: Criterion) -> None:
        super().__init__()
        self.model = model
        self.criterion = criterion

    def forward(
        self, clips: torch.Tensor, labels: torch.Tensor, targets: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (logits, features, total, main, aux) for a batch."""
        logits, features = self.model(clips, return_features=True)
        terms = self.criterion(logits, features, labels, targets)
        return logits, features, terms.total, terms.ce, terms.aux


@dataclass
class EpochStats:
    """Mean losses, accuracy (0..1), clip count and wall time (s) of one training epoch."""

    loss: float
    ce: float
    aux: float
    war: float
    clips: int
    seconds: float

    @property
    def clips_per_s(self) -> float:
        """Return training throughput in clips per second."""
        return self.clips / self.seconds if self.seconds > 0 else float("nan")


@dataclass
class Evaluation:
    """Predictions on a split, gathered over ranks and de-duplicated, sorted by position."""

    positions: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray
    features: np.ndarray | None
    loss: float


def seed_everything(seed: int) -> None:
    """Seed Python's, numpy's and torch's global generators."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def to_channels_last(module: nn.Module) -> nn.Module:
    """Store 5-D weights as channels_last_3d and 4-D ones as channels_last (in place)."""
    formats = {5: torch.channels_last_3d, 4: torch.channels_last}
    for tensor in list(module.parameters()) + list(module.buffers()):
        if tensor.dim() in formats:
            tensor.data = tensor.data.contiguous(memory_format=formats[tensor.dim()])
    return module


def autocast(runtime: Runtime) -> torch.autocast | nullcontext:
    """Return the autocast context for the configured precision (a no-op for fp32)."""
    if runtime.amp_dtype is None:
        return nullcontext()
    return torch.autocast(device_type=runtime.device.type, dtype=runtime.amp_dtype)


def train_step(
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    clips: torch.Tensor,
    labels: torch.Tensor,
    targets: torch.Tensor,
    runtime: Runtime,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Run one optimisation step on a uint8 batch already on the device.

    ``labels`` are class indices (B,), ``targets`` the target distributions (B, C).

    Returns a device tensor (total, ce, aux, correct) summed over the batch, without
    synchronising with the device.
    """
    inputs = runtime.transform(clips, train=True, generator=generator)
    optimizer.zero_grad(set_to_none=True)
    with autocast(runtime):
        logits, _, total, ce, aux = module(inputs, labels, targets)
    total.backward()
    optimizer.step()
    batch = labels.shape[0]
    correct = (logits.detach().argmax(1) == labels).sum()
    return torch.stack(
        [total.detach() * batch, ce.detach() * batch, aux.detach() * batch, correct.float()]
    )


def _progress(runtime: Runtime) -> Progress:
    """Return a rich progress display (disabled off the main rank or when asked)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=runtime.console,
        transient=True,
        disable=not (runtime.progress and runtime.env.is_main and runtime.console.is_terminal),
    )


def train_one_epoch(
    module: nn.Module,
    optimizer: torch.optim.Optimizer,
    parts: LoaderParts,
    runtime: Runtime,
    epoch: int,
    seed: int,
    description: str = "train",
) -> EpochStats:
    """Train for one epoch; return the epoch's mean losses and accuracy over all ranks.

    Shuffling, augmentation and dropout are seeded from (``seed``, ``epoch``, rank), and the
    loader draws from its own generator only, so a resumed run repeats exactly what an
    uninterrupted one would have done, whatever the number of loader workers.
    """
    module.train()
    parts.start_epoch(seed, epoch)
    torch.manual_seed(epoch_seed(seed, epoch, runtime.env.rank, stream=DROPOUT_STREAM))
    generator = torch.Generator(device=runtime.device)
    generator.manual_seed(epoch_seed(seed, epoch, runtime.env.rank, stream=AUGMENT_STREAM))
    sums = torch.zeros(4, device=runtime.device)
    count = 0
    start = time.perf_counter()
    with _progress(runtime) as progress:
        task = progress.add_task(description, total=len(parts.loader))
        for clips, labels, targets, _ in parts.loader:
            clips = clips.to(runtime.device, non_blocking=True)
            labels = labels.to(runtime.device, non_blocking=True)
            targets = targets.to(runtime.device, non_blocking=True)
            sums += train_step(module, optimizer, clips, labels, targets, runtime, generator)
            count += labels.shape[0]
            progress.advance(task)
    totals = distributed.all_sum(torch.cat([sums, sums.new_tensor([count])]), runtime.env)
    seconds = time.perf_counter() - start
    clips_seen = int(totals[4].item())
    mean = (totals[:4] / max(clips_seen, 1)).tolist()
    return EpochStats(mean[0], mean[1], mean[2], mean[3], clips_seen, seconds)


@torch.no_grad()
def evaluate(
    module: nn.Module,
    parts: LoaderParts,
    runtime: Runtime,
    keep_features: bool = False,
    description: str = "test",
) -> Evaluation:
    """Predict every clip of a split; gather over ranks; return predictions sorted by position.

    The reported loss is the mean total loss (cross-entropy + weighted aux term) over batches.
    """
    module.eval()
    positions, labels_seen, predictions, features, losses = [], [], [], [], []
    with _progress(runtime) as progress:
        task = progress.add_task(description, total=len(parts.loader))
        for clips, labels, targets, where in parts.loader:
            clips = clips.to(runtime.device, non_blocking=True)
            labels = labels.to(runtime.device, non_blocking=True)
            targets = targets.to(runtime.device, non_blocking=True)
            inputs = runtime.transform(clips, train=False)
            with autocast(runtime):
                logits, feats, total, _, _ = module(inputs, labels, targets)
            positions.append(where.numpy())
            labels_seen.append(labels.cpu().numpy())
            predictions.append(logits.argmax(1).cpu().numpy())
            losses.append(np.full(len(where), float(total)))
            if keep_features:
                features.append(feats.float().cpu().numpy())
            progress.advance(task)
    local = {
        "positions": np.concatenate(positions) if positions else np.zeros(0, np.int64),
        "labels": np.concatenate(labels_seen) if labels_seen else np.zeros(0, np.int64),
        "predictions": np.concatenate(predictions) if predictions else np.zeros(0, np.int64),
        "losses": np.concatenate(losses) if losses else np.zeros(0),
    }
    if keep_features:
        local["features"] = np.concatenate(features) if features else np.zeros((0, 1), np.float32)
    merged = distributed.gather_arrays(local, runtime.env)
    _, first = np.unique(merged["positions"], return_index=True)
    return Evaluation(
        positions=merged["positions"][first],
        labels=merged["labels"][first],
        predictions=merged["predictions"][first],
        features=merged["features"][first] if keep_features else None,
        loss=float(merged["losses"].mean()) if len(merged["losses"]) else float("nan"),
    )


def make_runtime(config: TrainConfig, env: distributed.DistEnv) -> Runtime:
    """Resolve the device, precision and device-side transform of ``config`` for this rank."""
    device = distributed.resolve_device(config.device, env)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    channels_last = device.type == "cuda" if config.channels_last is None else config.channels_last
    return Runtime(
        device=device,
        env=env,
        amp_dtype=torch.bfloat16 if config.amp == "bf16" else None,
        transform=ClipTransform(
            min_crop=config.min_crop, flip=config.flip, channels_last=channels_last
        ),
        console=Console(highlight=False),
        progress=config.progress,
    )
