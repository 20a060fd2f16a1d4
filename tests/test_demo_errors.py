"""The mistakes a newcomer makes first each get one line saying what to run instead."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch

from dfew_build.cli import main
from training.cli import main as train_main
from training.synthetic import write_synthetic_dataset


def _one_line(capsys: pytest.CaptureFixture[str], *expected: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    for text in expected:
        assert text in err, err
    return err


def test_no_store_in_this_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DFEW_DB", raising=False)
    for command in (["info"], ["kappa"], ["annotators", "list"], ["export", "--out", "x"]):
        assert main(command) == 2
        _one_line(capsys, str(tmp_path / "dfew.sqlite"), "dfew-build init", "cd to your campaign")
    assert list(tmp_path.iterdir()) == []


def test_serve_from_the_wrong_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DFEW_CLIPS", raising=False)
    assert main(["serve"]) == 2
    _one_line(capsys, str(tmp_path / "clips"), "cd to your campaign's folder", "--clips")


def test_port_in_use(sqlite_url: str, tmp_path: Path, capsys) -> None:
    assert main(["--db", sqlite_url, "init"]) == 0
    (tmp_path / "clips").mkdir()
    capsys.readouterr()
    with socket.socket() as other_app:
        other_app.bind(("", 0))
        other_app.listen()
        port = other_app.getsockname()[1]
        args = ["--db", sqlite_url, "serve", "--clips", str(tmp_path / "clips"), "--port"]
        assert main([*args, str(port)]) == 2
        err = _one_line(capsys, f"port {port} is in use", "stop the other app")
        suggested = int(err.split("pass --port ")[1].split(",")[0])
        with socket.socket() as probe:  # the port it suggests is free
            probe.bind(("", suggested))
        assert main(["demo", "--dir", str(tmp_path / "demo"), "--port", str(port)]) == 2
        _one_line(capsys, f"port {port} is in use")
    assert not (tmp_path / "demo").exists()


def test_demo_refuses_a_folder_that_is_not_a_demo(tmp_path: Path, capsys) -> None:
    own = tmp_path / "my-campaign"
    own.mkdir()
    (own / "notes.txt").write_text("mine")
    assert main(["demo", "--dir", str(own), "--simulate", "10"]) == 2
    _one_line(capsys, "not a dfew-build demo", "--dir")
    assert [path.name for path in own.iterdir()] == ["notes.txt"]


def test_simulate_needs_ten_annotators(tmp_path: Path, capsys) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo"), "--simulate", "5"]) == 2
    _one_line(capsys, "--simulate", "10..1000")
    demo_elsewhere = ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "demo", "--dir"]
    assert main([*demo_elsewhere, str(tmp_path / "demo"), "--simulate", "10"]) == 2
    _one_line(capsys, "drop --db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without GPU")
def test_gpu_option_without_a_gpu(tmp_path: Path, capsys) -> None:
    data = write_synthetic_dataset(tmp_path, count=10, frames=4, size=16)
    argv = ["--data", str(data.data), "--splits", str(data.splits), "--device", "cuda"]
    with pytest.raises(SystemExit) as exit_info:
        train_main([*argv, "--epochs", "1", "--out", str(tmp_path / "runs")])
    assert exit_info.value.code == 2
    _one_line(capsys, "--device cuda asked for a GPU", "pass --device cpu")
    assert not (tmp_path / "runs").exists()
