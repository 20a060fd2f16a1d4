"""Parameter counts and FLOPs per clip, counted with torch's FlopCounterMode."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from rich.console import Console
from rich.table import Table
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from training.config import ModelsConfig
from training.models import build_model, model_names


@dataclass(frozen=True)
class ModelCost:
    """Size and cost of one model on one clip."""

    name: str
    parameters: int
    forward_flops: int
    train_flops: int | None = None


def count_parameters(model: nn.Module) -> int:
    """Return the number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def count_flops(
    model: nn.Module, clip_shape: tuple[int, ...] = (3, 16, 112, 112), backward: bool = False
) -> int:
    """Return the FLOPs of one forward pass (or forward + backward) on one clip.

    FLOPs count multiply and add separately (a multiply-accumulate is 2 FLOPs), as
    FlopCounterMode does; only matrix products and convolutions are counted. The model is put in
    eval mode for a forward count and train mode for forward + backward, on its own device.
    """
    device = next(model.parameters()).device
    clip = torch.zeros(1, *clip_shape, device=device)
    model.train(backward)
    counter = FlopCounterMode(display=False)
    with counter:
        if backward:
            model(clip).sum().backward()
        else:
            with torch.no_grad():
                model(clip)
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def model_costs(
    names: list[str] | None = None, num_classes: int = 7, backward: bool = False
) -> list[ModelCost]:
    """Return a :class:`ModelCost` per model (all registered models by default), on the CPU."""
    costs = []
    for name in names or model_names():
        model = build_model(name, num_classes)
        costs.append(
            ModelCost(
                name=name,
                parameters=count_parameters(model),
                forward_flops=count_flops(model),
                train_flops=count_flops(model, backward=True) if backward else None,
            )
        )
    return costs


def print_model_table(config: ModelsConfig, console: Console | None = None) -> list[ModelCost]:
    """Print parameters (millions) and GFLOPs per clip of each model; return the costs.

    Raises
    ------
    UnknownModelError
        When a requested name is not registered.
    """
    names = list(config.names) or model_names()
    for name in names:
        if name not in model_names():
            build_model(name)  # raises UnknownModelError listing the valid names
    costs = []
    for name in names:
        model = build_model(name)
        shape = (3, config.frames, config.size, config.size)
        costs.append(
            ModelCost(
                name=name,
                parameters=count_parameters(model),
                forward_flops=count_flops(model, shape),
                train_flops=count_flops(model, shape, backward=True) if config.backward else None,
            )
        )
    table = Table(title=f"Models on one {config.frames}×{config.size}×{config.size} clip")
    table.add_column("model")
    table.add_column("parameters (M)", justify="right")
    table.add_column("forward GFLOPs", justify="right")
    if config.backward:
        table.add_column("forward+backward GFLOPs", justify="right")
    for cost in costs:
        cells = [cost.name, f"{cost.parameters / 1e6:.2f}", f"{cost.forward_flops / 1e9:.2f}"]
        if cost.train_flops is not None:
            cells.append(f"{cost.train_flops / 1e9:.2f}")
        table.add_row(*cells)
    (console or Console()).print(table)
    return costs
