"""I3D-RGB (Carreira & Zisserman 2017): Inception-v1 with every filter inflated to 3D.

Layer plan of the paper (Conv 7×7×7/2, max-pools 1×3×3/(1,2,2) twice, Mixed_3b–3c, pool 3×3×3/2,
Mixed_4b–4f, pool 2×2×2/2, Mixed_5b–5c) with "same"-style padding; a global average pool replaces
the fixed 2×7×7 one so 16×112×112 clips (final map 2×3×3) fit. Features: 1,024 channels.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.base import conv_bn_relu_3d

I3D_FEATURES = 1024
# Mixed block widths: (1×1, 3×3 reduce, 3×3, 3×3 reduce, 3×3, pool projection).
MIXED = {
    "3b": (192, (64, 96, 128, 16, 32, 32)),
    "3c": (256, (128, 128, 192, 32, 96, 64)),
    "4b": (480, (192, 96, 208, 16, 48, 64)),
    "4c": (512, (160, 112, 224, 24, 64, 64)),
    "4d": (512, (128, 128, 256, 24, 64, 64)),
    "4e": (512, (112, 144, 288, 32, 64, 64)),
    "4f": (528, (256, 160, 320, 32, 128, 128)),
    "5b": (832, (256, 160, 320, 32, 128, 128)),
    "5c": (832, (384, 192, 384, 48, 128, 128)),
}


class InceptionBlock3d(nn.Module):
    """Four branches (1×1×1; 1×1×1→3×3×3; 1×1×1→3×3×3; max-pool→1×1×1), concatenated."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int]) -> None:
        super().__init__()
        b0, b1a, b1b, b2a, b2b, b3 = widths
        self.out_channels = b0 + b1b + b2b + b3
        self.branch0 = conv_bn_relu_3d(in_channels, b0, 1)
        self.branch1 = nn.Sequential(
            conv_bn_relu_3d(in_channels, b1a, 1), conv_bn_relu_3d(b1a, b1b, 3)
        )
        self.branch2 = nn.Sequential(
            conv_bn_relu_3d(in_channels, b2a, 1), conv_bn_relu_3d(b2a, b2b, 3)
        )
        self.branch3 = nn.Sequential(nn.MaxPool3d(3, 1, 1), conv_bn_relu_3d(in_channels, b3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the concatenation of the four branches along channels."""
        branches = (self.branch0, self.branch1, self.branch2, self.branch3)
        return torch.cat([branch(x) for branch in branches], 1)


class I3DTrunk(nn.Module):
    """Inception-v1 inflated: clips (B, 3, T, H, W) → features (B, 1024)."""

    def __init__(self) -> None:
        super().__init__()

        def mixed(name: str) -> InceptionBlock3d:
            in_channels, widths = MIXED[name]
            return InceptionBlock3d(in_channels, widths)

        self.layers = nn.Sequential(
            conv_bn_relu_3d(3, 64, 7, 2, 3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            conv_bn_relu_3d(64, 64, 1),
            conv_bn_relu_3d(64, 192, 3),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
            mixed("3b"),
            mixed("3c"),
            nn.MaxPool3d(3, 2, 1),
            *(mixed(name) for name in ("4b", "4c", "4d", "4e", "4f")),
            nn.MaxPool3d(2, 2),
            mixed("5b"),
            mixed("5c"),
            nn.AdaptiveAvgPool3d(1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return pooled Mixed_5c features (B, 1024)."""
        return torch.flatten(self.layers(x), 1)
