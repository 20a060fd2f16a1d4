"""A throwaway PostgreSQL server for tests, started from Debian's ``postgresql`` binaries.

The server listens on a Unix socket only (no TCP port) inside a temporary folder and is stopped
and deleted afterwards. As root, initdb refuses to run, so the server runs as the ``postgres``
system user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


def find_bin_dir() -> Path | None:
    """Return the folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


class PostgresServer:
    """A running server; ``url(database)`` gives a SQLAlchemy URL for one of its databases."""

    def __init__(self, bin_dir: Path, fsync: bool = False) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="dfew-pg-"))
        self.data = self.root / "data"
        self.port = 5433
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "dfew", "--no-sync")
        # Tests need no durability; a benchmark asks for fsync to measure real commits.
        durability = "on" if fsync else "off"
        options = f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync={durability}"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self._as_user, str(self.bin_dir / tool), *args], check=True, capture_output=True
        )

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of ``database`` on this server (psycopg 3 driver)."""
        return f"postgresql+psycopg://dfew@/{database}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=self.port, user="dfew", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
