"""Clip files for the browser: served only from inside the configured clip folder.

Clip paths come from the store (absolute, as ``extract`` writes them, or relative to the clip
folder). A path is served only when it names a regular file inside the clip folder once
symbolic links are resolved; any path with a ``..`` part is refused outright, whatever it
would resolve to.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy import select

from dfew_build.campaign.accounts import authenticate
from dfew_build.errors import UserError
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip


class ClipPathRefused(UserError):
    """A clip path that points outside the clip folder, or at nothing servable."""


def resolve_clip_file(clip_dir: Path, stored_path: str | None) -> Path:
    """Return the absolute path of a clip file, checked to lie inside ``clip_dir``.

    Raises ClipPathRefused for an empty path, a path with a ``..`` part, a path outside the
    folder (also through a symbolic link), or one that is not an existing regular file.
    """
    if not stored_path:
        raise ClipPathRefused("this clip has no file in the store — report it as broken")
    if ".." in PurePath(stored_path).parts:
        raise ClipPathRefused(f"clip path {stored_path!r} contains '..' — refused")
    root = clip_dir.resolve()
    candidate = Path(stored_path)
    if not candidate.is_absolute():
        candidate = root / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise ClipPathRefused(
            f"clip path {stored_path!r} is outside the clip folder {root} — refused"
        )
    if not resolved.is_file():
        raise ClipPathRefused(f"clip file {stored_path!r} is missing — report it as broken")
    return resolved


def clip_file_for(
    store: Store, token: str | None, clip_dir: Path, clip_id: int, now: datetime | None = None
) -> Path:
    """Return the checked file path (see :func:`resolve_clip_file`) of clip ``clip_id`` for the
    browser behind a live session ``token``.

    Raises SessionInvalid without a live session, ClipPathRefused for an unknown clip or a file
    that may not be served.
    """
    with store.read() as session:
        authenticate(session, token, now)
        stored = session.scalar(select(Clip.path).where(Clip.id == clip_id))
    return resolve_clip_file(clip_dir, stored)
