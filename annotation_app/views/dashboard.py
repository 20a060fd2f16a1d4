"""The admin dashboard: progress, annotators, agreement, emotions, extractors, broken clips."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from annotation_app.context import PageContext, flash, local_day_start
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
        st.subheader("Emotions on complete clips")
        st.bar_chart(board.emotions["vote_share"], horizontal=True, sort=False)
        st.dataframe(board.emotions, column_config={"vote_share": _share("vote share")})
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
            st.dataframe(
                board.rare,
                column_config={
                    "rare_share": _share("rare share"),
                    "suggested_rare": "suggested Disgust/Fear",
                    "confirmed": "confirmed by the votes",
                },
            )
    _reports(ctx, board.reports)


def _headline(board: Dashboard) -> None:
    states = board.states
    pool = int(states[["waiting", "in progress", "complete"]].sum())
    columns = st.columns(4)
    columns[0].metric("Complete clips", f"{int(states['complete']):,} of {pool:,}")
    columns[1].metric("Candidates to screen", f"{int(states['candidate']):,}")
    columns[2].metric(
        "Votes today", f"{int(board.annotators['today'].sum()) if len(board.annotators) else 0:,}"
    )
    kappa = "–" if board.kappa is None else f"{board.kappa:.3f}"
    columns[3].metric(
        "Fleiss' kappa", kappa, help=f"over the {board.complete_clips:,} complete clips"
    )


def _share(label: str) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="percent")


def _annotators(board: Dashboard) -> None:
    st.subheader("Annotators")
    table = board.annotators
    if table.empty:
        st.caption("Nobody has voted or taken the quiz yet.")
        return
    st.bar_chart(table[["votes"]], horizontal=True)
    st.dataframe(
        table,
        column_config={
            "today": "votes today",
            "per_active_day": st.column_config.NumberColumn("votes / active day", format="%.1f"),
            "median_s": st.column_config.NumberColumn("median s / clip", format="%.1f"),
            "changes": "votes changed (undo)",
            "agreement": _share("agrees with others' majority"),
            "gold_accuracy": _share("accuracy on gold"),
        },
    )


def _reports(ctx: PageContext, reports: pd.DataFrame) -> None:
    st.subheader("Broken-clip reports")
    if reports.empty:
        st.caption("No reports.")
        return
    st.dataframe(reports.drop(columns=["clip_id"]), hide_index=True)
    open_reports = reports[reports["resolution"].isna()].drop_duplicates("clip_id")
    if open_reports.empty:
        return
    names = dict(zip(open_reports["clip_id"], open_reports["clip"], strict=True))
    clip_id = st.selectbox("Open report", list(names), format_func=names.get, key="report-clip")
    reject, keep = st.columns(2)
    reject.button("Reject the clip", on_click=_resolve, args=(ctx, clip_id, True))
    keep.button("Keep the clip", on_click=_resolve, args=(ctx, clip_id, False))


def _resolve(ctx: PageContext, clip_id: int, reject: bool) -> None:
    try:
        resolve_reports(ctx.store, ctx.token, int(clip_id), reject)
    except UserError as exc:
        flash(str(exc), "error")
        return
    flash("Clip rejected." if reject else "Clip kept; reports closed.", "success")
