"""The paper's results tables (Tables 4–6 layout) across finished runs.

One row per experiment: model, loss (with its weight), training target, batch size and folds,
then recall per emotion, UAR and WAR in percent. Runs trained on the single labels and on the
vote distributions of the same model and loss sit on adjacent rows, so that they compare side
by side (both are tested on the same single-labelled clips). A folder holding a pooled
``results.json`` (several folds) is reported as one row; otherwise each fold folder below it is.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from training.errors import RunFolderError
from training.models import model_names
from training.splits import EMOTIONS

RESULTS_NAME = "results.json"


def find_results(paths: list[Path]) -> list[tuple[Path, dict]]:
    """Return (folder, results) for every results.json at or below ``paths``.

    A folder with its own results.json is not searched further (pooled results shadow their
    folds).

    Raises
    ------
    RunFolderError
        When a path does not exist or nothing below it holds results.
    """
    found: list[tuple[Path, dict]] = []

    def walk(folder: Path) -> None:
        results = folder / RESULTS_NAME
        if results.is_file():
            found.append((folder, json.loads(results.read_text())))
            return
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            walk(child)

    for path in paths:
        if not Path(path).is_dir():
            raise RunFolderError(
                f"{path} is not a folder", "pass run folders written by dfew-train"
            )
        before = len(found)
        walk(Path(path))
        if len(found) == before:
            raise RunFolderError(
                f"no {RESULTS_NAME} at or below {path}",
                "pass folders of finished runs (a run writes results.json after its last epoch)",
            )
    return found


def _loss_label(results: dict) -> str:
    """Return e.g. 'softmax', 'softmax + EC-STFL (λ=10)', 'softmax + center (1e-04)'."""
    loss = results.get("loss", "ce")
    if loss == "ec-stfl":
        return f"softmax + EC-STFL (λ={results.get('lam', 0):g})"
    if loss == "center":
        return f"softmax + center ({results.get('center_weight', 0):g})"
    return "softmax"


def _target_label(results: dict) -> str:
    """Return 'labels', 'votes' or 'votes + multi' (what the run trained on)."""
    if results.get("target", "label") != "distribution":
        return "labels"
    return "votes + multi" if results.get("include_multi") else "votes"


def report_rows(found: list[tuple[Path, dict]]) -> tuple[list[str], list[list[str]]]:
    """Return the header and the rows (strings) of the results table, in model order."""
    classes = max((len(r.get("recall", [])) for _, r in found), default=len(EMOTIONS))
    names = list(EMOTIONS[:classes]) + [f"class {k + 1}" for k in range(len(EMOTIONS), classes)]
    header = ["model", "loss", "target", "batch", "folds", *names, "UAR", "WAR", "run"]
    order = {name: k for k, name in enumerate(model_names())}

    def key(item: tuple[Path, dict]) -> tuple:
        folder, results = item
        return (
            order.get(results.get("model"), 99),
            results.get("loss", ""),
            results.get("lam", 0),
            results.get("batch_size", 0),
            _target_label(results),
            str(folder),
        )

    def percent(value: float | None) -> str:
        return "—" if value is None else f"{100 * value:.2f}"

    rows = []
    for folder, results in sorted(found, key=key):
        recall = list(results.get("recall", [])) + [None] * classes
        rows.append(
            [
                str(results.get("model", "?")),
                _loss_label(results),
                _target_label(results),
                str(results.get("batch_size", "")),
                ",".join(map(str, results.get("folds", []))),
                *(percent(value) for value in recall[:classes]),
                percent(results.get("uar")),
                percent(results.get("war")),
                str(folder),
            ]
        )
    return header, rows


def print_report(
    runs: list[Path], csv_path: Path | None = None, console: Console | None = None
) -> list[list[str]]:
    """Print the results table of ``runs`` (and write it as CSV); return its rows."""
    header, rows = report_rows(find_results(runs))
    table = Table(title="Recall per emotion, UAR and WAR (%)")
    for k, name in enumerate(header):
        table.add_column(name, justify="left" if k < 3 or k == len(header) - 1 else "right")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # run names as plain text, never markup
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=240)
    console.print(table)
    if csv_path is not None:
        with open(csv_path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
    return rows
