"""Residual networks composed from stems, blocks and conv builders (2D and 3D).

One :class:`ResidualTrunk` builds every residual model here; what differs is passed in:

* ``r3d18``      Tran et al. 2018 (R3D-18): stem 3×7×7 stride (1, 2, 2), no pooling, basic blocks
                 of 3×3×3 convolutions, stages strided 2 in time and space.
* ``resnet3d18`` Hara et al. 2018 (3D ResNet-18): stem 7×7×7 stride (1, 2, 2) then a 3×3×3
                 max-pool stride 2, the same basic blocks.
* ``p3d``        Qiu et al. 2017 (Pseudo-3D ResNet): stem 1×7×7 + max-pool, bottleneck blocks whose
                 3×3×3 convolution is split into spatial 1×3×3 (S) and temporal 3×1×1 (T) parts,
                 cycling P3D-A (S→T), P3D-B (S ∥ T) and P3D-C (S→T plus S) over 3-4-6-3 blocks.
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


class P3DBottleneck(nn.Module):
    """Pseudo-3D bottleneck: 1×1×1 reduce (strided), S/T factorised core, 1×1×1 expand.

    ``variant`` "A": T(S(x)); "B": S(x) + T(x); "C": S(x) + T(S(x)).
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int, variant: str) -> None:
        super().__init__()
        if variant not in ("A", "B", "C"):
            raise ValueError(f"P3D variant must be A, B or C, got {variant!r}")
        self.variant = variant
        self.out_channels = planes * self.expansion
        kit = kit_3d()
        self.reduce = nn.Sequential(
            kit.conv1(in_channels, planes, stride), kit.norm(planes), nn.ReLU(inplace=True)
        )
        self.spatial = nn.Sequential(
            nn.Conv3d(planes, planes, (1, 3, 3), 1, (0, 1, 1), bias=False), kit.norm(planes)
        )
        self.temporal = nn.Sequential(
            nn.Conv3d(planes, planes, (3, 1, 1), 1, (1, 0, 0), bias=False), kit.norm(planes)
        )
        self.expand = nn.Sequential(
            kit.conv1(planes, self.out_channels, 1), kit.norm(self.out_channels)
        )
        self.shortcut = shortcut(kit, in_channels, self.out_channels, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the block output (same layout as the input, channels ×4/in)."""
        h = self.reduce(x)
        if self.variant == "A":
            h = self.relu(self.temporal(self.relu(self.spatial(h))))
        elif self.variant == "B":
            h = self.relu(self.spatial(h) + self.temporal(h))
        else:
            s = self.relu(self.spatial(h))
            h = self.relu(s + self.temporal(s))
        return self.relu(self.expand(h) + self.shortcut(x))


BlockFactory = Callable[[int, int, int, int], nn.Module]
"""(in_channels, planes, stride, block_index) → block with an ``out_channels`` attribute."""


class ResidualTrunk(nn.Module):
    """stem → four residual stages → global average pool → flat features.

    ``block(in_channels, planes, stride, index)`` builds each block (``index`` counts blocks
    across stages, which P3D uses to cycle its variants); the first block of stage s > 0 strides
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
        channels, index = stem_channels, 0
        for stage, (count, width) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for k in range(count):
                stride = 2 if stage > 0 and k == 0 else 1
                made = block(channels, width, stride, index)
                channels, index = made.out_channels, index + 1
                blocks.append(made)
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.Sequential(*stages)
        self.pool = pool
        self.features = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return pooled features (B, features)."""
        return torch.flatten(self.pool(self.stages(self.stem(x))), 1)


def basic_3d(in_channels: int, planes: int, stride: int, index: int) -> nn.Module:
    """Block factory: a 3D basic block (3×3×3 convolutions)."""
    return BasicBlock(in_channels, planes, stride, kit_3d())


def basic_2d(in_channels: int, planes: int, stride: int, index: int) -> nn.Module:
    """Block factory: a 2D basic block (3×3 convolutions)."""
    return BasicBlock(in_channels, planes, stride, kit_2d())


def p3d_cycle(in_channels: int, planes: int, stride: int, index: int) -> nn.Module:
    """Block factory: P3D bottlenecks cycling A, B, C by block index."""
    return P3DBottleneck(in_channels, planes, stride, "ABC"[index % 3])


def tran_stem() -> nn.Module:
    """R3D-18 stem (Tran et al. 2018): conv 3×7×7, stride (1, 2, 2), 64 channels."""
    return conv_bn_relu_3d(3, 64, (3, 7, 7), (1, 2, 2), (1, 3, 3))


def hara_stem() -> nn.Module:
    """3D ResNet stem (Hara et al. 2018): conv 7×7×7 stride (1, 2, 2), max-pool 3 stride 2."""
    return nn.Sequential(conv_bn_relu_3d(3, 64, 7, (1, 2, 2), 3), nn.MaxPool3d(3, 2, 1))


def p3d_stem() -> nn.Module:
    """P3D stem: conv 1×7×7 stride (1, 2, 2), max-pool 3 stride 2."""
    return nn.Sequential(
        conv_bn_relu_3d(3, 64, (1, 7, 7), (1, 2, 2), (0, 3, 3)), nn.MaxPool3d(3, 2, 1)
    )


def r3d18_trunk() -> ResidualTrunk:
    """Return the R3D-18 feature extractor (512 features)."""
    return ResidualTrunk(tran_stem(), 64, basic_3d, (2, 2, 2, 2), nn.AdaptiveAvgPool3d(1))


def resnet3d18_trunk() -> ResidualTrunk:
    """Return Hara et al.'s 3D ResNet-18 feature extractor (512 features)."""
    return ResidualTrunk(hara_stem(), 64, basic_3d, (2, 2, 2, 2), nn.AdaptiveAvgPool3d(1))


def p3d_trunk() -> ResidualTrunk:
    """Return the P3D-63 feature extractor (bottlenecks 3-4-6-3, 2048 features)."""
    return ResidualTrunk(p3d_stem(), 64, p3d_cycle, (3, 4, 6, 3), nn.AdaptiveAvgPool3d(1))


def resnet18_2d_trunk() -> ResidualTrunk:
    """Return a 2D ResNet-18 for single frames (B, 3, H, W) → (B, 512)."""
    stem = nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3, bias=False),
        nn.BatchNorm2d(64),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, 2, 1),
    )
    return ResidualTrunk(stem, 64, basic_2d, (2, 2, 2, 2), nn.AdaptiveAvgPool2d(1))
