"""Benchmark vote submission: N simulated annotators voting at once, SQLite and PostgreSQL.

    python bench/bench_votes.py [--writers 50] [--votes 40] [--processes 1]
                                [--backends sqlite,postgresql] [--pg-url URL] [--pg-fsync on]

Each writer is an annotator with its own login and database connection; writers run as threads
of ``--processes`` processes (default 1: the app serves every browser session from one server
process), released together by a barrier after five untimed votes each (a running app's
pooled connections have planned their statements long ago). A vote is what the voting page
does for one click, ``submit_and_next``: commit the vote, reserve the next clip; its latency
runs from the click to the next clip being ready. Three runs per backend, each on a fresh
store (analysed, on PostgreSQL, as autovacuum keeps a live store):

* baseline: the same writers each inserting one vote row per transaction with a bare INSERT
  (written here, not a path of the library): no assignment, no lease, no session check — the
  cheapest durable write, what any vote costs at least;
* flat out: every writer votes as fast as it can — throughput (votes/s) and latency; with N
  writers that never pause, mean latency is N / throughput by Little's law;
* paced: every writer votes at the pace that offers the issue's target load in all (200 votes/s
  on SQLite, 1,000 on PostgreSQL) — the latency an annotator sees at that load; PostgreSQL is
  also paced at 200 votes/s (a hundred times what a 12-person team produces).

PostgreSQL is a throwaway server started from Debian's binaries (as the tests do) unless
``--pg-url`` names one; ``--pg-fsync on`` (default) makes its commits durable like a real server.
SQLite runs in WAL mode with synchronous=FULL, as the store always does. Machines here are
noisy: compare the ratios printed in one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select

from dfew_build.campaign.accounts import create_account, login
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.vote_casting import submit_and_next
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Annotator, Clip, Vote

TARGETS = {"sqlite": 200.0, "postgresql": 1000.0}  # votes/s with 50 writers
TARGET_P95_S = 0.050
TEAM_LOAD = 200.0  # votes/s: a hundred times what a 12-person team produces
VOTES_PER_CLIP = 10
WARMUP_VOTES = 5  # per writer, untimed, before the barrier


@dataclass(frozen=True)
class RunResult:
    """One run: votes committed, seconds from first start to last commit, latencies (s)."""

    votes: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        """Return votes per second."""
        return self.votes / self.seconds

    def percentile(self, share: float) -> float:
        """Return the latency (s) below which ``share`` of the votes fall."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _writer(
    mode: str, url: str, who: tuple[str, int], votes: int, period: float, barrier, out: list
) -> None:
    """Cast ``votes`` votes as one annotator; append (starts, ends) of each vote to ``out``.

    The first :data:`WARMUP_VOTES` are cast before the barrier and not timed: a fresh
    connection plans and prepares its statements on first use, which a running app's pooled
    connections did long ago.
    """
    token, annotator_id = who
    store = open_store(url)
    rng = random.Random(annotator_id)
    clip_ids: list[int] = []
    if mode == "baseline":
        with store.read() as session:
            clip_ids = list(session.scalars(select(Clip.id).order_by(Clip.id)))
        rng.shuffle(clip_ids)
    assignment = next_clip(store, token) if mode == "vote" else None  # the first clip shown

    def vote(index: int) -> bool:
        """Cast vote number ``index``; return False when no clip is left."""
        nonlocal assignment
        if mode == "baseline":
            vote = {"clip_id": clip_ids[index], "annotator_id": annotator_id}
            with store.write() as session:
                session.execute(insert(Vote).values(**vote, emotion=rng.randint(1, 7)))
            return True
        if assignment is None:
            return False
        # The voting page's click: commit + next clip, as dfew_build.campaign.simulate
        _, assignment = submit_and_next(store, token, assignment.lease_id, rng.randint(1, 7))
        return True

    for index in range(WARMUP_VOTES):
        vote(votes + index)
    barrier.wait()
    origin = time.monotonic() + (rng.random() * period if period else 0.0)
    spans = []
    for index in range(votes):
        if period:
            delay = origin + index * period - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        start = time.monotonic()
        if not vote(index):
            break
        spans.append((start, time.monotonic()))
    out.append(spans)
    barrier.wait()  # no writer closes its connection while others are still being timed
    store.dispose()


def _process(mode: str, url: str, people: list, votes: int, period: float, barrier, queue) -> None:
    """Run one thread per writer of this process; put every span on ``queue``."""
    out: list = []
    threads = [
        threading.Thread(target=_writer, args=(mode, url, who, votes, period, barrier, out))
        for who in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put([span for spans in out for span in spans])


def run_once(
    mode: str, url: str, people: list, votes: int, processes: int, period: float = 0.0
) -> RunResult:
    """Run ``mode`` (baseline or vote) with every writer; return the pooled result."""
    context = multiprocessing.get_context("spawn")
    barrier, queue = context.Barrier(len(people)), context.Queue()
    groups = [people[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=_process, args=(mode, url, group, votes, period, barrier, queue))
        for group in groups
        if group
    ]
    for worker in workers:
        worker.start()
    spans = [span for _ in workers for span in queue.get(timeout=600)]
    for worker in workers:
        worker.join(timeout=60)
        if worker.exitcode != 0:
            raise SystemExit(f"a {mode} worker failed (exit {worker.exitcode})")
    first = min(start for start, _ in spans)
    last = max(end for _, end in spans)
    return RunResult(len(spans), last - first, [end - start for start, end in spans])


def prepare(url: str, writers: int, votes: int) -> list[tuple[str, int]]:
    """Create a store with enough accepted clips and ``writers`` logged-in annotators.

    Returns (token, annotator id) per writer. Accounts are created and logged in through the
    real path (salted hash, session row); they are marked qualified directly.
    """
    store = init_store(url)
    cast = votes + WARMUP_VOTES
    n_clips = max(cast, (3 * writers * cast) // VOTES_PER_CLIP + 1)
    with store.write() as session:
        session.execute(
            insert(Clip), [{"name": f"c{i:06d}", "status": "accepted"} for i in range(n_clips)]
        )
    people = []
    for index in range(writers):
        name = f"bench{index:03d}"
        secret = create_account(store, name)
        people.append((login(store, name, secret), name))
    with store.write() as session:
        session.execute(Annotator.__table__.update().values(qualification="qualified"))
        ids = dict(session.execute(select(Annotator.name, Annotator.id)).all())
    if store.engine.dialect.name == "postgresql":  # planner statistics, as autovacuum keeps
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    store.dispose()
    return [(token, ids[name]) for token, name in people]


def fresh_url(backend: str, scratch: Path, server, pg_url: str | None, tag: str) -> str:
    """Return the URL of an empty database for one run."""
    if backend == "sqlite":
        return f"sqlite:///{scratch / f'{tag}.sqlite'}"
    if pg_url:
        return pg_url
    return server.create_database(tag)


def start_postgres(fsync: bool):
    """Start a throwaway PostgreSQL server from Debian's binaries (the tests' helper)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.postgres_server import PostgresServer, find_bin_dir

    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SystemExit("PostgreSQL binaries missing: apt-get install postgresql, or --pg-url")
    server = PostgresServer(bin_dir, fsync=fsync)
    return server


def report(backend: str, name: str, result: RunResult, baseline: RunResult | None) -> str:
    """Return one table line: votes/s, p50 and p95 in ms, throughput ratio to the baseline."""
    ratio = f"{result.rate / baseline.rate:6.2f}" if baseline else "     –"
    return (
        f"{backend:<11}{name:<26}{result.votes:>7,}{result.rate:>10,.0f}"
        f"{result.percentile(0.5) * 1000:>9.1f}{result.percentile(0.95) * 1000:>9.1f}{ratio:>9}"
    )


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main() -> None:
    """Parse the arguments, run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50, help="simulated annotators (50)")
    parser.add_argument("--votes", type=int, default=40, help="votes per writer per run (40)")
    parser.add_argument("--processes", type=int, default=1, help="processes sharing them (1)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", help="an existing empty PostgreSQL database to use")
    parser.add_argument("--pg-fsync", choices=["on", "off"], default="on")
    args = parser.parse_args()
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    print(
        f"{args.writers} writers × {args.votes} votes per run, {args.processes} process(es); "
        "a vote = commit + next clip (lease), as the voting page"
    )
    header = (
        f"{'backend':<11}{'run':<26}{'votes':>7}{'votes/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'× base':>9}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="bench-votes-") as scratch:
        for backend in backends:
            server = None
            if backend == "postgresql" and not args.pg_url:
                server = start_postgres(args.pg_fsync == "on")
            try:
                target = TARGETS[backend]
                runs = {}
                plan = [
                    ("baseline", "baseline: bare INSERT", 0.0),
                    ("vote", "flat out", 0.0),
                    ("vote", f"paced at {target:,.0f} votes/s", args.writers / target),
                ]
                if target > TEAM_LOAD:
                    plan.append(
                        ("vote", f"paced at {TEAM_LOAD:,.0f} votes/s", args.writers / TEAM_LOAD)
                    )
                for index, (mode, name, period) in enumerate(plan):
                    url = fresh_url(backend, Path(scratch), server, args.pg_url, f"run{index}")
                    people = prepare(url, args.writers, args.votes)
                    runs[name] = run_once(mode, url, people, args.votes, args.processes, period)
                    base = (
                        runs["baseline: bare INSERT"]
                        if mode == "baseline" or name == "flat out"
                        else None
                    )
                    print(report(backend, name, runs[name], base), flush=True)
                    if args.pg_url:
                        break  # one database given: only the first run can use it empty
                flat = runs.get("flat out")
                if flat:
                    verdicts.append(
                        f"{backend}: {flat.rate:,.0f} votes/s flat out with {args.writers} "
                        f"writers (target ≥ {target:,.0f}: {_verdict(flat.rate >= target)})"
                    )
                for name, paced in runs.items():
                    if name.startswith("paced"):
                        p95 = paced.percentile(0.95)
                        verdicts.append(
                            f"{backend}: {name}: {paced.rate:,.0f} served, p95 {p95 * 1000:.1f} ms "
                            f"(target ≤ {TARGET_P95_S * 1000:.0f} ms: "
                            f"{_verdict(p95 <= TARGET_P95_S)})"
                        )
            finally:
                if server is not None:
                    server.stop()
    print()
    fsync = "fsync on" if args.pg_fsync == "on" else "fsync OFF (not durable)"
    print(f"SQLite: WAL, synchronous=FULL. PostgreSQL: {fsync}.")
    for line in verdicts:
        print(line)
    if verdicts:
        print("(flat-out latency is queueing: N writers / throughput, by Little's law)")


if __name__ == "__main__":
    main()
