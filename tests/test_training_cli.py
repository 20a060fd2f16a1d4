"""dfew-train in-process: bad input gives one line and status 2; models, train and report."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pytest

from training import experiment
from training.cli import main, parse_train
from training.shards import ShardWriter
from training.splits import split_file
from training.synthetic import SyntheticDataset, write_splits, write_synthetic_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SyntheticDataset:
    return write_synthetic_dataset(tmp_path_factory.mktemp("cli"), count=35, frames=4, size=16)


def _train_args(dataset: SyntheticDataset, out: Path, *extra: str) -> list[str]:
    return [
        "--data",
        str(dataset.data),
        "--splits",
        str(dataset.splits),
        "--out",
        str(out),
        "--model",
        "resnet18_lstm",
        "--epochs",
        "1",
        "--batch-size",
        "8",
        "--workers",
        "0",
        "--device",
        "cpu",
        "--no-tsne",
        "--no-progress",
        *extra,
    ]


def _fails(argv: list[str], capsys: pytest.CaptureFixture[str], expected: str) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and " — " in err, err
    assert expected in err, err
    assert "Traceback" not in err


def test_unknown_model(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    _fails(_train_args(dataset, tmp_path, "--model", "c4d"), capsys, "unknown model 'c4d'")
    _fails(["models", "--names", "c4d"], capsys, "choose one of c3d")


def test_fold_outside_range(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    _fails(_train_args(dataset, tmp_path, "--fold", "6"), capsys, "fold '6' is outside 1..5")
    _fails(_train_args(dataset, tmp_path, "--fold", "0"), capsys, "outside 1..5")


def test_missing_fold_files(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    export = tmp_path / "export"
    (export / "EmoLabel_DataSplit" / "train(single-labeled)").mkdir(parents=True)
    _fails(_train_args(dataset, tmp_path, "--splits", str(export)), capsys, "missing split file")
    _fails(
        _train_args(dataset, tmp_path, "--splits", str(tmp_path / "nowhere")),
        capsys,
        "no EmoLabel_DataSplit folder",
    )


def test_bad_splits_are_refused(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    """Overlapping test folds, and a label the shard index contradicts, are one-line errors."""
    export = tmp_path / "export"
    folds = list(dataset.folds)
    write_splits(export, dataset.clips, dataset.labels, folds)
    test_2 = split_file(export, "test", 2)
    # fold 1's first clip also appears in test fold 2: pooled results would count it twice
    first = dataset.folds.index(1)
    with open(test_2, "a") as handle:
        handle.write(f"{int(dataset.clips[first])},{dataset.labels[first]}\n")
    _fails(
        _train_args(dataset, tmp_path, "--splits", str(export)),
        capsys,
        "1 clip(s) are in the test sets of folds 1 and 2",
    )
    relabelled = [label % 7 + 1 for label in dataset.labels]
    write_splits(export, dataset.clips, relabelled, folds)
    _fails(_train_args(dataset, tmp_path, "--splits", str(export)), capsys, "but 1 in")


def test_a_test_fold_other_than_the_shards_record_is_refused(tmp_path: Path, capsys) -> None:
    """preprocess records each clip's test fold in the index; a split that moved it is refused."""
    names, labels = [f"{k:05d}" for k in range(1, 36)], [k % 7 + 1 for k in range(35)]
    folds = [k // 7 + 1 for k in range(35)]
    with ShardWriter(tmp_path / "data", frames=4, size=16, extra_columns=("fold",)) as writer:
        for name, label, fold in zip(names, labels, folds, strict=True):
            writer.add(name, label, np.zeros((4, 16, 16, 3), np.uint8), fold=fold)
    moved = [2 if fold == 1 and k == 0 else fold for k, fold in enumerate(folds)]
    write_splits(tmp_path / "export", names, labels, moved)
    data = SyntheticDataset(tmp_path / "data", tmp_path / "export", names, labels, folds)
    _fails(_train_args(data, tmp_path, "--fold", "2"), capsys, "records fold 1 for it")


def test_shards_with_the_wrong_shape(tmp_path: Path, capsys) -> None:
    broken = write_synthetic_dataset(tmp_path / "broken", count=35, frames=4, size=16)
    np.save(broken.data / "shard-00000.npy", np.zeros((35, 4, 8, 8, 3), np.uint8))
    _fails(_train_args(broken, tmp_path), capsys, "expected uint8 (n, 4, 16, 16, 3)")


def test_argument_mistakes_are_one_line(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    _fails(["--model", "c3d"], capsys, "the following arguments are required: --data")
    _fails(_train_args(dataset, tmp_path, "--lambda", "1,x"), capsys, "--lambda takes numbers")
    _fails(_train_args(dataset, tmp_path, "--epochs", "0"), capsys, "--epochs 0 is not allowed")
    _fails(_train_args(dataset, tmp_path, "--device", "tpu"), capsys, "--device tpu")
    _fails(["report", str(tmp_path / "empty")], capsys, "is not a folder")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--lr", "nan"),
        ("--lr", "0"),
        ("--momentum", "1"),
        ("--weight-decay", "-1e-4"),
        ("--lambda", "inf"),
        ("--lambda", "1,-3"),
        ("--center-weight", "nan"),
        ("--center-alpha", "0"),
        ("--center-alpha", "1.5"),
        ("--min-crop", "inf"),
        ("--patience", "-1"),
        ("--seed", "-1"),
        ("--workers", "-2"),
        ("--limit-clips", "0"),
        ("--eval-every", "0"),
    ],
)
def test_numbers_are_finite_and_in_range(
    dataset: SyntheticDataset, tmp_path: Path, capsys, option: str, value: str
) -> None:
    out = tmp_path / "runs"
    _fails(_train_args(dataset, out, f"{option}={value}"), capsys, f"{option} ")
    assert not out.exists()  # refused before any work


def test_parse_train_expands_lists(dataset: SyntheticDataset, tmp_path: Path) -> None:
    sweep = parse_train(
        _train_args(
            dataset,
            tmp_path,
            "--fold",
            "all",
            "--loss",
            "ec-stfl",
            "--lambda",
            "1,3,5,10",
            "--batch-size",
            "8,16",
        )
    )
    assert sweep.base.folds == (1, 2, 3, 4, 5)
    assert sweep.lambdas == (1.0, 3.0, 5.0, 10.0) and sweep.batch_sizes == (8, 16)


def test_train_then_report(dataset: SyntheticDataset, tmp_path: Path, capsys) -> None:
    main(
        ["train", *_train_args(dataset, tmp_path / "runs", "--loss", "ec-stfl", "--lambda", "1,10")]
    )
    main(_train_args(dataset, tmp_path / "runs"))
    capsys.readouterr()
    csv_path = tmp_path / "table.csv"
    main(["report", str(tmp_path / "runs"), "--csv", str(csv_path)])
    out = capsys.readouterr().out
    assert "softmax + EC-STFL (λ=1)" in out and "softmax + EC-STFL (λ=10)" in out
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("model,loss,target,batch,folds,Happy,Sad,Neutral,Angry,Surprise")
    assert len(lines) == 4
    assert split_file(dataset.splits, "test", 1).exists()


def test_ctrl_c_says_where_it_stopped_and_how_to_resume(
    dataset: SyntheticDataset, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    train = experiment.train_one_epoch

    def interrupted(*args: object, **kwargs: object) -> object:
        if args[4] == 1:  # Ctrl-C as the second epoch starts
            raise KeyboardInterrupt
        return train(*args, **kwargs)

    argv = _train_args(dataset, tmp_path / "runs", "--name", "stop")
    argv[argv.index("--epochs") + 1] = "2"
    with monkeypatch.context() as patch:
        patch.setattr(experiment, "train_one_epoch", interrupted)
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
    assert exit_info.value.code == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    checkpoint = tmp_path / "runs" / "stop" / "fold1" / "checkpoint.pt"
    assert err.startswith(f"interrupted in fold 1, epoch 2/2; {checkpoint} holds epoch 1"), err
    command = err.split("resume with: ")[1].strip()
    assert command.startswith("dfew-train ") and command.endswith(" --resume")
    main(shlex.split(command)[1:])
    results = json.loads((checkpoint.parent / "results.json").read_text())
    assert results["epochs"] == 2 and "lam" not in results and "center_weight" not in results


def test_models_table(capsys) -> None:
    main(["models", "--names", "resnet18_lstm,i3d", "--size", "32", "--frames", "8"])
    out = capsys.readouterr().out
    assert "resnet18_lstm" in out and "i3d" in out and "forward GFLOPs" in out
