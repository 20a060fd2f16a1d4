"""Exceptions for user mistakes: each carries the problem and how to fix it.

The CLI catches :class:`TrainingError` and prints ``error: <problem> — <fix>`` on one line.
"""

from __future__ import annotations

from pathlib import Path


class TrainingError(Exception):
    """A user-facing error: ``problem`` says what is wrong, ``fix`` what to do about it."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem} — {fix}")
        self.problem = problem
        self.fix = fix


class ConfigError(TrainingError, ValueError):
    """An option value that cannot work (bad device, batch size, lambda list …)."""


class SplitError(TrainingError, ValueError):
    """Missing or malformed DFEW split files, or a fold outside 1..5."""


class ShardFormatError(TrainingError, ValueError):
    """A shard folder whose index or arrays do not follow the shard format."""


class UnknownModelError(TrainingError, KeyError):
    """A model name that is not in the registry."""

    def __str__(self) -> str:
        # KeyError would quote the message; keep it readable.
        return f"{self.problem} — {self.fix}"


class CheckpointError(TrainingError, ValueError):
    """A checkpoint that is missing or does not fit the model being trained."""


class RunFolderError(TrainingError, ValueError):
    """A run folder that already exists (without --resume) or holds no results."""


class Interrupted(Exception):
    """Training stopped by Ctrl-C in (1-based) ``epoch`` of ``fold``; ``checkpoint`` is the file
    that holds the epochs finished before it."""

    def __init__(self, fold: int, epoch: int, epochs: int, checkpoint: Path) -> None:
        super().__init__(f"interrupted in fold {fold}, epoch {epoch}/{epochs}")
        self.fold = fold
        self.epoch = epoch
        self.epochs = epochs
        self.checkpoint = checkpoint
