"""The ``dfew-train`` command: parse arguments into a config and call one library function.

    dfew-train --data DATA --splits EXPORT --fold 1 --model c3d [options]   train (or `train …`)
    dfew-train --data RELEASE --fold 1                                     a dfew-build release
    dfew-train models [--names c3d,i3d] [--backward]                        sizes and FLOPs
    dfew-train report RUNS… [--csv FILE]                                    results tables

``--lambda 1,3,5,10`` and ``--batch-size 16,24,32`` take comma lists and run one experiment per
combination (the paper's sensitivity sweeps). Under ``torchrun`` training is distributed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from training.config import AMP_MODES, DEVICES, ModelsConfig, ReportConfig, SweepConfig, TrainConfig
from training.errors import ConfigError, Interrupted, TrainingError
from training.losses import LOSS_KINDS, TARGET_KINDS
from training.splits import parse_folds

SUBCOMMANDS = ("train", "models", "report")


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose errors become one-line ConfigErrors."""

    def error(self, message: str) -> NoReturn:
        """Raise ConfigError instead of printing usage and exiting."""
        raise ConfigError(message, f"see `{self.prog} --help`")


def _number_list(kind: type, option: str) -> Callable[[str], tuple]:
    """Return a parser for comma-separated lists of ``kind`` (for sweep options)."""

    def parse(text: str) -> tuple:
        try:
            values = tuple(kind(part) for part in text.split(",") if part.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option} takes numbers separated by commas"
            ) from None
        if not values:
            raise argparse.ArgumentTypeError(f"{option} needs at least one value")
        return values

    return parse


def build_train_parser(prog: str = "dfew-train") -> ArgumentParser:
    """Return the parser of the train command."""
    parser = ArgumentParser(prog=prog, description="Train and test a DFEW benchmark model.")
    add = parser.add_argument
    add("--data", type=Path, required=True, help="shard folder written by dfew-build preprocess")
    add(
        "--splits",
        type=Path,
        default=None,
        help="export folder holding EmoLabel_DataSplit/ [--data: a dfew-build release root]",
    )
    add("--fold", default="1", help="fold 1..5, a comma list, or 'all' (pooled) [1]")
    add("--model", default="c3d", help="model name, see `dfew-train models` [c3d]")
    add("--epochs", type=int, default=50, help="training epochs [50]")
    add(
        "--batch-size",
        type=_number_list(int, "--batch-size"),
        default=(24,),
        help="clips per step, or a comma list to sweep [24]",
    )
    add("--lr", type=float, default=0.01, help="initial SGD learning rate [0.01]")
    add("--momentum", type=float, default=0.9, help="SGD momentum [0.9]")
    add("--weight-decay", type=float, default=5e-4, help="SGD weight decay [5e-4]")
    add(
        "--patience",
        type=int,
        default=5,
        help="epochs without a lower training loss before the lr is divided by 10 [5]",
    )
    add("--loss", choices=LOSS_KINDS, default="ce", help="ce, ec-stfl or center [ce]")
    add(
        "--lambda",
        dest="lambdas",
        type=_number_list(float, "--lambda"),
        default=(10.0,),
        help="EC-STFL weight, or a comma list to sweep [10]",
    )
    add("--center-weight", type=float, default=1e-4, help="center-loss weight [1e-4]")
    add(
        "--center-alpha",
        type=float,
        default=0.5,
        help="rate at which the centers follow the class means, in (0, 1] [0.5]",
    )
    add(
        "--target",
        choices=TARGET_KINDS,
        default="label",
        help="train on the single labels, or on each clip's vote distribution (KL) [label]",
    )
    add(
        "--include-multi",
        action="store_true",
        help="with --target distribution: clips without a single label join training",
    )
    add(
        "--workers",
        type=int,
        default=None,
        help="DataLoader workers [0 on ≤ 2 cores, else min(8, cores)]",
    )
    add("--device", default="auto", help=f"{', '.join(DEVICES)} or cuda:N [auto]")
    add("--seed", type=int, default=0, help="random seed [0]")
    add("--out", type=Path, default=Path("runs"), help="folder for run folders [runs]")
    add("--name", default=None, help="experiment folder name [derived from the options]")
    add("--resume", action="store_true", help="continue the run in its folder")
    add(
        "--keep-optimizer",
        action="store_true",
        help="keep the optimiser state in a finished fold's checkpoint (to extend it later)",
    )
    add("--init", type=Path, default=None, help="start from another run's checkpoint")
    add("--compile", action="store_true", help="torch.compile the model")
    add("--amp", choices=AMP_MODES, default="none", help="autocast precision [none]")
    add(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="channels_last_3d memory format [on for GPUs]",
    )
    add("--limit-clips", type=int, default=None, help="use at most N clips per side (smoke runs)")
    add("--eval-every", type=int, default=1, help="test every N epochs (and after the last) [1]")
    add("--min-crop", type=float, default=0.8, help="smallest random crop side, 1 = off [0.8]")
    add("--no-flip", dest="flip", action="store_false", help="no random horizontal flips")
    add("--no-tsne", dest="tsne", action="store_false", help="skip the t-SNE figure")
    add("--no-progress", dest="progress", action="store_false", help="no progress bars")
    return parser


def build_models_parser(prog: str = "dfew-train models") -> ArgumentParser:
    """Return the parser of the models command."""
    parser = ArgumentParser(prog=prog, description="Parameters and FLOPs per clip of each model.")
    parser.add_argument("--names", default="", help="comma list of models [all]")
    parser.add_argument("--backward", action="store_true", help="also count forward + backward")
    parser.add_argument("--size", type=int, default=112, help="frame side [112]")
    parser.add_argument("--frames", type=int, default=16, help="frames per clip [16]")
    return parser


def build_report_parser(prog: str = "dfew-train report") -> ArgumentParser:
    """Return the parser of the report command."""
    parser = ArgumentParser(prog=prog, description="Per-emotion recall, UAR and WAR across runs.")
    parser.add_argument("runs", type=Path, nargs="+", help="run or experiment folders")
    parser.add_argument("--csv", type=Path, default=None, help="also write the table as CSV")
    return parser


def parse_train(argv: Sequence[str]) -> SweepConfig:
    """Return the sweep described by train arguments ``argv``."""
    args = build_train_parser().parse_args(argv)
    values = vars(args)
    lambdas, batch_sizes = values.pop("lambdas"), values.pop("batch_size")
    if values["splits"] is None:  # a release root holds its splits beside its shards
        values["splits"] = values["data"]
    values["folds"] = tuple(parse_folds(values.pop("fold")))
    if values["workers"] is None:
        del values["workers"]
    base = TrainConfig(**values, lam=lambdas[0], batch_size=batch_sizes[0])
    return SweepConfig(base=base, lambdas=lambdas, batch_sizes=batch_sizes)


def run(argv: Sequence[str]) -> None:
    """Dispatch ``argv`` to its subcommand (train when none is named)."""
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else "train"
    rest = list(argv[1:]) if argv and argv[0] in SUBCOMMANDS else list(argv)
    if command == "models":
        args = build_models_parser().parse_args(rest)
        names = tuple(name for name in args.names.split(",") if name)
        _print_model_table(
            ModelsConfig(names=names, backward=args.backward, size=args.size, frames=args.frames)
        )
    elif command == "report":
        from training.results_table import print_report

        args = build_report_parser().parse_args(rest)
        config = ReportConfig(runs=tuple(args.runs), csv=args.csv)
        print_report(list(config.runs), config.csv)
    else:
        from training.experiment import run_sweep

        run_sweep(parse_train(rest))


def _print_model_table(config: ModelsConfig) -> None:
    """Print parameters (millions) and GFLOPs per clip of each model of ``config``."""
    from rich.console import Console
    from rich.table import Table

    from training.models.profile import model_costs  # deferred: torch

    costs = model_costs(config)
    table = Table(title=f"Models on one {config.frames}×{config.size}×{config.size} clip")
    table.add_column("model")
    table.add_column("parameters (M)", justify="right")
    table.add_column("forward GFLOPs", justify="right")
    if config.backward:
        table.add_column("forward+backward GFLOPs", justify="right")
    for cost in costs:
        cells = [cost.name, f"{cost.parameters / 1e6:.2f}", f"{cost.forward_flops / 1e9:.2f}"]
        if cost.train_flops is not None:
            cells.append(f"{cost.train_flops / 1e9:.2f}")
        table.add_row(*cells)
    Console().print(table)


def interrupted_line(stop: Interrupted, argv: Sequence[str]) -> str:
    """Return the one line printed on Ctrl-C: where training stopped and how to resume."""
    done = stop.epoch - 1
    kept = (
        f"{stop.checkpoint} holds epoch {done}"
        if done
        else f"no epoch of fold {stop.fold} was finished"
    )
    command = list(argv) if "--resume" in argv else [*argv, "--resume"]
    return (
        f"interrupted in fold {stop.fold}, epoch {stop.epoch}/{stop.epochs}; {kept} — "
        f"resume with: dfew-train {shlex.join(command)}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``dfew-train``; a user mistake prints one line and exits with status 2,
    Ctrl-C during training one line saying how to resume, with status 130."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        run(argv)
    except TrainingError as exc:
        print(f"error: {exc.problem} — {exc.fix}", file=sys.stderr)
        raise SystemExit(2) from None
    except Interrupted as stop:
        print(interrupted_line(stop, argv), file=sys.stderr)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
