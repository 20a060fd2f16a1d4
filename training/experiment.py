"""Experiments: run folders, folds, resume and fine-tuning, pooled results, sweeps.

``run_sweep`` is the library entry the CLI calls: it expands λ / batch-size lists into
experiments; ``run_experiment`` trains one model on one or more folds and pools their test
predictions (as the DFEW paper does for its final figures); ``train_fold`` owns one run folder::

    RUNS/<experiment>/fold<k>/config.json     the configuration
                              metrics.csv     one row per epoch
                              checkpoint.pt   the last epoch: model, optimiser (dropped once the
                                              fold is finished), scheduler, loss module, epoch, args
                              best.pt         weights of the epoch with the best test UAR
                              predictions.csv clip, label, predicted (DFEW codes 1..7)
                              results.json    UAR, WAR, per-class recall, confusion matrix
                              confusion.csv / confusion.png / tsne.png
    RUNS/<experiment>/results.json …          pooled over the folds, when there are several
"""

from __future__ import annotations

import csv
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from training import distributed
from training.checkpoint import (
    BEST_NAME,
    CHECKPOINT_NAME,
    init_from_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from training.config import SweepConfig, TrainConfig
from training.data import ClipBatches, LoaderParts, make_loader
from training.engine import (
    EpochStats,
    Evaluation,
    Runtime,
    TrainingModule,
    evaluate,
    make_runtime,
    seed_everything,
    to_channels_last,
    train_one_epoch,
)
from training.errors import CheckpointError, ConfigError, Interrupted, RunFolderError, SplitError
from training.losses import Criterion
from training.metrics import Scores, plot_tsne, write_scores
from training.models import build_model
from training.shards import ShardDataset
from training.splits import EMOTIONS, check_test_folds, read_fold
from training.targets import read_votes

METRIC_COLUMNS = (
    "epoch",
    "lr",
    "train_loss",
    "train_ce",
    "train_aux",
    "train_war",
    "test_loss",
    "test_uar",
    "test_war",
    "seconds",
    "train_clips_per_s",
)
# Fields that must match between a checkpoint and the run that resumes it.
RESUME_FIELDS = (
    "model",
    "loss",
    "num_classes",
    "batch_size",
    "lam",
    "center_weight",
    "center_alpha",
    "target",
    "include_multi",
)


@dataclass
class FoldData:
    """The clips of one fold that exist in the shards, as datasets."""

    train: ClipBatches
    test: ClipBatches
    test_clips: list[str]


def load_fold_data(config: TrainConfig, fold: int, shards: ShardDataset) -> FoldData:
    """Match fold ``fold``'s split files with the shards; return train/test datasets.

    Every clip of the split must be in the shards with the same label: DFEW leaves clips
    without faces out of its splits, and training on a split that names others would silently
    train and test on fewer clips than the split promises. ``config.limit_clips`` keeps a seeded
    random subset of each side. With the distribution target every clip carries its normalised
    vote counts, and with ``config.include_multi`` the clips of the export without a single
    label that have a shard row join the training side (with their majority emotion as the
    class that the feature terms and the training accuracy use); the test side stays as the
    split file says.

    Raises
    ------
    SplitError
        When a split clip has no frames in the shards, or a label other than the shard index's.
    ConfigError
        When the distribution target finds no vote counts beside the splits.
    """
    split = read_fold(config.splits, fold)
    votes = read_votes(config.splits) if config.target == "distribution" else None
    rng = np.random.default_rng(config.seed)
    sides = {}
    for side, pairs in (("train", split.train), ("test", split.test)):
        checked = [(shards.position(clip), clip, label) for clip, label in pairs]
        _check_split_clips(shards, checked, side, fold)
        kept = [(row, clip, label - 1) for row, clip, label in checked]
        if side == "train" and votes is not None and config.include_multi:
            tested = {clip for clip, _ in split.test}
            extra = [clip for clip in votes.multi_label_clips() if clip not in tested]
            rows = [(shards.position(clip), clip, votes.majority(clip)) for clip in extra]
            kept += [item for item in rows if item[0] is not None]
        if config.limit_clips is not None and len(kept) > config.limit_clips:
            chosen = np.sort(rng.choice(len(kept), config.limit_clips, replace=False))
            kept = [kept[i] for i in chosen]
        sides[side] = kept

    def dataset(items: list[tuple[int, str, int]]) -> ClipBatches:
        targets = None
        if votes is not None:
            targets = np.stack([votes.distribution(clip) for _, clip, _ in items])
        return ClipBatches(
            shards, [r for r, _, _ in items], [y for _, _, y in items], targets, config.num_classes
        )

    return FoldData(
        train=dataset(sides["train"]),
        test=dataset(sides["test"]),
        test_clips=[clip for _, clip, _ in sides["test"]],
    )


def _check_split_clips(
    shards: ShardDataset, rows: list[tuple[int | None, str, int]], side: str, fold: int
) -> None:
    """Raise SplitError when a side has no clips, or a (shard row, clip, label) of it has no
    shard row, another label than the shard index's, or (a test clip) another test fold than
    the one the index records; return None."""
    if not rows:
        raise SplitError(f"the {side} split of fold {fold} names no clip", "re-run the export")
    missing = [clip for row, clip, _ in rows if row is None]
    if missing:
        raise SplitError(
            f"{len(missing)} of the {len(rows)} {side} clips of fold {fold} have no frames in "
            f"{shards.folder} (e.g. {missing[0]})",
            "drop --splits to train on the splits `dfew-build preprocess` (or release) wrote "
            "beside the shards: they leave out clips without faces",
        )
    for row, clip, label in rows:
        record = shards.records[row]  # type: ignore[index]
        if record.label != label:
            raise SplitError(
                f"clip {clip} has label {label} in the {side} split of fold {fold} but "
                f"{record.label} in {shards.folder}",
                "pass --data and --splits from the same export (or release)",
            )
        # preprocess records each clip's test fold; a test clip must be in that fold
        recorded = record.extra.get("fold", "")
        if side == "test" and recorded and int(recorded) != fold:
            raise SplitError(
                f"clip {clip} is in the test split of fold {fold} but {shards.folder} records "
                f"fold {recorded} for it",
                "pass --data and --splits from the same export (or release)",
            )


def _append_metrics(path: Path, row: dict[str, float | int]) -> None:
    """Append one row to metrics.csv, writing the header first if the file is new."""
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS)
        if new:
            writer.writeheader()
        writer.writerow(row)


def _truncate_metrics(path: Path, epochs_done: int) -> None:
    """Drop metrics rows after ``epochs_done`` (written before a crash lost their checkpoint)."""
    if not path.exists():
        return
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if int(row["epoch"]) <= epochs_done]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=METRIC_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _check_resumable(state: dict, config: TrainConfig, fold: int, path: Path) -> None:
    """Raise CheckpointError when the checkpoint was made with other essential settings."""
    args = state.get("args", {})
    changed = [name for name in RESUME_FIELDS if args.get(name) != getattr(config, name)]
    if state.get("fold") != fold or changed:
        raise CheckpointError(
            f"{path} was trained with other settings ({', '.join(changed) or 'fold'})",
            "resume with the same --model/--loss/--lambda/--batch-size, or use a new --name",
        )


@dataclass
class TrainState:
    """Everything a checkpoint holds: model, loss module, optimiser and LR schedule."""

    model: nn.Module
    criterion: Criterion
    module: TrainingModule
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.ReduceLROnPlateau
    best_uar: float = -1.0
    best_epoch: int = 0

    @classmethod
    def build(cls, config: TrainConfig, runtime: Runtime, seed: int) -> TrainState:
        """Return fresh (or ``--init``-loaded) training state on the runtime's device.

        SGD with momentum; the learning rate is divided by 10 when the training loss has not
        improved for ``config.patience`` epochs.
        """
        seed_everything(seed)
        model = build_model(config.model, config.num_classes)
        criterion = Criterion(
            config.loss,
            config.num_classes,
            model.feature_dim,
            config.lam,
            config.center_weight,
            config.center_alpha,
            config.target,
        )
        if config.init is not None:
            reset = init_from_checkpoint(model, config.init)
            if reset and runtime.env.is_main:
                runtime.console.print(f"--init: classifier re-initialised ({len(reset)} tensors)")
        module = TrainingModule(model, criterion).to(runtime.device)
        if runtime.transform.channels_last:
            to_channels_last(module)
        optimizer = torch.optim.SGD(
            module.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=0.1, patience=config.patience
        )
        return cls(model, criterion, module, optimizer, scheduler)

    def state_dict(
        self, epoch: int, fold: int, config: TrainConfig, optimizer: bool = True
    ) -> dict:
        """Return the checkpoint contents after ``epoch`` completed epochs.

        Without ``optimizer`` the SGD state (momentum buffers, as large as the model) is left
        out: enough to evaluate or fine-tune, not to continue training bit for bit.
        """
        state = {
            "model": self.model.state_dict(),
            "criterion": self.criterion.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": epoch,
            "fold": fold,
            "best_uar": self.best_uar,
            "best_epoch": self.best_epoch,
            "args": config.to_json(),
        }
        if optimizer:
            state["optimizer"] = self.optimizer.state_dict()
        return state

    def restore(self, state: dict) -> int:
        """Load a checkpoint's contents; return the number of epochs it had completed."""
        self.model.load_state_dict(state["model"])
        self.criterion.load_state_dict(state["criterion"])
        if "optimizer" in state:
            self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.best_uar = float(state.get("best_uar", -1.0))
        self.best_epoch = int(state.get("best_epoch", 0))
        return int(state["epoch"])


def _loaders(config: TrainConfig, data: FoldData, runtime: Runtime) -> tuple[LoaderParts, ...]:
    """Return the (train, test) loaders of a fold for this rank."""
    common = {
        "workers": config.workers,
        "pin_memory": runtime.device.type == "cuda",
        "seed": config.seed,
        "rank": runtime.env.rank,
        "world_size": runtime.env.world_size,
    }
    return (
        make_loader(
            data.train, config.batch_size, train=True, generator=torch.Generator(), **common
        ),
        make_loader(
            data.test, config.batch_size, train=False, generator=torch.Generator(), **common
        ),
    )


def _wrap(module: nn.Module, config: TrainConfig, runtime: Runtime) -> nn.Module:
    """Return the module to run: DDP-wrapped under torchrun, then compiled if asked."""
    runner = module
    if runtime.env.enabled:
        device_ids = [runtime.device.index] if runtime.device.type == "cuda" else None
        runner = DistributedDataParallel(module, device_ids=device_ids)
    if config.compile:
        runner = torch.compile(runner)
    return runner


def _epoch_row(
    epoch: int, lr: float, stats: EpochStats, evaluation: Evaluation | None, scores: Scores | None
) -> dict[str, float | int | str]:
    """Return one metrics.csv row (test columns empty when the epoch was not evaluated)."""
    row: dict[str, float | int | str] = {
        "epoch": epoch,
        "lr": lr,
        "train_loss": stats.loss,
        "train_ce": stats.ce,
        "train_aux": stats.aux,
        "train_war": stats.war,
        "test_loss": "",
        "test_uar": "",
        "test_war": "",
        "seconds": round(stats.seconds, 3),
        "train_clips_per_s": round(stats.clips_per_s, 2),
    }
    if evaluation is not None and scores is not None:
        row.update(test_loss=evaluation.loss, test_uar=scores.uar, test_war=scores.war)
    return row


def train_fold(
    config: TrainConfig, fold: int, experiment_dir: Path, runtime: Runtime, shards: ShardDataset
) -> tuple[Evaluation, list[str]]:
    """Train (or resume) fold ``fold`` in ``experiment_dir/fold<k>``; write its results.

    ``checkpoint.pt`` holds the last epoch (for ``--resume``), ``best.pt`` the weights of the
    evaluated epoch with the highest test UAR. Once the fold is finished the optimiser state is
    dropped from ``checkpoint.pt`` unless ``config.keep_optimizer``.

    Returns the final test evaluation and the clip ids its positions refer to.

    Raises
    ------
    RunFolderError
        When the run folder already holds a checkpoint and ``config.resume`` is off.
    CheckpointError
        When resuming needs optimiser state that a finished fold's checkpoint no longer holds.
    Interrupted
        On Ctrl-C, saying where training stopped and which epoch the checkpoint holds.
    """
    env = runtime.env
    run_dir = experiment_dir / f"fold{fold}"
    checkpoint_path = run_dir / CHECKPOINT_NAME
    if checkpoint_path.exists() and not config.resume:
        raise RunFolderError(
            f"{run_dir} already holds a run",
            "pass --resume to continue it, or --name/--out for a new one",
        )
    data = load_fold_data(config, fold, shards)
    train_parts, test_parts = _loaders(config, data, runtime)
    state = TrainState.build(config, runtime, seed=config.seed + fold)
    start_epoch = 0
    if config.resume and checkpoint_path.exists():
        saved = load_checkpoint(checkpoint_path, map_location=runtime.device)
        _check_resumable(saved, config, fold, checkpoint_path)
        start_epoch = state.restore(saved)
        if "optimizer" not in saved and start_epoch < config.epochs:
            raise CheckpointError(
                f"{checkpoint_path} is a finished fold of {start_epoch} epochs whose optimiser "
                "state was dropped",
                "train with --keep-optimizer to extend a run later, or --init it into a new one",
            )
        if env.is_main:
            _truncate_metrics(run_dir / "metrics.csv", start_epoch)
    runner = _wrap(state.module, config, runtime)

    if env.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
        payload = {
            **config.to_json(),
            "fold": fold,
            "world_size": env.world_size,
            "train_clips": len(data.train),
            "test_clips": len(data.test),
        }
        (run_dir / "config.json").write_text(json.dumps(payload, indent=2) + "\n")

    epoch = start_epoch
    try:
        final: Evaluation | None = None
        for epoch in range(start_epoch, config.epochs):
            final = _train_epoch(
                config, fold, epoch, state, runner, (train_parts, test_parts), runtime, run_dir
            )
        if final is None:
            final = evaluate(runner, test_parts, runtime, keep_features=config.tsne)
        if env.is_main:
            if not config.keep_optimizer:
                finished = state.state_dict(config.epochs, fold, config, optimizer=False)
                save_checkpoint(checkpoint_path, finished)
            _write_results(run_dir, config, [fold], final, data.test_clips, pooled=False)
    except KeyboardInterrupt:
        raise Interrupted(fold, epoch + 1, config.epochs, checkpoint_path) from None
    return final, data.test_clips


def _train_epoch(
    config: TrainConfig,
    fold: int,
    epoch: int,
    state: TrainState,
    runner: nn.Module,
    loaders: tuple[LoaderParts, LoaderParts],
    runtime: Runtime,
    run_dir: Path,
) -> Evaluation | None:
    """Train epoch ``epoch`` (0-based), test when due, checkpoint; return the last epoch's test.

    Writes its metrics.csv row and checkpoint.pt, and best.pt when the test UAR is the highest
    so far. Returns the evaluation after the last epoch, None after the others.
    """
    env = runtime.env
    train_parts, test_parts = loaders
    label = f"fold {fold} epoch {epoch + 1}/{config.epochs}"
    stats = train_one_epoch(
        runner, state.optimizer, train_parts, runtime, epoch, config.seed, description=label
    )
    state.scheduler.step(stats.loss)
    last = epoch + 1 == config.epochs
    evaluation = scores = None
    if last or (epoch + 1) % config.eval_every == 0:
        evaluation = evaluate(runner, test_parts, runtime, keep_features=last and config.tsne)
        scores = Scores.from_predictions(
            evaluation.labels, evaluation.predictions, config.num_classes
        )
        improved = scores.uar > state.best_uar
        if improved:
            state.best_uar, state.best_epoch = scores.uar, epoch + 1
        if improved and env.is_main:
            best = {
                "model": state.model.state_dict(),
                "epoch": epoch + 1,
                "fold": fold,
                "uar": scores.uar,
                "args": config.to_json(),
            }
            save_checkpoint(run_dir / BEST_NAME, best)
    if env.is_main:
        lr = state.optimizer.param_groups[0]["lr"]
        row = _epoch_row(epoch + 1, lr, stats, evaluation, scores)
        _append_metrics(run_dir / "metrics.csv", row)
        save_checkpoint(run_dir / CHECKPOINT_NAME, state.state_dict(epoch + 1, fold, config))
        summary = f"{label}: loss {stats.loss:.4f}, train WAR {100 * stats.war:.2f}%"
        if scores is not None:
            summary += f", test UAR {100 * scores.uar:.2f}% WAR {100 * scores.war:.2f}%"
        summary += f", {stats.clips_per_s:.1f} clips/s"
        runtime.console.print(summary, soft_wrap=True)
    distributed.barrier(env)
    return evaluation if last else None


def loss_settings(config: TrainConfig) -> dict[str, float]:
    """Return the weights of the configured loss only: λ for EC-STFL, weight and α for the
    center loss, nothing for plain cross-entropy."""
    if config.loss == "ec-stfl":
        return {"lam": config.lam}
    if config.loss == "center":
        return {"center_weight": config.center_weight, "center_alpha": config.center_alpha}
    return {}


def _write_results(
    folder: Path,
    config: TrainConfig,
    folds: list[int],
    evaluation: Evaluation,
    clips: list[str],
    pooled: bool,
    extra: dict | None = None,
) -> Scores:
    """Write predictions.csv, results.json, confusion.csv/png (and tsne.png) into ``folder``."""
    scores = Scores.from_predictions(evaluation.labels, evaluation.predictions, config.num_classes)
    names = list(EMOTIONS[: config.num_classes])
    names += [f"class {k + 1}" for k in range(len(names), config.num_classes)]
    title = f"{config.model} · {config.loss} · folds {','.join(map(str, folds))}"
    write_scores(
        folder,
        scores,
        names,
        title,
        model=config.model,
        loss=config.loss,
        **loss_settings(config),
        target=config.target,
        include_multi=config.include_multi,
        batch_size=config.batch_size,
        seed=config.seed,
        epochs=config.epochs,
        folds=folds,
        pooled=pooled,
        **(extra or {}),
    )
    with open(folder / "predictions.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["clip", "label", "predicted"])
        for position, label, predicted in zip(
            evaluation.positions, evaluation.labels, evaluation.predictions, strict=True
        ):
            writer.writerow([clips[position], int(label) + 1, int(predicted) + 1])
    if evaluation.features is not None and config.tsne:
        plot_tsne(
            folder / "tsne.png",
            evaluation.features,
            evaluation.labels,
            names,
            seed=config.seed,
            title=title,
        )
    return scores


def run_experiment(config: TrainConfig, env: distributed.DistEnv | None = None) -> Path:
    """Train ``config.model`` on each of ``config.folds``; return the experiment folder.

    With several folds the test predictions of all of them are pooled into one results.json,
    confusion matrix and predictions.csv in the experiment folder, as the paper reports them.
    """
    config.validate()
    check_test_folds(config.splits)  # fail on a bad split before any training starts
    env = distributed.detect() if env is None else env
    shards = ShardDataset(config.data)
    for fold in config.folds:
        load_fold_data(config, fold, shards)
    runtime = make_runtime(config, env)
    distributed.setup(env, runtime.device)
    experiment_dir = Path(config.out) / config.experiment_name()
    try:
        results = [
            train_fold(config, fold, experiment_dir, runtime, shards) for fold in config.folds
        ]
        if len(config.folds) > 1 and env.is_main:
            _write_pooled(experiment_dir, config, results)
    finally:
        distributed.teardown(env)
    return experiment_dir


def _write_pooled(
    folder: Path, config: TrainConfig, results: list[tuple[Evaluation, list[str]]]
) -> None:
    """Pool the folds' test predictions and write them into the experiment folder."""
    clips: list[str] = []
    positions, labels, predictions = [], [], []
    per_fold = {}
    for fold, (evaluation, fold_clips) in zip(config.folds, results, strict=True):
        positions.append(evaluation.positions + len(clips))
        labels.append(evaluation.labels)
        predictions.append(evaluation.predictions)
        scores = Scores.from_predictions(
            evaluation.labels, evaluation.predictions, config.num_classes
        )
        per_fold[str(fold)] = {"uar": scores.uar, "war": scores.war}
        clips.extend(fold_clips)
    pooled = Evaluation(
        np.concatenate(positions),
        np.concatenate(labels),
        np.concatenate(predictions),
        None,
        float("nan"),
    )
    _write_results(
        folder, config, list(config.folds), pooled, clips, pooled=True, extra={"per_fold": per_fold}
    )


def expand_sweep(sweep: SweepConfig) -> list[TrainConfig]:
    """Return one config per (λ, batch size) pair of the sweep (the base config if none)."""
    lambdas = sweep.lambdas or (sweep.base.lam,)
    batch_sizes = sweep.batch_sizes or (sweep.base.batch_size,)
    if len(lambdas) > 1 and sweep.base.loss != "ec-stfl":
        raise ConfigError(
            f"several --lambda values with --loss {sweep.base.loss}",
            "a lambda sweep needs --loss ec-stfl",
        )
    several = len(lambdas) * len(batch_sizes) > 1
    configs = []
    for lam in lambdas:
        for batch in batch_sizes:
            name = sweep.base.name
            if name and several:
                name = f"{name}-lam{lam:g}-bs{batch}"
            configs.append(dataclasses.replace(sweep.base, lam=lam, batch_size=batch, name=name))
    return configs


def run_sweep(sweep: SweepConfig) -> list[Path]:
    """Run every experiment of the sweep in turn; return their folders.

    Every configuration is validated before the first one starts.
    """
    configs = expand_sweep(sweep)
    for config in configs:
        config.validate()
    return [run_experiment(config) for config in configs]
