"""Writing files so that a reader never sees a half-written one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The bytes go to a hidden temporary file next to ``path``, are flushed to disk, and the
    file then replaces ``path`` in one ``os.replace``: ``path`` holds either its old content
    or all of ``data``, never part of it. The temporary file is removed if anything fails.

    Parameters
    ----------
    path : str or PathLike
        The file to write; its folder must exist.
    data : bytes
        The complete new content.

    Returns
    -------
    pathlib.Path
        ``path`` as a Path. The file gets mode 0644.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            # mkstemp makes the file private (0600); an exported file is readable by all, as
            # open() would make it under the usual umask.
            os.fchmod(stream.fileno(), 0o644)
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target
