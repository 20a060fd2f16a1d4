"""From the store to the analysis module's tables: kappa, the Table 2 report and the export.

This is the only place where store contents become the pandas tables that ``analysis`` works
on; the CLI renders what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from analysis.agreement import KappaReport, kappa_report
from analysis.durations import duration_percentages, duration_table
from analysis.emotions import N_EMOTIONS
from analysis.export import assign_folds
from analysis.plots import plot_duration_distribution, plot_vote_agreement
from analysis.vote_counts import check_threshold, single_labels, vote_counts
from dfew_build.errors import UserError
from dfew_build.label_export import write_dfew_export
from dfew_build.store.engine import Store
from dfew_build.store.queries import clip_frame, votes_frame

Subset = Literal["all", "single"]


@dataclass(frozen=True)
class StoreTables:
    """The store as analysis inputs: vote counts, clip facts and the votes-per-clip setting."""

    counts: pd.DataFrame  # index clip name, columns 1..7: votes per emotion
    clips: pd.DataFrame  # index clip name: duration_s, status, release_label, release_fold, path
    n_raters: int

    def labels(self, threshold: int) -> tuple[pd.Series, str]:
        """Return single labels (0 or 1..7, indexed by clip) and where they come from.

        Labels come from the votes (complete clips only) when the store has votes, else from
        a published release's labels (import-dfew without the vote file).
        """
        check_threshold(threshold, self.n_raters)
        if len(self.counts):
            return single_labels(self.counts, threshold, self.n_raters), "votes"
        released = self.clips["release_label"].dropna().astype("int64")
        if len(released):
            return released, "release"
        raise UserError(
            "the store has no votes and no imported labels yet — import or collect votes"
        )


def load_tables(store: Store) -> StoreTables:
    """Read votes and clips from the store; returns them as :class:`StoreTables`."""
    with store.read() as session:
        votes = votes_frame(session)
        clips = clip_frame(session)
    counts = vote_counts(votes, n_categories=N_EMOTIONS)
    return StoreTables(counts, clips, store.settings().votes_per_clip)


def store_kappa(
    tables: StoreTables, subset: Subset, threshold: int, n_boot: int, seed: int
) -> KappaReport:
    """Return Fleiss' kappa over complete clips, all of them or only the single-labelled ones."""
    if not len(tables.counts):
        raise UserError(
            "the store has no votes, so kappa cannot be computed — import votes "
            "(dfew-build import-votes, or import-dfew with annotation.xlsx) or collect them"
        )
    counts = tables.counts
    if subset == "single":
        labels, _ = tables.labels(threshold)
        counts = counts.loc[labels.index[labels > 0]]
        if not len(counts):
            raise UserError(f"no clip has more than {threshold} votes for one emotion yet")
    return kappa_report(counts, tables.n_raters, n_boot=n_boot, seed=seed)


@dataclass(frozen=True)
class DurationReport:
    """The paper's Table 2 over single-labelled clips, with where the labels came from."""

    counts: pd.DataFrame
    percentages: pd.DataFrame
    label_source: str
    without_duration: int


def store_durations(tables: StoreTables, threshold: int) -> DurationReport:
    """Return the emotion × duration-bucket table of the single-labelled clips."""
    labels, source = tables.labels(threshold)
    labelled = labels[labels > 0]
    durations = tables.clips["duration_s"].reindex(labelled.index)
    known = durations.notna()
    if not known.any():
        raise UserError(
            "no single-labelled clip has a known duration — clips need start/end times "
            "(or DFEW's Clip/original videos for import-dfew)"
        )
    table = duration_table(labelled[known], durations[known])
    return DurationReport(table, duration_percentages(table), source, int((~known).sum()))


def write_duration_report(
    report: DurationReport, tables: StoreTables, threshold: int, out_dir: Path
) -> list[Path]:
    """Write Table 2 as CSV (counts, percentages) and the two PNG plots; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "table2_counts.csv", out_dir / "table2_percent.csv"]
    report.counts.to_csv(paths[0])
    report.percentages.round(2).to_csv(paths[1])
    paths.append(plot_duration_distribution(report.counts, out_dir / "duration_distribution.png"))
    if len(tables.counts):
        paths.append(
            plot_vote_agreement(tables.counts, out_dir / "vote_agreement.png", threshold=threshold)
        )
    return paths


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: the files, clips labelled, clips left unlabelled as incomplete,
    and labelled clips that a published release put in no fold (left out of the splits)."""

    paths: list[Path]
    labelled: int
    incomplete: int
    label_source: str
    outside_folds: int = 0


def export_store(
    tables: StoreTables, out_dir: Path, threshold: int, n_folds: int, seed: int, release_folds: bool
) -> ExportSummary:
    """Write the DFEW-format export of the store; returns what was written.

    Folds are drawn stratified by class with ``seed`` unless ``release_folds`` asks for the
    folds a published release gave the clips; labelled clips the release put in no fold (DFEW's
    clips without a face) then stay out of the split files, as in the release.
    """
    labels, source = tables.labels(threshold)
    counts = tables.counts.reindex(labels.index.union(tables.counts.index), fill_value=0)
    labels = labels.reindex(counts.index, fill_value=0)
    labelled = labels[labels > 0]
    if release_folds:
        folds = tables.clips["release_fold"].reindex(labelled.index).dropna().astype("int64")
        if folds.empty:
            raise UserError(
                "no labelled clip has a release fold — drop --release-folds to draw new folds"
            )
    else:
        folds = assign_folds(labels, n_folds=n_folds, seed=seed)
    paths = write_dfew_export(
        out_dir,
        counts,
        labels,
        folds,
        outside_folds=release_folds,
        clip_paths=tables.clips["path"].dropna(),
    )
    incomplete = int((counts.sum(axis=1) < tables.n_raters).sum()) if source == "votes" else 0
    return ExportSummary(paths, len(labelled), incomplete, source, len(labelled) - len(folds))
