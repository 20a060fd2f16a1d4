"""The one exception type the analysis package raises for bad input."""

from __future__ import annotations


class AnalysisInputError(ValueError):
    """Input that the analysis functions cannot work on.

    The message is one line that names the problem and says how to fix it, so that a command
    line tool can print it as it is.
    """
