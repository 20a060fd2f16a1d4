"""Simulated annotators run a campaign through the app's own calls: screen, quiz, vote.

An admin accepts every candidate clip (:func:`~dfew_build.campaign.screening.decide`); each
simulated annotator logs in, takes the quiz until passing, then votes in turn with the others
(one vote each per round, :func:`~dfew_build.campaign.simulate.annotate`) until every clip has
its votes. Votes follow :class:`~dfew_build.demo.noise.NoiseModel` over a hidden true emotion,
which is written out, with each annotator's skill, so results can be compared with the truth.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, select

from dfew_build.campaign.accounts import create_account, login
from dfew_build.campaign.gold import answer_question, next_question, start_quiz
from dfew_build.campaign.screening import decide, next_candidate
from dfew_build.campaign.simulate import annotate
from dfew_build.demo.noise import NoiseModel
from dfew_build.errors import UserError
from dfew_build.store.engine import Store
from dfew_build.store.models import Clip, GoldClip, StoreSettings

MAX_QUIZ_ATTEMPTS = 100


@dataclass(frozen=True)
class CrowdResult:
    """What the simulated crowd did: clips screened and voted, votes cast, files written."""

    accepted: int
    voted_clips: int
    votes: int
    truth_file: Path
    annotators_file: Path


def screen_all(store: Store, reviewer_token: str) -> int:
    """Accept every candidate clip as the reviewer behind ``reviewer_token``; return how many."""
    accepted = 0
    while (task := next_candidate(store, reviewer_token)) is not None:
        decide(store, reviewer_token, task.clip_id, accept=True)
        accepted += 1
    return accepted


def hidden_truth(store: Store, noise: NoiseModel, rng: np.random.Generator) -> dict[int, int]:
    """Return a true emotion (1..7) for every clip id: gold clips keep their known emotion."""
    with store.read() as session:
        clip_ids = list(session.scalars(select(Clip.id).order_by(Clip.id)))
        gold = dict(session.execute(select(GoldClip.clip_id, GoldClip.emotion)).all())
    drawn = noise.true_emotions(len(clip_ids), rng)
    return {
        clip_id: gold.get(clip_id, int(code)) for clip_id, code in zip(clip_ids, drawn, strict=True)
    }


def pass_quiz(
    store: Store, token: str, truth: dict[int, int], skill: float, rng: np.random.Generator
) -> int:
    """Take the quiz (answers follow the noise model) until passing; return the attempts made."""
    for attempt in range(1, MAX_QUIZ_ATTEMPTS + 1):
        start_quiz(store, token, rng=random.Random(int(rng.integers(2**31))))
        result = None
        while result is None and (question := next_question(store, token)) is not None:
            answer = NoiseModel.vote(truth[question.clip_id], skill, rng)
            result = answer_question(store, token, question.attempt_id, question.position, answer)
        if result is not None and result.passed:
            return attempt
    raise UserError(
        f"a simulated annotator of skill {skill:.2f} failed the quiz {MAX_QUIZ_ATTEMPTS} times — "
        "raise the noise model's skills"
    )


def simulate_crowd(
    store: Store,
    admin_token: str,
    n_annotators: int,
    folder: Path,
    console: Console,
    seed: int = 0,
    noise: NoiseModel | None = None,
) -> CrowdResult:
    """Let ``n_annotators`` simulated annotators screen, qualify and vote on the whole campaign.

    Writes ``truth.csv`` (clip, true emotion, gold) and ``annotators.csv`` (name, skill, quiz
    attempts, votes) into ``folder``; returns the counts and those paths. Raises UserError when
    fewer annotators than the store's votes per clip are asked for.
    """
    noise = noise or NoiseModel()
    with store.read() as session:
        needed = session.scalar(select(StoreSettings.votes_per_clip))
    if n_annotators < needed:
        raise UserError(
            f"--simulate {n_annotators}: each clip needs {needed} votes from different "
            f"annotators — pass --simulate {needed} or more"
        )
    rng = np.random.default_rng(seed)
    accepted = screen_all(store, admin_token)
    truth = hidden_truth(store, noise, rng)
    names = [f"simulated-{number:02d}" for number in range(1, n_annotators + 1)]
    skills = noise.skills(n_annotators, rng)
    tokens, attempts = [], []
    with console.status("simulated annotators log in and take the quiz"):
        for index, name in enumerate(names):
            tokens.append(login(store, name, create_account(store, name)))
            attempts.append(pass_quiz(store, tokens[-1], truth, skills[index], rng))

    with store.read() as session:
        gold = set(session.scalars(select(GoldClip.clip_id)))
        voted_clips = session.scalar(
            select(func.count()).where(Clip.status == "accepted", Clip.id.not_in(gold))
        )
    generators = [np.random.default_rng([seed, index]) for index in range(n_annotators)]

    def choose(index: int, clip_id: int) -> int:
        return NoiseModel.vote(truth[clip_id], skills[index], generators[index])

    with Progress(console=console) as progress:
        task = progress.add_task("simulated votes", total=voted_clips * needed)
        votes = vote_in_rounds(store, tokens, choose, on_vote=lambda: progress.advance(task))
    truth_file, annotators_file = folder / "truth.csv", folder / "annotators.csv"
    with store.read() as session:
        clip_names = dict(session.execute(select(Clip.id, Clip.name)).all())
    _write_csv(
        truth_file,
        ["clip", "true_emotion", "gold", "simulated"],
        [[clip_names[clip], emotion, int(clip in gold), 1] for clip, emotion in truth.items()],
    )
    _write_csv(
        annotators_file,
        ["annotator", "skill", "quiz_attempts", "votes", "simulated"],
        [
            [name, f"{skill:.3f}", tries, count, 1]
            for name, skill, tries, count in zip(names, skills, attempts, votes, strict=True)
        ],
    )
    return CrowdResult(accepted, voted_clips, sum(votes), truth_file, annotators_file)


def vote_in_rounds(
    store: Store,
    tokens: list[str],
    choose: Callable[[int, int], int],
    on_vote: Callable[[], None] | None = None,
) -> list[int]:
    """Let the annotators behind ``tokens`` vote in turn, one vote each per round, until no clip
    is left for any of them; return each annotator's number of votes.

    ``choose(index, clip_id)`` returns annotator ``index``'s emotion (1..7) for a clip;
    ``on_vote`` is called after each acknowledged vote.
    """
    votes = [0] * len(tokens)
    busy = True
    while busy:
        busy = False
        for index, token in enumerate(tokens):
            acks = annotate(
                store,
                token,
                max_votes=1,
                choose=lambda shown, index=index: choose(index, shown.clip_id),
                on_ack=None if on_vote is None else (lambda _ack: on_vote()),
            )
            votes[index] += len(acks)
            busy = busy or bool(acks)
    return votes


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
