"""The seven benchmark models of the DFEW paper, built by name.

Every model takes clips (B, 3, 16, 112, 112), returns logits (B, num_classes) and exposes the
feature vector before its classifier through ``forward_features`` and
``forward(x, return_features=True)``.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from training.errors import UnknownModelError
from training.models.base import VideoClassifier
from training.models.c3d import C3D_FEATURES, C3DTrunk
from training.models.i3d import I3D_FEATURES, I3DTrunk
from training.models.lstm import FrameLSTM, VGG11Trunk
from training.models.p3d import p3d63_trunk
from training.models.resnet import r3d18_trunk, resnet3d18_trunk, resnet18_2d_trunk


def _residual(trunk: Callable[[], nn.Module]) -> Callable[[int], VideoClassifier]:
    def build(num_classes: int) -> VideoClassifier:
        body = trunk()
        return VideoClassifier(body, body.features, num_classes)

    return build


def _frame_lstm(backbone: Callable[[], nn.Module]) -> Callable[[int], VideoClassifier]:
    def build(num_classes: int) -> VideoClassifier:
        frames = backbone()
        body = FrameLSTM(frames, frames.features)
        return VideoClassifier(body, body.features, num_classes, dropout=0.5)

    return build


def _registry() -> dict[str, Callable[[int], VideoClassifier]]:
    """Return model name → builder(num_classes)."""
    return {
        "c3d": lambda n: VideoClassifier(C3DTrunk(), C3D_FEATURES, n, dropout=0.5),
        "p3d": _residual(p3d63_trunk),
        "r3d18": _residual(r3d18_trunk),
        "resnet3d18": _residual(resnet3d18_trunk),
        "i3d": lambda n: VideoClassifier(I3DTrunk(), I3D_FEATURES, n, dropout=0.5),
        "vgg11_lstm": _frame_lstm(VGG11Trunk),
        "resnet18_lstm": _frame_lstm(resnet18_2d_trunk),
    }


def model_names() -> list[str]:
    """Return the registered model names in the paper's table order."""
    return list(_registry())


def build_model(name: str, num_classes: int = 7) -> VideoClassifier:
    """Return a freshly initialised model ``name`` with ``num_classes`` outputs.

    Raises
    ------
    UnknownModelError
        When ``name`` is not registered; the message lists the valid names.
    """
    builders = _registry()
    if name not in builders:
        raise UnknownModelError(f"unknown model {name!r}", f"choose one of {', '.join(builders)}")
    return builders[name](num_classes)


__all__ = ["VideoClassifier", "build_model", "model_names"]
