"""Training on the vote distributions: the targets come from annotation.csv, a clip's loss
follows its votes, clips without a single label join training only, test sets stay as they are.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from training.cli import main
from training.config import TrainConfig
from training.errors import ConfigError
from training.experiment import load_fold_data
from training.losses import Criterion
from training.shards import ShardDataset
from training.synthetic import SyntheticDataset, write_annotation, write_synthetic_dataset
from training.targets import read_votes

MULTI = 6


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    folder = tmp_path_factory.mktemp("votes")
    return write_synthetic_dataset(folder, count=35, frames=4, size=16, multi=MULTI)


def _config(dataset: SyntheticDataset, **changes: object) -> TrainConfig:
    base = TrainConfig(data=dataset.data, splits=dataset.splits, workers=0, device="cpu")
    return dataclasses.replace(base, **changes)


def _counts(dataset: SyntheticDataset) -> dict[str, np.ndarray]:
    """Return clip → vote counts as written in annotation.csv, read with numpy here."""
    table = np.genfromtxt(dataset.splits / "annotation.csv", delimiter=",", dtype=str)
    return {row[0]: row[1:8].astype(float) for row in table[1:]}


def test_targets_are_the_normalised_vote_counts(dataset: SyntheticDataset) -> None:
    shards = ShardDataset(dataset.data)
    data = load_fold_data(_config(dataset, target="distribution"), 1, shards)
    counts = _counts(dataset)
    clips = [shards.records[row].clip for row in data.train.rows]
    for clip, target in zip(clips, data.train.targets, strict=True):
        np.testing.assert_allclose(target, counts[clip] / counts[clip].sum(), rtol=1e-6)
    # The single-label target is the one-hot label.
    plain = load_fold_data(_config(dataset), 1, shards)
    np.testing.assert_array_equal(plain.train.targets, np.eye(7)[plain.train.labels])


def test_a_clips_loss_depends_on_its_vote_counts(dataset: SyntheticDataset, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "EmoLabel_DataSplit").symlink_to(dataset.splits / "EmoLabel_DataSplit")
    counts = _counts(dataset)
    clips = sorted(counts)
    stored = read_votes(dataset.splits).labels
    labels = [stored[clip] for clip in clips]
    table = np.stack([counts[clip] for clip in clips]).astype(int)
    write_annotation(export, clips, table, labels)
    shards = ShardDataset(dataset.data)
    first = load_fold_data(_config(dataset, splits=export, target="distribution"), 1, shards)
    changed = first.train.rows[0]
    clip = shards.records[changed].clip
    table[clips.index(clip)] = [1, 1, 1, 1, 2, 2, 2]  # new votes for one training clip
    write_annotation(export, clips, table, labels)
    # (the symlinked split files are untouched: only annotation.csv differs)
    second = load_fold_data(_config(dataset, splits=export, target="distribution"), 1, shards)
    np.testing.assert_array_equal(first.train.labels, second.train.labels)

    logits = torch.randn(len(first.train), 7, generator=torch.Generator().manual_seed(0))
    features = torch.zeros(len(first.train), 4)
    criterion = Criterion("ce", 7, 4, target="distribution")

    def per_clip(targets: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(targets)
        return (t * (t.clamp_min(1e-12).log() - F.log_softmax(logits, 1))).sum(1)

    a, b = per_clip(first.train.targets), per_clip(second.train.targets)
    assert a[0] != b[0] and torch.equal(a[1:], b[1:])
    labels_t = torch.from_numpy(first.train.labels)
    for data, expected in ((first, a), (second, b)):
        terms = criterion(logits, features, labels_t, torch.from_numpy(data.train.targets))
        torch.testing.assert_close(terms.ce, expected.mean())


def test_multi_label_clips_join_training_never_testing(dataset: SyntheticDataset) -> None:
    shards = ShardDataset(dataset.data)
    plain = load_fold_data(_config(dataset), 1, shards)
    votes = load_fold_data(_config(dataset, target="distribution", include_multi=True), 1, shards)
    multi = {shards.position(clip) for clip in read_votes(dataset.splits).multi_label_clips()}
    assert len(multi) == MULTI
    assert set(votes.train.rows) == set(plain.train.rows) | multi
    # The test set is the split file's, clip for clip and label for label.
    np.testing.assert_array_equal(votes.test.rows, plain.test.rows)
    np.testing.assert_array_equal(votes.test.labels, plain.test.labels)
    assert votes.test_clips == plain.test_clips and not multi & set(votes.test.rows)
    with pytest.raises(ConfigError, match="--include-multi without --target distribution"):
        _config(dataset, include_multi=True).validate()


def test_distribution_runs_report_beside_label_runs(
    dataset: SyntheticDataset, tmp_path: Path, capsys
) -> None:
    common = [
        *("--data", str(dataset.data), "--splits", str(dataset.splits)),
        *("--out", str(tmp_path), "--model", "resnet18_lstm", "--epochs", "1"),
        *("--batch-size", "8", "--workers", "0", "--device", "cpu", "--no-tsne"),
        "--no-progress",
    ]
    main(common)
    main([*common, "--target", "distribution", "--include-multi", "--loss", "ec-stfl"])
    run = tmp_path / "resnet18_lstm-ec-stfl-lam10-votes+multi-bs8-s0" / "fold1"
    results = json.loads((run / "results.json").read_text())
    assert results["target"] == "distribution" and results["include_multi"] is True
    assert results["count"] == 7  # the test fold's single-labelled clips
    config = json.loads((run / "config.json").read_text())
    assert config["train_clips"] == 28 + MULTI and config["test_clips"] == 7
    capsys.readouterr()
    main(["report", str(tmp_path), "--csv", str(tmp_path / "table.csv")])
    rows = (tmp_path / "table.csv").read_text().splitlines()
    assert rows[0].startswith("model,loss,target,batch,folds,")
    assert [row.split(",")[2] for row in rows[1:]] == ["labels", "votes + multi"]


def test_votes_are_read_from_a_release_root(tmp_path: Path) -> None:
    # dfew-build release (like DFEW) keeps them in Annotation/annotation.csv, keyed by order.
    (tmp_path / "Annotation").mkdir()
    (tmp_path / "Annotation" / "annotation.csv").write_text(
        "1happy,2sad,3neutral,4angry,5surprise,6disgust,7fear,order,label\n"
        "8,1,1,0,0,0,0,1,1\n"
        "3,3,2,2,0,0,0,12,0\n"
    )
    votes = read_votes(tmp_path / "EmoLabel_DataSplit")
    assert votes.labels == {"00001": 1, "00012": 0}
    np.testing.assert_allclose(votes.distribution("00012"), [0.3, 0.3, 0.2, 0.2, 0, 0, 0])
    assert votes.multi_label_clips() == ["00012"]
