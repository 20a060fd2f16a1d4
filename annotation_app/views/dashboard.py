"""The admin dashboard: progress, annotators, agreement, emotions, extractors, broken clips.

Tables show human column names, fill the page's width and show a dash, not "None", where a
figure does not exist yet; every number appears once.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotation_app.context import PageContext, flash, local_day_start
from annotation_app.widgets import play_clip
from dfew_build.campaign.admin import Dashboard, dashboard, resolve_reports
from dfew_build.errors import UserError


def render(ctx: PageContext) -> None:
    """Draw the dashboard's figures and charts (admins only)."""
    st.title("Campaign dashboard")
    board = dashboard(ctx.store, ctx.token, local_day_start())
    _headline(board)
    left, right = st.columns(2)
    with left:
        st.subheader("Clips by state")
        st.bar_chart(board.states.rename_axis("state"), horizontal=True, sort=False)
    with right:
        st.subheader("Votes per day")
        if board.per_day.empty:
            st.caption("No votes yet.")
        else:
            st.bar_chart(board.per_day)
    _annotators(board)
    left, right = st.columns(2)
    with left:
        st.subheader("Emotions of the votes so far")
        st.caption(
            f"Every vote cast so far; single labels: complete clips with more than "
            f"{board.threshold} votes for one emotion."
        )
        st.bar_chart(board.emotions["vote_share"], horizontal=True, sort=False)
        _table(
            board.emotions,
            {"votes": "votes", "vote_share": "share of votes", "single_labels": "single labels"},
            percent=["vote_share"],
        )
    with right:
        st.subheader("Rare expressions per extractor")
        st.caption(
            f"Single-labelled clips (more than {board.threshold} votes) of Disgust or Fear; "
            "clips the extractor suggested as one of them, and how many the votes confirmed."
        )
        if board.rare.empty:
            st.caption("No complete clips or suggestions yet.")
        else:
            st.bar_chart(board.rare[["disgust", "fear"]], stack=True)
            _table(
                board.rare,
                {
                    "labelled": "single-labelled",
                    "disgust": "Disgust",
                    "fear": "Fear",
                    "rare": "Disgust + Fear",
                    "rare_share": "rare share",
                    "suggested_rare": "suggested Disgust/Fear",
                    "confirmed": "confirmed by the votes",
                },
                percent=["rare_share"],
            )
    _reports(ctx, board.reports)


def _headline(board: Dashboard) -> None:
    states = board.states
    pool = int(states[["waiting", "in progress", "complete"]].sum())
    columns = st.columns(5)
    columns[0].metric("Complete clips", f"{int(states['complete']):,} of {pool:,}")
    columns[1].metric("Candidates to screen", f"{int(states['candidate']):,}")
    columns[2].metric(
        "Votes today", f"{int(board.annotators['today'].sum()) if len(board.annotators) else 0:,}"
    )
    alpha = "–" if board.alpha is None else f"{board.alpha:.3f}"
    columns[3].metric(
        "Krippendorff's alpha",
        alpha,
        help=f"Agreement on the votes so far: the {board.alpha_clips:,} clips with 2 or more "
        "votes, complete or not (nominal alpha; 1 is full agreement, 0 chance level).",
    )
    kappa = "–" if board.kappa is None else f"{board.kappa:.3f}"
    columns[4].metric(
        "Fleiss' kappa",
        kappa,
        help=f"Agreement on the {board.complete_clips:,} complete clips only, as the DFEW "
        "paper reports it.",
    )


def _table(
    frame: pd.DataFrame,
    names: dict[str, str],
    percent: tuple[str, ...] | list[str] = (),
    decimals: tuple[str, ...] | list[str] = (),
    hide_index: bool = False,
) -> None:
    """Show ``frame`` across the page's width with the human column ``names`` (columns not
    named are left out), ``percent`` columns as percentages, ``decimals`` with one decimal,
    and a dash where a figure is missing (Streamlit would show a grey "None")."""
    shown = frame[list(names)].copy()
    config = {}
    for columns, text, number in ((percent, "{:.0%}", "percent"), (decimals, "{:.1f}", "%.1f")):
        for column in columns:
            if shown[column].isna().any():
                shown[column] = [text.format(v) if pd.notna(v) else "–" for v in shown[column]]
            else:
                config[names[column]] = st.column_config.NumberColumn(format=number)
    for column in shown.columns:
        if shown[column].dtype == object:
            shown[column] = shown[column].where(shown[column].notna(), "–")
    shown = shown.rename(columns=names)
    st.dataframe(shown, width="stretch", hide_index=hide_index, column_config=config)


def _annotators(board: Dashboard) -> None:
    st.subheader("Annotators")
    table = board.annotators
    if table.empty:
        st.caption("Nobody has voted or taken the quiz yet.")
        return
    st.caption(
        "With majority: share of votes on complete clips that match the other raters' single "
        "most frequent emotion. Quiz right: share of right quiz answers."
    )
    st.bar_chart(table[["votes"]], horizontal=True)
    _table(
        table,
        {
            "votes": "votes",
            "today": "today",
            "active_days": "days voted",
            "per_active_day": "per day voted",
            "median_s": "median s/clip",
            "changes": "changed by undo",
            "agreement": "with majority",
            "gold_accuracy": "quiz right",
            "quiz_answers": "quiz answers",
        },
        percent=["agreement", "gold_accuracy"],
        decimals=["per_active_day", "median_s"],
    )


def _reports(ctx: PageContext, reports: pd.DataFrame) -> None:
    st.subheader("Broken-clip reports")
    if reports.empty:
        st.caption("No reports.")
        return
    _table(
        reports.assign(created_at=reports["created_at"].map(_when)),
        {
            "clip": "clip",
            "status": "clip status",
            "reporter": "reported by",
            "reason": "reason",
            "created_at": "reported at (UTC)",
            "resolution": "resolution",
        },
        hide_index=True,
    )
    open_reports = reports[reports["resolution"].isna()].drop_duplicates("clip_id")
    if open_reports.empty:
        return
    names = dict(zip(open_reports["clip_id"], open_reports["clip"], strict=True))
    clip_id = st.selectbox("Open report", list(names), format_func=names.get, key="report-clip")
    path = open_reports.set_index("clip_id").loc[clip_id, "path"]
    play_clip(ctx.config.clip_dir, path, f"Reported clip {names[clip_id]}", replay=False)
    reject, keep = st.columns(2)
    reject.button("Reject the clip", on_click=_resolve, args=(ctx, clip_id, True))
    keep.button("Keep the clip", on_click=_resolve, args=(ctx, clip_id, False))


def _when(moment) -> str:
    """Return a report's time as "YYYY-MM-DD HH:MM" in UTC."""
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M")


def _resolve(ctx: PageContext, clip_id: int, reject: bool) -> None:
    try:
        resolve_reports(ctx.store, ctx.token, int(clip_id), reject)
    except UserError as exc:
        flash(str(exc), "error")
        return
    flash("Clip rejected." if reject else "Clip kept; reports closed.", "success")
