"""Configuration dataclasses for training runs, sweeps and reports (filled in by the CLI)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from training.errors import ConfigError

AMP_MODES = ("none", "bf16")
DEVICES = ("auto", "cpu", "cuda")


def default_workers() -> int:
    """Return the default DataLoader worker count: min(8, CPU cores)."""
    return min(8, os.cpu_count() or 1)


@dataclass
class TrainConfig:
    """One experiment: a model and loss trained on one or more folds (pooled when several).

    Learning rate, momentum and weight decay are for SGD; the learning rate is divided by 10
    when the epoch's training loss has not improved for ``patience`` epochs. ``lam`` weights
    EC-STFL, ``center_weight`` the center loss. ``min_crop`` is the smallest random crop side
    as a fraction of the frame (1.0 turns cropping off). ``channels_last`` None means "on when
    the device is a GPU".
    """

    data: Path
    splits: Path
    folds: tuple[int, ...] = (1,)
    model: str = "c3d"
    epochs: int = 50
    batch_size: int = 24
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 5e-4
    patience: int = 5
    loss: str = "ce"
    lam: float = 10.0
    center_weight: float = 1e-4
    num_classes: int = 7
    workers: int = field(default_factory=default_workers)
    device: str = "auto"
    seed: int = 0
    out: Path = Path("runs")
    name: str | None = None
    resume: bool = False
    init: Path | None = None
    compile: bool = False
    amp: str = "none"
    channels_last: bool | None = None
    limit_clips: int | None = None
    eval_every: int = 1
    min_crop: float = 0.8
    flip: bool = True
    tsne: bool = True
    progress: bool = True

    def validate(self) -> None:
        """Raise ConfigError for option values that cannot work."""
        checks = [
            (self.epochs >= 1, f"--epochs {self.epochs}", "pass at least 1"),
            (self.batch_size >= 1, f"--batch-size {self.batch_size}", "pass at least 1"),
            (self.lr > 0, f"--lr {self.lr}", "pass a positive learning rate"),
            (self.workers >= 0, f"--workers {self.workers}", "pass 0 or more"),
            (self.amp in AMP_MODES, f"--amp {self.amp}", f"choose {' or '.join(AMP_MODES)}"),
            (
                self.device in DEVICES or self.device.startswith("cuda:"),
                f"--device {self.device}",
                "choose auto, cpu or cuda",
            ),
            (0 < self.min_crop <= 1, f"--min-crop {self.min_crop}", "pass a value in (0, 1]"),
            (
                self.limit_clips is None or self.limit_clips >= 1,
                f"--limit-clips {self.limit_clips}",
                "pass at least 1",
            ),
            (self.eval_every >= 1, f"--eval-every {self.eval_every}", "pass at least 1"),
            (
                self.lam >= 0 and self.center_weight >= 0,
                "a negative loss weight",
                "pass --lambda and --center-weight >= 0",
            ),
        ]
        for ok, problem, fix in checks:
            if not ok:
                raise ConfigError(f"{problem} is not allowed", fix)
        from training.models import build_model, model_names

        if self.model not in model_names():
            build_model(self.model)  # raises UnknownModelError naming the valid models

    def experiment_name(self) -> str:
        """Return the run folder name: model, loss (and its weight), batch size, seed."""
        if self.name:
            return self.name
        weight = {"ce": "", "ec-stfl": f"-lam{self.lam:g}", "center": f"-cw{self.center_weight:g}"}
        return (
            f"{self.model}-{self.loss}{weight.get(self.loss, '')}-bs{self.batch_size}-s{self.seed}"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the config as JSON-ready values (paths as strings)."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def field_names(cls) -> list[str]:
        """Return the names of all fields."""
        return [f.name for f in fields(cls)]


@dataclass
class SweepConfig:
    """Several experiments: the base config for every (λ, batch size) pair given."""

    base: TrainConfig
    lambdas: tuple[float, ...] = ()
    batch_sizes: tuple[int, ...] = ()


@dataclass
class ReportConfig:
    """Which run folders to summarise, and an optional CSV to write the table to."""

    runs: tuple[Path, ...]
    csv: Path | None = None


@dataclass
class ModelsConfig:
    """Which models to profile (all when empty) and whether to count backward FLOPs too."""

    names: tuple[str, ...] = ()
    backward: bool = False
    size: int = 112
    frames: int = 16
