"""One movie, start to finish: register, analyse in one decoding pass, choose, cut, record.

:func:`extract_movie` never raises for a problem with the movie itself: it returns a
:class:`MovieResult` whose ``status`` is ``done``, ``skipped`` or ``failed`` and whose
``message`` is one line. Only an interruption (``KeyboardInterrupt``) passes through; the
movie then stays ``running`` in the store and the next run resumes it.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis.durations import BUCKETS
from dfew_build.errors import UserError
from dfew_build.extract import catalog
from dfew_build.extract.candidates import Candidate, Choice, choose, find_candidates
from dfew_build.extract.config import ExtractConfig
from dfew_build.extract.cut import CutSpec, cut_clip
from dfew_build.extract.probe import MovieError, MovieInfo, probe_movie
from dfew_build.extract.scan import Analysis, scan_movie
from dfew_build.extract.shots import make_shot_detector, shots_from_cuts
from dfew_build.extract.tools import FFmpegFailed
from dfew_build.faces import FaceDetector
from dfew_build.files import file_sha256
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip


@dataclass
class MovieResult:
    """What happened to one movie (picklable, so worker processes can send it back).

    ``status`` is ``done``, ``skipped`` or ``failed``; ``message`` one line; ``shots`` the
    ``(first, end)`` frame spans; ``candidates`` one dict per candidate with its ``outcome``
    (``cut``, ``already cut``, ``not chosen``, ``quota full``, ``overlaps a clip``, ``failed``);
    ``clips`` one dict per clip cut in this run; ``seconds`` the time spent per stage.
    """

    path: str
    status: str
    message: str
    title: str | None = None
    movie_id: int | None = None
    content_hash: str | None = None
    duration_s: float | None = None
    fps: float | None = None
    frames: int | None = None
    shots: list[tuple[int, int]] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    clips: list[dict[str, Any]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def clips_per_bucket(self) -> dict[str, int]:
        """Return how many clips this run cut in each duration bucket."""
        return {b: sum(c["bucket"] == b for c in self.clips) for b in BUCKETS}


def tool_version() -> str:
    """Return the installed dfew-build version, or ``"unknown"`` when run from a bare checkout."""
    try:
        return importlib.metadata.version("dfew-build")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class _Job:
    """The state of one movie while it is being extracted."""

    path: Path
    config: ExtractConfig
    store: Store
    ffmpeg: str
    faces: FaceDetector
    progress: Callable[[int], None] | None
    result: MovieResult = field(init=False)

    def __post_init__(self) -> None:
        self.result = MovieResult(path=str(self.path), status="failed", message="")


def extract_movie(
    path: Path,
    config: ExtractConfig,
    store: Store,
    ffmpeg: str,
    faces: FaceDetector,
    progress: Callable[[int], None] | None = None,
) -> MovieResult:
    """Extract candidate clips from the movie at ``path`` into ``config.out_dir``.

    ``ffmpeg`` is the binary; ``faces`` the face detector (reused across movies); ``progress``
    receives the number of frames decoded since its last call. Returns the movie's result.
    """
    job = _Job(path, config, store, ffmpeg, faces, progress)
    try:
        _run(job)
    except (MovieError, FFmpegFailed, UserError) as exc:
        _fail(job, str(exc))
    except Exception as exc:  # a bug or an unforeseen library error must not stop other movies
        _fail(job, f"unexpected {type(exc).__name__}: {exc}")
    return job.result


def _fail(job: _Job, message: str) -> None:
    job.result.status = "failed"
    job.result.message = message.splitlines()[0] if message else "failed"
    if job.result.movie_id is not None:
        catalog.set_movie_state(job.store, job.result.movie_id, "failed", job.result.message)


def _timed(job: _Job, stage: str, started: float) -> float:
    now = time.perf_counter()
    job.result.seconds[stage] = round(job.result.seconds.get(stage, 0.0) + now - started, 3)
    return now


def _run(job: _Job) -> None:
    result, config = job.result, job.config
    started = time.perf_counter()
    info = probe_movie(job.path)
    digest = file_sha256(job.path)
    movie = catalog.register_movie(job.store, info, digest)
    result.title, result.movie_id, result.content_hash = movie.title, movie.id, digest
    result.duration_s, result.fps = info.duration_s, info.fps
    started = _timed(job, "probe", started)
    with catalog.claim_movie(job.store, movie.id) as claim:
        if claim == "busy":
            result.status = "skipped"
            result.message = "another extract run is working on it now"
            return
        # Another run may have finished it while this one hashed it.
        if catalog.movie_status(job.store, movie.id) == "done" and not config.force:
            result.status, result.message = "skipped", "already extracted (--force redoes it)"
            return
        _extract_claimed(job, info, movie, digest, started, claim == "claimed")


def _extract_claimed(
    job: _Job,
    info: MovieInfo,
    movie: catalog.MovieRecord,
    digest: str,
    started: float,
    claimed: bool,
) -> None:
    """Analyse, choose and cut the clips of a movie this process has claimed."""
    result, config = job.result, job.config
    if config.force:
        catalog.discard_candidates(job.store, movie.id)
    catalog.set_movie_state(job.store, movie.id, "running")
    catalog.recover_files(job.store, movie.id, claimed)
    if claimed:
        catalog.remove_dead_parts(config.out_dir, digest)

    analysis = scan_movie(
        info,
        make_shot_detector(config.shot_detector),
        job.faces,
        config.scan,
        job.progress,
    )
    result.frames = analysis.frame_count
    shots = shots_from_cuts(analysis.cuts, analysis.frame_count)
    result.shots = shots
    candidates = find_candidates(shots, analysis.samples, analysis.times, info.fps, config.window)
    started = _timed(job, "analyse", started)
    _check_usable(shots, candidates, analysis, info, config)

    # Every clip the movie has, rejected ones too: a span someone rejected is not proposed again.
    existing = catalog.movie_clips(job.store, movie.id)
    target = _target(job)
    taken = [_span_frames(clip, analysis.times) for clip in existing]
    names = {clip.name: clip for clip in existing}
    seeds = [
        c
        for c in candidates
        if _name(digest, c) in names and names[_name(digest, c)].source == "auto"
    ]
    with job.store.read() as session:
        room = max(0, target - catalog.live_count(session, movie.id))
    picks = choose(candidates, room, info.duration_s, target, [s for s in taken if s], seeds)
    outcomes = {(c.start_frame, c.end_frame): "already cut" for c in seeds}
    for c in candidates:
        key = (c.start_frame, c.end_frame)
        if key not in outcomes:
            overlapping = any(s and c.overlaps(*s) for s in taken)
            outcomes[key] = "overlaps a clip" if overlapping else "not chosen"
    cut_failure = _cut_all(job, info, picks, target, outcomes)
    _timed(job, "cut", started)

    result.candidates = [
        {**c.to_dict(), "outcome": outcomes[(c.start_frame, c.end_frame)], "clip": _name(digest, c)}
        for c in candidates
    ]
    if cut_failure is not None:
        raise FFmpegFailed(cut_failure)
    result.status = "done"
    counts = result.clips_per_bucket()
    noun = "clip" if len(result.clips) == 1 else "clips"
    result.message = f"{len(result.clips)} {noun} cut ({_bucket_text(counts)})"
    if room == 0 or any(o == "quota full" for o in outcomes.values()):
        result.message += f"; quota of {target} reached"
    catalog.set_movie_state(
        job.store,
        movie.id,
        "done",
        frame_count=analysis.frame_count,
        extraction={
            "settings": config.settings_record(),
            "face_detector": job.faces.describe(),
            "tool_version": tool_version(),
            "frames": analysis.frame_count,
            "shots": len(shots),
            "candidates": len(candidates),
            "cut": len(result.clips),
            "seconds": result.seconds,
        },
    )


def _bucket_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{b}: {n}" for b, n in counts.items())


def _name(digest: str, candidate: Candidate) -> str:
    return catalog.clip_name(digest, candidate.start_frame, candidate.end_frame)


def _target(job: _Job) -> int:
    """Return the quota this run fills: ``--quota`` if given, never above the store's."""
    store_quota = catalog.store_quota(job.store)
    if job.config.quota is None:
        return store_quota
    return min(job.config.quota, store_quota)


def _span_frames(clip: catalog.ClipSpan, times: np.ndarray) -> tuple[int, int] | None:
    """Return a clip's frame span, from its frames or (for hand-cut clips) its seconds."""
    if clip.start_frame is not None and clip.end_frame is not None:
        return clip.start_frame, clip.end_frame
    if clip.start_s is not None and clip.end_s is not None:
        first = int(np.searchsorted(times, clip.start_s - 1e-6))
        return first, max(first + 1, int(np.searchsorted(times, clip.end_s - 1e-6)))
    return None


def _check_usable(
    shots: list[tuple[int, int]],
    candidates: list[Candidate],
    analysis: Analysis,
    info: MovieInfo,
    config: ExtractConfig,
) -> None:
    """Raise :class:`MovieError` when no shot is long enough or no shot shows a face enough."""
    if candidates:
        return
    ends = np.append(analysis.times[1:], analysis.times[-1] + 1.0 / info.fps)
    longest = max(ends[b - 1] - analysis.times[a] for a, b in shots)
    if longest + 1e-9 < config.window.min_len:
        raise MovieError(
            f"no shots: none of its {len(shots)} shots lasts --min-len "
            f"{config.window.min_len:g} s (longest {longest:.2f} s) — lower --min-len, or cut "
            "clips by hand with add-clip"
        )
    with_face = sum(s.faces > 0 for s in analysis.samples)
    raise MovieError(
        f"no faces: no shot shows a face on {config.window.min_face_ratio:.0%} of its sampled "
        f"frames (faces on {with_face} of {len(analysis.samples)} samples) — lower "
        "--min-face-ratio, or cut clips by hand with add-clip"
    )


def _cut_all(
    job: _Job,
    info: MovieInfo,
    picks: list[Choice],
    target: int,
    outcomes: dict[tuple[int, int], str],
) -> str | None:
    """Cut the picked clips in rank order; return a failure message or None."""
    digest = job.result.content_hash
    out_dir = job.config.out_dir
    for pick in picks:
        candidate = pick.candidate
        key = (candidate.start_frame, candidate.end_frame)
        name = _name(digest, candidate)
        if catalog.name_taken(job.store, name):
            outcomes[key] = "already cut"
            continue
        with job.store.read() as session:
            if catalog.live_count(session, job.result.movie_id) >= target:
                outcomes[key] = "quota full"
                break
        final = out_dir / f"{name}{catalog.CLIP_SUFFIX}"
        temp = catalog.temp_path(final)
        spec = CutSpec(
            source=info.path,
            start_s=candidate.start_s,
            frames=candidate.frames,
            duration_s=candidate.duration_s,
            fps=info.fps,
            has_audio=info.has_audio,
            width=info.width,
            height=info.height,
        )
        try:
            cut_clip(job.ffmpeg, spec, temp, job.config.encode)
        except FFmpegFailed as exc:
            outcomes[key] = "failed"
            return f"ffmpeg failed cutting {name}: {exc}"
        clip = _clip_row(job, candidate, pick, name)
        inserted = catalog.add_clip_with_file(job.store, clip, temp, final)
        if inserted.outcome == "quota":
            outcomes[key] = "quota full"
            break
        if inserted.outcome == "exists":
            outcomes[key] = "already cut"
            continue
        outcomes[key] = "cut"
        job.result.clips.append(
            {
                "name": name,
                "path": str(final.resolve()),
                "bucket": candidate.bucket,
                "start_s": candidate.start_s,
                "end_s": candidate.end_s,
                "start_frame": candidate.start_frame,
                "end_frame": candidate.end_frame,
            }
        )
    return None


def _clip_row(job: _Job, candidate: Candidate, pick: Choice, name: str) -> Clip:
    config = job.config
    return Clip(
        name=name,
        movie_id=job.result.movie_id,
        start_s=candidate.start_s,
        end_s=candidate.end_s,
        start_frame=candidate.start_frame,
        end_frame=candidate.end_frame,
        bucket=candidate.bucket,
        source="auto",
        extractor="auto",
        status="candidate",
        face_ratio=candidate.face_ratio,
        provenance={
            "tool": f"dfew-build extract {tool_version()}",
            "movie_hash": job.result.content_hash,
            "shot": list(job.result.shots[candidate.shot]),
            "shot_detector": config.shot_detector,
            "face_detector": job.faces.describe(),
            "face_fps": config.scan.face_fps,
            "face_samples": candidate.samples,
            "face_ratio": round(candidate.face_ratio, 4),
            "face_score": round(candidate.face_score, 4),
            "face_height": round(candidate.face_height, 4),
            "quality": round(candidate.quality, 4),
            "gain": round(pick.gain, 4),
            "rank": pick.rank,
        },
    )
