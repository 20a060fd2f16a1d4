"""Thirty simulated annotators race over fifty clips until nothing is left, on both databases.

Each annotator is a thread with its own login and its own database connection, running the
voting page's calls (next clip, then vote, sometimes a double click); a barrier releases them
all at once so that they really contend for the same clips.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

from sqlalchemy import func, select

from dfew_build.campaign.simulate import Ack, annotate
from dfew_build.store.engine import init_store, open_store
from dfew_build.store.models import Clip, Lease, Vote
from tests.app_fixtures import add_clips, quick_people

N_ANNOTATORS, N_CLIPS, VOTES_PER_CLIP = 30, 50, 10


def _annotator(url: str, token: str, seed: int, start: threading.Barrier, out: dict) -> None:
    store = open_store(url)
    try:
        start.wait(timeout=60)
        out[token] = annotate(store, token, rng=random.Random(seed), double_submit=0.1)
    except BaseException as exc:  # reported by the test, not lost in the thread
        out[token] = exc
    finally:
        store.dispose()


def test_thirty_annotators_fill_fifty_clips_exactly(store_url: str) -> None:
    store = init_store(store_url)
    clips = add_clips(store, [f"clip{i:03d}" for i in range(N_CLIPS)])
    tokens = quick_people(store, [f"a{i:02d}" for i in range(N_ANNOTATORS)])
    start, results = threading.Barrier(N_ANNOTATORS), {}
    threads = [
        threading.Thread(target=_annotator, args=(store_url, token, seed, start, results))
        for seed, token in enumerate(tokens.values())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
        assert not thread.is_alive(), "an annotator never finished"
    failures = [r for r in results.values() if isinstance(r, BaseException)]
    assert not failures, failures[0]
    acks: list[Ack] = [ack for result in results.values() for ack in result]

    with store.read() as session:
        votes = session.execute(select(Vote.id, Vote.clip_id, Vote.annotator_id)).all()
        statuses = dict(session.execute(select(Clip.id, Clip.status)).all())
        open_leases = session.scalar(
            select(func.count()).select_from(Lease).where(Lease.closed_at.is_(None))
        )
    per_clip = Counter(clip for _, clip, _ in votes)
    assert set(per_clip) == set(clips.values())
    assert set(per_clip.values()) == {VOTES_PER_CLIP}  # exactly ten on every clip
    for clip in clips.values():  # ten distinct annotators each
        assert len({who for _, c, who in votes if c == clip}) == VOTES_PER_CLIP
    assert len({(c, who) for _, c, who in votes}) == len(votes)  # nobody voted twice on a clip
    assert set(statuses.values()) == {"complete"} and open_leases == 0
    # Every acknowledged vote is in the store, and nothing else is.
    assert sorted(ack.vote_id for ack in acks) == sorted(v.id for v in votes)
    repeats = [ack for ack in acks if ack.repeat is not None]
    assert repeats and all(a.repeat.already and a.repeat.vote_id == a.vote_id for a in repeats)
    assert len(acks) == N_CLIPS * VOTES_PER_CLIP
