"""Losses: softmax cross-entropy, EC-STFL (the DFEW paper) and center loss (Wen et al. 2016).

The training objective is ``L = L_main + λ · L_aux``: the main term is the softmax
cross-entropy to the single labels (the paper) or the KL divergence to the clips' vote
distributions; the auxiliary term works on the feature vector just before the classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from training.errors import ConfigError

LOSS_KINDS = ("ce", "ec-stfl", "center")
TARGET_KINDS = ("label", "distribution")


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
    """Center loss of Wen et al. (ECCV 2016): ½ · mean over the batch of ‖x_i − c_{y_i}‖².

    The centers (C, D) are a buffer, not parameters: no optimiser and no weight decay touch
    them, and the loss sends gradients to the features only. In training mode each forward
    pass then moves every class center present in the batch towards its features by Wen et
    al.'s rule (their Algorithm 1)::

        Δc_j = Σ_{i: y_i = j} (c_j − x_i) / (1 + n_j),     c_j ← c_j − α · Δc_j

    with n_j the count of class j in the batch and ``alpha`` = α in (0, 1] (0.5 by default),
    so the centers follow the class means of the features. Under torch.distributed the sums
    and counts are added over ranks first, so every rank makes the same update.
    """

    def __init__(self, num_classes: int, feature_dim: int, alpha: float = 0.5) -> None:
        super().__init__()
        if not 0 < alpha <= 1:
            raise ValueError(f"center-loss rate alpha must be in (0, 1], got {alpha}")
        self.alpha = alpha
        self.register_buffer("centers", torch.zeros(num_classes, feature_dim))

    def forward(self, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Return the center loss of a batch (a scalar, squared feature units).

        In training mode the centers are updated afterwards (see the class docstring).
        """
        features = features.float()
        loss = 0.5 * (features - self.centers[labels]).pow(2).sum(1).mean()
        if self.training:
            self.update(features.detach(), labels)
        return loss

    @torch.no_grad()
    def update(self, features: torch.Tensor, labels: torch.Tensor) -> None:
        """Apply one step of Wen et al.'s center update for a batch (in place; returns None)."""
        classes = self.centers.shape[0]
        sums = torch.zeros_like(self.centers).index_add_(0, labels, features)
        counts = torch.bincount(labels, minlength=classes).to(self.centers.dtype)
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.all_reduce(sums)
            torch.distributed.all_reduce(counts)
        delta = (counts[:, None] * self.centers - sums) / (1 + counts[:, None])
        self.centers -= self.alpha * delta


@dataclass(frozen=True)
class LossTerms:
    """The parts of one batch's loss: total = main + weight · aux.

    ``ce`` is the main term: the cross-entropy to the labels, or with the ``distribution``
    target the KL divergence to the clips' vote distributions (both in nats per clip).
    """

    total: torch.Tensor
    ce: torch.Tensor
    aux: torch.Tensor


class Criterion(nn.Module):
    """A main term (softmax cross-entropy or KL divergence to vote distributions) plus an
    optional feature term.

    ``kind`` "ce": the main term only; "ec-stfl": + ``lam`` · EC-STFL; "center":
    + ``center_weight`` · center loss, whose centers are a buffer of this module updated with
    rate ``center_alpha`` (checkpoint them with it, never give them to the optimiser).
    ``target`` "label": cross-entropy to the class indices; "distribution": KL(t ‖ softmax(z))
    to each clip's normalised vote counts t (C,), averaged over the batch. The feature terms
    always use the class indices.
    """

    def __init__(
        self,
        kind: str,
        num_classes: int,
        feature_dim: int,
        lam: float = 10.0,
        center_weight: float = 1e-4,
        center_alpha: float = 0.5,
        target: str = "label",
    ) -> None:
        super().__init__()
        if kind not in LOSS_KINDS:
            raise ConfigError(f"unknown loss {kind!r}", f"choose one of {', '.join(LOSS_KINDS)}")
        if target not in TARGET_KINDS:
            raise ConfigError(
                f"unknown target {target!r}", f"choose one of {', '.join(TARGET_KINDS)}"
            )
        if lam < 0 or center_weight < 0:
            raise ConfigError(
                f"loss weights must be >= 0, got lambda {lam} and center weight {center_weight}",
                "pass non-negative --lambda / --center-weight",
            )
        self.kind = kind
        self.target = target
        self.weight = {"ce": 0.0, "ec-stfl": lam, "center": center_weight}[kind]
        self.center = (
            CenterLoss(num_classes, feature_dim, center_alpha) if kind == "center" else None
        )

    def forward(
        self,
        logits: torch.Tensor,
        features: torch.Tensor,
        labels: torch.Tensor,
        targets: torch.Tensor | None = None,
    ) -> LossTerms:
        """Return the loss terms of a batch; labels are class indices 0..C-1.

        ``targets`` (B, C), rows summing to 1, are required with the distribution target.
        """
        if self.target == "distribution":
            if targets is None:
                raise ValueError("the distribution target needs the clips' vote distributions")
            log_probabilities = F.log_softmax(logits.float(), dim=1)
            main = F.kl_div(log_probabilities, targets.float(), reduction="batchmean")
        else:
            main = F.cross_entropy(logits.float(), labels)
        if self.kind == "ec-stfl":
            aux = ec_stfl(features, labels)
        elif self.center is not None:
            aux = self.center(features, labels)
        else:
            aux = main.new_zeros(())
        return LossTerms(total=main + self.weight * aux, ce=main, aux=aux)
