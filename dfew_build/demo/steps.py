"""Run a documented command as the user would type it: printed first, then run as its own program.

The demo is a user of the toolkit, so it runs ``dfew-build`` and ``dfew-train`` as separate
processes (the same Python, their ``-m`` modules) rather than calling into their CLIs.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from dfew_build.errors import UserError

# The module each program's console script runs.
PROGRAM_MODULES = {"dfew-build": "dfew_build.cli", "dfew-train": "training.cli"}
# A demo step on the small demo data takes a few minutes at most; one that runs for an hour hangs.
STEP_TIMEOUT_S = 3600


def run_command(console: Console, program: str, argv: Sequence[str]) -> None:
    """Print ``$ program argv…`` and run it as a child process with this Python.

    ``program`` is ``dfew-build`` or ``dfew-train``. Returns nothing; raises UserError naming the
    command when it exits non-zero (its own one-line error is already printed above) or runs
    longer than ``STEP_TIMEOUT_S`` seconds.
    """
    if program not in PROGRAM_MODULES:
        raise ValueError(f"program must be one of {sorted(PROGRAM_MODULES)}, got {program!r}")
    argv = [str(arg) for arg in argv]
    line = shlex.join([program, *argv])
    console.print(Text(f"\n$ {line}", style="bold cyan"), soft_wrap=True)
    command = [sys.executable, "-m", PROGRAM_MODULES[program], *argv]
    try:
        status = subprocess.run(command, check=False, timeout=STEP_TIMEOUT_S).returncode
    except subprocess.TimeoutExpired as exc:
        raise UserError(
            f"the demo stopped at `{line}`: it ran longer than {STEP_TIMEOUT_S} s — run that "
            "command yourself to see where it waits"
        ) from exc
    if status:
        raise UserError(
            f"the demo stopped at `{line}` (error above) — fix that "
            "and run the demo again; finished steps are kept"
        )
