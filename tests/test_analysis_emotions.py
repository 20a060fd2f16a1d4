"""Tests for analysis.emotions: DFEW's emotion codes and names."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.emotions import EMOTIONS, N_EMOTIONS, emotion_code, emotion_name
from analysis.errors import AnalysisInputError


def test_dfew_numbering() -> None:
    assert EMOTIONS == ("Happy", "Sad", "Neutral", "Angry", "Surprise", "Disgust", "Fear")
    assert N_EMOTIONS == 7
    assert [emotion_name(code) for code in range(1, 8)] == list(EMOTIONS)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1, 1),
        (7, 7),
        (np.int64(4), 4),
        ("3", 3),
        (" 5 ", 5),
        ("happy", 1),
        ("FEAR", 7),
        (" Disgust", 6),
        ("sUrPrIsE", 5),
    ],
)
def test_emotion_code_accepts_codes_and_names(value: object, code: int) -> None:
    assert emotion_code(value) == code


@pytest.mark.parametrize("value", [0, 8, -1, "0", "8", "joy", "", True, 3.0, None, "1.0"])
def test_emotion_code_refuses_anything_else(value: object) -> None:
    with pytest.raises(AnalysisInputError, match=r"not a DFEW emotion.*1 Happy.*7 Fear"):
        emotion_code(value)


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        emotion_code("joy")


@pytest.mark.parametrize("code", [0, 8, "1", True, 1.0])
def test_emotion_name_refuses_bad_codes(code: object) -> None:
    with pytest.raises(AnalysisInputError, match="not a DFEW emotion code"):
        emotion_name(code)
