"""Parameter counts and FLOPs per clip, counted with torch's FlopCounterMode."""

from __future__ import annotations

from dataclasses import dataclass

import torch
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


def model_costs(config: ModelsConfig) -> list[ModelCost]:
    """Return a :class:`ModelCost` per model of ``config`` (all registered models when it names
    none), counted on the CPU on one ``frames`` × ``size`` × ``size`` clip; prints nothing.

    Raises
    ------
    UnknownModelError
        When a requested name is not registered (before any model is built).
    """
    names = list(config.names) or model_names()
    for name in names:
        if name not in model_names():
            build_model(name)  # raises UnknownModelError listing the valid names
    shape = (3, config.frames, config.size, config.size)
    costs = []
    for name in names:
        model = build_model(name)
        costs.append(
            ModelCost(
                name=name,
                parameters=count_parameters(model),
                forward_flops=count_flops(model, shape),
                train_flops=count_flops(model, shape, backward=True) if config.backward else None,
            )
        )
    return costs
