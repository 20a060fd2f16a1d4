"""DistributedDataParallel on CPU: two gloo processes under torchrun, results gathered."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from training.distributed import DistEnv, detect
from training.synthetic import write_synthetic_dataset


def test_detects_torchrun_variables() -> None:
    assert detect({}) == DistEnv()
    env = detect({"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2"})
    assert env.enabled and not env.is_main and env.world_size == 2


def test_two_process_gloo_run(tmp_path: Path) -> None:
    dataset = write_synthetic_dataset(tmp_path / "data", count=35, frames=4, size=16)
    out = tmp_path / "runs"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        "-m",
        "training.cli",
        "--data",
        str(dataset.data),
        "--splits",
        str(dataset.splits),
        "--model",
        "resnet18_lstm",
        "--epochs",
        "2",
        "--batch-size",
        "4",
        "--workers",
        "0",
        "--device",
        "cpu",
        "--out",
        str(out),
        "--name",
        "ddp",
        "--no-progress",
        "--no-tsne",
    ]
    environ = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    run = out / "ddp" / "fold1"
    config = json.loads((run / "config.json").read_text())
    assert config["world_size"] == 2 and config["test_clips"] == 7
    with open(run / "predictions.csv", newline="") as handle:
        clips = [row["clip"] for row in csv.DictReader(handle)]
    expected = [c for c, f in zip(dataset.clips, dataset.folds, strict=True) if f == 1]
    assert clips == expected  # every test clip once, though 7 clips split unevenly over 2 ranks
    with open(run / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["epoch"] for row in rows] == ["1", "2"]
    assert result.stdout.count("fold 1 epoch 2/2") == 1  # only rank 0 reports
