"""Hostile input for every ``dfew-build`` subcommand and option, on SQLite and on PostgreSQL.

Each case of :mod:`tests.hostile` must end in one ``error:`` line with exit status 2 and the
store's rows unchanged (or, for user text, print it as typed), never a traceback, and within a
generous time (a hang guard, not a speed bound). The validators of :mod:`dfew_build.options`
are also fed generated text (Hypothesis): each returns a value in its range or refuses with
``ArgumentTypeError``, never anything else.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfew_build import cli, options
from dfew_build.cli import build_parser, main
from dfew_build.store.engine import describe_store_error, safe_url
from tests.hostile import Campaign, Case, Outcome, build_campaign, cases, store_digest

HANG_GUARD_S = 300  # far above any case's need; only a hang reaches it
COMMANDS = sorted({case.argv[0] for case in cases()})


class Hung(Exception):
    """Raised in the test's thread when a case runs past the hang guard."""


def _value_actions(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> Iterator:
    """Yield ``(command path, action)`` for every option or argument that takes a value."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _value_actions(child, (*path, name))
        elif action.nargs != 0 and not isinstance(action, argparse._HelpAction):
            yield path, action


def test_every_subcommand_is_attacked() -> None:
    """Every value option is validated (a shared validator or choices) and has hostile cases."""
    unchecked, unattacked = [], []
    all_cases = cases()
    for path, action in _value_actions(build_parser(), ()):
        label = " ".join([*path, *(action.option_strings or [action.dest])])
        validator = getattr(action.type, "__module__", None) == options.__name__
        if not validator and action.choices is None:
            unchecked.append(label)
        if not path or action.option_strings == ["--db"]:
            continue  # --db: the same validator everywhere, attacked on info and init
        mine = [c for c in all_cases if tuple(c.argv[: len(path)]) == path]
        if action.option_strings:
            attacked = any(set(action.option_strings) & set(c.argv) for c in mine)
        else:
            attacked = any(c.expect == "error" for c in mine)
        if not attacked:
            unattacked.append(label)
    assert unchecked == [], f"options without a validator from dfew_build.options: {unchecked}"
    assert unattacked == [], f"options without hostile cases in tests/hostile.py: {unattacked}"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def campaign(request: pytest.FixtureRequest, tmp_path_factory) -> Campaign:
    """The hostile cases' campaign, once per backend."""
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'dfew.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database("hostile")
    return build_campaign(folder / "campaign", url)


def _alarm(signum, frame) -> None:
    raise Hung()


def run_in_process(campaign: Campaign, case: Case, capsys, monkeypatch) -> Outcome:
    """Run ``case`` through ``main`` in this process, under the hang guard; never execs."""

    def no_exec(*args) -> None:
        raise AssertionError("the case started the app: its bad value was accepted")

    monkeypatch.setattr(os, "execve", no_exec)
    monkeypatch.setenv("DFEW_CLIPS", campaign.paths["clips"])
    monkeypatch.delenv("DFEW_DB", raising=False)
    monkeypatch.chdir(campaign.folder)
    before = store_digest(campaign.url)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_GUARD_S)
    try:
        status = main(campaign.argv(case))
    except Hung:
        captured = capsys.readouterr()
        return Outcome(None, captured.out, captured.err, True, False)
    except BaseException as exc:  # a crash is a result here, with its traceback's last line
        captured = capsys.readouterr()
        return Outcome(1, captured.out, captured.err + f"\nTraceback: {exc!r}", False, False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    captured = capsys.readouterr()
    return Outcome(status, captured.out, captured.err, False, before != store_digest(campaign.url))


@pytest.mark.parametrize("command", COMMANDS)
def test_hostile_values_give_one_line_and_leave_the_store_alone(
    campaign: Campaign, command: str, capsys, monkeypatch
) -> None:
    """Every hostile case of ``command``: exit 2 + one line + store unchanged, or literal text."""
    unclean = []
    mine = [case for case in cases() if case.argv[0] == command]
    for case in mine:
        problem = run_in_process(campaign, case, capsys, monkeypatch).problem(case)
        if problem is not None:
            unclean.append(f"{case.id}: {problem}")
    assert unclean == [], f"{len(unclean)} of {len(mine)} cases unclean:\n" + "\n".join(unclean)


def test_ctrl_c_during_start_up_is_one_line_and_130(monkeypatch, capsys) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["info"]) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted") and len(err.strip().splitlines()) == 1


def test_store_errors_are_one_line_without_the_password() -> None:
    from sqlalchemy.exc import DataError, IntegrityError, OperationalError

    url = "postgresql+psycopg://dfew:hunter2@db.example/dfew"
    assert "hunter2" not in safe_url(url) and "db.example" in safe_url(url)
    for error, words in (
        (OperationalError("x", {}, Exception("database is locked")), "locked"),
        (OperationalError("x", {}, Exception("connection refused\nis it up?")), "cannot reach"),
        (DataError("x", {}, Exception("value too long for type character varying(100)")), "fit"),
        (IntegrityError("x", {}, Exception("duplicate key value")), "run the command again"),
    ):
        line = describe_store_error(error, url)
        assert words in line and "\n" not in line and "hunter2" not in line


# Generated text: every validator returns a value in range or refuses, never anything else.

TEXT = st.text(max_size=30) | st.sampled_from(["nan", "inf", "-inf", "1e400", "³", "①", "٣"])


@settings(max_examples=300, deadline=None)
@given(TEXT | st.integers().map(str))
def test_bounded_int_returns_a_value_in_range_or_refuses(text: str) -> None:
    parse = options.bounded_int(1, 1000)
    try:
        value = parse(text)
    except argparse.ArgumentTypeError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(value, int) and 1 <= value <= 1000
    assert text.strip().lstrip("+-").isascii()


@settings(max_examples=300, deadline=None)
@given(TEXT | st.floats().map(str) | st.floats().map(repr))
def test_finite_float_returns_a_finite_value_in_range_or_refuses(text: str) -> None:
    parse = options.finite_float(0, 1, low_open=True)
    try:
        value = parse(text)
    except argparse.ArgumentTypeError:
        return
    assert math.isfinite(value) and 0 < value <= 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_name_is_one_printable_line_within_the_column(text: str) -> None:
    parse = options.name("account name", 100)
    try:
        value = parse(text)
    except argparse.ArgumentTypeError:
        return
    assert value and value == value.strip() and len(value) <= 100
    assert value.replace(" ", "").isprintable()


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_emotion_and_time_and_url_refuse_cleanly(text: str) -> None:
    for parse, check in (
        (options.emotion, lambda v: v in range(1, 8)),
        (options.time_of_day, lambda v: math.isfinite(v) and v >= 0),
        (options.store_url, lambda v: v == text),
        (options.ray_address, lambda v: v == "auto" or v.rpartition(":")[2].isascii()),
    ):
        try:
            value = parse(text)
        except argparse.ArgumentTypeError:
            continue
        assert check(value), (parse, text, value)


def test_paths_that_are_files_missing_or_under_a_file_are_refused(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    out = options.output_dir("folder")
    for bad in (str(a_file), str(a_file / "sub"), ""):
        with pytest.raises(argparse.ArgumentTypeError):
            out(bad)
    assert out(str(tmp_path / "new" / "deeper")) == tmp_path / "new" / "deeper"
    with pytest.raises(argparse.ArgumentTypeError):
        options.existing_file("movie")(str(tmp_path))
    with pytest.raises(argparse.ArgumentTypeError):
        options.existing_dir("folder")(str(a_file))
    with pytest.raises(argparse.ArgumentTypeError):
        options.output_file("report", (".json", ".csv"))(str(tmp_path / "found.txt"))


def test_a_store_from_a_newer_release_is_refused_by_init_and_info(sqlite_url: str, capsys):
    assert main(["--db", sqlite_url, "init"]) == 0
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    before = store_digest(sqlite_url)
    for command in ("init", "info"):
        capsys.readouterr()
        assert main(["--db", sqlite_url, command]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "newer than this dfew-build" in err
    assert store_digest(sqlite_url) == before


def test_a_locked_store_is_one_line(sqlite_url: str, capsys, monkeypatch) -> None:
    """A writer that holds the lock past the busy timeout: one line, not OperationalError."""
    import sqlite3

    from dfew_build.store import engine as store_engine

    assert main(["--db", sqlite_url, "init"]) == 0
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        capsys.readouterr()
        assert main(["--db", sqlite_url, "annotators", "add", "rita"]) == 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "locked" in err and "Traceback" not in err
