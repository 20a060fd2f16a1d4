"""``dfew-build release`` as a library call: the store's annotated clips in DFEW's layout.

Under one root, as the DFEW release has them::

    Clip/original/00001.mp4                      the clip files (hard links where possible)
    Clip/clip_224x224/00001/00001_00001.jpg …    every frame with the face, aligned, at --size
    Clip/clip_224x224_16f/00001/00001_00001.jpg  the --frames resample
    Clip/shards_112x112_16f/                     the same clips in training's shard format
    Annotation/annotation.xlsx, annotation.csv   1happy … 7fear, order, label: every clip
    EmoLabel_DataSplit/{train,test}(single-labeled)/set_K.csv   only clips with frames
    dropped.csv, clips.csv, DATASHEET.md, *.png  what was left out, provenance, the datasheet

Resumable and safe to interrupt: every file and folder appears under its final name only when
whole (:mod:`dfew_build.release.files`); each finished clip is recorded in a hidden work folder,
so a rerun does only the rest, and the work folder is removed when the release is complete.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.emotions import N_EMOTIONS
from analysis.export import assign_folds
from dfew_build.errors import UserError
from dfew_build.faces import FaceDetector, get_detector
from dfew_build.preprocess.clip import FAILED, KEPT, ClipJob, ClipOutcome, ClipSettings
from dfew_build.preprocess.workers import run_clips
from dfew_build.release import datasheet, tables
from dfew_build.release.config import ReleaseConfig
from dfew_build.release.files import place_file, remove_leftovers
from dfew_build.release.numbers import release_numbers
from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip, Movie
from dfew_build.store_analysis import StoreTables, load_tables
from training.errors import ShardFormatError
from training.shards import ShardWriter, read_index
from training.splits import clip_name

WORK_FOLDER = ".dfew-release-work"  # hidden; removed when a release is complete
OUTCOMES = "outcomes.jsonl"


@dataclass
class ReleaseSummary:
    """What a release holds: clips annotated, with frames, in the split files, left out of
    them (no frames, or no published fold), clip files linked or copied, clips an interrupted
    run had already done, and the root."""

    root: Path
    clips: int = 0
    with_frames: int = 0
    in_splits: int = 0
    without_frames: int = 0
    outside_folds: int = 0
    linked: int = 0
    copied: int = 0
    done_earlier: int = 0


@dataclass(frozen=True)
class ReleaseProgress:
    """Callbacks of a running release: ``start(total)`` once clips are about to be processed,
    ``clip(name, status, reason)`` after each, ``step(text)`` before each later step."""

    start: Callable[[int], None] = lambda total: None
    clip: Callable[[str, str, str], None] = lambda name, status, reason: None
    step: Callable[[str], None] = lambda text: None


@dataclass(frozen=True)
class _StoreClip:
    """What the store says about one annotated clip."""

    clip_id: int
    name: str
    path: str | None
    movie: str
    start_s: float | None
    end_s: float | None
    bucket: str
    file_hash: str
    release_fold: int | None


def check_config(config: ReleaseConfig) -> None:
    """Raise ``UserError`` for settings that cannot work; return None."""
    if config.frames < 1:
        raise UserError(f"--frames {config.frames} is too small — use 1 or more (DFEW: 16)")
    if config.size < 16:
        raise UserError(f"--size {config.size} is too small — use 112 or 224 as DFEW does")
    if config.workers < 1:
        raise UserError(f"--workers {config.workers} is too small — use 1 or more")
    if config.out_dir.exists() and not config.out_dir.is_dir():
        raise UserError(f"--out {config.out_dir} is a file — give a folder")


def build_release(
    config: ReleaseConfig, url: str, progress: ReleaseProgress | None = None
) -> ReleaseSummary:
    """Write (or finish) the release of the store at ``url`` under ``config.out_dir``.

    Returns what it holds. Raises ``UserError`` before any work when the settings or the store
    cannot give a release (no annotated clip, a threshold the votes do not allow), and
    ``AnalysisInputError`` when the clips with frames cannot fill the folds.
    """
    progress = progress or ReleaseProgress()
    check_config(config)
    store = open_store(url)
    try:
        data = load_tables(store)
        labels, _ = data.labels(config.threshold)
        names = sorted(set(labels.index) | set(data.counts.index))
        if not names:
            raise UserError("the store has no annotated clip yet — collect or import votes first")
        detector = get_detector(config.detector, input_width=config.detect_width)
        with store.write() as session:
            clips = _store_clips(session, names)
            numbers = release_numbers(session, [clips[name].clip_id for name in names])
    finally:
        store.dispose()
    release = {clip_name(numbers[clips[name].clip_id]): name for name in names}
    root = config.out_dir
    work = root / WORK_FOLDER
    for folder in (config.originals_dir, config.all_frames_dir, config.resampled_dir, work):
        folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(
        [
            root,
            root / tables.ANNOTATION_FOLDER,
            config.originals_dir,
            config.all_frames_dir,
            config.resampled_dir,
            *tables.split_folders(root),
        ]
    )
    summary = ReleaseSummary(root=root, clips=len(release))
    outcomes = _read_outcomes(work / OUTCOMES, config)
    summary.done_earlier = len(outcomes)
    jobs = []
    for number, name in sorted(release.items()):
        entry = clips[name]
        if entry.path is None:
            outcomes[number] = {"status": FAILED, "reason": "the store records no clip file"}
            continue
        source = Path(entry.path)
        if source.is_file():
            target = config.originals_dir / f"{number}{source.suffix.lower()}"
            if place_file(source, target):
                summary.linked += 1
            else:
                summary.copied += 1
        if number not in outcomes:
            label = int(labels.get(name, 0))
            jobs.append(ClipJob(number, label, None, source))

    settings = ClipSettings(
        config.frames,
        config.size,
        config.min_face_ratio,
        jpeg_dir=config.resampled_dir,
        all_frames_dir=config.all_frames_dir,
    )
    progress.start(len(jobs))
    with open(work / OUTCOMES, "a", encoding="utf-8") as log:

        def on_outcome(job: ClipJob, outcome: ClipOutcome) -> None:
            record = _record(outcome)
            log.write(json.dumps({"clip": job.clip, **record}) + "\n")
            log.flush()
            os.fsync(log.fileno())
            outcomes[job.clip] = record
            progress.clip(job.clip, outcome.status, outcome.reason)

        options = {"input_width": config.detect_width}
        run_clips(jobs, detector, options, settings, config.workers, on_outcome, config.ray)

    progress.step("writing tables, shards and the datasheet")
    rows = [_row(number, clips[name], data, labels, outcomes) for number, name in release.items()]
    rows.sort(key=lambda row: row.clip)
    kept = [row for row in rows if row.status == KEPT]
    labelled = pd.Series({row.clip: row.label for row in kept if row.label > 0}, dtype="int64")
    folds = _folds(config, labelled, {n: clips[name] for n, name in release.items()})
    summary.outside_folds = len(labelled) - len(folds)
    summary.in_splits = len(folds)
    summary.with_frames = len(kept)
    summary.without_frames = len(rows) - len(kept)

    tables.write_annotation(root, rows)
    tables.write_splits(root, folds, labelled)
    tables.write_dropped(root, rows)
    tables.write_clips(root, rows)
    _write_shards(config, kept, detector)
    datasheet.write_datasheet(root, config, data, rows, folds)
    shutil.rmtree(work)
    return summary


def _store_clips(session: Session, names: list[str]) -> dict[str, _StoreClip]:
    """Return name → :class:`_StoreClip` for the annotated clips ``names``."""
    query = select(
        Clip.id,
        Clip.name,
        Clip.path,
        Movie.title,
        Clip.start_s,
        Clip.end_s,
        Clip.bucket,
        Clip.file_hash,
        Clip.release_fold,
    ).outerjoin(Movie, Clip.movie_id == Movie.id)
    wanted = set(names)
    found = {}
    for row in session.execute(query):
        if row.name in wanted:
            found[row.name] = _StoreClip(
                row.id,
                row.name,
                row.path,
                row.title or "",
                row.start_s,
                row.end_s,
                row.bucket or "",
                row.file_hash or "",
                row.release_fold,
            )
    return found


def _record(outcome: ClipOutcome) -> dict[str, object]:
    """Return what the release keeps of one clip's outcome (written to the work log)."""
    return {
        "status": outcome.status,
        "reason": outcome.reason,
        "frames_decoded": outcome.frames_decoded,
        "frames_with_face": outcome.frames_with_face,
        "source_hash": outcome.source_hash,
    }


def _read_outcomes(path: Path, config: ReleaseConfig) -> dict[str, dict]:
    """Return clip → outcome record of the clips an interrupted run finished.

    A kept clip whose frame folders are missing is done again; a last line cut short by a
    crash is ignored.
    """
    outcomes: dict[str, dict] = {}
    if not path.is_file():
        return outcomes
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        clip = record.pop("clip")
        folders = (config.all_frames_dir / clip, config.resampled_dir / clip)
        if record["status"] != KEPT or all(folder.is_dir() for folder in folders):
            outcomes[clip] = record
    return outcomes


def _row(
    number: str, entry: _StoreClip, data: StoreTables, labels: pd.Series, outcomes: dict
) -> tables.ReleaseRow:
    """Return the release row of clip ``number`` from the store and its outcome."""
    record = outcomes.get(number, {"status": FAILED, "reason": "not processed"})
    if entry.name in data.counts.index:
        counts = tuple(int(x) for x in data.counts.loc[entry.name].to_numpy())
    else:
        counts = (0,) * N_EMOTIONS
    decoded = record.get("frames_decoded", 0)
    with_face = record.get("frames_with_face", 0)
    return tables.ReleaseRow(
        clip=number,
        name=entry.name,
        movie=entry.movie,
        start_s=entry.start_s,
        end_s=entry.end_s,
        bucket=entry.bucket,
        source_hash=record.get("source_hash") or entry.file_hash,
        counts=counts,
        label=int(labels.get(entry.name, 0)),
        status=record["status"],
        reason=record["reason"],
        face_ratio=with_face / decoded if decoded else math.nan,
        frames=with_face if record["status"] == KEPT else 0,
    )


def _folds(config: ReleaseConfig, labelled: pd.Series, entries: dict[str, _StoreClip]) -> pd.Series:
    """Return the test fold of each single-labelled clip with frames (indexed by release
    name): the published folds with ``release_folds`` (clips without one are left out), else
    class-stratified folds drawn with the seed."""
    if config.release_folds:
        folds = pd.Series(
            {clip: entries[clip].release_fold for clip in labelled.index}, dtype="float64"
        )
        folds = folds.dropna().astype("int64")
        if folds.empty:
            raise UserError(
                "no labelled clip with frames has a release fold — drop --release-folds to "
                "draw new folds"
            )
        return folds
    return assign_folds(labelled, n_folds=config.folds, seed=config.seed)


def _write_shards(
    config: ReleaseConfig, kept: list[tables.ReleaseRow], detector: FaceDetector
) -> None:
    """Write the kept clips' resampled frames into training shards, in release order.

    A shard folder whose clips or labels differ from this release's is rebuilt; one that holds
    a prefix of them (an interrupted run) is continued, which gives the same shards.
    """
    folder = config.shards_dir
    wanted = {row.clip: row.label for row in kept}
    if (folder / "index.csv").is_file():
        try:
            records, _ = read_index(folder)
        except ShardFormatError:
            records = None
        if records is None or any(wanted.get(r.clip) != r.label for r in records):
            shutil.rmtree(folder)
    side = config.shard_size
    with ShardWriter(folder, frames=config.frames, size=side) as writer:
        done = writer.done_clips()
        for row in kept:
            if row.clip in done:
                continue
            paths = sorted((config.resampled_dir / row.clip).glob("*.jpg"))
            frames = np.stack(
                [
                    cv2.resize(
                        cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB),
                        (side, side),
                        interpolation=cv2.INTER_AREA,
                    )
                    for path in paths
                ]
            )
            writer.add(
                row.clip,
                row.label,
                frames,
                face_ratio=row.face_ratio,
                source_hash=row.source_hash,
                detector=detector.name,
                detector_version=detector.version,
            )
