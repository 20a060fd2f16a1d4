"""One clip from file to aligned face tensor: decode, detect, follow, align, resample.

Frames are decoded with PyAV one at a time; each is searched for faces (around the followed face
first, see :class:`FaceSearch`; a whole frame is shrunk to the detector's ``input_width``), the
main face is followed (:class:`MainFaceTracker`) and, where present, cut out of the
full-resolution frame onto the landmark template. Only the aligned crops are kept in memory,
never the decoded frames.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np

from dfew_build.faces import FaceDetector
from dfew_build.files import file_sha256
from dfew_build.preprocess.align import align_face
from dfew_build.preprocess.resample import resample_frames
from dfew_build.preprocess.search import FaceSearch
from dfew_build.preprocess.track import MainFaceTracker

KEPT, DROPPED, FAILED, UNKNOWN = "kept", "dropped", "failed", "unknown"


@dataclass(frozen=True)
class ClipJob:
    """A clip to preprocess: its id, DFEW label (0 = not single-labelled), test fold, file."""

    clip: str
    label: int
    fold: int | None
    path: Path


@dataclass(frozen=True)
class ClipSettings:
    """How every clip is made: ``frames`` T, crop ``size`` (pixels), the face-ratio rule, the
    folder for DFEW-layout JPEGs of the T resampled frames and the one for JPEGs of every face
    frame (None: none written)."""

    frames: int = 16
    size: int = 112
    min_face_ratio: float = 0.5
    jpeg_dir: Path | None = None
    all_frames_dir: Path | None = None


@dataclass
class ClipOutcome:
    """What became of one clip.

    ``status`` is ``kept`` (``tensor`` holds T × size × size × 3 uint8 RGB), ``dropped`` (too
    few frames with the face), ``failed`` (missing, undecodable or empty file) or ``unknown``
    (the label file names a clip whose file is not known); ``reason`` says why in one line.
    """

    clip: str
    status: str
    reason: str = ""
    frames_decoded: int = 0
    frames_with_face: int = 0
    source_hash: str = ""
    tensor: np.ndarray | None = field(default=None, repr=False)

    @property
    def face_ratio(self) -> float:
        """Share (0..1) of decoded frames that show the main face; NaN when none decoded."""
        return self.frames_with_face / self.frames_decoded if self.frames_decoded else float("nan")


def process_clip(job: ClipJob, detector: FaceDetector, settings: ClipSettings) -> ClipOutcome:
    """Return the outcome of preprocessing ``job`` with ``detector`` under ``settings``.

    Never raises for a bad clip file: a missing, undecodable or empty file becomes a ``failed``
    outcome whose reason names the problem.
    """
    if not job.path.is_file():
        return ClipOutcome(job.clip, FAILED, f"missing from disk: {job.path}")
    if job.path.stat().st_size == 0:
        return ClipOutcome(job.clip, FAILED, f"empty file (0 bytes): {job.path}")
    source_hash = file_sha256(job.path)
    tracker = MainFaceTracker()
    search = FaceSearch(detector)
    crops: list[np.ndarray] = []
    decoded = 0
    try:
        with av.open(str(job.path)) as container:
            if not container.streams.video:
                return ClipOutcome(
                    job.clip, FAILED, "no video frames (no video stream)", source_hash=source_hash
                )
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                rgb = frame.to_ndarray(format="rgb24")
                decoded += 1
                face = tracker.update(search.faces(rgb, tracker.last))
                if face is not None:
                    crops.append(align_face(rgb, face.landmarks, settings.size))
    except (av.FFmpegError, OSError) as exc:
        reason = f"cannot decode after {decoded} frames: {getattr(exc, 'strerror', None) or exc}"
        return ClipOutcome(job.clip, FAILED, reason, decoded, len(crops), source_hash)
    outcome = ClipOutcome(job.clip, KEPT, "", decoded, len(crops), source_hash)
    if decoded == 0:
        outcome.status, outcome.reason = FAILED, "no frames decoded"
    elif outcome.face_ratio < settings.min_face_ratio:
        outcome.status = DROPPED
        outcome.reason = (
            f"face in {len(crops)} of {decoded} frames ({outcome.face_ratio:.0%}), "
            f"under {settings.min_face_ratio:.0%}"
        )
    else:
        aligned = np.stack(crops)
        outcome.tensor = resample_frames(aligned, settings.frames)
        if settings.all_frames_dir is not None:
            write_jpegs(settings.all_frames_dir, job.clip, aligned)
        if settings.jpeg_dir is not None:
            write_jpegs(settings.jpeg_dir, job.clip, outcome.tensor)
    return outcome


def write_jpegs(root: Path, clip: str, frames: np.ndarray) -> Path:
    """Write ``frames`` as ``root/<clip>/<clip>_00001.jpg`` … (DFEW's layout); return the folder.

    The frames go to a hidden folder first, which then replaces ``root/<clip>`` by a rename, so
    a folder under its final name always holds a whole clip.
    """
    final = root / clip
    partial = root / f".{clip}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for number, frame in enumerate(frames, start=1):
        path = partial / f"{clip}_{number:05d}.jpg"
        if not cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f"could not write {path}")
    if final.exists():
        shutil.rmtree(final)
    os.replace(partial, final)
    return final
