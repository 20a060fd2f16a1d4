"""Residual networks composed from stems, blocks and conv builders (2D and 3D).

One :class:`ResidualTrunk` builds every residual model here; what differs is passed in
(P3D, whose last stage is 2D, lives in :mod:`training.models.p3d`):

* ``r3d18``      Tran et al. 2018 (R3D-18): stem 3×7×7 stride (1, 2, 2), no pooling, basic blocks
                 of 3×3×3 convolutions, stages strided 2 in time and space.
* ``resnet3d18`` Hara et al. 2018 (3D ResNet-18): stem 7×7×7 stride (1, 2, 2) then a 3×3×3
                 max-pool stride 2, the same basic blocks.
* ``resnet18_2d`` He et al. 2016 ResNet-18 for single frames, used by ``resnet18_lstm``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from training.models.base import conv_bn_relu_3d

ConvBuilder = Callable[[int, int, int], nn.Module]
"""(in_channels, out_channels, stride) → convolution."""


@dataclass(frozen=True)
class ConvKit:
    """The convolutions and norm of one dimensionality."""

    conv3: ConvBuilder
    conv1: ConvBuilder
    norm: Callable[[int], nn.Module]


def kit_3d() -> ConvKit:
    """Return 3×3×3 / 1×1×1 convolutions (stride in time and space) and BatchNorm3d."""
    return ConvKit(
        conv3=lambda i, o, s: nn.Conv3d(i, o, 3, s, 1, bias=False),
        conv1=lambda i, o, s: nn.Conv3d(i, o, 1, s, bias=False),
        norm=nn.BatchNorm3d,
    )


def kit_2d() -> ConvKit:
    """Return 3×3 / 1×1 convolutions and BatchNorm2d."""
    return ConvKit(
        conv3=lambda i, o, s: nn.Conv2d(i, o, 3, s, 1, bias=False),
        conv1=lambda i, o, s: nn.Conv2d(i, o, 1, s, bias=False),
        norm=nn.BatchNorm2d,
    )


def shortcut(kit: ConvKit, in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """Return the identity, or a strided 1×1 projection + norm when the shape changes."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(kit.conv1(in_channels, out_channels, stride), kit.norm(out_channels))


class BasicBlock(nn.Module):
    """Two 3×3(×3) convolutions with a residual connection (ResNet-18/34 block)."""

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int, kit: ConvKit) -> None:
        super().__init__()
        self.out_channels = planes * self.expansion
        self.body = nn.Sequential(
            kit.conv3(in_channels, planes, stride),
            kit.norm(planes),
            nn.ReLU(inplace=True),
            kit.conv3(planes, planes, 1),
            kit.norm(planes),
        )
        self.shortcut = shortcut(kit, in_channels, self.out_channels, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return relu(body(x) + shortcut(x))."""
        return self.relu(self.body(x) + self.shortcut(x))


BlockFactory = Callable[[int, int, int], nn.Module]
"""(in_channels, planes, stride) → block with an ``out_channels`` attribute."""


class ResidualTrunk(nn.Module):
    """stem → four residual stages → global average pool → flat features.

    ``block(in_channels, planes, stride)`` builds each block; the first block of stage s > 0 strides
    by 2. ``features`` is the channel count of the output.
    """

    def __init__(
        self,
        stem: nn.Module,
        stem_channels: int,
        block: BlockFactory,
        layers: Sequence[int],
        pool: nn.Module,
        widths: Sequence[int] = (64, 128, 256, 512),
    ) -> None:
        super().__init__()
        self.stem = stem
        stages = []
        channels = stem_channels
        for stage, (count, width) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for k in range(count):
                stride = 2 if stage > 0 and k == 0 else 1
                made = block(channels, width, stride)
                channels = made.out_channels
                blocks.append(made)
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = pool
        self.features = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return pooled features (B, features)."""
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)


def basic_3d(in_channels: int, planes: int, stride: int) -> nn.Module:
    """Block factory: a 3D basic block (3×3×3 convolutions)."""
    return BasicBlock(in_channels, planes, stride, kit_3d())


def basic_2d(in_channels: int, planes: int, stride: int) -> nn.Module:
    """Block factory: a 2D basic block (3×3 convolutions)."""
    return BasicBlock(in_channels, planes, stride, kit_2d())


def tran_stem() -> nn.Module:
    """R3D-18 stem (Tran et al. 2018): conv 3×7×7, stride (1, 2, 2), 64 channels."""
    return conv_bn_relu_3d(3, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3))


def hara_stem() -> nn.Module:
    """3D ResNet stem (Hara et al. 2018): conv 7×7×7 stride (1, 2, 2), max-pool 3 stride 2."""
    return nn.Sequential(conv_bn_relu_3d(3, 64, 7, (1, 2, 2), 3), nn.MaxPool3d(3, 2, 1))


def r3d18_trunk() -> ResidualTrunk:
    """Return the R3D-18 feature extractor (512 features)."""
    return ResidualTrunk(tran_stem(), 64, basic_3d, (2, 2, 2, 2), nn.AdaptiveAvgPool3d(1))


def resnet3d18_trunk() -> ResidualTrunk:
    """Return Hara et al.'s 3D ResNet-18 feature extractor (512 features)."""
    return ResidualTrunk(hara_stem(), 64, basic_3d, (2, 2, 2, 2), nn.AdaptiveAvgPool3d(1))


def resnet18_2d_trunk() -> ResidualTrunk:
    """Return a 2D ResNet-18 for single frames (B, 3, H, W) → (B, 512)."""
    stem = nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
    )
    return ResidualTrunk(stem, 64, basic_2d, (2, 2, 2, 2), nn.AdaptiveAvgPool2d(1))
