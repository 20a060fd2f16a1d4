"""The GPU speed path: bf16 autocast, channels_last_3d, pinned loading, torch.compile.

Every test here needs CUDA and is skipped without it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from training.config import TrainConfig
from training.data import ClipBatches, make_loader
from training.distributed import DistEnv
from training.engine import TrainingModule, make_runtime, to_channels_last, train_step
from training.experiment import run_experiment
from training.losses import Criterion
from training.models import build_model, model_names
from training.shards import ShardDataset
from training.synthetic import write_synthetic_dataset

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _runtime(tmp_path: Path, **changes: object):
    config = TrainConfig(data=tmp_path, splits=tmp_path, device="cuda", amp="bf16", **changes)
    return make_runtime(config, DistEnv())


@pytest.mark.parametrize("name", model_names())
def test_bf16_channels_last_step(name: str, tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    assert runtime.transform.channels_last and runtime.amp_dtype == torch.bfloat16
    model = build_model(name)
    module = to_channels_last(TrainingModule(model, Criterion("ec-stfl", 7, model.feature_dim)))
    module = module.to(runtime.device)
    conv = next(m for m in module.modules() if isinstance(m, torch.nn.Conv3d | torch.nn.Conv2d))
    layout = torch.channels_last_3d if conv.weight.dim() == 5 else torch.channels_last
    assert conv.weight.is_contiguous(memory_format=layout)
    optimiser = torch.optim.SGD(module.parameters(), lr=0.01, momentum=0.9)
    clips = torch.randint(0, 256, (4, 16, 112, 112, 3), dtype=torch.uint8, device=runtime.device)
    labels = torch.tensor([0, 1, 2, 0], device=runtime.device)
    inputs = runtime.transform(clips, train=True)
    assert inputs.is_contiguous(memory_format=torch.channels_last_3d)
    sums = train_step(module, optimiser, clips, labels, runtime)
    assert torch.isfinite(sums).all()
    assert all(torch.isfinite(p.grad).all() for p in module.parameters() if p.grad is not None)


@pytest.mark.slow
def test_compiled_step_matches_eager_closely(tmp_path: Path) -> None:
    runtime = _runtime(tmp_path)
    torch.manual_seed(0)
    model = build_model("r3d18")
    eager = TrainingModule(model, Criterion("ce", 7, model.feature_dim)).to(runtime.device)
    compiled = torch.compile(eager)
    clips = torch.randint(0, 256, (8, 16, 112, 112, 3), dtype=torch.uint8, device=runtime.device)
    labels = torch.arange(8, device=runtime.device) % 7
    eager.eval()
    inputs = runtime.transform(clips, train=False)
    with torch.no_grad(), torch.autocast("cuda", dtype=torch.bfloat16):
        reference = eager(inputs, labels)[0].float()
        result = compiled(inputs, labels)[0].float()
    torch.testing.assert_close(result, reference, atol=0.1, rtol=0.1)


def test_loader_pins_uint8_batches(tmp_path: Path) -> None:
    dataset = write_synthetic_dataset(tmp_path, count=20, frames=16, size=112)
    shards = ShardDataset(dataset.data)
    batches = ClipBatches(shards, list(range(20)), [0] * 20)
    parts = make_loader(
        batches, 8, train=True, workers=2, pin_memory=True, seed=0, generator=torch.Generator()
    )
    clips, labels, _, _ = next(iter(parts.loader))
    assert clips.dtype == torch.uint8 and clips.is_pinned() and clips.shape == (8, 16, 112, 112, 3)


def test_engine_runs_on_the_gpu_in_bf16(tmp_path: Path) -> None:
    dataset = write_synthetic_dataset(tmp_path / "data", count=35, frames=16, size=112)
    config = TrainConfig(
        data=dataset.data,
        splits=dataset.splits,
        model="c3d",
        epochs=1,
        batch_size=8,
        workers=2,
        device="cuda",
        amp="bf16",
        keep_optimizer=True,
        out=tmp_path / "runs",
        progress=False,
    )
    run = run_experiment(config) / "fold1"
    assert json.loads((run / "results.json").read_text())["count"] == 7
    resumed = dataclasses.replace(config, epochs=2, resume=True)
    run_experiment(resumed)
    assert (run / "metrics.csv").read_text().count("\n") == 3
