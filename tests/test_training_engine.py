"""The training engine: resume, fine-tuning init, pooled folds, sweeps, the device transform."""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training import experiment
from training.checkpoint import init_from_checkpoint, load_checkpoint
from training.config import SweepConfig, TrainConfig
from training.data import ClipTransform
from training.errors import CheckpointError, ConfigError, Interrupted, RunFolderError, SplitError
from training.experiment import expand_sweep, run_experiment
from training.models import build_model
from training.synthetic import SyntheticDataset, write_splits, write_synthetic_dataset

MODEL = "resnet18_lstm"  # the cheapest model on tiny clips


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    return write_synthetic_dataset(
        tmp_path_factory.mktemp("synthetic"), count=35, frames=4, size=16
    )


def _config(dataset: SyntheticDataset, out: Path, **changes: object) -> TrainConfig:
    base = TrainConfig(
        data=dataset.data,
        splits=dataset.splits,
        model=MODEL,
        epochs=2,
        batch_size=8,
        lr=0.05,
        workers=0,
        device="cpu",
        out=out,
        tsne=False,
        progress=False,
    )
    return dataclasses.replace(base, **changes)


def _metrics(run: Path) -> list[dict[str, str]]:
    with open(run / "metrics.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _interrupt_in_epoch(monkeypatch: pytest.MonkeyPatch, stop_at: int) -> None:
    """Make training raise KeyboardInterrupt (as Ctrl-C does) when epoch ``stop_at`` (0-based)
    starts."""
    train = experiment.train_one_epoch

    def interrupted(*args: object, **kwargs: object) -> object:
        if args[4] == stop_at:
            raise KeyboardInterrupt
        return train(*args, **kwargs)

    monkeypatch.setattr(experiment, "train_one_epoch", interrupted)


@pytest.mark.parametrize("workers", [0, 2])
def test_interrupted_and_resumed_equals_uninterrupted(
    dataset: SyntheticDataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Bit for bit, with and without loader workers: the model has dropout and the center
    loss's buffer, so any shift of a random draw or a lost state would show."""
    config = _config(
        dataset, tmp_path, loss="center", epochs=3, workers=workers, keep_optimizer=True
    )
    straight = run_experiment(dataclasses.replace(config, out=tmp_path / "a")) / "fold1"
    with monkeypatch.context() as patch:
        _interrupt_in_epoch(patch, stop_at=1)
        with pytest.raises(Interrupted) as stop:
            run_experiment(dataclasses.replace(config, out=tmp_path / "b"))
    assert (stop.value.fold, stop.value.epoch, stop.value.epochs) == (1, 2, 3)
    assert load_checkpoint(stop.value.checkpoint)["epoch"] == 1
    with pytest.raises(RunFolderError, match="already holds a run"):
        run_experiment(dataclasses.replace(config, out=tmp_path / "b"))
    resumed = run_experiment(dataclasses.replace(config, out=tmp_path / "b", resume=True))
    resumed = resumed / "fold1"

    assert [row["epoch"] for row in _metrics(resumed)] == ["1", "2", "3"]
    for row_a, row_b in zip(_metrics(straight), _metrics(resumed), strict=True):
        for column in ("train_loss", "train_ce", "train_aux", "test_loss", "lr"):
            assert row_a[column] == row_b[column], column
    a, b = load_checkpoint(straight), load_checkpoint(resumed)
    assert a["epoch"] == b["epoch"] == 3
    for key, value in a["model"].items():
        torch.testing.assert_close(b["model"][key], value, rtol=0, atol=0)
    torch.testing.assert_close(b["criterion"], a["criterion"], rtol=0, atol=0)
    momentum_a = [s["momentum_buffer"] for s in a["optimizer"]["state"].values()]
    momentum_b = [s["momentum_buffer"] for s in b["optimizer"]["state"].values()]
    torch.testing.assert_close(momentum_b, momentum_a, rtol=0, atol=0)
    assert a["scheduler"] == b["scheduler"]
    assert (a["best_epoch"], a["best_uar"]) == (b["best_epoch"], b["best_uar"])

    with pytest.raises(CheckpointError, match="other settings"):
        run_experiment(
            dataclasses.replace(
                config, out=tmp_path / "b", name=resumed.parent.name, batch_size=4, resume=True
            )
        )


def test_finished_fold_keeps_last_and_best_weights(
    dataset: SyntheticDataset, tmp_path: Path
) -> None:
    run = run_experiment(_config(dataset, tmp_path, epochs=2)) / "fold1"
    last = load_checkpoint(run / "checkpoint.pt")
    assert last["epoch"] == 2 and "optimizer" not in last  # dropped once the fold is finished
    best = load_checkpoint(run / "best.pt")
    assert set(best) == {"model", "epoch", "fold", "uar", "args"}
    rows = _metrics(run)
    uars = [float(row["test_uar"]) for row in rows]
    assert best["epoch"] == 1 + uars.index(max(uars)) and best["uar"] == max(uars)
    assert (last["best_epoch"], last["best_uar"]) == (best["epoch"], best["uar"])
    # Evaluating a finished fold again works; extending it would need the dropped state.
    again = run_experiment(_config(dataset, tmp_path, epochs=2, resume=True)) / "fold1"
    assert len(_metrics(again)) == 2
    with pytest.raises(CheckpointError, match="--keep-optimizer"):
        run_experiment(_config(dataset, tmp_path, epochs=3, resume=True))


def test_init_reinitialises_a_classifier_of_another_size(
    dataset: SyntheticDataset, tmp_path: Path
) -> None:
    run = run_experiment(_config(dataset, tmp_path, epochs=1)) / "fold1"
    source = load_checkpoint(run)["model"]
    model = build_model(MODEL, num_classes=5)
    skipped = init_from_checkpoint(model, run)
    assert skipped == ["classifier.weight", "classifier.bias"]
    assert model.classifier.weight.shape == (5, model.feature_dim)
    torch.testing.assert_close(
        model.state_dict()["backbone.lstm.weight_hh_l0"], source["backbone.lstm.weight_hh_l0"]
    )
    with pytest.raises(CheckpointError, match="does not fit"):
        init_from_checkpoint(build_model("r3d18"), run)
    # Through the engine: fine-tune from the run (same classes, so nothing is reset).
    tuned = run_experiment(_config(dataset, tmp_path, epochs=1, init=run, name="tuned"))
    assert (tuned / "fold1" / "results.json").exists()


def test_several_folds_are_pooled(dataset: SyntheticDataset, tmp_path: Path) -> None:
    config = _config(dataset, tmp_path, folds=(1, 2), epochs=1, loss="ec-stfl", tsne=True)
    experiment = run_experiment(config)
    pooled = json.loads((experiment / "results.json").read_text())
    per_fold = [json.loads((experiment / f"fold{k}" / "results.json").read_text()) for k in (1, 2)]
    assert pooled["pooled"] and pooled["folds"] == [1, 2]
    assert pooled["count"] == sum(r["count"] for r in per_fold) == 14
    confusion = np.array(per_fold[0]["confusion"]) + np.array(per_fold[1]["confusion"])
    assert pooled["confusion"] == confusion.tolist()
    with open(experiment / "predictions.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {c for c, f in zip(dataset.clips, dataset.folds, strict=True) if f in (1, 2)}
    assert {row["clip"] for row in rows} == expected and len(rows) == 14
    for name in (
        "confusion.csv",
        "confusion.png",
        "fold1/tsne.png",
        "fold2/metrics.csv",
        "fold2/config.json",
        "fold2/checkpoint.pt",
    ):
        assert (experiment / name).exists(), name


def test_sweeps_expand_into_named_runs(dataset: SyntheticDataset, tmp_path: Path) -> None:
    base = _config(dataset, tmp_path, loss="ec-stfl", name="sens")
    configs = expand_sweep(SweepConfig(base, lambdas=(1.0, 10.0), batch_sizes=(8, 16)))
    assert [(c.lam, c.batch_size) for c in configs] == [(1, 8), (1, 16), (10, 8), (10, 16)]
    assert len({c.experiment_name() for c in configs}) == 4
    assert expand_sweep(SweepConfig(base)) == [base]
    with pytest.raises(ConfigError, match="needs --loss ec-stfl"):
        expand_sweep(SweepConfig(dataclasses.replace(base, loss="ce"), lambdas=(1.0, 3.0)))


def test_limit_clips_and_missing_shards(
    dataset: SyntheticDataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(dataset, tmp_path, epochs=1, limit_clips=5)
    run = run_experiment(config) / "fold1"
    saved = json.loads((run / "config.json").read_text())
    assert saved["train_clips"] == 5 and saved["test_clips"] == 5

    # A split clip without a shard row (no face found in preprocessing) is refused: training
    # on fewer clips than the split names would make results incomparable.
    splits = tmp_path / "export"
    write_splits(splits, [*dataset.clips, "99999"], [*dataset.labels, 1], [*dataset.folds, 1])
    with pytest.raises(SplitError, match="1 of the 8 test clips of fold 1 have no frames"):
        run_experiment(_config(dataset, tmp_path, epochs=1, splits=splits, name="gap"))
    assert not (tmp_path / "gap").exists()


def test_transform_normalises_augments_and_sets_the_layout() -> None:
    clips = torch.randint(0, 256, (3, 4, 16, 16, 3), dtype=torch.uint8)
    plain = ClipTransform(channels_last=True)(clips, train=False)
    assert plain.shape == (3, 3, 4, 16, 16) and plain.dtype == torch.float32
    assert plain.is_contiguous(memory_format=torch.channels_last_3d)
    mean, std = torch.tensor(ClipTransform.mean), torch.tensor(ClipTransform.std)
    expected = (clips.float() / 255 - mean) / std
    torch.testing.assert_close(plain, expected.permute(0, 4, 1, 2, 3))

    flip_only = ClipTransform(min_crop=1.0, flip=True)
    generator = torch.Generator().manual_seed(0)
    flipped_any = False
    for _ in range(4):
        out = flip_only(clips, train=True, generator=generator)
        assert out.is_contiguous()
        for k in range(3):
            same = torch.allclose(out[k], plain[k], atol=1e-4)
            mirrored = torch.allclose(out[k], plain[k].flip(-1), atol=1e-4)
            assert same or mirrored
            flipped_any |= mirrored and not same
    assert flipped_any
    cropped = ClipTransform(min_crop=0.5)(clips, train=True, generator=generator)
    assert cropped.shape == plain.shape and torch.isfinite(cropped).all()
