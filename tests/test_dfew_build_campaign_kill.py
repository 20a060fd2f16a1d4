"""Killing the app process mid-campaign loses no acknowledged vote.

A separate process plays the app: twelve annotator threads vote through the voting page's calls
and write each acknowledged vote to a file the moment :func:`submit_vote` returns. The test kills
that process with SIGKILL while votes are in flight, reopens the SQLite file and checks that
every acknowledged vote is there, intact.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import time
from pathlib import Path

from sqlalchemy import select

from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.simulate import Ack, annotate
from dfew_build.campaign.vote_casting import submit_vote
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Vote
from dfew_build.store.queries import largest_vote_count
from tests.app_fixtures import add_clips, quick_people

KILL_AFTER_ACKS = 80


def _app_process(url: str, tokens: list[str], ack_file: str) -> None:
    """Run one annotator thread per token, appending "vote clip emotion" per acknowledged vote."""
    fd = os.open(ack_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def acknowledge(ack: Ack) -> None:
        os.write(fd, f"{ack.vote_id} {ack.clip_id} {ack.emotion}\n".encode())

    def work(token: str, seed: int) -> None:
        store = open_store(url)
        annotate(store, token, rng=random.Random(seed), on_ack=acknowledge)

    threads = [
        threading.Thread(target=work, args=(token, seed)) for seed, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _acks(path: Path) -> list[tuple[int, int, int]]:
    if not path.exists():
        return []
    lines = path.read_text().split("\n")[:-1]  # a line cut by the kill has no newline yet
    return [tuple(int(part) for part in line.split()) for line in lines]


def test_killing_the_app_loses_no_acknowledged_vote(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'campaign.sqlite'}"
    store = init_store(url)
    add_clips(store, [f"clip{i:03d}" for i in range(40)])
    tokens = quick_people(store, [f"a{i:02d}" for i in range(12)])
    store.dispose()
    ack_file = tmp_path / "acks.txt"
    context = multiprocessing.get_context("spawn")
    app = context.Process(target=_app_process, args=(url, list(tokens.values()), str(ack_file)))
    app.start()
    deadline = time.monotonic() + 120
    while len(_acks(ack_file)) < KILL_AFTER_ACKS and app.is_alive():
        assert time.monotonic() < deadline, "the app process acknowledged too few votes"
        time.sleep(0.01)
    app.kill()  # SIGKILL: no cleanup, no flush, no rollback in the process
    app.join(timeout=30)
    assert app.exitcode == -9, "the campaign ended before the kill: nothing was in flight"
    acknowledged = _acks(ack_file)
    assert len(acknowledged) >= KILL_AFTER_ACKS

    reopened = open_store(url)
    with reopened.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with reopened.read() as session:
        stored = {v.id: (v.clip_id, v.emotion) for v in session.scalars(select(Vote))}
        most = largest_vote_count(session)
    for vote_id, clip_id, emotion in acknowledged:
        assert stored.get(vote_id) == (clip_id, emotion), f"acknowledged vote {vote_id} lost"
    assert len(stored) >= len(acknowledged) and most <= 10
    # The campaign goes on: an annotator of the killed app gets a clip and votes.
    token = next(iter(tokens.values()))
    assignment = next_clip(reopened, token)
    assert assignment is not None
    assert not submit_vote(reopened, token, assignment.lease_id, 3).already
