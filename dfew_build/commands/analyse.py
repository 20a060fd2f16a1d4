"""``kappa``, ``stats`` and ``export``: agreement, the Table 2 report and DFEW-format files."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from dfew_build.options import DEFAULT_THRESHOLD, SEED, THRESHOLD, bounded_int, output_dir
from dfew_build.store.engine import open_store

if TYPE_CHECKING:
    from analysis.agreement import KappaReport

LANDIS_KOCH_BANDS = (
    ("< 0.00", "Poor"),
    ("0.00–0.20", "Slight"),
    ("0.21–0.40", "Fair"),
    ("0.41–0.60", "Moderate"),
    ("0.61–0.80", "Substantial"),
    ("0.81–1.00", "Almost perfect"),
)


def register(commands: argparse._SubParsersAction) -> None:
    """Add the ``kappa``, ``stats`` and ``export`` subcommands."""
    kappa = commands.add_parser("kappa", help="Fleiss' kappa with CI and per-emotion kappa")
    kappa.add_argument("--subset", choices=["all", "single"], default="all")
    _add_threshold(kappa)
    kappa.add_argument(
        "--bootstrap", type=bounded_int(0, 100_000), default=1000, help="bootstrap replicates"
    )
    kappa.add_argument("--seed", type=SEED, default=0)
    kappa.add_argument("--json", action="store_true", help="print one JSON object")
    # None: not given, so --subset all (which labels nothing) does not check it.
    kappa.set_defaults(handler=run_kappa, threshold=None)

    stats = commands.add_parser("stats", help="the paper's Table 2: emotion × duration bucket")
    _add_threshold(stats)
    stats.add_argument(
        "--out", type=output_dir("report folder"), help="also write CSV tables and PNG plots here"
    )
    stats.set_defaults(handler=run_stats)

    export = commands.add_parser("export", help="write labels and 5-fold splits in DFEW layout")
    _add_threshold(export)
    export.add_argument("--out", type=output_dir("export folder"), required=True)
    export.add_argument("--folds", type=bounded_int(2, 100), default=5)
    export.add_argument("--seed", type=SEED, default=0)
    export.add_argument(
        "--release-folds", action="store_true", help="keep the folds of an imported release"
    )
    export.set_defaults(handler=run_export)


def _add_threshold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threshold",
        type=THRESHOLD,
        default=DEFAULT_THRESHOLD,
        help=f"a clip is labelled k when votes_k > r (r = {DEFAULT_THRESHOLD})",
    )


def run_kappa(args: argparse.Namespace, console: Console) -> None:
    """Print Fleiss' kappa as a readable report or as one JSON object."""
    from analysis.vote_counts import check_threshold
    from dfew_build import store_analysis  # deferred: pandas, scikit-learn, matplotlib

    tables = store_analysis.load_tables(open_store(args.url))
    if args.threshold is None:
        threshold = DEFAULT_THRESHOLD
    else:
        check_threshold(args.threshold, tables.n_raters)  # refused, never silently ignored
        threshold = args.threshold
    report = store_analysis.store_kappa(tables, args.subset, threshold, args.bootstrap, args.seed)
    if args.json:
        print(json.dumps({**report.to_dict(), "subset": args.subset}))
        return
    _print_kappa(report, args.subset, console)


def _print_kappa(report: KappaReport, subset: str, console: Console) -> None:
    console.print(
        Text.assemble(
            f"Fleiss' kappa over {report.n_clips:,} clips × {report.n_raters} raters "
            f"(subset: {subset}): ",
            (f"{report.kappa:.4f}", "bold"),
            f" (95 % CI {report.ci_low:.4f} – {report.ci_high:.4f}), "
            f"{report.interpretation.lower()} agreement",
        )
    )
    if report.n_left_out:
        console.print(
            f"left out: {report.n_left_out:,} clips without exactly {report.n_raters} votes"
        )
    per_category = Table("emotion", "kappa", title="per-emotion kappa")
    for name, value in report.per_category.items():
        per_category.add_row(name, "–" if value is None else f"{value:.4f}")
    console.print(per_category)
    bands = Table("kappa", "agreement (Landis & Koch)", title="interpretation (paper's Table 3)")
    for interval, label in LANDIS_KOCH_BANDS:
        style = "bold reverse" if label == report.interpretation else None
        bands.add_row(interval, label, style=style)
    console.print(bands)


def run_stats(args: argparse.Namespace, console: Console) -> None:
    """Print the Table 2 report; with --out also write its CSV tables and PNG plots."""
    from dfew_build import store_analysis  # deferred: pandas, scikit-learn, matplotlib

    tables = store_analysis.load_tables(open_store(args.url))
    report = store_analysis.store_durations(tables, args.threshold)
    table = Table(
        "emotion",
        *report.counts.columns,
        title=f"single-labelled clips by duration (labels from {report.label_source}, "
        f"r = {args.threshold})",
    )
    for emotion, row in report.counts.iterrows():
        shares = report.percentages.loc[emotion]
        table.add_row(
            str(emotion), *(f"{row[c]:,} ({shares[c]:.1f} %)" for c in report.counts.columns)
        )
    console.print(table)
    if report.without_duration:
        console.print(f"left out: {report.without_duration:,} labelled clips with no duration")
    if args.out:
        for path in store_analysis.write_duration_report(report, tables, args.threshold, args.out):
            console.print(f"wrote {path}")


def run_export(args: argparse.Namespace, console: Console) -> None:
    """Write the DFEW-format export and print where it went."""
    from dfew_build import store_analysis  # deferred: pandas, scikit-learn, matplotlib

    tables = store_analysis.load_tables(open_store(args.url))
    summary = store_analysis.export_store(
        tables, args.out, args.threshold, args.folds, args.seed, args.release_folds
    )
    console.print(
        f"exported {summary.labelled:,} single-labelled clips (labels from "
        f"{summary.label_source}) into {len(summary.paths)} files under {args.out}"
    )
    if summary.outside_folds:
        console.print(
            f"left out of the split files: {summary.outside_folds:,} labelled clips the release "
            "put in no fold (as DFEW leaves out clips without a face)"
        )
    if summary.incomplete:
        console.print(
            f"note: {summary.incomplete:,} clips lack some of their {tables.n_raters} votes and "
            "stay unlabelled (label 0)"
        )
