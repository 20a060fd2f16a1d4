"""Candidate windows and their choice, on hand-made face samples (pure functions, no video)."""

from __future__ import annotations

import numpy as np
import pytest

from dfew_build.extract.candidates import choose, find_candidates
from dfew_build.extract.config import WindowSettings
from dfew_build.extract.scan import FaceSample
from dfew_build.extract.shots import detection_size, make_shot_detector, shots_from_cuts
from dfew_build.options import parse_time

FPS = 25.0


def _samples(frames: int, face_frames: set[int] | range, every: int = 12) -> list[FaceSample]:
    return [
        FaceSample(f, 1, 0.9, 0.3) if f in face_frames else FaceSample(f, 0, 0.0, 0.0)
        for f in range(0, frames, every)
    ]


def _times(frames: int) -> np.ndarray:
    return np.arange(frames) / FPS


def test_shots_cover_the_movie_between_cuts() -> None:
    assert shots_from_cuts([50, 10, 50, 0, 99, 120], 100) == [
        (0, 10),
        (10, 50),
        (50, 99),
        (99, 100),
    ]
    assert shots_from_cuts([], 5) == [(0, 5)]
    assert shots_from_cuts([3], 0) == []


def test_detection_size_follows_pyscenedetect_downscaling() -> None:
    assert detection_size(1280, 720) == (256, 144)
    assert detection_size(176, 144) == (176, 144)
    with pytest.raises(ValueError, match="adaptive, content"):
        make_shot_detector("histogram")


def test_one_window_per_bucket_inside_the_shot_margins() -> None:
    frames = 400  # 16 s, one shot, a face throughout
    found = find_candidates(
        [(0, frames)],
        _samples(frames, range(frames)),
        _times(frames),
        FPS,
        WindowSettings(min_len=1, max_len=10, per_shot=1),
    )
    assert sorted(c.bucket for c in found) == ["0-2s", "2-5s", "5s+"]
    lengths = sorted(round(c.duration_s, 2) for c in found)
    assert lengths == [1.52, 3.52, 10.0]
    for c in found:
        assert c.start_frame >= 2 and c.end_frame <= frames - 2
        assert c.face_ratio == 1.0 and c.frames == c.end_frame - c.start_frame


def test_windows_need_a_face_on_most_samples_and_stay_in_one_shot() -> None:
    frames = 300
    faces = set(range(100, 200))  # 4 s of face in the middle
    found = find_candidates(
        [(0, 150), (150, frames)],
        _samples(frames, faces),
        _times(frames),
        FPS,
        WindowSettings(per_shot=1),
    )
    for c in found:
        assert (c.start_frame >= 150) == (c.end_frame > 150)  # never across the cut
        window = [f for f in range(0, frames, 12) if c.start_frame <= f < c.end_frame]
        assert sum(f in faces for f in window) / len(window) >= 0.8
    assert found and all(c.end_s - c.start_s < 5 for c in found)


def test_too_short_shots_and_faceless_shots_give_nothing() -> None:
    frames = 200
    assert (
        find_candidates(
            [(0, 20), (20, 40)], _samples(40, range(40)), _times(40), FPS, WindowSettings()
        )
        == []
    )
    assert (
        find_candidates(
            [(0, frames)], _samples(frames, set()), _times(frames), FPS, WindowSettings()
        )
        == []
    )


def _movie(shots: int = 12, frames_each: int = 250):
    frames = shots * frames_each
    bounds = [(i * frames_each, (i + 1) * frames_each) for i in range(shots)]
    found = find_candidates(
        bounds, _samples(frames, range(frames)), _times(frames), FPS, WindowSettings()
    )
    return found, frames / FPS


def test_choice_spreads_over_the_movie_and_the_buckets() -> None:
    found, seconds = _movie()
    picks = choose(found, 6, seconds, quota=6)
    chosen = [p.candidate for p in picks]
    assert len({c.shot for c in chosen}) == 6  # six different shots
    assert {c.bucket for c in chosen} == {"0-2s", "2-5s", "5s+"}
    counts = [sum(c.bucket == b for c in chosen) for b in ("0-2s", "2-5s", "5s+")]
    assert max(counts) - min(counts) <= 1
    centres = sorted((c.start_s + c.end_s) / 2 for c in chosen)
    assert min(np.diff(centres)) > seconds / 12
    for a in chosen:
        assert not any(a is not b and a.overlaps(b.start_frame, b.end_frame) for b in chosen)
    assert [p.rank for p in picks] == list(range(6))


def test_choice_respects_existing_clips_and_resumes_where_it_stopped() -> None:
    found, seconds = _movie()
    full = choose(found, 8, seconds, quota=8)
    first = [p.candidate for p in full[:3]]
    spans = [(c.start_frame, c.end_frame) for c in first]
    resumed = choose(found, 5, seconds, quota=8, existing=spans, seeds=first)
    assert [p.candidate for p in resumed] == [p.candidate for p in full[3:]]
    assert [p.rank for p in resumed] == [3, 4, 5, 6, 7]
    manual = (found[0].start_frame, found[0].end_frame)
    assert all(not p.candidate.overlaps(*manual) for p in choose(found, 20, seconds, 20, [manual]))
    assert choose(found, 0, seconds, 20) == []


@pytest.mark.parametrize(
    ("text", "seconds"), [("83.5", 83.5), ("1:23.5", 83.5), ("0:01:23.5", 83.5), ("7", 7.0)]
)
def test_parse_time(text: str, seconds: float) -> None:
    assert parse_time(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "1::2", "a", "-3", "1:2:3:4"])
def test_parse_time_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time|is negative"):
        parse_time(text)
