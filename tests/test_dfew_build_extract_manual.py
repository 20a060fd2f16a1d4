"""Hand-cut clips: ``add-clip``, ``import-clips`` and ``quota``, through the same quota path."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from sqlalchemy import select

from dfew_build.extract.config import EncodeSettings
from dfew_build.extract.cut import CutSpec, cut_clip
from dfew_build.extract.probe import probe_movie
from dfew_build.extract.synthetic import build_movie, sample_shots
from dfew_build.extract.tools import ffmpeg_exe
from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip, Movie
from tests.cli import run


def add_clip(capsys, url: str, movie: Path, out: Path, *span: str) -> tuple[int, str, str]:
    """Run ``dfew-build add-clip MOVIE SPAN… --out OUT`` on the store at ``url``."""
    return run(capsys, "--db", url, "add-clip", str(movie), *span, "--out", str(out))


@pytest.fixture(scope="module")
def sample_movie(sample_videos: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("movie") / "joined.mp4"
    build_movie(sample_shots(sample_videos), path, size=(320, 180), fps=25, audio=True)
    return path


def first_frame_s(path: Path) -> float:
    with av.open(str(path)) as container:
        return float(next(container.decode(video=0)).time)


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_add_clip_cuts_whole_frames_and_records_the_extractor(
    sample_movie: Path, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    out = tmp_path / "clips"
    assert run(capsys, "--db", sqlite_url, "init", "--quota", "2")[0] == 0
    status, stdout, err = add_clip(
        capsys,
        sqlite_url,
        sample_movie,
        out,
        "--start",
        "1.0",
        "--end",
        "0:03.5",
        "--extractor",
        "ana",
        "--emotion",
        "surprise",
    )
    assert status == 0, err
    assert "added clip" in stdout and "2-5s" in stdout
    with open_store(sqlite_url).read() as session:
        clip = session.scalars(select(Clip)).one()
    first = first_frame_s(sample_movie)
    assert (clip.start_frame, clip.end_frame) == (
        round((1.0 - first) * 25),
        round((3.5 - first) * 25),
    )
    assert clip.source == "manual" and clip.extractor == "ana" and clip.suggested_emotion == 5
    assert clip.bucket == "2-5s" and clip.provenance["requested_s"] == [1.0, 3.5]
    assert frame_count(Path(clip.path)) == clip.end_frame - clip.start_frame
    assert sorted(out.iterdir()) == [Path(clip.path)]

    status, _, err = add_clip(capsys, sqlite_url, sample_movie, out, "--start", "1", "--end", "3.5")
    assert status == 2 and "already exists" in err
    assert add_clip(capsys, sqlite_url, sample_movie, out, "--start", "5", "--end", "6")[0] == 0
    status, _, err = add_clip(capsys, sqlite_url, sample_movie, out, "--start", "8", "--end", "9")
    assert status == 2 and "quota is full" in err and len(err.strip().splitlines()) == 1
    assert len(list(out.iterdir())) == 2  # the refused clip left no file

    status, stdout, _ = run(capsys, "--db", sqlite_url, "quota")
    assert status == 0 and "2/2" in stdout and "joined" in stdout


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--start", "3", "--end", "2"], "must come after"),
        (["--start", "99", "--end", "100"], "past the movie's end"),
        (["--start", "1", "--end", "100"], "past the movie's end"),
        (["--start", "1", "--end", "2", "--emotion", "bored"], "not a DFEW emotion"),
    ],
)
def test_add_clip_refuses_impossible_spans(
    sample_movie: Path, tmp_path: Path, sqlite_url: str, capsys, extra, words
) -> None:
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    status, _, err = add_clip(capsys, sqlite_url, sample_movie, tmp_path / "clips", *extra)
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1
    clips = tmp_path / "clips"
    assert not clips.exists() or not any(clips.iterdir())  # no clip file left behind
    with open_store(sqlite_url).read() as session:  # nor any row: the store is untouched
        assert session.scalars(select(Clip)).all() == []
        assert session.scalars(select(Movie)).all() == []


def test_import_clips_finds_where_each_clip_came_from(
    sample_movie: Path, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    elsewhere = tmp_path / "cut elsewhere"
    elsewhere.mkdir()
    info = probe_movie(sample_movie)
    first = first_frame_s(sample_movie)
    for start, end in ((10, 60), (200, 250)):  # carphone; the cyclist
        spec = CutSpec(
            sample_movie,
            first + start / 25,
            end - start,
            (end - start) / 25,
            25.0,
            True,
            info.width,
            info.height,
        )
        cut_clip(ffmpeg_exe(), spec, elsewhere / f"from {start}.mp4", EncodeSettings(crf=28))
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x180:rate=25",
            "-frames:v",
            "30",
            "-pix_fmt",
            "yuv420p",
            str(elsewhere / "unrelated.mp4"),
        ],
        check=True,
    )
    out = tmp_path / "clips"
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    args = [
        "--db",
        sqlite_url,
        "import-clips",
        str(elsewhere),
        "--movie",
        str(sample_movie),
        "--out",
        str(out),
        "--extractor",
        "lab",
    ]
    status, stdout, err = run(capsys, *args)
    assert status == 0, err
    assert "3 clips imported, 0 refused, 1 not found in the movie" in stdout
    with open_store(sqlite_url).read() as session:
        clips = session.scalars(select(Clip).order_by(Clip.start_frame)).all()
    spans = [(c.start_frame, c.end_frame) for c in clips if c.start_frame is not None]
    assert spans == [(10, 60), (200, 250)]
    unrelated = [c for c in clips if c.start_frame is None]
    assert len(unrelated) == 1 and unrelated[0].bucket == "0-2s"
    assert all(c.source == "manual" and c.extractor == "lab" for c in clips)
    assert sorted(Path(c.path) for c in clips) == sorted(out.iterdir())
    for clip in clips:
        original = Path(clip.provenance["imported_from"])
        assert np.array_equal(
            np.frombuffer(original.read_bytes(), np.uint8),
            np.frombuffer(Path(clip.path).read_bytes(), np.uint8),
        )

    status, stdout, err = run(capsys, *args)  # again: nothing new, each refusal named
    assert status == 2 and stdout.count("already imported") == 3
    assert err.strip() == "error: 3 clips were not imported (reasons above)"


@pytest.mark.parametrize(
    ("folder", "words"), [("missing", "is not a folder"), ("empty", "no clip files in")]
)
def test_import_clips_refuses_a_missing_or_empty_folder(
    sample_movie: Path, tmp_path: Path, sqlite_url: str, capsys, folder, words
) -> None:
    (tmp_path / "empty").mkdir()
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    status, _, err = run(
        capsys,
        "--db",
        sqlite_url,
        "import-clips",
        str(tmp_path / folder),
        "--movie",
        str(sample_movie),
        "--out",
        str(tmp_path / "clips"),
    )
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1
    with open_store(sqlite_url).read() as session:
        assert session.scalars(select(Movie)).all() == []
