"""Run a documented command in-process, printing it first as the user would type it."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from dfew_build.errors import UserError

PROGRAMS = ("dfew-build", "dfew-train")


def run_command(console: Console, program: str, argv: Sequence[str]) -> None:
    """Print ``$ program argv…`` and run it in this process through its own CLI parser.

    ``program`` is ``dfew-build`` or ``dfew-train``. Returns nothing; raises UserError naming the
    command when it exits non-zero (its own one-line error is already printed above).
    """
    argv = [str(arg) for arg in argv]
    line = shlex.join([program, *argv])
    console.print(Text(f"\n$ {line}", style="bold cyan"), highlight=False, soft_wrap=True)
    if program == "dfew-build":
        from dfew_build.cli import main

        status = main(argv)
    elif program == "dfew-train":
        from training.cli import main as train_main

        try:
            train_main(argv)
            status = 0
        except SystemExit as exc:
            status = exc.code
    else:
        raise ValueError(f"program must be one of {PROGRAMS}, got {program!r}")
    if status:
        raise UserError(
            f"the demo stopped at `{line}` (error above) — fix that "
            "and run the demo again; finished steps are kept"
        )
