"""The seven benchmark models: shapes at the real input size, learning, registry, costs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from training.config import ModelsConfig
from training.errors import UnknownModelError
from training.models import build_model, model_names
from training.models.profile import count_flops, count_parameters, model_costs

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


def _p3d63_parameters(num_classes: int) -> int:
    """P3D-63 counted by hand: stem, 13 pseudo-3D bottlenecks (1×1×1, 1×3×3, 3×1×1, 1×1×1)
    in res2–res4 of 3-4-6 blocks, 3 2D bottlenecks (1×1, 3×3, 1×1) in res5, a linear classifier;
    every convolution without bias and followed by a batch norm (2 parameters per channel);
    a projection shortcut (1×1 + norm) where a block changes width or stride."""
    total = 3 * 64 * 7 * 7 + 2 * 64
    channels = 64
    for stage, (count, planes) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512), strict=True)):
        if stage < 3:  # S 1×3×3 and T 3×1×1, each with a norm
            core = planes * planes * (9 + 3) + 2 * (2 * planes)
        else:  # one 3×3 with a norm
            core = planes * planes * 9 + 2 * planes
        for k in range(count):
            total += channels * planes + 2 * planes  # reduce
            total += core  # S and T (res2-4) or 3×3 (res5), with their norms
            total += planes * 4 * planes + 2 * 4 * planes  # expand
            if k == 0:  # width (res2) or stride (res3-5) changes
                total += channels * 4 * planes + 2 * 4 * planes
            channels = 4 * planes
    return total + channels * num_classes + num_classes


def test_p3d_is_p3d63_with_a_2d_last_stage() -> None:
    model = build_model("p3d")
    assert count_parameters(model) == _p3d63_parameters(7) == 24_939_975
    assert model.feature_dim == 2048
    trunk = model.backbone
    assert not any(isinstance(m, nn.Conv3d) for m in trunk.stage_2d.modules())
    strides = [m.stride for m in trunk.modules() if isinstance(m, nn.Conv3d)]
    assert all(stride[0] == 1 for stride in strides)  # time shrinks by pooling only
    variants = [block.variant for stage in trunk.stages_3d for block in stage[:-1]]
    assert "".join(variants) == "ABC" * 4 + "A"
    # 16 frames: the stem pool halves time, res2-4 each pool it: res5 sees a single frame.
    seen = []
    hook = trunk.stage_2d.register_forward_hook(lambda _m, args, _o: seen.append(args[0].shape))
    with torch.no_grad():
        model.eval()(torch.randn(2, 3, 16, 112, 112))
    hook.remove()
    assert seen == [(2, 1024, 7, 7)]


def test_class_count_and_classifier_reset() -> None:
    model = build_model("resnet18_lstm", num_classes=5)
    assert model(torch.randn(2, 3, 4, 16, 16)).shape == (2, 5)
    model.reset_classifier(3)
    assert model(torch.randn(2, 3, 4, 16, 16)).shape == (2, 3)


def test_costs_match_the_reference_scale() -> None:
    model = build_model("c3d")
    # C3D at 16×112×112 costs about 77 GFLOP per clip forward (measured: 229 GFLOP for forward
    # + backward, about 3× the forward) and has about 78M parameters.
    assert 70e9 < count_flops(model) < 85e9
    assert 70e6 < count_parameters(model) < 85e6


def test_model_costs_count_quietly_and_refuse_unknown_names(capsys) -> None:
    config = ModelsConfig(names=("resnet18_lstm",), size=32, frames=8, backward=True)
    (cost,) = model_costs(config)
    assert capsys.readouterr() == ("", "")  # the library prints nothing; the CLI prints
    model = build_model("resnet18_lstm")
    assert cost.parameters == count_parameters(model)
    assert cost.forward_flops == count_flops(model, (3, 8, 32, 32))
    assert cost.train_flops is not None and cost.train_flops > cost.forward_flops
    with pytest.raises(UnknownModelError):
        model_costs(ModelsConfig(names=("c4d",)))
