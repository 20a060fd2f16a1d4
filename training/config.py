"""Configuration dataclasses for training runs, sweeps and reports (filled in by the CLI)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from training.errors import ConfigError
from training.losses import TARGET_KINDS

AMP_MODES = ("none", "bf16")
DEVICES = ("auto", "cpu", "cuda")


def default_workers() -> int:
    """Return the default DataLoader worker count: 0 on 2 cores or fewer, else min(8, cores).

    Measured with bench/bench_loader.py on a loaded 2-core machine (512 clips 16×112×112,
    batch 32): the batched path gave 7,793 clips/s with 0 workers against 517 and 530 with
    1 and 2, because workers there only compete with the main process for the cores.
    """
    cores = os.cpu_count() or 1
    return 0 if cores <= 2 else min(8, cores)


@dataclass
class TrainConfig:
    """One experiment: a model and loss trained on one or more folds (pooled when several).

    Learning rate, momentum and weight decay are for SGD; the learning rate is divided by 10
    when the epoch's training loss has not improved for ``patience`` epochs. ``lam`` weights
    EC-STFL, ``center_weight`` the center loss, whose centers move towards the class means with
    rate ``center_alpha`` (Wen et al.'s α). ``min_crop`` is the smallest random crop side
    as a fraction of the frame (1.0 turns cropping off). ``channels_last`` None means "on when
    the device is a GPU". ``target`` "label" trains on the single labels (the paper),
    "distribution" on each clip's normalised vote counts; ``include_multi`` adds the clips
    without a single label to the training sets (never the test sets). ``keep_optimizer``
    keeps the optimiser state in a finished fold's checkpoint (as large again as the model), so
    that the run can be extended later.
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
    center_alpha: float = 0.5
    target: str = "label"
    include_multi: bool = False
    num_classes: int = 7
    workers: int = field(default_factory=default_workers)
    device: str = "auto"
    seed: int = 0
    out: Path = Path("runs")
    name: str | None = None
    resume: bool = False
    keep_optimizer: bool = False
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
        """Raise ConfigError (one line) for the first option value that cannot work.

        Every number must be finite and in its range; the model must be registered.
        """

        def at_least(low: float) -> Callable[[float], bool]:
            """Return a test for values >= ``low``."""
            return lambda value: value >= low

        numbers: list[tuple[str, float | None, Callable[[float], bool], str]] = [
            ("--epochs", self.epochs, at_least(1), "at least 1"),
            ("--batch-size", self.batch_size, at_least(1), "at least 1"),
            ("--lr", self.lr, lambda v: v > 0, "a positive learning rate"),
            ("--momentum", self.momentum, lambda v: 0 <= v < 1, "a value in [0, 1)"),
            ("--weight-decay", self.weight_decay, at_least(0), "0 or more"),
            ("--patience", self.patience, at_least(0), "0 or more epochs"),
            ("--lambda", self.lam, at_least(0), "0 or more"),
            ("--center-weight", self.center_weight, at_least(0), "0 or more"),
            ("--center-alpha", self.center_alpha, lambda v: 0 < v <= 1, "a value in (0, 1]"),
            ("--workers", self.workers, at_least(0), "0 or more"),
            ("--seed", self.seed, lambda v: 0 <= v < 2**63, "an integer from 0 to 2**63 - 1"),
            ("--limit-clips", self.limit_clips, at_least(1), "at least 1"),
            ("--eval-every", self.eval_every, at_least(1), "at least 1"),
            ("--min-crop", self.min_crop, lambda v: 0 < v <= 1, "a value in (0, 1]"),
            ("num_classes", self.num_classes, at_least(2), "at least 2"),
        ]
        for option, value, in_range, wanted in numbers:
            if value is not None and not (math.isfinite(value) and in_range(value)):
                raise ConfigError(f"{option} {value} is not allowed", f"pass {wanted}")
        choices = [
            (
                self.target in TARGET_KINDS,
                f"--target {self.target}",
                f"choose {' or '.join(TARGET_KINDS)}",
            ),
            (
                not self.include_multi or self.target == "distribution",
                "--include-multi without --target distribution",
                "add --target distribution: clips without a single label train on their votes",
            ),
            (self.amp in AMP_MODES, f"--amp {self.amp}", f"choose {' or '.join(AMP_MODES)}"),
            (
                self.device in DEVICES or self.device.startswith("cuda:"),
                f"--device {self.device}",
                "choose auto, cpu or cuda",
            ),
        ]
        for ok, problem, fix in choices:
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
        target = "-votes" if self.target == "distribution" else ""
        target += "+multi" if self.include_multi else ""
        return (
            f"{self.model}-{self.loss}{weight.get(self.loss, '')}{target}-bs{self.batch_size}"
            f"-s{self.seed}"
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
