"""Frame-accurate clip cutting with ffmpeg: re-encoded H.264 (+ AAC when the movie has sound).

``-ss`` goes before ``-i`` (ffmpeg seeks to the keyframe before and then decodes and drops frames
up to the requested time, which is fast *and* exact when transcoding); the seek time is a hair
(at most a quarter frame, 1 ms at most) before the first wanted frame's timestamp so that float
rounding can never drop it, ``-frames:v`` fixes the frame count, and ``-t`` ends the sound at the
same time. ``-movflags +faststart`` puts the index first so browsers can play the file at once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from dfew_build.extract.config import EncodeSettings
from dfew_build.extract.tools import run_ffmpeg


@dataclass(frozen=True)
class CutSpec:
    """What to cut: ``frames`` frames of ``source`` starting at ``start_s``, lasting ``duration_s``.

    ``start_s`` is the first frame's time in seconds from the container's start (what ``-ss``
    counts); ``width``/``height`` the movie's size in pixels (odd sizes are cropped to even, as
    H.264 in yuv420p needs).
    """

    source: Path
    start_s: float
    frames: int
    duration_s: float
    fps: float
    has_audio: bool
    width: int
    height: int


def cut_command(exe: str, spec: CutSpec, out: Path, encode: EncodeSettings) -> list[str]:
    """Return the ffmpeg argument list that writes the clip ``spec`` to ``out`` (MP4)."""
    lead = min(0.001, 0.25 / spec.fps)
    source = ffmpeg.input(str(spec.source), ss=f"{max(0.0, spec.start_s - lead):.6f}")
    video = source["v:0"]
    if spec.width % 2 or spec.height % 2:
        video = video.filter(
            "crop", spec.width - spec.width % 2, spec.height - spec.height % 2, 0, 0
        )
    streams = [video]
    options: dict[str, object] = {
        "frames:v": spec.frames,
        "t": f"{spec.duration_s:.6f}",
        "c:v": "libx264",
        "preset": encode.preset,
        "crf": encode.crf,
        "pix_fmt": "yuv420p",
        "movflags": "+faststart",
        "map_metadata": -1,
        "f": "mp4",
    }
    if spec.has_audio:
        streams.append(source["a:0"])
        options.update({"c:a": "aac", "b:a": encode.audio_bitrate})
    command = ffmpeg.output(*streams, str(out), **options).overwrite_output().compile(cmd=exe)
    return [command[0], "-hide_banner", "-nostdin", "-loglevel", "error", *command[1:]]


def cut_clip(exe: str, spec: CutSpec, out: Path, encode: EncodeSettings) -> None:
    """Write the clip to ``out``; on any failure (or interruption) no file is left at ``out``.

    Raises ``FFmpegFailed`` with ffmpeg's message when it fails.
    """
    try:
        run_ffmpeg(cut_command(exe, spec, out, encode))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            out.unlink()
        raise
