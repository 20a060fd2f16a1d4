"""What a movie file is: its content hash, size, duration, frame rate and streams (via PyAV).

imageio-ffmpeg ships no ffprobe, so the container is opened with PyAV (FFmpeg's own libraries),
which reads the same headers without a subprocess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from dfew_build.errors import UserError


class MovieError(Exception):
    """A movie cannot be used; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class MovieInfo:
    """Header facts of a movie file.

    ``duration_s`` in seconds (0 when the container records none), ``fps`` the video stream's
    average frame rate in frames per second, ``frames_estimate`` a frame count from the header
    (exact counts come from decoding), ``start_s`` the container's first timestamp in seconds
    (what ffmpeg's ``-ss`` counts from), ``size_bytes`` the file size.
    """

    path: Path
    size_bytes: int
    duration_s: float
    fps: float
    frames_estimate: int
    width: int
    height: int
    has_audio: bool
    start_s: float
    codec: str


def probe_movie(path: Path) -> MovieInfo:
    """Return the header facts of the movie at ``path``.

    Raises :class:`MovieError` for a missing or empty file, a file that is not a video, one
    without a video stream, and one with no usable frame rate.
    """
    if not path.is_file():
        raise MovieError("file not found — check the path")
    size = path.stat().st_size
    if size == 0:
        raise MovieError("empty file (0 bytes) — copy the movie again")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                kinds = ", ".join(sorted({s.type for s in container.streams})) or "none"
                raise MovieError(f"no video stream (streams: {kinds}) — give a video file")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.base_rate or stream.guessed_rate
            if not rate or float(rate) <= 0:
                raise MovieError("no frame rate recorded — re-mux it (ffmpeg -i IN -c copy OUT)")
            duration = _duration_s(container, stream)
            start = container.start_time / av.time_base if container.start_time else 0.0
            frames = stream.frames or round(duration * float(rate))
            return MovieInfo(
                path=path,
                size_bytes=size,
                duration_s=duration,
                fps=float(rate),
                frames_estimate=int(frames),
                width=stream.codec_context.width,
                height=stream.codec_context.height,
                has_audio=bool(container.streams.audio),
                start_s=float(start),
                codec=stream.codec_context.name,
            )
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise MovieError(
            f"not a readable video ({_first_line(exc)}) — is it a movie file?"
        ) from exc


def video_duration_s(path: Path) -> float:
    """Return the duration of the video stream in ``path`` in seconds.

    Uses the stream's own duration when the container records it, else the container's.
    Raises ``UserError`` for a missing, unreadable or video-less file, or one without a
    recorded duration.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} has no video stream — give a video file")
            duration = _duration_s(container, container.streams.video[0])
    except (av.FFmpegError, OSError) as exc:
        raise UserError(f"cannot read video {path} ({exc}) — check the file is a video") from exc
    if duration <= 0:
        raise UserError(f"{path} records no duration — re-mux it (ffmpeg -i IN -c copy OUT)")
    return duration


def _duration_s(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream
) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
