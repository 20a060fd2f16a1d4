"""Frame-wise 2D CNN + LSTM models (VGG11+LSTM, ResNet18+LSTM).

:class:`FrameLSTM` runs any 2D backbone on each frame of a clip at full resolution (112×112),
feeds the T per-frame vectors to a one-layer LSTM and returns its last hidden state as the clip
feature. Both LSTM models are this wrapper with a different backbone.
"""

from __future__ import annotations

import torch
from torch import nn

from training.models.base import conv_bn_relu_2d

LSTM_HIDDEN = 512
VGG11_PLAN = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


class FrameLSTM(nn.Module):
    """2D backbone per frame → LSTM over time → last hidden state (B, hidden)."""

    def __init__(self, backbone: nn.Module, backbone_features: int, hidden: int = LSTM_HIDDEN):
        super().__init__()
        self.backbone = backbone
        self.lstm = nn.LSTM(backbone_features, hidden, batch_first=True)
        self.features = hidden

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """Return the LSTM's last hidden state for clips (B, 3, T, H, W)."""
        batch, channels, steps, height, width = clips.shape
        frames = clips.transpose(1, 2).reshape(batch * steps, channels, height, width)
        per_frame = self.backbone(frames).reshape(batch, steps, -1)
        _, (hidden, _) = self.lstm(per_frame)
        return hidden[-1]


class VGG11Trunk(nn.Module):
    """VGG-11 convolutions (with batch norm) + global average pool: (B, 3, H, W) → (B, 512).

    VGG-11's three fully connected layers (4096-4096-1000, about 124M of its 133M parameters at
    224×224) are dropped: at 112×112 the last pool leaves 3×3×512, their 7×7×512 input does not
    exist, and the LSTM wants one compact vector per frame, so the convolutions' 512 channels,
    averaged over space, are the per-frame feature (as in the ResNet-18 + LSTM model, whose
    backbone ends in the same pool). The DFEW paper does not say how its VGG11+LSTM was cut.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for step in VGG11_PLAN:
            if step == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(conv_bn_relu_2d(channels, int(step), 3))
                channels = int(step)
        layers.append(nn.AdaptiveAvgPool2d(1))
        self.layers = nn.Sequential(*layers)
        self.features = channels

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Return per-frame features (N, 512)."""
        return torch.flatten(self.layers(frames), 1)
