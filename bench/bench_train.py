"""Training throughput per model: the paper's setting against the fast path, in one run.

Usage (on the GPU machine)::

    python bench/bench_train.py                       # all seven models
    python bench/bench_train.py --models c3d,r3d18 --fast-batch 128 --shards 4096

For each model it times full training steps (device-side transform, forward, loss, backward,
SGD update) on uint8 clips already on the device:

* paper: fp32, batch 24, eager, contiguous layout;
* fast:  bf16 autocast + channels_last_3d + torch.compile, batch ``--fast-batch``;

then prints clips/s for both, their ratio, and the achieved model FLOP rate (FLOPs of forward +
backward per clip, counted with FlopCounterMode, times clips/s). With ``--shards N`` (or
``--data DIR``) it also times the fast path fed end-to-end from memory-mapped shards through
the training DataLoader, both settings (the ratio then compares like with like). On a CPU both
settings run fp32 with small inputs (a smoke run of well under a minute). Machines are noisy:
compare ratios within a run, not absolute numbers
across runs. Without CUDA it runs a CPU smoke test with tiny settings and says so.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from training.config import TrainConfig
from training.data import ClipBatches, make_loader
from training.distributed import DistEnv
from training.engine import Runtime, TrainingModule, make_runtime, to_channels_last, train_step
from training.losses import Criterion
from training.models import build_model, model_names
from training.models.profile import count_flops
from training.shards import ShardDataset
from training.synthetic import write_synthetic_dataset

# Targets for C3D on one H100-class GPU: at least 1,750 clips/s end to end from shards in the
# fast setting, and at least 3× the paper setting (measured on an H100: 554 clips/s fp32 at
# batch 24, 1,481 clips/s bf16 + channels_last_3d + compile at batch 128 on synthetic batches).
C3D_TARGET_CLIPS_PER_S = 1750
C3D_TARGET_RATIO = 3.0


@dataclass
class Setting:
    """One way of running training steps."""

    name: str
    batch: int
    amp: str
    channels_last: bool
    compile: bool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Return the benchmark options (CPU defaults are tiny)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="all", help="comma list or 'all' [all]")
    parser.add_argument("--device", default="auto", help="auto, cuda or cpu [auto]")
    parser.add_argument("--steps", type=int, default=None, help="timed steps [30 GPU, 2 CPU]")
    parser.add_argument("--warmup", type=int, default=None, help="untimed steps [5 GPU, 1 CPU]")
    parser.add_argument("--paper-batch", type=int, default=None, help="[24 GPU, 2 CPU]")
    parser.add_argument("--fast-batch", type=int, default=None, help="[128 GPU, 4 CPU]")
    parser.add_argument("--size", type=int, default=None, help="frame side [112 GPU, 32 CPU]")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip [16]")
    parser.add_argument(
        "--no-compile",
        dest="compile",
        action="store_false",
        help="leave torch.compile out of the fast path",
    )
    parser.add_argument(
        "--shards",
        type=int,
        default=0,
        help="also time end-to-end from N generated shard clips [0 = off]",
    )
    parser.add_argument("--data", type=Path, default=None, help="time end-to-end from these shards")
    parser.add_argument("--workers", type=int, default=None, help="loader workers [min(16, cores)]")
    return parser.parse_args(argv)


def timed(step: Callable[[], object], warmup: int, steps: int, device: torch.device) -> float:
    """Return seconds per step after ``warmup`` untimed steps."""
    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) / steps


def make_module(name: str, setting: Setting, runtime: Runtime) -> tuple[torch.nn.Module, ...]:
    """Return (module to run, optimiser) for one model in one setting."""
    model = build_model(name)
    module = TrainingModule(model, Criterion("ce", 7, model.feature_dim)).to(runtime.device)
    if setting.channels_last:
        to_channels_last(module)
    optimiser = torch.optim.SGD(module.parameters(), lr=1e-3, momentum=0.9)
    runner = torch.compile(module) if setting.compile else module
    return runner, optimiser


def setting_runtime(setting: Setting, device: str) -> Runtime:
    """Return the engine runtime (device, precision, transform) for a setting."""
    config = TrainConfig(
        data=Path("."),
        splits=Path("."),
        device=device,
        amp=setting.amp,
        channels_last=setting.channels_last,
        progress=False,
    )
    return make_runtime(config, DistEnv())


def synthetic_step(
    name: str, setting: Setting, device: str, frames: int, size: int
) -> tuple[Callable[[], object], torch.device]:
    """Return a closure running one training step on a fixed uint8 batch on the device."""
    runtime = setting_runtime(setting, device)
    runner, optimiser = make_module(name, setting, runtime)
    clips = torch.randint(
        0, 256, (setting.batch, frames, size, size, 3), dtype=torch.uint8, device=runtime.device
    )
    labels = torch.arange(setting.batch, device=runtime.device) % 7
    targets = torch.nn.functional.one_hot(labels, 7).float()
    runner.train()
    step = lambda: train_step(runner, optimiser, clips, labels, targets, runtime)  # noqa: E731
    return step, runtime.device


def loader_step(
    name: str, setting: Setting, device: str, shards: ShardDataset, workers: int
) -> tuple[Callable[[], object], torch.device]:
    """Return a closure running one training step on the next batch from the shards."""
    runtime = setting_runtime(setting, device)
    runner, optimiser = make_module(name, setting, runtime)
    rows = list(range(len(shards)))
    labels = [max(record.label - 1, 0) for record in shards.records]
    parts = make_loader(
        ClipBatches(shards, rows, labels),
        setting.batch,
        train=True,
        workers=workers,
        pin_memory=runtime.device.type == "cuda",
        seed=0,
        generator=torch.Generator(),
    )
    epoch = 0

    def batches() -> Iterator:
        nonlocal epoch
        while True:
            parts.start_epoch(0, epoch)
            yield from parts.loader
            epoch += 1

    stream = batches()
    runner.train()

    def step() -> object:
        clips, batch_labels, targets, _ = next(stream)
        clips = clips.to(runtime.device, non_blocking=True)
        batch_labels = batch_labels.to(runtime.device, non_blocking=True)
        targets = targets.to(runtime.device, non_blocking=True)
        return train_step(runner, optimiser, clips, batch_labels, targets, runtime)

    return step, runtime.device


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; print one line per model (clips/s, ratio, TFLOP/s)."""
    with contextlib.ExitStack() as cleanup:
        run(parse_args(argv), cleanup)


def run(args: argparse.Namespace, cleanup: contextlib.ExitStack) -> None:
    """Run the benchmark described by ``args``; temporary shards are removed by ``cleanup``."""
    cuda = torch.cuda.is_available() and args.device in ("auto", "cuda")
    device = "cuda" if cuda else "cpu"
    steps = args.steps or (30 if cuda else 2)
    warmup = args.warmup if args.warmup is not None else (5 if cuda else 1)
    size = args.size or (112 if cuda else 32)
    paper = Setting(
        "paper (fp32, eager)", args.paper_batch or (24 if cuda else 2), "none", False, False
    )
    # On a CPU bf16 autocast is emulated (far slower than fp32 without bf16 units): fp32 there.
    fast = Setting(
        ("fast (bf16, cl3d" if cuda else "fast (fp32 on CPU, cl3d")
        + (", compile)" if args.compile and cuda else ")"),
        args.fast_batch or (128 if cuda else 4),
        "bf16" if cuda else "none",
        True,
        args.compile and cuda,
    )
    names = model_names() if args.models == "all" else args.models.split(",")
    if cuda:
        torch.backends.cudnn.benchmark = True
        print(f"device: {torch.cuda.get_device_name()} · torch {torch.__version__}")
    else:
        print(
            f"note: no CUDA here — this is a CPU smoke run with tiny settings "
            f"({args.frames}×{size}×{size}, batches {paper.batch}/{fast.batch}, {steps} steps, "
            "no torch.compile), not the target machine; run it on the GPU machine for numbers"
        )
    shards = None
    if args.data is not None or args.shards:
        folder = args.data
        if folder is None:
            scratch = tempfile.TemporaryDirectory(prefix="bench-shards-")
            cleanup.callback(scratch.cleanup)
            written = write_synthetic_dataset(
                Path(scratch.name), count=args.shards, frames=args.frames, size=size
            )
            folder = written.data
        shards = ShardDataset(folder)
    # CPU: the main process computes, so workers would only compete with it for cores.
    workers = (
        args.workers if args.workers is not None else (min(16, os.cpu_count() or 1) if cuda else 0)
    )
    print(f"paper: {paper.name}, batch {paper.batch} · fast: {fast.name}, batch {fast.batch}")

    print(
        f"{'model':<14} {'GFLOP/clip':>10} {'paper clips/s':>14} {'fast clips/s':>13} "
        f"{'ratio':>6} {'fast TFLOP/s':>12}"
        + (f" {'e2e paper':>12} {'e2e fast':>12} {'ratio':>6}" if shards else "")
    )
    for name in names:
        flops = count_flops(build_model(name), (3, args.frames, size, size), backward=True)
        results = {}
        for setting in (paper, fast):
            step, torch_device = synthetic_step(name, setting, device, args.frames, size)
            results[setting.name] = setting.batch / timed(step, warmup, steps, torch_device)
            del step
            if cuda:
                torch.cuda.empty_cache()
        line = (
            f"{name:<14} {flops / 1e9:>10.1f} {results[paper.name]:>14.1f} "
            f"{results[fast.name]:>13.1f} {results[fast.name] / results[paper.name]:>6.2f} "
            f"{results[fast.name] * flops / 1e12:>12.2f}"
        )
        achieved, paper_rate = results[fast.name], results[paper.name]
        if shards is not None:
            rates = {}
            for setting in (paper, fast):
                step, torch_device = loader_step(name, setting, device, shards, workers)
                rates[setting.name] = setting.batch / timed(step, warmup, steps, torch_device)
                del step
            achieved, paper_rate = rates[fast.name], rates[paper.name]
            line += f" {paper_rate:>12.1f} {achieved:>12.1f} {achieved / paper_rate:>6.2f}"
        print(line, flush=True)
        if name == "c3d" and cuda:
            source = "end-to-end from shards" if shards is not None else "synthetic batches"
            ok = achieved >= C3D_TARGET_CLIPS_PER_S
            ok = ok and achieved / paper_rate >= C3D_TARGET_RATIO
            print(
                f"  C3D target (≥ {C3D_TARGET_CLIPS_PER_S} clips/s and ≥ {C3D_TARGET_RATIO:g}× "
                f"paper, {source}): {'met' if ok else 'NOT met'}"
            )


if __name__ == "__main__":
    main()
