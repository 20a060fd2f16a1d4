"""P3D-63: the Pseudo-3D residual network of Qiu et al. (ICCV 2017), ResNet-50 depth.

Reference: Z. Qiu, T. Yao, T. Mei, "Learning Spatio-Temporal Representation with Pseudo-3D
Residual Networks", ICCV 2017. The paper's own network is P3D-199 (from ResNet-152); the DFEW
paper does not give the depth it used, and this is the shallower P3D-63 that the authors'
released code also defines: bottleneck stages of 3-4-6-3 blocks, of which the 13 blocks of
res2–res4 are pseudo-3D (each 3 convolutions of a 2D bottleneck become 4: 1×1×1 reduce, 1×3×3
spatial S, 3×1×1 temporal T, 1×1×1 expand) and the 3 blocks of res5 are plain 2D bottlenecks:
13·4 + 3·3 + stem + classifier = 63 layers with weights. As in the paper:

* the stem is a 1×7×7 convolution, stride (1, 2, 2), then a 2×3×3 max-pool of stride 2, which
  halves time as well as space;
* the pseudo-3D blocks cycle P3D-A, P3D-B, P3D-C, each unit of S and T followed by its batch
  norm and ReLU: A = T(S(x)), B = S(x) + T(x), C = S(x) + T(S(x));
* spatial downsampling is a (1, 2, 2) stride of the first block's 1×1×1 reduction and shortcut;
  time is downsampled by a 2×1×1 max-pool after each of res2, res3 and res4 (16 frames → 8 after
  the stem → 1 after res4), never by strided convolutions;
* res5 runs on each remaining frame as a 2D network (at 16 input frames exactly one), and the
  features are averaged over space and over those frames: 2,048 per clip.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.resnet import kit_2d, shortcut

P3D63_LAYERS = (3, 4, 6, 3)
P3D_WIDTHS = (64, 128, 256, 512)
EXPANSION = 4


def _conv_bn(
    in_channels: int,
    out_channels: int,
    kernel: tuple[int, int, int],
    stride: tuple[int, int, int] = (1, 1, 1),
) -> nn.Sequential:
    """Return a Conv3d (no bias, "same" padding for odd kernels) followed by BatchNorm3d."""
    padding = tuple(k // 2 for k in kernel)
    return nn.Sequential(
        nn.Conv3d(in_channels, out_channels, kernel, stride, padding, bias=False),
        nn.BatchNorm3d(out_channels),
    )


class P3DBlock(nn.Module):
    """A pseudo-3D bottleneck of variant "A", "B" or "C" (see the module docstring).

    ``stride`` 2 downsamples space (not time) in the reduction and the shortcut.
    """

    def __init__(self, in_channels: int, planes: int, stride: int, variant: str) -> None:
        super().__init__()
        if variant not in ("A", "B", "C"):
            raise ValueError(f"P3D variant must be A, B or C, got {variant!r}")
        self.variant = variant
        self.out_channels = planes * EXPANSION
        spatial_stride = (1, stride, stride)
        self.relu = nn.ReLU(inplace=True)
        self.reduce = _conv_bn(in_channels, planes, (1, 1, 1), spatial_stride)
        self.spatial = _conv_bn(planes, planes, (1, 3, 3))
        self.temporal = _conv_bn(planes, planes, (3, 1, 1))
        self.expand = _conv_bn(planes, self.out_channels, (1, 1, 1))
        if stride == 1 and in_channels == self.out_channels:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = _conv_bn(in_channels, self.out_channels, (1, 1, 1), spatial_stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return relu(expand(core(reduce(x))) + shortcut(x)), (B, 4·planes, T, H', W')."""
        h = self.relu(self.reduce(x))
        if self.variant == "A":
            h = self.relu(self.temporal(self.relu(self.spatial(h))))
        elif self.variant == "B":
            h = self.relu(self.spatial(h)) + self.relu(self.temporal(h))
        else:
            s = self.relu(self.spatial(h))
            h = s + self.relu(self.temporal(s))
        return self.relu(self.expand(h) + self.shortcut(x))


class Bottleneck2D(nn.Module):
    """A 2D ResNet bottleneck (1×1 reduce with the stride, 3×3, 1×1 expand) for res5."""

    def __init__(self, in_channels: int, planes: int, stride: int) -> None:
        super().__init__()
        kit = kit_2d()
        self.out_channels = planes * EXPANSION
        self.body = nn.Sequential(
            kit.conv1(in_channels, planes, stride),
            kit.norm(planes),
            nn.ReLU(inplace=True),
            kit.conv3(planes, planes, 1),
            kit.norm(planes),
            nn.ReLU(inplace=True),
            kit.conv1(planes, self.out_channels, 1),
            kit.norm(self.out_channels),
        )
        self.shortcut = shortcut(kit, in_channels, self.out_channels, stride)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return relu(body(x) + shortcut(x)) for frames (N, C, H, W)."""
        return self.relu(self.body(x) + self.shortcut(x))


class TemporalPool(nn.Module):
    """2×1×1 max-pool of stride 2 in time; a clip already down to one frame passes unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.MaxPool3d((2, 1, 1), (2, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return x (B, C, T, H, W) with T halved (rounded down), or x itself when T is 1."""
        return self.pool(x) if x.shape[2] > 1 else x


class P3DTrunk(nn.Module):
    """P3D-63 feature extractor: clips (B, 3, T, H, W) → features (B, 2048)."""

    def __init__(self, layers: tuple[int, int, int, int] = P3D63_LAYERS) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            _conv_bn(3, 64, (1, 7, 7), (1, 2, 2)),
            nn.ReLU(inplace=True),
            nn.MaxPool3d((2, 3, 3), 2, (0, 1, 1)),
        )
        channels, index = 64, 0
        stages_3d = []
        for stage, (count, width) in enumerate(zip(layers[:3], P3D_WIDTHS[:3], strict=True)):
            blocks = []
            for k in range(count):
                stride = 2 if stage > 0 and k == 0 else 1
                block = P3DBlock(channels, width, stride, "ABC"[index % 3])
                channels, index = block.out_channels, index + 1
                blocks.append(block)
            stages_3d.append(nn.Sequential(*blocks, TemporalPool()))
        self.stages_3d = nn.Sequential(*stages_3d)
        blocks_2d = []
        for k in range(layers[3]):
            block_2d = Bottleneck2D(channels, P3D_WIDTHS[3], 2 if k == 0 else 1)
            channels = block_2d.out_channels
            blocks_2d.append(block_2d)
        self.stage_2d = nn.Sequential(*blocks_2d)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.features = channels

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """Return the clip features (B, 2048), averaged over space and remaining frames."""
        x = self.stages_3d(self.stem(clips))
        batch, channels, steps, height, width = x.shape
        frames = x.transpose(1, 2).reshape(batch * steps, channels, height, width)
        pooled = torch.flatten(self.pool(self.stage_2d(frames)), 1)
        return pooled.reshape(batch, steps, -1).mean(1)


def p3d63_trunk() -> P3DTrunk:
    """Return the P3D-63 feature extractor (2,048 features)."""
    return P3DTrunk(P3D63_LAYERS)
