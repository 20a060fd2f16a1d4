"""The seven benchmark models: shapes at the real input size, learning, registry, costs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from training.errors import UnknownModelError
from training.models import build_model, model_names
from training.models.profile import count_flops, count_parameters

# Smallest clips (frames, side) each architecture accepts, and an Adam learning rate that
# memorises 16 clips quickly.
OVERFIT = {
    "c3d": (16, 16, 1e-4),
    "p3d": (4, 32, 1e-3),
    "r3d18": (4, 16, 1e-3),
    "resnet3d18": (8, 16, 1e-3),
    "i3d": (8, 32, 1e-3),
    "vgg11_lstm": (2, 32, 1e-3),
    "resnet18_lstm": (4, 16, 1e-3),
}


def test_registry_lists_the_paper_models() -> None:
    assert model_names() == list(OVERFIT)
    with pytest.raises(UnknownModelError, match="choose one of c3d, p3d, r3d18"):
        build_model("c4d")


@pytest.mark.parametrize("name", list(OVERFIT))
def test_shapes_at_the_paper_input(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(name).eval()
    clip = torch.randn(1, 3, 16, 112, 112)
    with torch.no_grad():
        logits, features = model(clip, return_features=True)
        plain = model(clip)
    assert logits.shape == (1, 7)
    assert features.shape == (1, model.feature_dim)
    torch.testing.assert_close(plain, logits)
    torch.testing.assert_close(model.forward_features(clip), features)


def _recalibrate_batch_norm(model: nn.Module, clips: torch.Tensor) -> None:
    """Set running BN statistics to those of ``clips`` so eval mode sees what training saw."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
    model.train()
    with torch.no_grad():
        model(clips)
    for norm in norms:
        norm.momentum = 0.1


@pytest.mark.parametrize("name", list(OVERFIT))
def test_overfits_sixteen_generated_clips(name: str) -> None:
    frames, side, lr = OVERFIT[name]
    generator = torch.Generator().manual_seed(0)
    labels = torch.arange(16) % 7
    templates = torch.randn(7, 3, frames, side, side, generator=generator)
    clips = templates[labels] + 0.5 * torch.randn(16, 3, frames, side, side, generator=generator)
    torch.manual_seed(0)
    model = build_model(name)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    accuracy, steps = 0.0, 0
    while steps < 40 and accuracy < 1.0:
        steps += 1
        model.train()
        optimiser.zero_grad()
        logits = model(clips)
        nn.functional.cross_entropy(logits, labels).backward()
        optimiser.step()
        if bool((logits.argmax(1) == labels).all()):
            # Confirm in eval mode (with batch-norm statistics of these clips).
            _recalibrate_batch_norm(model, clips)
            model.eval()
            with torch.no_grad():
                accuracy = (model(clips).argmax(1) == labels).float().mean().item()
    assert accuracy == 1.0, f"{name} reached only {accuracy:.0%} train accuracy in {steps} steps"


def test_stems_differ_between_r3d18_and_3d_resnet18() -> None:
    tran, hara = build_model("r3d18"), build_model("resnet3d18")
    tran_conv = tran.backbone.stem[0]
    hara_conv = hara.backbone.stem[0][0]
    assert tran_conv.kernel_size == (3, 7, 7) and tran_conv.stride == (1, 2, 2)
    assert hara_conv.kernel_size == (7, 7, 7) and hara_conv.stride == (1, 2, 2)
    assert isinstance(hara.backbone.stem[1], nn.MaxPool3d)
    # The same residual stages follow both stems.
    assert [type(m) for m in tran.backbone.stages.modules()] == [
        type(m) for m in hara.backbone.stages.modules()
    ]


def test_class_count_and_classifier_reset() -> None:
    model = build_model("resnet18_lstm", num_classes=5)
    assert model(torch.randn(2, 3, 4, 16, 16)).shape == (2, 5)
    model.reset_classifier(3)
    assert model(torch.randn(2, 3, 4, 16, 16)).shape == (2, 3)


def test_costs_match_the_reference_scale() -> None:
    model = build_model("c3d")
    # DESIGN.md: C3D costs 229 GFLOP per clip for forward + backward, about 3× the forward.
    assert 70e9 < count_flops(model) < 85e9
    assert 70e6 < count_parameters(model) < 85e6
