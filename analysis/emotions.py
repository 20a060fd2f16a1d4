"""The seven DFEW emotions, numbered as DFEW numbers them (1 Happy … 7 Fear)."""

from __future__ import annotations

import numbers
import re

from analysis.errors import AnalysisInputError

EMOTIONS: tuple[str, ...] = ("Happy", "Sad", "Neutral", "Angry", "Surprise", "Disgust", "Fear")
N_EMOTIONS = len(EMOTIONS)

_BY_NAME = {name.lower(): code for code, name in enumerate(EMOTIONS, start=1)}
_ASCII_DIGITS = re.compile(r"[0-9]+")
_VALID = ", ".join(f"{code} {name}" for code, name in enumerate(EMOTIONS, start=1))


def emotion_code(value: str | int) -> int:
    """Return the DFEW code (1..7) of an emotion given as a code or a name.

    Parameters
    ----------
    value : str or int
        A code 1..7 (an integer or a string of digits) or an emotion name in any letter case
        (``"happy"``, ``"Fear"``); surrounding spaces are ignored.

    Returns
    -------
    int
        The emotion's code, 1..7.

    Raises
    ------
    AnalysisInputError
        For anything else, naming the value and listing the valid codes.
    """
    code: int | None = None
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only: str.isdigit() also takes '³' and '①', which int() refuses.
        code = int(text) if _ASCII_DIGITS.fullmatch(text) else _BY_NAME.get(text.lower())
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        code = int(value)
    if code is None or not 1 <= code <= N_EMOTIONS:
        raise AnalysisInputError(
            f"{value!r} is not a DFEW emotion: use a code or name from {_VALID}"
        )
    return code


def emotion_name(code: int) -> str:
    """Return the name of a DFEW emotion code.

    Parameters
    ----------
    code : int
        An emotion code, 1..7.

    Returns
    -------
    str
        The emotion's name as DFEW writes it, e.g. ``"Happy"`` for 1.

    Raises
    ------
    AnalysisInputError
        When ``code`` is not an integer from 1 to 7.
    """
    if isinstance(code, bool) or not isinstance(code, numbers.Integral) or not 1 <= code <= 7:
        raise AnalysisInputError(f"{code!r} is not a DFEW emotion code: use one of {_VALID}")
    return EMOTIONS[int(code) - 1]
