"""Face detectors behind one small interface, chosen by name from a registry.

``get_detector(name, **options).detect(rgb_frame)`` returns :class:`Face` objects (box, score and
five landmarks, in pixels). Clip extraction uses it for its cheap face check; preprocessing uses
it to align faces. ``available_detectors()`` lists what is registered; CenterFace is the default.
"""

from dfew_build.faces.base import LANDMARK_NAMES, Face, FaceDetector
from dfew_build.faces.registry import (
    DEFAULT_DETECTOR,
    available_detectors,
    get_detector,
    register_detector,
)

__all__ = [
    "DEFAULT_DETECTOR",
    "LANDMARK_NAMES",
    "Face",
    "FaceDetector",
    "available_detectors",
    "get_detector",
    "register_detector",
]
