"""Training targets from the votes: each clip's normalised vote counts.

DFEW publishes every clip's seven vote counts; ``dfew-build export`` writes them next to the
split files and ``dfew-build release`` (like DFEW itself) under ``Annotation/``::

    EXPORT_DIR/annotation.csv             clip,1happy,2sad,…,7fear,label
    RELEASE_ROOT/Annotation/annotation.csv    1happy,2sad,…,7fear,order,label

(``label`` 0 marks a clip without a single label). With ``--target distribution`` a clip's
training target is its counts divided by their sum, and clips without a single label may join
the training sets (``--include-multi``); test sets keep the single-labelled clips of the split
files, so UAR and WAR compare with the paper's.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.errors import ConfigError
from training.splits import SPLIT_FOLDER, clip_name

ANNOTATION_NAME = "annotation.csv"
ANNOTATION_PLACES = (ANNOTATION_NAME, f"Annotation/{ANNOTATION_NAME}")  # export, release
CLIP_COLUMNS = ("clip", "order")  # export, release
N_EMOTIONS = 7


@dataclass(frozen=True)
class Votes:
    """Every clip's vote counts (7 per clip, DFEW's emotion order) and label (0 = multi)."""

    counts: dict[str, np.ndarray]
    labels: dict[str, int]

    def distribution(self, clip: str) -> np.ndarray:
        """Return the clip's normalised vote counts (7,) float32, summing to 1.

        Raises
        ------
        ConfigError
            When the clip has no row in annotation.csv.
        """
        counts = self.counts.get(clip)
        if counts is None:
            raise ConfigError(
                f"clip {clip} of the split files has no vote counts in {ANNOTATION_NAME}",
                "pass --splits the export folder that wrote both (re-run `dfew-build export`)",
            )
        return (counts / counts.sum()).astype(np.float32)

    def majority(self, clip: str) -> int:
        """Return the class index 0..6 with the most votes (the lowest one on a tie)."""
        return int(np.argmax(self.counts[clip]))

    def multi_label_clips(self) -> list[str]:
        """Return the clips without a single label, sorted."""
        return sorted(clip for clip, label in self.labels.items() if label == 0)


def read_votes(export_dir: str | os.PathLike[str]) -> Votes:
    """Read the vote counts of ``export_dir/annotation.csv`` or, in a release root,
    ``Annotation/annotation.csv`` (``export_dir`` may also be the ``EmoLabel_DataSplit`` folder
    inside either); return them with each clip's label.

    Count columns are the seven whose names start with the emotion codes 1..7, in that order.

    Raises
    ------
    ConfigError
        When the file is missing, lacks a column, or holds a count that is not a whole number
        >= 0, a clip without votes, or a label outside 0..7.
    """
    root = Path(export_dir)
    if root.name == SPLIT_FOLDER:
        root = root.parent
    path = next(
        (root / place for place in ANNOTATION_PLACES if (root / place).is_file()),
        root / ANNOTATION_NAME,
    )
    if not path.is_file():
        raise ConfigError(
            f"--target distribution needs the vote counts in {path}, which is missing",
            "pass --splits the folder `dfew-build export` or `release` wrote (it holds "
            "annotation.csv)",
        )
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [name.strip() for name in reader.fieldnames or []]
        reader.fieldnames = header
        count_columns = [
            next((name for name in header if name.startswith(str(code))), None)
            for code in range(1, N_EMOTIONS + 1)
        ]
        clip_column = next((name for name in CLIP_COLUMNS if name in header), None)
        if clip_column is None or "label" not in header or None in count_columns:
            raise ConfigError(
                f"{path} has columns {header}, expected clip (or order), 1happy … 7fear and label",
                "re-run `dfew-build export`",
            )
        counts: dict[str, np.ndarray] = {}
        labels: dict[str, int] = {}
        for line, row in enumerate(reader, 2):
            try:
                values = np.array([float(row[name]) for name in count_columns])  # type: ignore[index]
                label = int(row["label"])
            except (TypeError, ValueError):
                values, label = np.array([-1.0]), -1
            whole = np.all(np.isfinite(values) & (values >= 0) & (values == np.round(values)))
            if not whole or values.sum() <= 0 or not 0 <= label <= N_EMOTIONS:
                raise ConfigError(
                    f"{path} line {line} has counts or label that are not whole numbers >= 0 "
                    "with at least one vote and a label 0..7",
                    "re-run `dfew-build export`",
                )
            clip = clip_name(row[clip_column] or "")
            counts[clip] = values
            labels[clip] = label
    return Votes(counts=counts, labels=labels)
