"""The settings of one ``dfew-build release`` and the folders they name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dfew_build.faces import DEFAULT_DETECTOR


@dataclass(frozen=True)
class ReleaseConfig:
    """Settings of one release: the root folder, the single-label threshold r, the folds
    (``folds`` drawn with ``seed``, or the ``release_folds`` an imported release gave), the
    JPEG side ``size`` and resample length ``frames``, the face detector and its input width,
    the face-ratio rule, worker processes, and the frame side of the training shards."""

    out_dir: Path
    threshold: int = 6
    folds: int = 5
    seed: int = 0
    release_folds: bool = False
    size: int = 224
    frames: int = 16
    detector: str = DEFAULT_DETECTOR
    detect_width: int = 640
    min_face_ratio: float = 0.5
    workers: int = 1
    ray: str | None = None  # a Ray cluster's address: run the clips there (see --ray)
    shard_size: int = 112

    @property
    def all_frames_dir(self) -> Path:
        """Return the folder of every aligned frame, ``Clip/clip_<size>x<size>``."""
        return self.out_dir / "Clip" / f"clip_{self.size}x{self.size}"

    @property
    def resampled_dir(self) -> Path:
        """Return the folder of the resampled frames, ``Clip/clip_<size>x<size>_<frames>f``."""
        return self.out_dir / "Clip" / f"clip_{self.size}x{self.size}_{self.frames}f"

    @property
    def shards_dir(self) -> Path:
        """Return the folder of the training shards, ``Clip/shards_<side>x<side>_<frames>f``."""
        side = self.shard_size
        return self.out_dir / "Clip" / f"shards_{side}x{side}_{self.frames}f"

    @property
    def originals_dir(self) -> Path:
        """Return the folder of the clip files, ``Clip/original``."""
        return self.out_dir / "Clip" / "original"
