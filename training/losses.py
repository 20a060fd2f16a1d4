"""Losses: softmax cross-entropy, EC-STFL (the DFEW paper) and center loss (Wen et al. 2016).

The training objective is ``L = L_softmax + λ · L_aux`` where the auxiliary term works on the
feature vector just before the classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from training.errors import ConfigError

LOSS_KINDS = ("ce", "ec-stfl", "center")


def pairwise_distances(features: torch.Tensor) -> torch.Tensor:
    """Return the Euclidean distance matrix (N, N) of ``features`` (N, D).

    Computed from explicit differences (no ‖a‖² + ‖b‖² − 2ab cancellation), with a safe square
    root: where two features coincide the distance is exactly 0 and its gradient is 0 rather
    than the NaN that d/dx √x at 0 would give.
    """
    squared = (features[:, None, :] - features[None, :, :]).pow(2).sum(-1)
    positive = squared > 0
    safe = torch.where(positive, squared, torch.ones_like(squared))
    return torch.where(positive, safe.sqrt(), torch.zeros_like(squared))


def ec_stfl(features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Return the EC-STFL term of a mini-batch (a scalar tensor, dimensionless).

    L = Σ_{i,j: y_j = y_i} ‖x_i − x_j‖ / N_{x_i}  ÷  Σ_{i,j: y_j ≠ y_i} ‖x_i − x_j‖ / N_{x_j}

    with N_x the number of samples of x's class in the batch. It is computed in float32 (or the
    input's precision if higher). A batch with a single class has no between-class pairs:
    the term is 0, so the total loss is the softmax loss alone.
    """
    if features.ndim != 2 or labels.shape != features.shape[:1]:
        raise ValueError(
            f"features must be (N, D) and labels (N,), got {tuple(features.shape)} and "
            f"{tuple(labels.shape)}"
        )
    if features.dtype not in (torch.float32, torch.float64):
        features = features.float()
    same = labels[:, None] == labels[None, :]
    counts = same.sum(1).to(features.dtype)  # N_{x_i}: the class size of sample i
    distances = pairwise_distances(features)
    within = (distances * same / counts[:, None]).sum()
    between = (distances * ~same / counts[None, :]).sum()
    # No between-class pair (one class in the batch): 0. Branch-free, so no host sync, and the
    # unused division never sees a zero denominator (its gradient would be NaN).
    has_between = between > 0
    safe_between = torch.where(has_between, between, torch.ones_like(between))
    return torch.where(has_between, within / safe_between, torch.zeros_like(within))


class CenterLoss(nn.Module):
    """Center loss: ½ · mean over the batch of ‖x_i − c_{y_i}‖², with learnable centers (C, D)."""

    def __init__(self, num_classes: int, feature_dim: int) -> None:
        super().__init__()
        self.centers = nn.Parameter(torch.randn(num_classes, feature_dim) * 0.01)

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Return the center loss of a batch (a scalar, squared feature units)."""
        centers = self.centers[labels]
        return 0.5 * (features.float() - centers.float()).pow(2).sum(1).mean()


@dataclass(frozen=True)
class LossTerms:
    """The parts of one batch's loss: total = ce + weight · aux."""

    total: torch.Tensor
    ce: torch.Tensor
    aux: torch.Tensor


class Criterion(nn.Module):
    """Softmax cross-entropy plus an optional feature term.

    ``kind`` "ce": cross-entropy only; "ec-stfl": + ``lam`` · EC-STFL; "center": + ``center_weight``
    · center loss (its centers are parameters of this module: optimise and checkpoint them).
    """

    def __init__(
        self,
        kind: str,
        num_classes: int,
        feature_dim: int,
        lam: float = 10.0,
        center_weight: float = 1e-4,
    ) -> None:
        super().__init__()
        if kind not in LOSS_KINDS:
            raise ConfigError(f"unknown loss {kind!r}", f"choose one of {', '.join(LOSS_KINDS)}")
        if lam < 0 or center_weight < 0:
            raise ConfigError(
                f"loss weights must be >= 0, got lambda {lam} and center weight {center_weight}",
                "pass non-negative --lambda / --center-weight",
            )
        self.kind = kind
        self.weight = {"ce": 0.0, "ec-stfl": lam, "center": center_weight}[kind]
        self.center = CenterLoss(num_classes, feature_dim) if kind == "center" else None

    def forward(
        self, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> LossTerms:
        """Return the loss terms of a batch; labels are class indices 0..C-1."""
        ce = F.cross_entropy(logits.float(), labels)
        if self.kind == "ec-stfl":
            aux = ec_stfl(features, labels)
        elif self.center is not None:
            aux = self.center(features, labels)
        else:
            aux = ce.new_zeros(())
        return LossTerms(total=ce + self.weight * aux, ce=ce, aux=aux)
