"""UAR/WAR against scikit-learn, and the files a run writes about its scores."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, recall_score
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from training.metrics import Scores, confusion_matrix, plot_tsne, write_scores
from training.splits import EMOTIONS


@pytest.mark.parametrize("seed", range(4))
def test_uar_war_match_scikit_learn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = np.concatenate([np.arange(7), rng.integers(0, 7, 300)])
    y_pred = np.where(rng.random(len(y_true)) < 0.5, y_true, rng.integers(0, 7, len(y_true)))
    scores = Scores.from_predictions(y_true, y_pred, 7)
    assert scores.uar == pytest.approx(recall_score(y_true, y_pred, average="macro"), abs=1e-12)
    assert scores.war == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    np.testing.assert_allclose(scores.recall, recall_score(y_true, y_pred, average=None))
    np.testing.assert_array_equal(scores.confusion, sk_confusion_matrix(y_true, y_pred))


def test_uar_averages_over_classes_present_in_the_truth() -> None:
    y_true = np.array([0, 0, 1, 1, 2])
    y_pred = np.array([0, 6, 1, 6, 2])  # class 6 is predicted but never true
    scores = Scores.from_predictions(y_true, y_pred, 7)
    expected = recall_score(y_true, y_pred, labels=[0, 1, 2], average="macro")
    assert scores.uar == pytest.approx(expected)
    assert np.isnan(scores.recall[6]) and scores.to_dict()["recall"][6] is None
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 7]), np.array([0, 1]), 7)


def test_writes_csv_png_json_and_tsne(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y_true = np.arange(40) % 7
    y_pred = np.where(rng.random(40) < 0.7, y_true, 0)
    write_scores(tmp_path, Scores.from_predictions(y_true, y_pred, 7), EMOTIONS, model="c3d")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["model"] == "c3d" and results["classes"] == list(EMOTIONS)
    lines = (tmp_path / "confusion.csv").read_text().splitlines()
    assert lines[0].startswith("true \\ predicted,Happy") and len(lines) == 8
    assert (tmp_path / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    features = rng.normal(size=(40, 16)) + y_true[:, None]
    assert plot_tsne(tmp_path / "tsne.png", features, y_true, EMOTIONS)
    assert (tmp_path / "tsne.png").read_bytes()[:4] == b"\x89PNG"
    assert not plot_tsne(tmp_path / "none.png", features[:3], y_true[:3], EMOTIONS)
