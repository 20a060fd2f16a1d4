"""Votes from a file into the store (``dfew-build import-votes``): read and check the file,
then write every vote in one transaction.

The app casts its votes through :mod:`dfew_build.campaign.vote_casting`; both paths rely on the
store's own checks (one vote per annotator and clip, the clip's vote cap), settled as each vote
is inserted (:func:`~dfew_build.store.vote_settle.settle_votes_now`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analysis.emotions import emotion_code
from analysis.errors import AnalysisInputError
from dfew_build.errors import UserError
from dfew_build.options import name_problem
from dfew_build.store.engine import Store
from dfew_build.store.integrity import explain_integrity_error
from dfew_build.store.models import (
    CLIP_NAME_LENGTH,
    PERSON_NAME_LENGTH,
    Annotator,
    Clip,
    StoreSettings,
    Vote,
)
from dfew_build.store.vote_settle import settle_votes_now

VOTE_COLUMNS = ("clip", "annotator", "emotion")


@dataclass(frozen=True)
class VoteImport:
    """What an import added: vote rows, and clips and annotators created for them."""

    votes: int
    clips_created: int
    annotators_created: int


def read_vote_file(path: Path) -> pd.DataFrame:
    """Read and check a votes CSV (columns clip, annotator, emotion as code 1..7 or name).

    Returns a frame with the three columns, clip and annotator as strings and emotion as int.
    Raises ``UserError`` naming the first bad row (rows counted as in a spreadsheet: header = 1).
    """
    if not path.is_file():
        raise UserError(
            f"no file {path} — give the path of a CSV with columns clip,annotator,emotion"
        )
    try:
        with warnings.catch_warnings():
            # A row with more fields than the header: an error, not a silently shifted row.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            table = pd.read_csv(
                path, dtype=str, keep_default_na=False, index_col=False, on_bad_lines="error"
            )
    except (
        pd.errors.ParserError,
        pd.errors.ParserWarning,
        pd.errors.EmptyDataError,
        UnicodeDecodeError,
    ) as exc:
        detail = " ".join(str(exc).split())
        raise UserError(
            f"{path} is not a readable CSV ({detail}) — save it as UTF-8 CSV with three fields "
            "per row: clip,annotator,emotion"
        ) from exc
    missing = [column for column in VOTE_COLUMNS if column not in table.columns]
    if missing:
        raise UserError(
            f"{path} lacks column(s) {', '.join(missing)} — the header must name "
            "clip,annotator,emotion"
        )
    if table.empty:
        raise UserError(f"{path} has a header but no rows — add votes below the header")
    table = table.loc[:, list(VOTE_COLUMNS)].apply(lambda column: column.str.strip())
    for column, length in (("clip", CLIP_NAME_LENGTH), ("annotator", PERSON_NAME_LENGTH)):
        for value in table[column].unique():
            problem = name_problem(value, f"{column} name", length)
            if problem:
                row = table.index[table[column] == value][0]
                raise UserError(f"{path} row {row + 2}: {problem}")
    codes = {}
    for value in table["emotion"].unique():
        try:
            codes[value] = emotion_code(value)
        except AnalysisInputError as exc:
            row = table.index[table["emotion"] == value][0] + 2
            raise UserError(f"{path} row {row}: {exc}") from exc
    table["emotion"] = table["emotion"].map(codes).astype("int64")
    twice = table.duplicated(["clip", "annotator"], keep="first")
    if twice.any():
        row = table.index[twice][0]
        clip, annotator = table.loc[row, ["clip", "annotator"]]
        raise UserError(
            f"{path} row {row + 2}: annotator {annotator} votes twice on clip {clip} — "
            "keep one vote per annotator and clip"
        )
    return table


def import_votes(store: Store, votes: pd.DataFrame, create: bool = False) -> VoteImport:
    """Add checked votes (see :func:`read_vote_file`) to the store in one transaction.

    Clips and annotators are matched by name; missing ones are created (imported clips, no
    movie; annotators without a login) only when ``create`` is true. Returns what was added.
    Any refusal raises ``UserError`` and leaves the store exactly as it was.
    """
    with store.write() as session:
        return add_votes(session, votes, create)


def add_votes(session: Session, votes: pd.DataFrame, create: bool = False) -> VoteImport:
    """Add checked votes as :func:`import_votes` does, in the caller's write transaction.

    Returns what was added; raises ``UserError`` for any refusal (the caller's transaction then
    rolls back).
    """
    clip_ids, clips_created = _resolve_names(session, Clip, votes["clip"], create)
    annotator_ids, annotators_created = _resolve_names(
        session, Annotator, votes["annotator"], create
    )
    rows = pd.DataFrame(
        {
            "clip_id": votes["clip"].map(clip_ids),
            "annotator_id": votes["annotator"].map(annotator_ids),
            "emotion": votes["emotion"],
        }
    )
    _check_against_store(session, rows, votes)
    settle_votes_now(session)
    try:
        session.execute(insert(Vote), rows.to_dict("records"))
    except IntegrityError as exc:
        raise UserError(f"import refused: {explain_integrity_error(exc)}") from exc
    return VoteImport(len(rows), clips_created, annotators_created)


def _resolve_names(
    session: Session, model: type[Clip] | type[Annotator], names: pd.Series, create: bool
) -> tuple[dict[str, int], int]:
    """Map each distinct name to its row id, creating the missing rows when allowed."""
    wanted = sorted(set(names))
    known = dict(session.execute(select(model.name, model.id).where(model.name.in_(wanted))).all())
    missing = [name for name in wanted if name not in known]
    kind = model.__tablename__
    if missing and not create:
        examples = ", ".join(missing[:3])
        raise UserError(
            f"{len(missing)} {kind}(s) not in the store (e.g. {examples}) — add them first, "
            "or pass --create to create them"
        )
    if missing:
        defaults = (
            {"source": "imported", "status": "accepted"}
            if model is Clip
            else {"role": "annotator", "qualification": "imported"}
        )
        session.execute(insert(model), [{"name": name, **defaults} for name in missing])
        known.update(
            session.execute(select(model.name, model.id).where(model.name.in_(missing))).all()
        )
    return known, len(missing)


def _check_against_store(session: Session, rows: pd.DataFrame, votes: pd.DataFrame) -> None:
    """Refuse rows that repeat a stored vote, hit a rejected clip or overfill a clip."""
    clip_ids = rows["clip_id"].unique().tolist()
    stored = pd.DataFrame(
        session.execute(
            select(Vote.clip_id, Vote.annotator_id).where(Vote.clip_id.in_(clip_ids))
        ).all(),
        columns=["clip_id", "annotator_id"],
    )
    repeated = rows.reset_index().merge(stored, on=["clip_id", "annotator_id"])
    if len(repeated):
        row = repeated["index"].min()
        raise UserError(
            f"row {row + 2}: annotator {votes.loc[row, 'annotator']} already voted on clip "
            f"{votes.loc[row, 'clip']} in the store — drop that row (one vote per annotator "
            "and clip)"
        )
    rejected = set(
        session.scalars(select(Clip.name).where(Clip.id.in_(clip_ids), Clip.status == "rejected"))
    )
    if rejected:
        raise UserError(
            f"clip {sorted(rejected)[0]} was rejected in screening — votes on rejected clips are "
            "not taken; drop its rows"
        )
    limit = session.get(StoreSettings, 1).votes_per_clip
    have = dict(
        session.execute(
            select(Vote.clip_id, func.count())
            .where(Vote.clip_id.in_(clip_ids))
            .group_by(Vote.clip_id)
        ).all()
    )
    total = rows["clip_id"].value_counts() + pd.Series(have).reindex(
        rows["clip_id"].unique(), fill_value=0
    )
    over = total[total > limit]
    if len(over):
        clip_id = over.index[0]
        name = votes.loc[rows.index[rows["clip_id"] == clip_id][0], "clip"]
        raise UserError(
            f"clip {name} would have {int(over.iloc[0])} votes, more than the store's limit of "
            f"{limit} — drop the extra rows, or raise it with `dfew-build init --votes-per-clip N`"
        )
