"""C3D (Tran et al. 2015): eight 3×3×3 convolutions, five max-pools, two 4096-unit layers.

Batch normalisation follows each convolution (the models are trained from scratch here; the
original had none). At 16×112×112 the last pool gives 512×1×4×4 = 8,192 values, as in the
paper; an adaptive pool to 1×4×4 keeps the head valid for the smaller clips the tests use.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.base import conv_bn_relu_3d

C3D_FEATURES = 4096


class C3DTrunk(nn.Module):
    """C3D up to fc7: clips (B, 3, T, H, W) → features (B, 4096)."""

    def __init__(self, dropout: float = 0.5) -> None:
        super().__init__()
        plan = [
            (3, 64),
            "pool1",
            (64, 128),
            "pool",
            (128, 256),
            (256, 256),
            "pool",
            (256, 512),
            (512, 512),
            "pool",
            (512, 512),
            (512, 512),
            "pool5",
        ]
        layers: list[nn.Module] = []
        for step in plan:
            if step == "pool1":
                layers.append(nn.MaxPool3d((1, 2, 2), (1, 2, 2)))
            elif step == "pool":
                layers.append(nn.MaxPool3d(2, 2))
            elif step == "pool5":
                layers.append(nn.MaxPool3d(2, 2, (0, 1, 1)))
            else:
                layers.append(conv_bn_relu_3d(*step, kernel=3))
        layers.append(nn.AdaptiveAvgPool3d((1, 4, 4)))
        self.convs = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Linear(512 * 16, C3D_FEATURES),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(C3D_FEATURES, C3D_FEATURES),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return fc7 activations (B, 4096)."""
        return self.head(torch.flatten(self.convs(x), 1))
