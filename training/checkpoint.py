"""Checkpoints: model, optimiser, scheduler, loss-module state, epoch and args in one file.

Files are written to a temporary name and renamed, so a crash never leaves a truncated
checkpoint behind. Loading uses ``weights_only=True`` (tensors and plain Python values only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from training.atomic import atomic_write
from training.errors import CheckpointError

CHECKPOINT_NAME = "checkpoint.pt"
BEST_NAME = "best.pt"


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Atomically write ``state`` (a dict of state dicts and plain values) to ``path``."""
    atomic_write(path, lambda handle: torch.save(state, handle))


def load_checkpoint(path: Path, map_location: torch.device | str = "cpu") -> dict[str, Any]:
    """Return the checkpoint dict stored at ``path``.

    Raises
    ------
    CheckpointError
        When the file is missing or cannot be read as a checkpoint.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CHECKPOINT_NAME
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}", "pass a run folder or a checkpoint.pt")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several unrelated types for damaged files
        raise CheckpointError(
            f"cannot read checkpoint {path} ({exc})", "pass an intact file"
        ) from exc
    if not isinstance(state, dict) or "model" not in state:
        raise CheckpointError(f"{path} is not a dfew-train checkpoint", "pass a checkpoint.pt")
    return state


def init_from_checkpoint(model: nn.Module, path: Path) -> list[str]:
    """Load another run's weights into ``model``; return the names left freshly initialised.

    Classifier weights are skipped (and stay as initialised) when their shapes differ, as when
    fine-tuning on a dataset with another class count.

    Raises
    ------
    CheckpointError
        When the checkpoint is of a different architecture.
    """
    weights = load_checkpoint(path)["model"]
    own = model.state_dict()
    skipped = [
        key
        for key, value in weights.items()
        if key.startswith("classifier.") and key in own and own[key].shape != value.shape
    ]
    for key in skipped:
        del weights[key]
    missing, unexpected = model.load_state_dict(weights, strict=False)
    wrong = [key for key in missing if not key.startswith("classifier.")] + list(unexpected)
    if wrong:
        raise CheckpointError(
            f"{path} does not fit this model ({len(wrong)} mismatched tensors, e.g. {wrong[0]})",
            "pass --init a checkpoint of the same --model",
        )
    return skipped
