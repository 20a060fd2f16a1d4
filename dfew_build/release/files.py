"""Placing release files under their final names only when they are whole.

Every file or folder of a release is first written under a hidden temporary name in its final
folder (``.NAME.<pid>.partial`` here and in :func:`dfew_build.preprocess.clip.write_jpegs`,
``.NAME.<random>.tmp`` in :func:`analysis.atomic.atomic_write_bytes`) and then renamed into
place, so an interrupted run leaves only such hidden names behind; :func:`remove_leftovers`
deletes them on the next run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from pathlib import Path

LEFTOVER = re.compile(r"\..+\.(partial|tmp)")


def place_file(source: Path, target: Path) -> bool:
    """Make ``target`` hold ``source``'s bytes: a hard link where the file system allows one,
    else a copy, renamed into place. Returns True when it linked, False when it copied.

    A ``target`` that already is ``source`` (same inode) is left alone (returns True).
    """
    if target.exists() and os.path.samefile(source, target):
        return True
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    try:
        os.link(source, partial)
        linked = True
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        shutil.copyfile(source, partial)
        linked = False
    os.replace(partial, target)
    return linked


def remove_leftovers(folders: list[Path]) -> int:
    """Delete the hidden temporary files and folders an interrupted run left directly in
    ``folders`` (names matching ``.NAME.*.partial`` or ``.NAME.*.tmp``); return how many."""
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if not LEFTOVER.fullmatch(path.name):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed += 1
    return removed
