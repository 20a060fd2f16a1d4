"""Simulated annotators: the vote page's calls in a loop, for load tests and benchmarks.

Each step is what the voting page does for a person's click: commit the vote on the clip shown,
then reserve the next clip (:func:`submit_and_next`). A vote counts as acknowledged once that
has returned, which is when the app shows the next clip.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from dfew_build.campaign.assign import Assignment, next_clip
from dfew_build.campaign.rules import CampaignRules
from dfew_build.campaign.vote_casting import VoteReceipt, submit_and_next
from dfew_build.store.engine import Store


@dataclass(frozen=True)
class Ack:
    """An acknowledged vote: clip id, vote id, emotion (1..7), seconds from the click to the
    next clip being ready, and the receipt of a repeated submission of the same vote (None
    when there was none)."""

    clip_id: int
    vote_id: int
    emotion: int
    latency_s: float
    repeat: VoteReceipt | None = None


def annotate(
    store: Store,
    token: str,
    rules: CampaignRules | None = None,
    rng: random.Random | None = None,
    max_votes: int | None = None,
    double_submit: float = 0.0,
    on_ack: Callable[[Ack], None] | None = None,
    choose: Callable[[Assignment], int] | None = None,
) -> list[Ack]:
    """Vote on clips until none is left for this annotator (or ``max_votes``); return the acks.

    ``choose`` returns the emotion (1..7) to vote for the clip handed out; by default each vote
    is drawn uniformly from ``rng``.

    ``double_submit`` is the probability of submitting a vote a second time (another emotion),
    as a double click does; its receipt is kept in :attr:`Ack.repeat`. ``on_ack`` is called
    after each acknowledged vote.
    """
    rules, rng = rules or CampaignRules(), rng or random.Random()
    acks: list[Ack] = []
    assignment = next_clip(store, token, rules)
    while assignment is not None and (max_votes is None or len(acks) < max_votes):
        emotion = rng.randint(1, 7) if choose is None else choose(assignment)
        start = time.perf_counter()
        receipt, following = submit_and_next(store, token, assignment.lease_id, emotion, rules)
        latency = time.perf_counter() - start
        repeat = None
        if double_submit and rng.random() < double_submit:
            repeat, _ = submit_and_next(store, token, assignment.lease_id, rng.randint(1, 7), rules)
        ack = Ack(assignment.clip_id, receipt.vote_id, emotion, latency, repeat)
        acks.append(ack)
        if on_ack is not None:
            on_ack(ack)
        assignment = following
    return acks
