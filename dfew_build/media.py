"""Facts about video files read with PyAV (FFmpeg's libraries, shipped in the ``av`` wheel)."""

from __future__ import annotations

from pathlib import Path

import av

from dfew_build.errors import UserError


def video_duration_s(path: Path) -> float:
    """Return the duration of the video stream in ``path`` in seconds.

    Uses the stream's own duration when the container records it, else the container's.
    Raises ``UserError`` for a missing, unreadable or video-less file.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise UserError(f"{path} has no video stream — give a video file")
            stream = container.streams.video[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / av.time_base
    except (av.FFmpegError, OSError) as exc:
        raise UserError(f"cannot read video {path} ({exc}) — check the file is a video") from exc
    raise UserError(f"{path} records no duration — re-mux it (ffmpeg -i IN -c copy OUT)")
