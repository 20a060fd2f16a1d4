"""DATASHEET.md: what a reader of a release needs to know, generated from the store.

Counts per emotion and test fold, the paper's Table 2 (duration bucket × emotion), Fleiss'
kappa over all clips and over the single-labelled ones with 95 % bootstrap intervals, the
vote-agreement histogram and the duration plot (PNGs beside it), and how the clips were
found, screened, annotated and filtered. Every value is written as plain text, in a fixed
order, so the same store gives the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from analysis.agreement import kappa_report
from analysis.atomic import atomic_write_bytes
from analysis.durations import duration_table
from analysis.emotions import EMOTIONS
from analysis.errors import AnalysisInputError
from analysis.plots import plot_duration_distribution, plot_vote_agreement
from dfew_build.release.config import ReleaseConfig
from dfew_build.release.tables import ReleaseRow
from dfew_build.store_analysis import StoreTables

VOTES_PNG = "vote_agreement.png"
DURATION_PNG = "duration_distribution.png"


def _markdown_table(frame: pd.DataFrame, index_name: str) -> list[str]:
    """Return the lines of a Markdown table of ``frame`` (index as the first column)."""
    header = [index_name, *(str(column) for column in frame.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for index, row in frame.iterrows():
        lines.append("| " + " | ".join([str(index), *(f"{value:,}" for value in row)]) + " |")
    return lines


def _fold_table(rows: Sequence[ReleaseRow], folds: pd.Series) -> pd.DataFrame:
    """Return test-set clip counts per emotion (rows) and fold (columns), with totals."""
    label_of = {row.clip: row.label for row in rows}
    frame = pd.DataFrame({"label": [label_of[c] for c in folds.index], "fold": folds.to_numpy()})
    table = pd.crosstab(frame["label"], frame["fold"]).reindex(
        index=range(1, len(EMOTIONS) + 1), fill_value=0
    )
    table.index = list(EMOTIONS)
    table.columns = [f"fold {fold}" for fold in table.columns]
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


def _kappa_line(counts: pd.DataFrame, n_raters: int, what: str) -> str:
    """Return one line giving Fleiss' kappa of ``counts`` with its interval, or why not."""
    try:
        report = kappa_report(counts, n_raters)
    except AnalysisInputError as exc:
        return f"- {what}: not available ({exc})"
    return (
        f"- {what}: {report.kappa:.4f} (95 % CI {report.ci_low:.4f} – {report.ci_high:.4f}), "
        f"{report.n_clips:,} clips with {report.n_raters} votes each, "
        f"{report.interpretation.lower()} agreement"
    )


def write_datasheet(
    root: Path,
    config: ReleaseConfig,
    data: StoreTables,
    rows: Sequence[ReleaseRow],
    folds: pd.Series,
) -> list[Path]:
    """Write ``DATASHEET.md`` and its PNG plots under ``root``; return their paths."""
    written = []
    kept = [row for row in rows if row.status == "kept"]
    dropped = [row for row in rows if row.status != "kept"]
    single = [row for row in kept if row.label > 0]
    lines = [
        "# Datasheet",
        "",
        "Written by `dfew-build release` from the annotation store; the files follow the DFEW "
        "release's layout, so code that reads DFEW reads this dataset unchanged.",
        "",
        "## Composition",
        "",
        f"- {len(rows):,} annotated clips (`Annotation/annotation.xlsx`, every one of them)",
        f"- {len(kept):,} with aligned face frames (`Clip/{config.all_frames_dir.name}/`, "
        f"`Clip/{config.resampled_dir.name}/`)",
        f"- {len(dropped):,} without frames, in no split file (`dropped.csv` says why)",
        f"- {len(single):,} single-labelled clips with frames, {len(folds):,} of them in the "
        f"{int(folds.max()) if len(folds) else 0} test folds of `EmoLabel_DataSplit/`",
        "",
        "## Single-labelled clips per emotion and test fold",
        "",
        *_markdown_table(_fold_table(rows, folds), "emotion"),
        "",
    ]
    durations = pd.Series(
        {
            row.clip: row.end_s - row.start_s
            for row in single
            if row.start_s is not None and row.end_s is not None
        },
        dtype="float64",
    )
    labels = pd.Series({row.clip: row.label for row in single}, dtype="int64")
    if len(durations):
        table = duration_table(labels.reindex(durations.index), durations)
        written.append(plot_duration_distribution(table, root / DURATION_PNG))
        lines += [
            "## Clips by duration and emotion (the DFEW paper's Table 2)",
            "",
            *_markdown_table(table, "emotion"),
            "",
            f"![duration distribution]({DURATION_PNG})",
            "",
        ]
    lines += ["## Agreement (Fleiss' kappa)", ""]
    names = [row.name for row in rows]
    counts = data.counts.reindex([n for n in names if n in data.counts.index])
    if len(counts):
        single_names = [row.name for row in rows if row.label > 0 and row.name in counts.index]
        lines.append(_kappa_line(counts, data.n_raters, "all clips"))
        lines.append(_kappa_line(counts.loc[single_names], data.n_raters, "single-labelled"))
        written.append(plot_vote_agreement(counts, root / VOTES_PNG, threshold=config.threshold))
        lines += ["", f"![votes for each clip's top emotion]({VOTES_PNG})", ""]
    else:
        lines += ["Not available: the store holds labels but no votes.", ""]
    status = data.clips["status"].reindex(names).value_counts().sort_index()
    lines += [
        "## How the clips were made",
        "",
        "- Found: cut from movies by `dfew-build extract` (scene cuts, faces, at most the "
        "store's quota per movie), added by hand, or imported; `clips.csv` gives each clip's "
        "movie, span, duration bucket and source file hash.",
        "- Screened and annotated: clip states in the store: "
        + ", ".join(f"{state} {count:,}" for state, count in status.items())
        + f"; each clip gets {data.n_raters} votes, one per annotator.",
        f"- Labelled: a clip is labelled k when more than r = {config.threshold} of its votes "
        "say k; the other clips keep label 0 (not single-labelled).",
        f"- Filtered: faces found with `{config.detector}` and aligned at {config.size}×"
        f"{config.size}; a clip with the face on under {config.min_face_ratio:.0%} of its "
        f"frames has no frames and no split; {config.frames} frames resampled per clip.",
        "- Folds: "
        + (
            "the folds of the published release the clips were imported from."
            if config.release_folds
            else f"{config.folds} class-stratified folds drawn with seed {config.seed}."
        ),
        "",
    ]
    written.insert(0, atomic_write_bytes(root / "DATASHEET.md", "\n".join(lines).encode()))
    return written
