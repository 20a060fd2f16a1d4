"""Gold clips, the guide's examples and the qualification quiz with its pass mark."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from dfew_build.campaign import gold
from dfew_build.campaign.accounts import current_actor
from dfew_build.campaign.assign import next_clip
from dfew_build.campaign.errors import NotAllowed
from dfew_build.campaign.rules import CampaignRules
from dfew_build.errors import UserError
from dfew_build.store.engine import init_store
from dfew_build.store.models import GoldClip, QuizAnswer, Vote
from tests.app_fixtures import add_clips, quick_people


def _gold_store(url: str, n_quiz: int = 10):
    store = init_store(url)
    add_clips(store, [f"q{i}" for i in range(n_quiz)] + ["ex1", "ex4", "work"])
    with store.write() as session:
        for i in range(n_quiz):
            gold.add_gold(session, f"q{i}", 1 + i % 7)
        gold.add_gold(session, "ex1", 1, example=True)
        gold.add_gold(session, "ex4", 4, example=True)
    return store


def _answer_all(store, token: str, n_right: int) -> gold.QuizResult:
    result = None
    answered = 0
    while (question := gold.next_question(store, token)) is not None:
        with store.read() as session:
            truth = session.get(GoldClip, question.clip_id).emotion
        emotion = truth if answered < n_right else 1 + truth % 7
        result = gold.answer_question(store, token, question.attempt_id, question.position, emotion)
        answered += 1
    return result


def test_gold_rows_are_listed_changed_and_removed(sqlite_url: str) -> None:
    store = _gold_store(sqlite_url, n_quiz=2)
    with store.write() as session:
        gold.add_gold(session, "q0", 6)  # changing a gold clip's emotion
        rows = {row.clip: row for row in gold.list_gold(session)}
        assert rows["q0"].emotion == 6 and rows["ex1"].example and not rows["q1"].example
        gold.remove_gold(session, "q1")
        with pytest.raises(UserError, match="not a gold clip"):
            gold.remove_gold(session, "q1")
        with pytest.raises(UserError, match="no clip named"):
            gold.add_gold(session, "missing", 3)
        with pytest.raises(UserError, match="1..7"):
            gold.add_gold(session, "q0", 8)


def test_guide_shows_one_example_per_emotion(sqlite_url: str) -> None:
    store = _gold_store(sqlite_url, n_quiz=1)
    token = quick_people(store, ["ann"], qualified=False)["ann"]
    examples = gold.guide_examples(store, token)
    assert examples[1].clip == "ex1" and examples[4].clip == "ex4"
    assert [code for code, row in examples.items() if row is None] == [2, 3, 5, 6, 7]


def test_passing_the_quiz_qualifies_and_answers_are_never_votes(store_url: str) -> None:
    store = _gold_store(store_url)
    token = quick_people(store, ["ann"], qualified=False)["ann"]
    rules = CampaignRules(pass_mark=0.8, quiz_size=10)
    attempt = gold.start_quiz(store, token, rules, rng=random.Random(0))
    assert gold.start_quiz(store, token, rules) == attempt  # the open attempt comes back
    result = _answer_all(store, token, n_right=8)
    assert (result.n_correct, result.n_questions, result.passed) == (8, 10, True)
    assert current_actor(store, token).qualified
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 0
        assert session.scalar(select(func.count()).select_from(QuizAnswer)) == 10
    assert len([a for a in result.answers if a[1] != a[2]]) == 2
    assert next_clip(store, token).clip_name == "work"  # gold clips are never voted on


def test_failing_the_quiz_keeps_the_gate_closed_until_a_retry_passes(store_url: str) -> None:
    store = _gold_store(store_url)
    token = quick_people(store, ["ann"], qualified=False)["ann"]
    rules = CampaignRules(pass_mark=0.8, quiz_size=5)
    gold.start_quiz(store, token, rules)
    failed = _answer_all(store, token, n_right=3)
    assert (failed.n_correct, failed.n_questions, failed.passed) == (3, 5, False)
    assert not current_actor(store, token).qualified
    with pytest.raises(NotAllowed, match="quiz"):
        next_clip(store, token)
    assert gold.last_result(store, token) == failed
    gold.start_quiz(store, token, rules)
    assert _answer_all(store, token, n_right=4).passed  # 4 of 5 = 80 %
    assert current_actor(store, token).qualified


def test_a_repeated_answer_counts_once_and_attempts_are_private(store_url: str) -> None:
    store = _gold_store(store_url, n_quiz=3)
    tokens = quick_people(store, ["ann", "bob"], qualified=False)
    gold.start_quiz(store, tokens["ann"], CampaignRules(quiz_size=3))
    question = gold.next_question(store, tokens["ann"])
    for emotion in (2, 3):  # double click on two buttons: the first answer stands
        gold.answer_question(store, tokens["ann"], question.attempt_id, question.position, emotion)
    with store.read() as session:
        given = session.scalars(select(QuizAnswer.emotion).where(QuizAnswer.emotion.is_not(None)))
        assert list(given) == [2]
    with pytest.raises(NotAllowed, match="not yours"):
        gold.answer_question(store, tokens["bob"], question.attempt_id, 2, 1)


def test_a_quiz_without_gold_clips_says_what_to_do(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    token = quick_people(store, ["ann"], qualified=False)["ann"]
    with pytest.raises(UserError, match="gold add"):
        gold.start_quiz(store, token)


def _asked(store, attempt_id: int) -> set[int]:
    with store.read() as session:
        return set(
            session.scalars(select(QuizAnswer.clip_id).where(QuizAnswer.attempt_id == attempt_id))
        )


def test_a_retake_draws_clips_not_asked_before_while_there_are_any(store_url: str) -> None:
    store = _gold_store(store_url, n_quiz=7)
    token = quick_people(store, ["ann"], qualified=False)["ann"]
    rules = CampaignRules(pass_mark=1.0, quiz_size=3)
    assert gold.quiz_length(store, rules) == (3, 7)
    first = gold.start_quiz(store, token, rules, rng=random.Random(1))
    failed = _answer_all(store, token, n_right=1)
    # The result names the confused emotions, never the clips: q-clips' emotion i+1 was read
    # as the next emotion.
    assert sum(n for _, _, n in failed.confusions()) == 2
    assert all(given == 1 + truth % 7 for truth, given, _ in failed.confusions())
    second = gold.start_quiz(store, token, rules, rng=random.Random(1))
    _answer_all(store, token, n_right=0)
    assert _asked(store, first).isdisjoint(_asked(store, second))
    # Six of seven clips seen: the third attempt takes the one left, then two seen before.
    third = gold.start_quiz(store, token, rules, rng=random.Random(1))
    left = {clip for clip in _all_quiz_clips(store)} - _asked(store, first) - _asked(store, second)
    assert len(left) == 1 and left < _asked(store, third) and len(_asked(store, third)) == 3
    assert gold.quiz_length(store, CampaignRules(quiz_size=10)) == (7, 7)


def _all_quiz_clips(store) -> set[int]:
    with store.read() as session:
        return set(session.scalars(select(GoldClip.clip_id).where(GoldClip.example.is_(False))))
