"""Tests for analysis.plots: the figures are real, non-empty, reproducible PNG files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.durations import duration_table
from analysis.errors import AnalysisInputError
from analysis.plots import plot_duration_distribution, plot_vote_agreement

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _counts(n_clips: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    table = rng.multinomial(10, [0.4, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05], size=n_clips)
    index = pd.Index([f"{i:05d}" for i in range(n_clips)], name="clip")
    return pd.DataFrame(table, index=index, columns=range(1, 8))


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 5_000


def test_duration_distribution_png(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    labels = pd.Series(rng.integers(0, 8, 400), index=[f"c{i}" for i in range(400)])
    durations = pd.Series(rng.uniform(0.5, 9.0, 400), index=labels.index)
    table = duration_table(labels, durations)
    path = plot_duration_distribution(table, tmp_path / "figs" / "durations.png")
    assert path == tmp_path / "figs" / "durations.png"
    _assert_png(path)
    again = plot_duration_distribution(table, tmp_path / "again.png")
    assert again.read_bytes() == path.read_bytes()


def test_vote_agreement_png(tmp_path: Path) -> None:
    path = plot_vote_agreement(_counts(), tmp_path / "agreement.png", threshold=6)
    _assert_png(path)
    plain = plot_vote_agreement(_counts(), tmp_path / "plain.png")
    _assert_png(plain)
    assert plain.read_bytes() != path.read_bytes()  # the threshold line is drawn
    assert plot_vote_agreement(_counts(), tmp_path / "b.png", 6).read_bytes() == path.read_bytes()
    assert not list(tmp_path.glob(".*tmp"))


def test_plots_refuse_empty_input(tmp_path: Path) -> None:
    with pytest.raises(AnalysisInputError, match="no clips"):
        plot_vote_agreement(_counts().iloc[:0], tmp_path / "x.png")
    with pytest.raises(AnalysisInputError, match="duration_table"):
        plot_duration_distribution(pd.DataFrame(), tmp_path / "y.png")
    assert not (tmp_path / "x.png").exists()
