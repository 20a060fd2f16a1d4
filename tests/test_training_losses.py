"""EC-STFL against its formula, its gradients, the single-class fallback, center loss."""

from __future__ import annotations

import math

import pytest
import torch

from training.errors import ConfigError
from training.losses import CenterLoss, Criterion, ec_stfl, pairwise_distances


def _ec_stfl_loops(features: torch.Tensor, labels: torch.Tensor) -> float:
    """EC-STFL as the DFEW paper defines it, written as a direct double loop.

    L = Σ_{i,j: y_j = y_i} ‖x_i − x_j‖ / N_{x_i}  ÷  Σ_{i,j: y_j ≠ y_i} ‖x_i − x_j‖ / N_{x_j},
    N_x the number of samples of x's class in the batch.
    """
    n = len(labels)
    count = {int(y): int((labels == y).sum()) for y in labels}
    within = between = 0.0
    for i in range(n):
        for j in range(n):
            distance = math.sqrt(float(((features[i] - features[j]) ** 2).sum()))
            if labels[i] == labels[j]:
                within += distance / count[int(labels[i])]
            else:
                between += distance / count[int(labels[j])]
    return within / between


@pytest.mark.parametrize("seed", range(5))
def test_ec_stfl_matches_the_double_loop(seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    features = torch.randn(13, 6, generator=generator, dtype=torch.float64)
    labels = torch.randint(0, 4, (13,), generator=generator)
    labels[:2] = torch.tensor([0, 1])  # at least two classes
    value = ec_stfl(features, labels)
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(_ec_stfl_loops(features, labels), rel=1e-12)


def test_gradient_is_finite_with_duplicate_features() -> None:
    features = torch.randn(6, 4)
    features[1] = features[0]  # same class, identical
    features[3] = features[2]  # different classes, identical
    labels = torch.tensor([0, 0, 1, 2, 1, 2])
    features.requires_grad_(True)
    loss = ec_stfl(features, labels)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(features.grad).all()
    assert pairwise_distances(features.detach())[0, 1] == 0


def test_single_class_batch_falls_back_to_softmax() -> None:
    features = torch.randn(5, 3, requires_grad=True)
    labels = torch.full((5,), 2)
    assert ec_stfl(features, labels).item() == 0.0
    logits = torch.randn(5, 7, requires_grad=True)
    terms = Criterion("ec-stfl", 7, 3, lam=10.0)(logits, features, labels)
    torch.testing.assert_close(terms.total, terms.ce)
    terms.total.backward()  # the graph stays valid
    assert torch.count_nonzero(features.grad) == 0


def test_criterion_weights_and_center_loss() -> None:
    torch.manual_seed(0)
    features, logits = torch.randn(8, 3), torch.randn(8, 7)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 3, 3])
    terms = Criterion("ec-stfl", 7, 3, lam=3.0)(logits, features, labels)
    torch.testing.assert_close(terms.total, terms.ce + 3.0 * ec_stfl(features, labels))

    criterion = Criterion("center", 7, 3, center_weight=1e-4).eval()
    criterion.center.centers.normal_()
    centers = criterion.center.centers.clone()
    expected = 0.5 * ((features - centers[labels]) ** 2).sum(1).mean()
    terms = criterion(logits, features, labels)
    torch.testing.assert_close(terms.aux, expected)
    torch.testing.assert_close(terms.total, terms.ce + 1e-4 * expected)
    torch.testing.assert_close(criterion.center.centers, centers)  # eval: no update
    # The centers are a buffer (checkpointed), never a parameter of the optimiser.
    assert list(criterion.parameters()) == []
    assert "center.centers" in criterion.state_dict()
    assert isinstance(criterion.center, CenterLoss)

    assert Criterion("ce", 7, 3)(logits, features, labels).aux.item() == 0.0
    with pytest.raises(ConfigError, match="unknown loss"):
        Criterion("focal", 7, 3)


def test_center_update_follows_wen_et_al() -> None:
    """One step: Δc_j = Σ_{y_i=j} (c_j − x_i) / (1 + n_j) and c_j ← c_j − α Δc_j."""
    torch.manual_seed(1)
    loss = CenterLoss(4, 3, alpha=0.5).train()
    loss.centers.normal_()
    before = loss.centers.clone()
    features = torch.randn(6, 3, requires_grad=True)
    labels = torch.tensor([0, 0, 0, 2, 2, 3])
    loss(features, labels).backward()
    expected = before.clone()
    for j in range(4):
        chosen = features.detach()[labels == j]
        delta = (before[j] - chosen).sum(0) / (1 + len(chosen))
        expected[j] = before[j] - 0.5 * delta
    torch.testing.assert_close(loss.centers, expected)
    assert torch.equal(loss.centers[1], before[1])  # a class absent from the batch stays
    assert features.grad is not None and torch.isfinite(features.grad).all()


@pytest.mark.parametrize("batch", [None, 8])
def test_centers_converge_to_the_class_means(batch: int | None) -> None:
    """On fixed features the centers reach the class means (whole batches: exactly; random
    mini-batches of 8: within the spread that sampling leaves)."""
    generator = torch.Generator().manual_seed(2)
    labels = torch.arange(60) % 3
    offsets = torch.tensor([[4.0, 0, 0, 0], [0, -3.0, 0, 0], [0, 0, 5.0, 2.0]])
    features = offsets[labels] + torch.randn(60, 4, generator=generator)
    means = torch.stack([features[labels == j].mean(0) for j in range(3)])
    criterion = Criterion("center", 3, 4).train()
    for _ in range(400):
        chosen = slice(None) if batch is None else torch.randperm(60, generator=generator)[:batch]
        criterion(torch.zeros(len(labels[chosen]), 3), features[chosen], labels[chosen])
    error = (criterion.center.centers - means).norm(dim=1) / means.norm(dim=1)
    assert error.max() < (1e-5 if batch is None else 0.25), error
