"""Settings of one extraction run, in one object that the CLI fills and the library reads.

Only plain dataclasses live here (no video libraries are imported), so the CLI can show defaults
without loading OpenCV, PyAV or PySceneDetect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dfew_build.faces.registry import DEFAULT_DETECTOR

SHOT_DETECTORS = ("adaptive", "content")
"""PySceneDetect detectors ``extract`` can use: AdaptiveDetector (default) or ContentDetector."""


@dataclass(frozen=True)
class WindowSettings:
    """Where candidate windows may lie (see :mod:`dfew_build.extract.candidates`).

    Lengths in seconds (``min_len``, ``max_len``); the share of sampled frames that must show a
    face (``min_face_ratio``); frames trimmed at each end of a shot (``margin``); how many
    non-overlapping windows of each length one shot may offer (``per_shot``).
    """

    min_len: float = 1.0
    max_len: float = 10.0
    min_face_ratio: float = 0.8
    margin: int = 2
    per_shot: int = 3


@dataclass(frozen=True)
class ScanSettings:
    """How the pass samples: ``face_fps`` checks per second of movie, face images at most
    ``face_width`` pixels wide, faces counted when at least ``min_face_height`` (fraction of the
    image height) tall, ``threads`` FFmpeg decoding threads (0: FFmpeg chooses).

    ``skip_loop_filter`` decodes without the codec's deblocking filter (FFmpeg's
    ``skip_loop_filter=all``): about a fifth less decoding work, and the blocking it leaves
    vanishes in the small images both detectors look at. Cutting always decodes fully.
    ``skip_faceless`` checks odd samples only next to a face (see the module docstring).
    """

    face_fps: float = 2.0
    face_width: int = 320
    min_face_height: float = 0.06
    threads: int = 0
    skip_loop_filter: bool = True
    skip_faceless: bool = True


@dataclass(frozen=True)
class EncodeSettings:
    """x264 ``preset`` and ``crf`` (quality: lower is better, 18 is visually lossless), and the
    AAC bit rate ``audio_bitrate``."""

    preset: str = "superfast"
    crf: int = 18
    audio_bitrate: str = "128k"


@dataclass(frozen=True)
class ExtractConfig:
    """Everything ``extract`` needs besides the movies.

    ``out_dir`` receives the clips; ``quota`` caps a movie's non-rejected clips (None: the
    store's quota; never more than it); ``workers`` is the number of movies processed at once;
    ``force`` redoes movies already done; ``report`` is a ``.json`` or ``.csv`` file to write;
    ``ray`` is the Ray cluster's address (``auto`` or ``HOST:PORT``) to run the movies on
    instead of local processes (``workers`` then caps the movies at once on the cluster).
    """

    out_dir: Path
    quota: int | None = None
    window: WindowSettings = field(default_factory=WindowSettings)
    scan: ScanSettings = field(default_factory=ScanSettings)
    shot_detector: str = "adaptive"
    face_detector: str = DEFAULT_DETECTOR
    encode: EncodeSettings = field(default_factory=EncodeSettings)
    workers: int = 1
    force: bool = False
    report: Path | None = None
    ray: str | None = None

    def settings_record(self) -> dict[str, Any]:
        """Return the settings that shape the result, as plain JSON-ready values."""
        return {
            "window": asdict(self.window),
            "scan": asdict(self.scan),
            "shot_detector": self.shot_detector,
            "face_detector": self.face_detector,
            "encode": asdict(self.encode),
        }
