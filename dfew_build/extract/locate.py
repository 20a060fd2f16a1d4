"""Finding where a clip cut elsewhere came from in its movie, by comparing tiny thumbnails.

One decoding pass over the movie turns every frame into a 16 × 9 grey thumbnail (FFmpeg's
swscale does the shrinking while converting); a clip's first frames, shrunk the same way, are
compared with every run of consecutive movie thumbnails by mean absolute difference. Shrinking
that far makes the match indifferent to re-encoding and rescaling, and a 2-hour movie's
thumbnails take about 25 MB. A clip that was cropped or colour-graded will not be found.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

_THUMB = (16, 9)
_FRAMES_COMPARED = 5
MATCH_LIMIT = 12.0  # mean absolute difference (0..255) above which a clip counts as not found


@dataclass(frozen=True)
class Thumbnails:
    """Grey thumbnails of consecutive frames (``n × 144`` uint8) and their times in seconds."""

    pixels: np.ndarray
    times: np.ndarray


def thumbnails(path: Path, start_s: float = 0.0, limit: int | None = None) -> Thumbnails:
    """Return the thumbnails of the first ``limit`` frames of ``path`` (all when None).

    Times are seconds from the container's start minus ``start_s``. Raises ``av.FFmpegError``
    when the file does not decode.
    """
    rows, times = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            image = frame.reformat(*_THUMB, format="gray").to_ndarray()
            rows.append(image[:, : _THUMB[0]].reshape(-1))
            times.append(float(frame.time or 0.0) - start_s)
            if limit is not None and len(rows) >= limit:
                break
    pixels = np.stack(rows) if rows else np.zeros((0, _THUMB[0] * _THUMB[1]), np.uint8)
    return Thumbnails(pixels, np.asarray(times, dtype=np.float64))


@dataclass(frozen=True)
class Match:
    """Where a clip starts in the movie (frame number) and how different it looked (0..255)."""

    frame: int
    distance: float


def find_clip(movie: Thumbnails, clip: Thumbnails) -> Match | None:
    """Return the movie frame where ``clip`` starts, or None when nothing is close enough."""
    count = min(_FRAMES_COMPARED, clip.pixels.shape[0])
    starts = movie.pixels.shape[0] - count + 1
    if count == 0 or starts <= 0:
        return None
    movie_px = movie.pixels.astype(np.int16)
    total = np.zeros(starts, dtype=np.float64)
    for offset in range(count):
        wanted = clip.pixels[offset].astype(np.int16)
        total += np.abs(movie_px[offset : offset + starts] - wanted).mean(axis=1)
    best = int(np.argmin(total))
    distance = float(total[best] / count)
    return Match(best, distance) if distance <= MATCH_LIMIT else None
