"""Classification metrics (UAR, WAR, per-class recall, confusion matrix) and their figures.

Labels here are class indices 0..C-1 (DFEW code − 1). UAR is the mean recall over the classes
that occur in ``y_true``; WAR is plain accuracy. Figures are drawn with matplotlib's object API
(no pyplot state, no display needed).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Return counts (C, C) int64: row = true class, column = predicted class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} differ in shape")
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.size and (values.min() < 0 or values.max() >= num_classes):
            raise ValueError(f"{name} holds classes outside 0..{num_classes - 1}")
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def per_class_recall(confusion: np.ndarray) -> np.ndarray:
    """Return recall per class (C,) in 0..1; NaN for a class with no true sample."""
    support = confusion.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(confusion) / np.maximum(support, 1), np.nan)


def uar(confusion: np.ndarray) -> float:
    """Return the unweighted average recall (0..1) over classes present in the true labels."""
    recall = per_class_recall(confusion)
    return float(np.nanmean(recall)) if np.isfinite(recall).any() else float("nan")


def war(confusion: np.ndarray) -> float:
    """Return the weighted average recall, i.e. accuracy (0..1)."""
    total = confusion.sum()
    return float(np.trace(confusion) / total) if total else float("nan")


@dataclass(frozen=True)
class Scores:
    """UAR, WAR (0..1), recall per class (0..1, NaN if absent) and the confusion matrix."""

    uar: float
    war: float
    recall: list[float]
    confusion: list[list[int]]
    count: int

    @classmethod
    def from_predictions(cls, y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> Scores:
        """Return the scores of predictions ``y_pred`` against ``y_true`` (class indices)."""
        confusion = confusion_matrix(y_true, y_pred, num_classes)
        return cls(
            uar=uar(confusion),
            war=war(confusion),
            recall=[float(r) for r in per_class_recall(confusion)],
            confusion=confusion.tolist(),
            count=int(confusion.sum()),
        )

    def to_dict(self) -> dict:
        """Return a JSON-ready dict (NaN recall becomes null)."""
        data = asdict(self)
        data["recall"] = [None if np.isnan(r) else r for r in self.recall]
        return data


def write_confusion_csv(path: Path, confusion: np.ndarray, class_names: Sequence[str]) -> None:
    """Write the confusion counts with a header row and a first column of true class names."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["true \\ predicted", *class_names])
        for name, row in zip(class_names, np.asarray(confusion), strict=True):
            writer.writerow([name, *map(int, row)])


def plot_confusion(
    path: Path, confusion: np.ndarray, class_names: Sequence[str], title: str = ""
) -> None:
    """Save a PNG of the row-normalised confusion matrix (each true class sums to 100 %)."""
    confusion = np.asarray(confusion, dtype=float)
    rows = confusion.sum(1, keepdims=True)
    normalised = np.divide(confusion, rows, out=np.zeros_like(confusion), where=rows > 0)
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(normalised, cmap="Blues", vmin=0.0, vmax=1.0)
    ticks = np.arange(len(class_names))
    axes.set_xticks(ticks, class_names, rotation=45, ha="right")
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i in ticks:
        for j in ticks:
            value = normalised[i, j]
            colour = "white" if value > 0.5 else "black"
            axes.text(
                j, i, f"{100 * value:.1f}", ha="center", va="center", color=colour, fontsize=8
            )
    figure.colorbar(image, ax=axes, label="share of the true class")
    if title:
        axes.set_title(title)
    figure.savefig(path, dpi=120)


def plot_tsne(
    path: Path,
    features: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    seed: int = 0,
    title: str = "",
) -> bool:
    """Save a 2-D t-SNE scatter of ``features`` (N, D) coloured by class index ``labels``.

    Returns False (and writes nothing) when there are fewer than 5 samples to embed.
    """
    from sklearn.manifold import TSNE

    features = np.asarray(features, dtype=np.float32)
    if len(features) < 5:
        return False
    perplexity = float(min(30.0, (len(features) - 1) / 3))
    embedded = TSNE(
        n_components=2, perplexity=perplexity, init="pca", random_state=seed
    ).fit_transform(features)
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    axes = figure.add_subplot()
    for index, name in enumerate(class_names):
        chosen = labels == index
        if chosen.any():
            axes.scatter(embedded[chosen, 0], embedded[chosen, 1], s=6, label=name)
    axes.legend(markerscale=2, fontsize=8)
    axes.set_xticks([])
    axes.set_yticks([])
    if title:
        axes.set_title(title)
    figure.savefig(path, dpi=120)
    return True


def write_scores(
    folder: Path, scores: Scores, class_names: Sequence[str], title: str = "", **extra: object
) -> None:
    """Write ``results.json``, ``confusion.csv`` and ``confusion.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = {**extra, "classes": list(class_names), **scores.to_dict()}
    (folder / "results.json").write_text(json.dumps(payload, indent=2) + "\n")
    write_confusion_csv(folder / "confusion.csv", np.asarray(scores.confusion), class_names)
    plot_confusion(folder / "confusion.png", np.asarray(scores.confusion), class_names, title)
