"""Validators of command-line values, shared by every ``dfew-build`` subcommand.

Each function here returns an argparse ``type=`` callable that converts one value or raises
:class:`argparse.ArgumentTypeError` with a message naming the value and the fix; argparse turns
that into the one-line error of :class:`dfew_build.cli.OneLineParser`. So every option is
checked before any work starts, and no command repeats a check of its own. Numbers are parsed
from ASCII digits only (``str.isdigit`` and ``int`` also take ``³`` or ``١``), floats must be
finite, and every number has a range.
"""

from __future__ import annotations

import argparse
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _show(text: str, limit: int = 40) -> str:
    """Return ``text`` quoted on one line, shortened to ``limit`` characters."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 4] + "…" + shown[-3:]


def bounded_int(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    """Return a parser of whole numbers from ``low`` to ``high`` (inclusive; ``unit`` in messages).

    The parser returns the int; it refuses non-ASCII digits, fractions, exponents and out of
    range values.
    """
    suffix = f" {unit}" if unit else ""

    def parse(text: str) -> int:
        if not _INT.fullmatch(text.strip()):
            raise argparse.ArgumentTypeError(
                f"{_show(text)} is not a whole number — use {low}..{high}{suffix}"
            )
        value = int(text.strip())
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{_show(text)} is out of range — use {low}..{high}{suffix}"
            )
        return value

    return parse


def finite_float(
    low: float, high: float, unit: str = "", low_open: bool = False
) -> Callable[[str], float]:
    """Return a parser of finite numbers from ``low`` (excluded when ``low_open``) to ``high``.

    The parser returns the float (in ``unit``); it refuses NaN, infinities, overflow and
    non-ASCII digits.
    """
    bracket = "(" if low_open else "["
    span = f"{bracket}{low:g}, {high:g}]" + (f" {unit}" if unit else "")

    def parse(text: str) -> float:
        if not _FLOAT.fullmatch(text.strip()):
            raise argparse.ArgumentTypeError(f"{_show(text)} is not a number — use one in {span}")
        value = float(text.strip())
        too_low = value <= low if low_open else value < low
        if not math.isfinite(value) or too_low or value > high:
            raise argparse.ArgumentTypeError(f"{_show(text)} is out of range — use {span}")
        return value

    return parse


def name_problem(value: str, what: str, max_length: int) -> str | None:
    """Return what is wrong with a (stripped) name as one line, or None when it is fine.

    A name must not be empty, hold unprintable characters (newlines, tabs, escapes, direction
    marks; the space is the one blank allowed) or be longer
    than ``max_length`` characters, the store's column size.
    """
    if not value:
        return f"{what} is empty — give a {what}"
    if not value.replace(" ", "").isprintable():
        return (
            f"{what} {_show(value)} holds a control or invisible character (newline, tab, "
            "escape, direction mark) — use printable characters only"
        )
    if len(value) > max_length:
        return f"{what} {_show(value)} has {len(value)} characters — use at most {max_length}"
    return None


def name(what: str, max_length: int) -> Callable[[str], str]:
    """Return a parser of names (of accounts, clips, people); it returns the stripped name.

    See :func:`name_problem` for what is refused.
    """

    def parse(text: str) -> str:
        value = text.strip()
        problem = name_problem(value, what, max_length)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return value

    return parse


def emotion(text: str) -> int:
    """Return the DFEW emotion code (1..7) of a code or a name; refuse anything else."""
    from analysis.emotions import emotion_code
    from analysis.errors import AnalysisInputError

    try:
        return emotion_code(text)
    except AnalysisInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def parse_time(text: str) -> float:
    """Return seconds from ``"83.5"``, ``"1:23.5"`` or ``"0:01:23.5"``; raise ``ValueError``."""
    parts = text.strip().split(":")
    problem = f"{text!r} is not a time — use seconds (83.5) or [HH:]MM:SS(.s)"
    if not 1 <= len(parts) <= 3 or any(not p for p in parts):
        raise ValueError(problem)
    seconds = 0.0
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise ValueError(problem) from None
        if value < 0:
            raise ValueError(f"{text!r} is negative — times count from the movie's start")
        seconds = seconds * 60 + value
    return seconds


def time_of_day(text: str) -> float:
    """Return seconds (finite, not negative) from ``83.5``, ``1:23.5`` or ``0:01:23.5``."""
    try:
        seconds = parse_time(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    if not math.isfinite(seconds):
        raise argparse.ArgumentTypeError(
            f"{_show(text)} is not a time — use seconds (83.5) or [HH:]MM:SS(.s)"
        )
    return seconds


def existing_file(what: str) -> Callable[[str], Path]:
    """Return a parser of paths to an existing, readable file; it returns the Path."""

    def parse(text: str) -> Path:
        path = Path(text)
        if not text or not path.exists():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} does not exist")
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} is not a file")
        if not os.access(path, os.R_OK):
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} is not readable")
        return path

    return parse


def existing_dir(what: str) -> Callable[[str], Path]:
    """Return a parser of paths to an existing, readable folder; it returns the Path."""

    def parse(text: str) -> Path:
        path = Path(text)
        if not text or not path.exists():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} does not exist")
        if not path.is_dir():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} is not a folder")
        if not os.access(path, os.R_OK | os.X_OK):
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} is not readable")
        return path

    return parse


def existing_path(what: str) -> Callable[[str], Path]:
    """Return a parser of paths to an existing file or folder; it returns the Path."""

    def parse(text: str) -> Path:
        path = Path(text)
        if not text or not path.exists():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} does not exist")
        return path

    return parse


def _check_creatable(path: Path, text: str) -> None:
    """Refuse a path whose nearest existing ancestor is a file or not writable."""
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(
            f"{_show(text, 80)} lies under {ancestor}, which is a file — pick a path in a folder"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"cannot write under {ancestor} — pick a folder you can write to"
        )


def output_dir(what: str) -> Callable[[str], Path]:
    """Return a parser of output folders: existing and writable, or creatable; returns the Path.

    A path that is a file, lies under a file, or cannot be written is refused.
    """

    def parse(text: str) -> Path:
        path = Path(text)
        if not text:
            raise argparse.ArgumentTypeError(f"{what} is empty — give a folder")
        if path.exists():
            if not path.is_dir():
                raise argparse.ArgumentTypeError(
                    f"{what} {_show(text, 80)} is a file, not a folder — pick a folder"
                )
            if not os.access(path, os.W_OK | os.X_OK):
                raise argparse.ArgumentTypeError(
                    f"{what} {_show(text, 80)} is not writable — pick a folder you can write to"
                )
            return path
        _check_creatable(path, text)
        return path

    return parse


def output_file(what: str, suffixes: tuple[str, ...]) -> Callable[[str], Path]:
    """Return a parser of output files ending in one of ``suffixes``; returns the Path.

    A path that is a folder, lies under a file, or cannot be written is refused.
    """

    def parse(text: str) -> Path:
        path = Path(text)
        if path.suffix.lower() not in suffixes:
            raise argparse.ArgumentTypeError(
                f"{what} {_show(text, 80)} must end in {' or '.join(suffixes)}"
            )
        if path.is_dir():
            raise argparse.ArgumentTypeError(f"{what} {_show(text, 80)} is a folder — name a file")
        _check_creatable(path, text)
        return path

    return parse


def store_url(text: str) -> str:
    """Return ``text`` when it parses as a SQLAlchemy URL of an installed backend, with a port
    in 1..65535 where one is given; the returned string is unchanged."""
    fix = "give a SQLAlchemy URL such as sqlite:///dfew.sqlite or postgresql+psycopg://user@host/db"
    if not text.strip():
        raise argparse.ArgumentTypeError(f"the store URL is empty — {fix}")
    try:
        url = make_url(text)
        url.get_dialect()
    except (ArgumentError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{_show(text, 60)} is not a store URL — {fix}") from exc
    except (NoSuchModuleError, ImportError) as exc:
        raise argparse.ArgumentTypeError(
            f"{_show(url.drivername)} is not an installed database backend — {fix}"
        ) from exc
    if url.port is not None and not 0 < url.port < 65536:
        raise argparse.ArgumentTypeError(f"port {url.port} in the store URL — use 1..65535")
    return text


def host(text: str) -> str:
    """Return a host name or address to listen on: one word, printable, at most 253 characters."""
    value = text.strip()
    if not value or len(value) > 253 or not value.isprintable() or " " in value:
        raise argparse.ArgumentTypeError(
            f"{_show(text)} is not a host name or address — e.g. 127.0.0.1 or 0.0.0.0"
        )
    return value


_RAY_ADDRESS = re.compile(
    r"(ray://)?(?P<host>[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:]+\]):(?P<port>[0-9]{1,5})"
)


def ray_address(text: str) -> str:
    """Return a Ray cluster address as ``ray.init(address=...)`` takes it: ``auto`` (the cluster
    this machine belongs to) or ``HOST:PORT`` of its head, with a port in 1..65535."""
    value = text.strip()
    if value == "auto":
        return value
    match = _RAY_ADDRESS.fullmatch(value)
    if match is None or not 0 < int(match["port"]) < 65536:
        raise argparse.ArgumentTypeError(
            f"{_show(text)} is not a Ray cluster address — give auto (the cluster this machine "
            "joined with `ray start`) or HOST:PORT of its head, e.g. 10.0.0.1:6379"
        )
    return value


def add_ray_option(parser: argparse.ArgumentParser, items: str) -> None:
    """Add ``--ray auto|HOST:PORT`` to ``parser``: run its ``items`` on that Ray cluster."""
    parser.add_argument(
        "--ray",
        type=ray_address,
        metavar="auto|HOST:PORT",
        help=f"run the {items} on this Ray cluster instead of local processes "
        "(pip install 'dfew-build[ray]'; --workers then caps its tasks at once, default: "
        "the cluster's CPUs)",
    )


PORT = bounded_int(1, 65535)
WORKERS = bounded_int(1, 1024, "processes")
SEED = bounded_int(0, 2**32 - 1)
DEFAULT_THRESHOLD = 6  # the paper's r: a single label needs 7 of 10 votes
THRESHOLD = bounded_int(0, 999)
