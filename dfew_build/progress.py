"""The progress bar of long CLI jobs: description, bar, done/total with a unit, elapsed, left."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


def counting_progress(console: Console, unit: str) -> Progress:
    """Return a rich ``Progress`` (not yet started) that counts ``unit`` (e.g. "frames")."""
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
