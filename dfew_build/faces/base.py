"""The face-detector interface: a found face, and the small abstract class every detector follows.

A detector takes one RGB frame (``height × width × 3``, ``uint8``) and returns the faces in it,
each with a box, a confidence score and five landmarks, all in pixels of the frame it was given.
Everything else (how the network is run, what input size it wants) stays inside the detector.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

LANDMARK_NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
"""Order of the five landmarks, as seen in the image: "left" is the image's left side."""


@dataclass(frozen=True)
class Face:
    """One detected face.

    ``box`` is ``(x1, y1, x2, y2)`` in pixels of the frame that was searched (x to the right,
    y down, corners included in the face); ``score`` the detector's confidence in 0..1;
    ``landmarks`` a ``5 × 2`` float32 array of ``(x, y)`` pixels in :data:`LANDMARK_NAMES` order.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray = field(repr=False)

    @property
    def width(self) -> float:
        """Width of the box in pixels."""
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        """Height of the box in pixels."""
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        """Centre ``(x, y)`` of the box in pixels."""
        return ((self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2)

    def scaled(self, factor_x: float, factor_y: float | None = None) -> Face:
        """Return this face with its box and landmarks multiplied by the given factors.

        Used to map a face found on a resized frame back to the original frame's pixels.
        """
        fy = factor_x if factor_y is None else factor_y
        x1, y1, x2, y2 = self.box
        points = self.landmarks * np.array([factor_x, fy], dtype=np.float32)
        return Face((x1 * factor_x, y1 * fy, x2 * factor_x, y2 * fy), self.score, points)


class FaceDetector(ABC):
    """Base class of face detectors: implement :meth:`detect`; the other hooks have defaults.

    Subclasses set :attr:`name` (the registry name). Detectors hold their network, so make one
    per process (or per thread) and reuse it for many frames.
    """

    name: str = "abstract"

    @abstractmethod
    def detect(self, frame: np.ndarray) -> list[Face]:
        """Return the faces in one RGB ``uint8`` frame (``H × W × 3``), best score first.

        Boxes and landmarks are in pixels of ``frame``. An empty list means no face.
        """

    def detect_many(self, frames: Iterable[np.ndarray]) -> list[list[Face]]:
        """Return the faces of each frame, in order (one list per frame).

        The default calls :meth:`detect` frame by frame; a detector that batches overrides it.
        """
        return [self.detect(frame) for frame in frames]

    @property
    def version(self) -> str:
        """Return a string naming the weights and package that produce the results."""
        return ""

    def describe(self) -> dict[str, Any]:
        """Return the detector's name, version and settings, for provenance records."""
        return {"name": self.name, "version": self.version}


def shrink_to_width(frame: np.ndarray, width: int | None) -> tuple[np.ndarray, float]:
    """Return ``frame`` resized to at most ``width`` pixels wide (aspect kept) and the factor used.

    The factor is new width / old width (1.0, and the frame itself, when it is narrow enough
    or ``width`` is None); detectors divide what they find by it to return to frame pixels.
    """
    if width is None or frame.shape[1] <= width:
        return frame, 1.0
    scale = width / frame.shape[1]
    height = max(1, round(frame.shape[0] * scale))
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA), scale


def check_frame(frame: np.ndarray) -> None:
    """Raise ``ValueError`` unless ``frame`` is an ``H × W × 3`` uint8 array with H, W ≥ 1."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise ValueError(
            f"a face detector needs a uint8 numpy frame, got "
            f"{getattr(frame, 'dtype', type(frame).__name__)} — convert with frame.astype(np.uint8)"
        )
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise ValueError(
            f"a face detector needs an H × W × 3 RGB frame, got shape {frame.shape} — "
            "convert grey or RGBA frames to RGB first"
        )
