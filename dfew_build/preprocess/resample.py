"""Resampling a clip's kept face frames to a fixed number of frames, linearly in time."""

from __future__ import annotations

import numpy as np


def resample_frames(frames: np.ndarray, count: int) -> np.ndarray:
    """Return ``count`` frames made from ``frames`` (n × H × W × C uint8), linearly in time.

    Output frame k sits at position ``k · (n − 1) / (count − 1)`` on the kept frames' index and
    is the blend ``(1 − a) · frames[i] + a · frames[i + 1]`` of its two neighbours (``i`` the
    integer part, ``a`` the fraction), rounded to uint8. The first and last output frames are
    the first and last kept frames. A clip with fewer than ``count`` kept frames is thereby
    interpolated up (never padded); a longer one is thinned, each output frame a blend of its
    two nearest inputs. A single kept frame is repeated.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    n = len(frames)
    if n == 0:
        raise ValueError("cannot resample a clip without frames")
    if n == 1:
        return np.repeat(frames, count, axis=0)
    positions = np.linspace(0.0, n - 1, count)
    lower = np.minimum(np.floor(positions).astype(np.int64), n - 2)
    weight = (positions - lower).astype(np.float32)[:, None, None, None]
    blended = frames[lower] * (1.0 - weight) + frames[lower + 1] * weight
    return np.clip(np.rint(blended), 0, 255).astype(np.uint8)
