"""Shared pieces of every model: conv–norm–ReLU units and the classifier wrapper."""

from __future__ import annotations

import torch
from torch import nn

Size3 = int | tuple[int, int, int]


def conv_bn_relu_3d(
    in_channels: int,
    out_channels: int,
    kernel: Size3,
    stride: Size3 = 1,
    padding: Size3 | None = None,
) -> nn.Sequential:
    """Return Conv3d (no bias) → BatchNorm3d → ReLU; padding defaults to kernel // 2."""
    if padding is None:
        padding = tuple(k // 2 for k in kernel) if isinstance(kernel, tuple) else kernel // 2
    return nn.Sequential(
        nn.Conv3d(in_channels, out_channels, kernel, stride, padding, bias=False),
        nn.BatchNorm3d(out_channels),
        nn.ReLU(inplace=True),
    )


def conv_bn_relu_2d(
    in_channels: int, out_channels: int, kernel: int, stride: int = 1
) -> nn.Sequential:
    """Return Conv2d (no bias) → BatchNorm2d → ReLU with padding kernel // 2."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride, kernel // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def init_weights(module: nn.Module) -> None:
    """Kaiming-normal convolutions, unit/zero norms, small-normal linear layers (in place)."""
    for layer in module.modules():
        if isinstance(layer, nn.Conv2d | nn.Conv3d):
            nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.BatchNorm2d | nn.BatchNorm3d):
            nn.init.ones_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.Linear):
            nn.init.normal_(layer.weight, 0.0, 0.01)
            nn.init.zeros_(layer.bias)


class VideoClassifier(nn.Module):
    """A feature extractor followed by dropout and one linear classifier.

    ``backbone`` maps clips (B, 3, T, H, W) to features (B, feature_dim): the vector just before
    the classifier, which EC-STFL, center loss and t-SNE use.
    """

    def __init__(
        self, backbone: nn.Module, feature_dim: int, num_classes: int = 7, dropout: float = 0.0
    ) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {num_classes}")
        self.backbone = backbone
        self.feature_dim = feature_dim
        self.num_classes = num_classes
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.classifier = nn.Linear(feature_dim, num_classes)
        init_weights(self)

    def forward_features(self, clips: torch.Tensor) -> torch.Tensor:
        """Return the features (B, feature_dim) of clips (B, 3, T, H, W)."""
        return self.backbone(clips)

    def forward(
        self, clips: torch.Tensor, return_features: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Return logits (B, num_classes), or (logits, features) with ``return_features``."""
        features = self.forward_features(clips)
        logits = self.classifier(self.dropout(features))
        return (logits, features) if return_features else logits

    def reset_classifier(self, num_classes: int) -> None:
        """Replace the classifier with a freshly initialised one for ``num_classes`` classes."""
        self.num_classes = num_classes
        self.classifier = nn.Linear(self.feature_dim, num_classes)
        init_weights(self.classifier)
