"""Helpers on files that every stage shares: which suffixes are videos, an output folder that
can be written, and a file's SHA-256."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dfew_build.errors import UserError

VIDEO_SUFFIXES = frozenset(
    (".mp4", ".m4v", ".mkv", ".avi", ".mov", ".webm", ".mpg", ".mpeg", ".ts", ".m2ts", ".mts")
    + (".wmv", ".flv", ".vob", ".ogv", ".3gp")
)
_CHUNK = 8 << 20  # bytes read per hashing step


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of the file's bytes as 64 hex digits (a movie's identity, a clip's
    file hash)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``out_dir`` if needed; raise ``UserError`` when it cannot be created or written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(
            f"cannot create output folder {out_dir} ({exc.strerror}) — pick another --out, "
            "a folder you may write to"
        ) from exc
    probe = out_dir / f".dfew-write-test.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise UserError(
            f"output folder {out_dir} is not writable ({exc.strerror}) — fix its permissions "
            "or pick another --out"
        ) from exc
