"""The qualification quiz: gold clips one after another, scored against the pass mark."""

from __future__ import annotations

import streamlit as st

from analysis.emotions import EMOTIONS
from annotation_app import links
from annotation_app.context import PageContext, flash
from annotation_app.links import switch_to
from annotation_app.widgets import emotion_buttons, play_clip
from dfew_build.campaign import gold
from dfew_build.errors import UserError


def render(ctx: PageContext) -> None:
    """Draw the current question, or the last result and a button to start an attempt."""
    st.title("Qualification quiz")
    question = gold.next_question(ctx.store, ctx.token)
    if question is not None:
        _ask(ctx, question)
        return
    result = gold.last_result(ctx.store, ctx.token)
    if result is not None:
        _show_result(result)
    if ctx.actor.qualified:
        st.success("You are qualified to vote.")
        if st.button("Start voting", type="primary"):
            switch_to(links.VOTE, "Vote")
        return
    mark = ctx.config.rules.pass_mark
    questions, _ = gold.quiz_length(ctx.store, ctx.config.rules)
    again = " A retake asks other clips where there are any." if result is not None else ""
    st.write(
        f"Answer {questions} clip{'s' if questions != 1 else ''} whose emotion is known; "
        f"{mark:.0%} right qualifies you to vote. Read the guide first.{again}"
    )
    st.button("Start the quiz", type="primary", on_click=_start, args=(ctx,))


def _start(ctx: PageContext) -> None:
    try:
        gold.start_quiz(ctx.store, ctx.token, ctx.config.rules)
    except UserError as exc:
        flash(str(exc), "error")


def _ask(ctx: PageContext, question: gold.QuizQuestion) -> None:
    st.progress(
        (question.position - 1) / question.n_questions,
        text=f"Question {question.position} of {question.n_questions}",
    )
    clip_column, choice_column = st.columns([3, 2], gap="large")
    with clip_column:
        play_clip(ctx.config.clip_dir, question.path, f"Quiz clip {question.position}")
    with choice_column:
        st.markdown("**Which emotion does the face show?** Keys 1–7.")
        emotion_buttons(
            f"quiz-{question.attempt_id}-{question.position}",
            _answer,
            (ctx, question.attempt_id, question.position),
        )


def _answer(ctx: PageContext, attempt_id: int, position: int, emotion: int) -> None:
    try:
        result = gold.answer_question(ctx.store, ctx.token, attempt_id, position, emotion)
    except UserError as exc:
        flash(str(exc), "error")
        return
    if result is None:
        return
    if result.passed:
        flash(
            f"Passed with {result.n_correct} of {result.n_questions} — you may vote now.", "success"
        )
    else:
        flash(
            f"{result.n_correct} of {result.n_questions} right; {result.pass_mark:.0%} is needed. "
            "Look at the guide again, then retry.",
            "warning",
        )


def _show_result(result: gold.QuizResult) -> None:
    verdict = "passed" if result.passed else "not passed"
    st.subheader(f"Last attempt: {result.n_correct} of {result.n_questions} ({verdict})")
    rows = [
        {"the face showed": EMOTIONS[truth - 1], "you chose": EMOTIONS[given - 1], "times": n}
        for truth, given, n in result.confusions()
    ]
    if rows:
        st.write("Emotions you read differently (look at their cues in the guide):")
        st.dataframe(rows, hide_index=True)
