"""Shot boundaries with PySceneDetect's detectors, fed frames that our own decoding pass produces.

PySceneDetect's ``SceneDetector`` classes take one BGR frame at a time, so the analysis pass
(:mod:`dfew_build.extract.scan`) decodes each movie once and hands the same frames to the shot
detector and, a few times a second, to the face check. Frames are downscaled before detection
exactly as PySceneDetect's own ``SceneManager`` does (``compute_downscale_factor``: about 256
pixels wide), but the scaling is done by FFmpeg's swscale while converting the decoded frame.
"""

from __future__ import annotations

from collections.abc import Sequence

from scenedetect import AdaptiveDetector, ContentDetector, SceneDetector
from scenedetect.scene_manager import compute_downscale_factor

from dfew_build.extract.config import SHOT_DETECTORS


def make_shot_detector(name: str, min_shot_frames: int = 15) -> SceneDetector:
    """Return a fresh PySceneDetect detector: ``"adaptive"`` (default) or ``"content"``.

    Both use PySceneDetect's default thresholds; ``min_shot_frames`` is the shortest shot (in
    frames) a new cut may close. Raises ``ValueError`` for another name.
    """
    if name == "adaptive":
        return AdaptiveDetector(min_scene_len=min_shot_frames)
    if name == "content":
        return ContentDetector(min_scene_len=min_shot_frames)
    raise ValueError(f"unknown shot detector {name!r} — choose one of: {', '.join(SHOT_DETECTORS)}")


def detection_size(width: int, height: int) -> tuple[int, int]:
    """Return the ``(width, height)`` in pixels at which a frame is compared for cuts."""
    factor = compute_downscale_factor(width)
    return max(1, round(width / factor)), max(1, round(height / factor))


def shots_from_cuts(cuts: Sequence[int], frame_count: int) -> list[tuple[int, int]]:
    """Return the shots ``(first frame, end frame exclusive)`` that the cut frames delimit.

    ``cuts`` are the frames that begin a new shot (any order, duplicates and out-of-range
    values ignored); the shots cover ``0 … frame_count`` without gaps.
    """
    inner = sorted({cut for cut in cuts if 0 < cut < frame_count})
    bounds = [0, *inner, frame_count] if frame_count > 0 else []
    return list(zip(bounds[:-1], bounds[1:], strict=False)) if bounds else []
