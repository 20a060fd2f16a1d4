"""``dfew-build annotators``, ``gold`` and ``serve``, run in-process on a real store."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from dfew_build.campaign import accounts
from dfew_build.campaign.errors import NotAllowed, SessionInvalid
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Annotator, GoldClip
from tests.app_fixtures import add_clips
from tests.cli import assert_one_line_error, run
from tests.ports import free_port


def test_annotator_accounts_from_the_command_line(sqlite_url: str, capsys) -> None:
    init_store(sqlite_url).dispose()
    status, out, _ = run(capsys, "--db", sqlite_url, "annotators", "add", "ann")
    assert status == 0 and "created annotator ann" in out
    secret = out.strip().splitlines()[-1]
    store = open_store(sqlite_url)
    token = accounts.login(store, "ann", secret)
    status, out, _ = run(capsys, "annotators", "add", "boss", "--role", "admin", "--db", sqlite_url)
    assert status == 0 and "created admin boss" in out
    status, out, _ = run(capsys, "--db", sqlite_url, "annotators", "list")
    assert status == 0 and "ann" in out and "boss" in out and "2 accounts" in out
    assert secret not in out

    assert run(capsys, "--db", sqlite_url, "annotators", "disable", "ann")[0] == 0
    with pytest.raises(SessionInvalid):
        accounts.current_actor(store, token)
    with pytest.raises(NotAllowed, match="disabled"):
        accounts.login(store, "ann", secret)
    assert run(capsys, "--db", sqlite_url, "annotators", "enable", "ann")[0] == 0
    token = accounts.login(store, "ann", secret)

    status, out, _ = run(capsys, "--db", sqlite_url, "annotators", "reset", "ann")
    new_secret = out.strip().splitlines()[-1]
    assert status == 0 and new_secret != secret
    with pytest.raises(SessionInvalid):
        accounts.current_actor(store, token)
    assert accounts.current_actor(store, accounts.login(store, "ann", new_secret)).name == "ann"
    with store.read() as session:
        hashes = session.scalars(select(Annotator.secret_hash)).all()
    assert all(h.startswith("$argon2id$") for h in hashes)


def test_account_mistakes_get_one_line(sqlite_url: str, capsys) -> None:
    init_store(sqlite_url).dispose()
    assert run(capsys, "--db", sqlite_url, "annotators", "add", "ann")[0] == 0
    assert_one_line_error(
        *run(capsys, "--db", sqlite_url, "annotators", "add", "ann")[::2], "exists"
    )
    assert_one_line_error(
        *run(capsys, "--db", sqlite_url, "annotators", "disable", "x")[::2], "'x'"
    )
    assert_one_line_error(*run(capsys, "--db", sqlite_url, "annotators", "reset", "x")[::2], "list")


def test_gold_clips_from_the_command_line(sqlite_url: str, capsys) -> None:
    store = init_store(sqlite_url)
    add_clips(store, ["c1", "c2"])
    assert run(capsys, "--db", sqlite_url, "gold", "add", "c1", "6")[1].strip() == (
        "gold: c1 is Disgust (quiz question)"
    )
    status, out, _ = run(capsys, "--db", sqlite_url, "gold", "add", "c2", "fear", "--example")
    assert status == 0 and "Fear (guide example)" in out
    status, out, _ = run(capsys, "--db", sqlite_url, "gold", "list")
    assert "c1" in out and "6 Disgust" in out and "2 gold clips" in out
    assert run(capsys, "--db", sqlite_url, "gold", "remove", "c2")[0] == 0
    with store.read() as session:
        assert session.scalars(select(GoldClip.emotion)).all() == [6]
    assert_one_line_error(
        *run(capsys, "--db", sqlite_url, "gold", "add", "c1", "9")[::2], "emotion"
    )
    assert_one_line_error(*run(capsys, "--db", sqlite_url, "gold", "add", "nope", "1")[::2], "nope")


def test_serve_runs_streamlit_on_the_app(
    sqlite_url: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    init_store(sqlite_url).dispose()
    (tmp_path / "clips").mkdir()
    launched = {}

    def fake_execve(path, argv, environ):
        launched.update(path=path, argv=argv, environ=environ)

    monkeypatch.setattr(os, "execve", fake_execve)
    port = str(free_port())
    status, out, _ = run(
        capsys,
        "--db",
        sqlite_url,
        "serve",
        "--port",
        port,
        "--clips",
        str(tmp_path / "clips"),
        "--pass-mark",
        "0.9",
        "--address",
        "127.0.0.1",
        "--session-hours",
        "2.5",
    )
    assert status == 0 and f"http://127.0.0.1:{port}" in out
    argv = launched["argv"]
    assert launched["path"] == sys.executable
    assert argv[1:4] == ["-m", "streamlit", "run"] and argv[4].endswith("annotation_app/server.py")
    assert argv[argv.index("--server.port") + 1] == port
    after = argv[argv.index("--") + 1 :]
    assert after[after.index("--clips") + 1] == str((tmp_path / "clips").resolve())
    assert after[after.index("--pass-mark") + 1] == "0.9"
    assert after[after.index("--session-hours") + 1] == "2.5"
    assert launched["environ"]["DFEW_DB"] == sqlite_url
    assert sqlite_url not in argv  # the URL (maybe with a password) stays out of `ps`


def test_serve_refuses_a_missing_store_or_clip_folder(tmp_path: Path, capsys) -> None:
    missing_store = f"sqlite:///{tmp_path / 'none.sqlite'}"
    (tmp_path / "clips").mkdir()
    assert_one_line_error(
        *run(capsys, "--db", missing_store, "serve", "--clips", str(tmp_path / "clips"))[::2],
        "init",
    )
    url = f"sqlite:///{tmp_path / 'ok.sqlite'}"
    init_store(url).dispose()
    assert_one_line_error(
        *run(capsys, "--db", url, "serve", "--clips", str(tmp_path / "nothere"))[::2], "--clips"
    )
    assert_one_line_error(
        *run(capsys, "--db", url, "serve", "--clips", str(tmp_path / "clips"), "--pass-mark", "2")[
            ::2
        ],
        "--pass-mark",
    )
    for hours in ("0", "-1", "nan", "inf"):
        clips = str(tmp_path / "clips")
        assert_one_line_error(
            *run(capsys, "--db", url, "serve", "--clips", clips, "--session-hours", hours)[::2],
            "--session-hours",
        )
