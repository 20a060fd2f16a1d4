"""Writing training's files so that a reader never sees a half-written one.

The rule is :mod:`analysis.atomic`'s (write aside, sync, rename); training imports no other
package of ours (an import-linter contract, so it installs and runs alone), hence this module.
It needs the standard library only: the preprocessing step writes shards without torch.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

PARTIAL_SUFFIX = ".partial"  # a file being written is PATH.partial until it is whole


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``path`` through ``PATH.partial``: call ``write(file)``, sync, then rename.

    ``path`` holds its old content or the whole new one, never part of it, also across a
    power cut (the folder is synced after the rename where the system allows it). Returns None.
    """
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    with open(partial, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    if hasattr(os, "O_DIRECTORY"):
        descriptor = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
