"""Count the hostile-input cases of ``tests/hostile.py`` that end cleanly, on SQLite and PostgreSQL.

    python scripts/count_hostile.py [--backend sqlite|postgresql|both] [--timeout 120]

Each case runs ``dfew-build`` in a child process; clean means: exit 2 with exactly one
``error:`` line and the store's rows unchanged (or, for user text, exit 0 with the text printed
as typed), no traceback, finished before the timeout (a hang guard). Prints one line per unclean
case, then ``<backend>: X/N clean``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.hostile import build_campaign, cases, run_case  # noqa: E402
from tests.postgres_server import PostgresServer, find_bin_dir  # noqa: E402


def count(backend: str, timeout_s: float) -> tuple[int, int]:
    """Run every case on ``backend``; print the unclean ones; return (clean, total)."""
    server = None
    with tempfile.TemporaryDirectory(prefix=f"hostile-{backend}-") as folder:
        if backend == "sqlite":
            url = f"sqlite:///{Path(folder) / 'dfew.sqlite'}"
        else:
            bin_dir = find_bin_dir()
            if bin_dir is None:
                print("postgresql: server binaries not installed, skipped")
                return 0, 0
            server = PostgresServer(bin_dir)
            url = server.create_database("hostile")
        try:
            campaign = build_campaign(Path(folder) / "campaign", url)
            all_cases = cases()
            kinds: Counter[str] = Counter()
            clean = 0
            for case in all_cases:
                problem = run_case(campaign, case, timeout_s).problem(case)
                if problem is None:
                    clean += 1
                else:
                    kinds[problem.split(":")[0].split(" (")[0]] += 1
                    print(f"UNCLEAN {backend} {case.id!r}: {problem}", flush=True)
        finally:
            if server is not None:
                server.stop()
    print(f"{backend}: {clean}/{len(all_cases)} clean; unclean by kind: {dict(kinds)}")
    return clean, len(all_cases)


def main() -> int:
    """Parse the options, count on the chosen backends; returns 0 when every case was clean."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = [count(backend, args.timeout) for backend in backends]
    return 0 if all(clean == total for clean, total in results) else 1


if __name__ == "__main__":
    sys.exit(main())
