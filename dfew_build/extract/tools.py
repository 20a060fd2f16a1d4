"""Finding and running ffmpeg: the binary from ``imageio-ffmpeg``, commands from ``ffmpeg-python``.

ffmpeg is called with argument lists (never a shell string) and its exit status is checked; a
failure becomes :class:`FFmpegFailed` carrying the last line ffmpeg printed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from dfew_build.errors import UserError

_INSTALL = "pip install imageio-ffmpeg (it bundles an ffmpeg binary)"


class FFmpegFailed(RuntimeError):
    """ffmpeg ran and exited with a non-zero status; the message is its last error line."""


def ffmpeg_exe() -> str:
    """Return the path of the ffmpeg binary that ``imageio-ffmpeg`` provides.

    ``imageio-ffmpeg`` honours the ``IMAGEIO_FFMPEG_EXE`` environment variable, so a system
    ffmpeg can be used instead. Raises ``UserError`` naming the install command when none is found.
    """
    try:
        import imageio_ffmpeg
    except ModuleNotFoundError as exc:
        raise UserError(f"ffmpeg is missing — {_INSTALL}") from exc
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise UserError(f"ffmpeg is missing ({exc}) — {_INSTALL}") from exc


def check_ffmpeg(exe: str) -> None:
    """Run ``exe -version``; raise ``UserError`` naming the install command if it cannot run."""
    try:
        subprocess.run([exe, "-version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserError(f"ffmpeg at {exe} does not run ({exc}) — {_INSTALL}") from exc


def run_ffmpeg(args: Sequence[str], timeout_s: float | None = None) -> None:
    """Run one ffmpeg command line (``args[0]`` is the binary); return when it succeeded.

    Raises :class:`FFmpegFailed` with ffmpeg's last message when the exit status is non-zero,
    and ``UserError`` when the binary itself is missing. A ``KeyboardInterrupt`` kills ffmpeg.
    """
    try:
        done = subprocess.run(
            list(args), capture_output=True, text=True, errors="replace", timeout=timeout_s
        )
    except FileNotFoundError as exc:
        raise UserError(f"ffmpeg is missing ({args[0]}) — {_INSTALL}") from exc
    except subprocess.TimeoutExpired as exc:
        raise FFmpegFailed(f"ffmpeg took longer than {timeout_s:.0f} s") from exc
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise FFmpegFailed(lines[-1] if lines else f"ffmpeg exited with {done.returncode}")
