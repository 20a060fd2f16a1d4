"""The app's configuration, read from its command line (after ``--``) or the environment.

``dfew-build serve`` starts ``streamlit run annotation_app/server.py -- --db URL --clips DIR ...``;
each option falls back to an environment variable (``DFEW_DB``, ``DFEW_CLIPS``,
``DFEW_PASS_MARK``, ``DFEW_QUIZ_SIZE``, ``DFEW_LEASE_MINUTES``, ``DFEW_SESSION_HOURS``), then
to the default.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dfew_build.campaign.rules import (
    DEFAULT_LEASE_MINUTES,
    DEFAULT_PASS_MARK,
    DEFAULT_QUIZ_SIZE,
    DEFAULT_SESSION_HOURS,
    CampaignRules,
)
from dfew_build.store.engine import resolve_url

DEFAULT_CLIP_DIR = "clips"


@dataclass(frozen=True)
class AppConfig:
    """Where the store and the clip files are, and the campaign's rules."""

    url: str
    clip_dir: Path
    rules: CampaignRules


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the app's own options (all optional; environment as fallback)."""
    parser = argparse.ArgumentParser(prog="annotation_app", allow_abbrev=False, add_help=False)
    parser.add_argument("--db")
    parser.add_argument("--clips")
    parser.add_argument("--pass-mark", type=float)
    parser.add_argument("--quiz-size", type=int)
    parser.add_argument("--lease-minutes", type=float)
    parser.add_argument("--session-hours", type=float)
    return parser


def parse_config(argv: Sequence[str], environ: Mapping[str, str]) -> AppConfig:
    """Return the configuration from ``argv`` (the script's arguments), then ``environ``."""
    args, _unknown = build_parser().parse_known_args(list(argv))

    def pick(value, variable: str, default, kind):
        if value is not None:
            return value
        text = environ.get(variable)
        return kind(text) if text else default

    rules = CampaignRules(
        pass_mark=pick(args.pass_mark, "DFEW_PASS_MARK", DEFAULT_PASS_MARK, float),
        quiz_size=pick(args.quiz_size, "DFEW_QUIZ_SIZE", DEFAULT_QUIZ_SIZE, int),
        lease_minutes=pick(args.lease_minutes, "DFEW_LEASE_MINUTES", DEFAULT_LEASE_MINUTES, float),
        session_hours=pick(args.session_hours, "DFEW_SESSION_HOURS", DEFAULT_SESSION_HOURS, float),
    )
    clip_dir = Path(pick(args.clips, "DFEW_CLIPS", DEFAULT_CLIP_DIR, str))
    return AppConfig(url=resolve_url(args.db, environ), clip_dir=clip_dir, rules=rules)


def script_arguments(script: str | Path) -> list[str]:
    """Return the command-line arguments meant for ``script``: those after it in ``sys.argv``.

    ``streamlit run server.py -- args`` (the app's launcher, beside ``script``) leaves
    ``sys.argv == [launcher, *args]``; anywhere else (a test runner driving the app in-process)
    the arguments belong to someone else: none here.
    """
    if sys.argv and Path(sys.argv[0]).resolve().parent == Path(script).resolve().parent:
        return sys.argv[1:]
    return []
