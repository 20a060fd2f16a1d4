"""Candidate clips: windows inside one shot with a face on most sampled frames, and their choice.

Windows. Inside each shot (less ``margin`` frames at either end, so a cut found a frame or two
late never leaks into a clip), one window per duration bucket of the DFEW paper (0–2 s, 2–5 s,
5 s+) that the allowed length range reaches: 1.5 s, 3.5 s, and as long as the shot and
``max_len`` allow (clamped into the allowed range). Each window slides over the shot by one face
sample; it qualifies when at least ``min_face_ratio`` of its sampled frames show a face, and the
best-placed one per shot and bucket is kept, then the next best that does not overlap it, up
to ``per_shot`` windows (so a long shot can give several clips). A window's *quality* (0..1) is
its face ratio times the mean face score, times a size term
``0.5 + 0.5·min(1, face height / 0.25 of the frame)``.

Choice. Greedy: each step takes the candidate with the largest gain

    gain = quality + spread + 0.5 · balance + 0.1 · min(1, length / 5 s)
           − 1.0 · (its shot already has a clip)

where ``spread = min(1, distance to the nearest chosen clip / (movie length / quota))`` (1 for the
first pick), and ``balance = 1 / (1 + clips in its bucket − clips in the emptiest bucket that still
has candidates)``, so the chosen clips spread over the movie and over the three buckets instead
of clustering in one scene; the small length term breaks near-ties towards the longer of two
overlapping windows, which would otherwise block each other at random. Chosen clips never
overlap each other nor clips the movie already has. Clips the movie already has from earlier
runs of the same extraction seed the greedy state, so a resumed run picks what the interrupted
one would have picked next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from analysis.durations import BUCKETS, duration_bucket
from dfew_build.extract.config import WindowSettings
from dfew_build.extract.scan import FaceSample

_BUCKET_TARGETS_S = (1.5, 3.5, None)  # preferred length per bucket; None: as long as allowed
_BUCKET_EDGES_S = ((0.0, 2.0), (2.0, 5.0), (5.0, float("inf")))


@dataclass(frozen=True)
class Candidate:
    """A proposed clip: frames ``start_frame`` … ``end_frame - 1`` of one shot.

    ``start_s``/``end_s`` are seconds from the movie's start (end = start of the first frame after
    the clip); ``shot`` is the shot's index; ``face_ratio``, ``face_score``, ``face_height`` (share
    of frame height) and ``quality`` are in 0..1; ``samples`` counts the face checks inside.
    """

    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    bucket: str
    shot: int
    face_ratio: float
    face_score: float
    face_height: float
    quality: float
    samples: int

    @property
    def frames(self) -> int:
        """Number of frames in the clip."""
        return self.end_frame - self.start_frame

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s

    def overlaps(self, start_frame: int, end_frame: int) -> bool:
        """Return whether this clip shares a frame with ``start_frame … end_frame - 1``."""
        return self.start_frame < end_frame and start_frame < self.end_frame

    def to_dict(self) -> dict:
        """Return the fields as a plain dict (for reports and provenance)."""
        return asdict(self)


@dataclass(frozen=True)
class Choice:
    """A chosen candidate, its rank (0 = first picked) and the gain it was picked with."""

    candidate: Candidate
    rank: int
    gain: float


def frame_end_times(times: np.ndarray, fps: float) -> np.ndarray:
    """Return, for each frame, the time its display ends (the next frame's start), in seconds."""
    ends = np.empty_like(times)
    ends[:-1] = times[1:]
    ends[-1] = times[-1] + 1.0 / fps
    return ends


def find_candidates(
    shots: Sequence[tuple[int, int]],
    samples: Sequence[FaceSample],
    times: np.ndarray,
    fps: float,
    settings: WindowSettings,
) -> list[Candidate]:
    """Return the qualifying windows, at most ``per_shot`` per shot and bucket, in frame order."""
    ends = frame_end_times(times, fps)
    sample_frames = np.array([s.frame for s in samples], dtype=np.int64)
    found = []
    for shot_index, (first, last) in enumerate(shots):
        lo, hi = first + settings.margin, last - settings.margin
        if hi <= lo:
            continue
        usable_s = ends[hi - 1] - times[lo]
        inside = np.nonzero((sample_frames >= lo) & (sample_frames < hi))[0]
        if usable_s + 1e-9 < settings.min_len or inside.size == 0:
            continue
        for length in _lengths(usable_s, settings):
            taken: list[tuple[int, int]] = []
            for _ in range(settings.per_shot):
                best = _best_window(lo, hi, length, inside, samples, times, ends, settings, taken)
                if best is None:
                    break
                taken.append(best[:2])
                found.append(_candidate(*best, shot_index, times, ends, samples))
    unique = {(c.start_frame, c.end_frame): c for c in found}
    return sorted(unique.values(), key=lambda c: (c.start_frame, c.end_frame))


def _lengths(usable_s: float, settings: WindowSettings) -> list[float]:
    """Return the window lengths (seconds) to try in a shot with ``usable_s`` seconds to use."""
    lengths = []
    for (low, high), target in zip(_BUCKET_EDGES_S, _BUCKET_TARGETS_S, strict=True):
        allowed_low = max(low, settings.min_len)
        allowed_high = min(high, settings.max_len, usable_s)
        if allowed_high + 1e-9 < allowed_low:
            continue
        wanted = allowed_high if target is None else target
        lengths.append(min(max(wanted, allowed_low), allowed_high))
    return lengths


def _best_window(
    lo: int,
    hi: int,
    length_s: float,
    inside: np.ndarray,
    samples: Sequence[FaceSample],
    times: np.ndarray,
    ends: np.ndarray,
    settings: WindowSettings,
    taken: Sequence[tuple[int, int]],
) -> tuple[int, int, float] | None:
    """Return ``(start, end, quality)`` of the best window of ``length_s`` in frames lo … hi
    that overlaps none of the ``taken`` spans, or None."""
    best = None
    starts = sorted({lo, *(samples[i].frame for i in inside)})
    for start in starts:
        # The end frame: the first frame whose display ends at least length_s after start.
        end = int(np.searchsorted(ends, times[start] + length_s - 1e-6)) + 1
        if end > hi:
            break
        if any(start < b and a < end for a, b in taken):
            continue
        quality = _quality(start, end, inside, samples, settings)
        if quality is not None and (best is None or quality > best[2] + 1e-12):
            best = (start, end, quality)
    return best


def _window_samples(start: int, end: int, inside: np.ndarray, samples: Sequence[FaceSample]):
    return [samples[i] for i in inside if start <= samples[i].frame < end]


def _quality(
    start: int,
    end: int,
    inside: np.ndarray,
    samples: Sequence[FaceSample],
    settings: WindowSettings,
) -> float | None:
    window = _window_samples(start, end, inside, samples)
    if not window:
        return None
    with_face = [s for s in window if s.faces > 0]
    ratio = len(with_face) / len(window)
    if ratio + 1e-9 < settings.min_face_ratio or not with_face:
        return None
    score = float(np.mean([s.score for s in with_face]))
    height = float(np.mean([s.height for s in with_face]))
    return ratio * score * (0.5 + 0.5 * min(1.0, height / 0.25))


def _candidate(
    start: int,
    end: int,
    quality: float,
    shot: int,
    times: np.ndarray,
    ends: np.ndarray,
    samples: Sequence[FaceSample],
) -> Candidate:
    window = [s for s in samples if start <= s.frame < end]
    with_face = [s for s in window if s.faces > 0]
    start_s, end_s = float(times[start]), float(ends[end - 1])
    return Candidate(
        start_frame=start,
        end_frame=end,
        start_s=start_s,
        end_s=end_s,
        bucket=str(duration_bucket([end_s - start_s])[0]),
        shot=shot,
        face_ratio=len(with_face) / len(window),
        face_score=float(np.mean([s.score for s in with_face])),
        face_height=float(np.mean([s.height for s in with_face])),
        quality=quality,
        samples=len(window),
    )


def choose(
    candidates: Sequence[Candidate],
    count: int,
    movie_s: float,
    quota: int,
    existing: Sequence[tuple[int, int]] = (),
    seeds: Sequence[Candidate] = (),
) -> list[Choice]:
    """Return up to ``count`` candidates picked greedily by the gain described above.

    ``existing`` lists the frame spans of clips the movie already has (never overlapped);
    ``seeds`` are those of them that are earlier picks of this same extraction (they also shape
    spread and balance). ``movie_s`` is the movie's length in seconds, ``quota`` its clip quota.
    """
    spacing = max(movie_s / max(quota, 1), 1e-6)
    chosen: list[Candidate] = list(seeds)
    pool = [c for c in candidates if not any(c.overlaps(a, b) for a, b in existing)]
    picks: list[Choice] = []
    while pool and len(picks) < count:
        counts = {b: sum(c.bucket == b for c in chosen) for b in BUCKETS}
        open_buckets = {c.bucket for c in pool}
        floor = min(counts[b] for b in open_buckets)
        used_shots = {c.shot for c in chosen}
        centres = [(c.start_s + c.end_s) / 2 for c in chosen]

        def gain(c: Candidate, counts=counts, floor=floor, used=used_shots, centres=centres):
            centre = (c.start_s + c.end_s) / 2
            nearest = min((abs(centre - x) for x in centres), default=None)
            spread = 1.0 if nearest is None else min(1.0, nearest / spacing)
            balance = 1.0 / (1 + counts[c.bucket] - floor)
            length = 0.1 * min(1.0, c.duration_s / 5.0)
            return c.quality + spread + 0.5 * balance + length - (1.0 if c.shot in used else 0.0)

        best = max(pool, key=lambda c: (gain(c), -c.start_frame))
        picks.append(Choice(best, len(seeds) + len(picks), gain(best)))
        chosen.append(best)
        pool = [c for c in pool if not c.overlaps(best.start_frame, best.end_frame)]
    return picks
