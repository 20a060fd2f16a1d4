"""The admin dashboard's figures: progress, annotators, agreement, emotions, reports, extractors.

Loaders read the store into small frames; the figures are pure functions of those frames, so
they are tested on hand-made tables. Agreement figures use complete clips only (clips with all
``votes_per_clip`` votes), so the dashboard never shows the running tally of an open clip.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.agreement import fleiss_kappa
from analysis.emotions import EMOTIONS
from analysis.errors import AnalysisInputError
from analysis.krippendorff import krippendorff_alpha
from analysis.vote_counts import single_labels, vote_counts
from dfew_build.store.clock import as_utc
from dfew_build.store.models import (
    Annotator,
    BrokenReport,
    Clip,
    GoldClip,
    QuizAnswer,
    QuizAttempt,
    Vote,
    VoteChange,
)

RARE_EMOTIONS = (6, 7)  # Disgust, Fear: the expressions the paper rewarded extractors for
CLIP_STATES = ("candidate", "waiting", "in progress", "complete", "rejected", "gold")


def load_votes(session: Session) -> pd.DataFrame:
    """Return every vote: clip (name), annotator (name), emotion (1..7, as changed last),
    seconds (float, NaN when unknown), created_at (UTC timestamps), status and extractor of its
    clip, and changes (how often its annotator changed it by an undo)."""
    changes = (
        select(func.count())
        .where(VoteChange.vote_id == Vote.id)
        .correlate(Vote)
        .scalar_subquery()
        .label("changes")
    )
    query = (
        select(
            Clip.name.label("clip"),
            Annotator.name.label("annotator"),
            Vote.emotion,
            Vote.seconds,
            Vote.created_at,
            Clip.status,
            func.coalesce(Clip.extractor, Clip.source).label("extractor"),
            changes,
        )
        .join(Clip, Vote.clip_id == Clip.id)
        .join(Annotator, Vote.annotator_id == Annotator.id)
    )
    rows = session.execute(query).all()
    frame = pd.DataFrame(
        rows,
        columns=[
            "clip",
            "annotator",
            "emotion",
            "seconds",
            "created_at",
            "status",
            "extractor",
            "changes",
        ],
    )
    frame["created_at"] = pd.to_datetime(
        [as_utc(moment) for moment in frame["created_at"]], utc=True
    )
    frame["emotion"] = frame["emotion"].astype("int64")
    frame["seconds"] = frame["seconds"].astype("float64")
    frame["changes"] = frame["changes"].astype("int64")
    return frame


def load_suggestions(session: Session) -> pd.DataFrame:
    """Return the clips, not rejected, whose extractor suggested an emotion: clip (name),
    extractor (its name, else the clip's source) and suggested (1..7)."""
    query = select(
        Clip.name.label("clip"),
        func.coalesce(Clip.extractor, Clip.source).label("extractor"),
        Clip.suggested_emotion.label("suggested"),
    ).where(Clip.suggested_emotion.is_not(None), Clip.status != "rejected")
    frame = pd.DataFrame(session.execute(query).all(), columns=["clip", "extractor", "suggested"])
    frame["suggested"] = frame["suggested"].astype("int64")
    return frame


def load_gold_answers(session: Session) -> pd.DataFrame:
    """Return every quiz answer given: annotator (name), correct (bool), attempt id, passed."""
    query = (
        select(
            Annotator.name.label("annotator"),
            QuizAnswer.correct,
            QuizAttempt.id.label("attempt"),
            QuizAttempt.passed,
        )
        .join(QuizAttempt, QuizAnswer.attempt_id == QuizAttempt.id)
        .join(Annotator, QuizAttempt.annotator_id == Annotator.id)
        .where(QuizAnswer.emotion.is_not(None))
    )
    return pd.DataFrame(
        session.execute(query).all(), columns=["annotator", "correct", "attempt", "passed"]
    )


def clip_states(session: Session) -> pd.Series:
    """Return the number of clips in each state, indexed by :data:`CLIP_STATES`.

    ``waiting`` and ``in progress`` split the accepted clips by whether they have a vote yet;
    ``gold`` counts gold clips (whatever their status), which are never handed out for voting.
    """
    voted = select(Vote.clip_id).distinct().subquery()
    rows = session.execute(
        select(Clip.status, voted.c.clip_id.is_not(None), func.count())
        .outerjoin(voted, voted.c.clip_id == Clip.id)
        .where(~select(GoldClip.clip_id).where(GoldClip.clip_id == Clip.id).exists())
        .group_by(Clip.status, voted.c.clip_id.is_not(None))
    )
    counts = dict.fromkeys(CLIP_STATES, 0)
    for status, has_votes, n in rows:
        if status == "accepted":
            counts["in progress" if has_votes else "waiting"] += n
        else:
            counts[status] += n
    counts["gold"] = session.scalar(select(func.count()).select_from(GoldClip))
    return pd.Series(counts, name="clips", dtype="int64")


def load_reports(session: Session) -> pd.DataFrame:
    """Return the broken-clip reports, oldest first.

    Columns: clip, clip_id, path (the clip file as stored), status, reporter, reason,
    created_at, resolution.
    """
    query = (
        select(
            Clip.name.label("clip"),
            Clip.id.label("clip_id"),
            Clip.path,
            Clip.status,
            Annotator.name.label("reporter"),
            BrokenReport.reason,
            BrokenReport.created_at,
            BrokenReport.resolution,
        )
        .join(Clip, BrokenReport.clip_id == Clip.id)
        .join(Annotator, BrokenReport.annotator_id == Annotator.id)
        .order_by(BrokenReport.created_at)
    )
    columns = [
        "clip",
        "clip_id",
        "path",
        "status",
        "reporter",
        "reason",
        "created_at",
        "resolution",
    ]
    return pd.DataFrame(session.execute(query).all(), columns=columns)


def votes_per_day(votes: pd.DataFrame) -> pd.Series:
    """Return the number of votes per UTC calendar day (index: dates), days without votes as 0."""
    if votes.empty:
        return pd.Series([], dtype="int64", name="votes")
    days = votes["created_at"].dt.tz_convert("UTC").dt.normalize()
    counts = days.value_counts().sort_index()
    full = pd.date_range(counts.index.min(), counts.index.max(), freq="D", tz="UTC")
    counts = counts.reindex(full, fill_value=0)
    counts.index = full.date
    counts.index.name = "day"
    return counts.rename("votes").astype("int64")


def complete_counts(votes: pd.DataFrame, n_raters: int) -> pd.DataFrame:
    """Return vote counts (clips × emotions 1..7) of the clips that have all ``n_raters`` votes."""
    counts = vote_counts(votes[["clip", "annotator", "emotion"]])
    return counts[counts.sum(axis=1) == n_raters]


def agreement_with_others(votes: pd.DataFrame, n_raters: int) -> pd.Series:
    """Return each annotator's agreement with the majority of the other raters, 0..1.

    Over complete clips: a vote agrees when its emotion is the single most frequent emotion
    among the clip's other ``n_raters - 1`` votes; votes on clips where the others tie for first
    place are left out. Annotators without such votes get NaN.
    """
    counts = complete_counts(votes, n_raters)
    if counts.empty:
        return pd.Series(dtype="float64", name="agreement")
    mine = votes[votes["clip"].isin(counts.index)]
    rows = counts.loc[mine["clip"]].to_numpy()
    choice = mine["emotion"].to_numpy() - 1
    others = rows.copy()
    others[np.arange(len(others)), choice] -= 1
    top = others.max(axis=1)
    unique_top = (others == top[:, None]).sum(axis=1) == 1
    agrees = others[np.arange(len(others)), choice] == top
    frame = pd.DataFrame({"annotator": mine["annotator"].to_numpy(), "agrees": agrees})
    frame = frame[unique_top]
    return frame.groupby("annotator")["agrees"].mean().rename("agreement")


def annotator_table(
    votes: pd.DataFrame, gold: pd.DataFrame, n_raters: int, day_start: datetime
) -> pd.DataFrame:
    """Return one row per annotator who voted or took the quiz.

    Columns: votes (total), today (votes since ``day_start``), active_days, per_active_day
    (votes per day with votes), median_s (median seconds a clip was on screen before its vote),
    changes (votes changed by an undo),
    agreement (0..1, see :func:`agreement_with_others`), gold_accuracy (share of right quiz
    answers, 0..1), quiz_answers.
    """
    names = sorted(set(votes["annotator"]) | set(gold["annotator"]))
    table = pd.DataFrame(index=pd.Index(names, name="annotator"))
    grouped = votes.groupby("annotator")
    table["votes"] = grouped.size()
    start = pd.Timestamp(as_utc(day_start))
    table["today"] = votes[votes["created_at"] >= start].groupby("annotator").size()
    table["active_days"] = grouped["created_at"].agg(lambda s: s.dt.normalize().nunique())
    table["changes"] = grouped["changes"].sum()
    counts = ["votes", "today", "active_days", "changes"]
    table[counts] = table[counts].fillna(0).astype("int64")
    table["per_active_day"] = table["votes"] / table["active_days"].where(table["active_days"] > 0)
    table["median_s"] = grouped["seconds"].median()
    table["agreement"] = agreement_with_others(votes, n_raters)
    if gold.empty:
        table["gold_accuracy"], table["quiz_answers"] = np.nan, 0
    else:
        by_person = gold.groupby("annotator")["correct"]
        table["gold_accuracy"] = by_person.mean()
        table["quiz_answers"] = by_person.size().reindex(table.index, fill_value=0)
    return table


def kappa_so_far(votes: pd.DataFrame, n_raters: int) -> tuple[float | None, int]:
    """Return Fleiss' kappa over the complete clips (None when undefined) and their number."""
    counts = complete_counts(votes, n_raters)
    if counts.empty:
        return None, 0
    try:
        return fleiss_kappa(counts), len(counts)
    except AnalysisInputError:
        return None, len(counts)


def alpha_so_far(votes: pd.DataFrame) -> tuple[float | None, int]:
    """Return Krippendorff's alpha (nominal) over every clip with 2 or more votes so far (None
    when undefined) and the number of those clips."""
    counts = vote_counts(votes[["clip", "annotator", "emotion"]]) if len(votes) else None
    if counts is None:
        return None, 0
    pairable = int((counts.sum(axis=1) >= 2).sum())
    try:
        return krippendorff_alpha(counts), pairable
    except AnalysisInputError:
        return None, pairable


def emotion_distribution(votes: pd.DataFrame, n_raters: int, threshold: int) -> pd.DataFrame:
    """Return, per emotion (index: names), the votes cast so far and the single labels.

    Columns: votes (int, every vote so far), vote_share (0..1 of those), single_labels
    (complete clips whose votes for the emotion exceed ``threshold``).
    """
    totals = np.bincount(votes["emotion"].to_numpy(dtype="int64"), minlength=8)[1:8]
    counts = complete_counts(votes, n_raters)
    labels = single_labels(counts, threshold, n_raters) if len(counts) else pd.Series([])
    per_label = labels[labels > 0].value_counts().reindex(range(1, 8), fill_value=0).to_numpy()
    share = totals / totals.sum() if totals.sum() else np.zeros(7)
    return pd.DataFrame(
        {"votes": totals, "vote_share": share, "single_labels": per_label},
        index=pd.Index(EMOTIONS, name="emotion"),
    )


def rare_expression_tally(
    votes: pd.DataFrame,
    n_raters: int,
    threshold: int,
    suggestions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return, per extractor, single-labelled clips and those labelled Disgust or Fear.

    Columns (clip counts, except the share): labelled, disgust, fear, rare (disgust + fear),
    rare_share (0..1, NaN before any label), suggested_rare (clips the extractor suggested as
    Disgust or Fear, from ``suggestions`` as :func:`load_suggestions` returns) and confirmed
    (those whose single label is the suggested emotion). Clips without an extractor are
    grouped under their source (manual, imported).
    """
    columns = ["labelled", "disgust", "fear", "rare", "rare_share", "suggested_rare", "confirmed"]
    labels = pd.Series(dtype="int64")
    counts = complete_counts(votes, n_raters)
    if not counts.empty:
        labels = single_labels(counts, threshold, n_raters)
        labels = labels[labels > 0]
    extractor = votes.drop_duplicates("clip").set_index("clip")["extractor"].fillna("unknown")
    frame = pd.DataFrame({"label": labels, "extractor": extractor.reindex(labels.index)})
    grouped = frame.groupby("extractor")["label"]
    table = pd.DataFrame(
        {
            "labelled": grouped.size(),
            "disgust": grouped.agg(lambda s: int((s == RARE_EMOTIONS[0]).sum())),
            "fear": grouped.agg(lambda s: int((s == RARE_EMOTIONS[1]).sum())),
        }
    )
    if suggestions is not None:
        rare = suggestions[suggestions["suggested"].isin(RARE_EMOTIONS)]
        confirmed = labels.reindex(rare["clip"]).to_numpy() == rare["suggested"].to_numpy()
        by_extractor = rare.assign(confirmed=confirmed).groupby("extractor")["confirmed"]
        suggested = pd.DataFrame(
            {"suggested_rare": by_extractor.size(), "confirmed": by_extractor.sum()}
        )
        table = table.join(suggested, how="outer")
    table = table.reindex(columns=columns[:3] + columns[5:]).fillna(0).astype("int64")
    table["rare"] = table["disgust"] + table["fear"]
    table["rare_share"] = table["rare"] / table["labelled"].where(table["labelled"] > 0)
    table.index.name = "extractor"
    return table[columns].sort_values(["rare", "suggested_rare", "labelled"], ascending=False)
