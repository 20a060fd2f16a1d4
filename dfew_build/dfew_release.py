"""Reading the public DFEW annotation release into the store (``dfew-build import-dfew``).

Files read, relative to the release folder given (each also found one level up or down as
the release's archives unpack differently):

* ``Annotation/annotation.xlsx`` (or ``annotation.xlsx``, or a CSV ``annotation.csv`` with the
  same columns, as ``dfew-build export`` writes it): per clip the seven vote counts in DFEW's
  order (headers containing happy, sad, neutral, angry, surprise, disgust, fear), the clip
  number (``order``, ``clip`` or ``video_name``) and optionally ``label`` (0 or 1..7).
  Optional: without it only single labels and folds are imported and kappa is unavailable.
* ``EmoLabel_DataSplit/{train,test}(single-labeled)/set_{1..5}.csv`` (``single_labeled`` too):
  the single labels and the five test folds.
* ``Clip/original/NNNNN.mp4`` when present: each clip's duration, for the Table 2 report.

DFEW's per-clip votes are counts, not named votes; they are stored as votes of pseudo-raters
``dfew-rater-01`` … (rater i holds the clip's i-th vote), which leaves every count, every
single label and Fleiss' kappa exactly as the release gives them.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from rich.progress import track
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from analysis.emotions import EMOTIONS
from dfew_build.errors import UserError
from dfew_build.extract.probe import video_duration_s
from dfew_build.label_export import read_dfew_split
from dfew_build.store.engine import Store
from dfew_build.store.models import Annotator, Clip, StoreSettings, Vote
from dfew_build.store.vote_settle import settle_votes_now
from training.splits import clip_name

ANNOTATION_CANDIDATES = (
    "Annotation/annotation.xlsx",
    "annotation.xlsx",
    "Annotation/annotation.csv",
    "annotation.csv",
)
CLIP_COLUMN_NAMES = ("order", "clip", "videoname", "video", "name")
RATER_PREFIX = "dfew-rater-"
# Most votes one clip may have in an imported release (DFEW has 10 per clip): each becomes a row.
MAX_RATERS = 100


@dataclass(frozen=True)
class DfewImport:
    """What an import-dfew run found and stored."""

    clips: int
    votes: int
    single_labelled: int
    in_folds: int
    with_duration: int
    annotation_file: Path | None
    split_dir: Path | None


def _normalised(header: object) -> str:
    return re.sub(r"[^a-z]", "", str(header).lower())


def find_annotation_file(release_dir: Path) -> Path | None:
    """Return the release's annotation table (xlsx or csv), or None when it is absent."""
    for base in (release_dir, release_dir.parent):
        for candidate in ANNOTATION_CANDIDATES:
            if (base / candidate).is_file():
                return base / candidate
    return None


def find_split_dir(release_dir: Path) -> Path | None:
    """Return the release's ``EmoLabel_DataSplit`` folder, or None when it is absent."""
    if release_dir.name == "EmoLabel_DataSplit":
        return release_dir
    for base in (release_dir, release_dir.parent):
        if (base / "EmoLabel_DataSplit").is_dir():
            return base / "EmoLabel_DataSplit"
    return None


def read_annotation(path: Path) -> pd.DataFrame:
    """Read DFEW's annotation table.

    Returns a frame indexed by clip name with int columns 1..7 (vote counts in DFEW's order)
    and, when the file has one, ``label`` (0 = not single-labelled, else 1..7).
    """
    try:
        raw = pd.read_excel(path) if path.suffix == ".xlsx" else pd.read_csv(path, dtype=str)
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        detail = " ".join(str(exc).split())
        raise UserError(f"cannot read {path} ({detail}) — is it DFEW's annotation.xlsx?") from exc
    headers = {_normalised(column): column for column in raw.columns}
    clip_column = next((headers[name] for name in CLIP_COLUMN_NAMES if name in headers), None)
    count_columns = {}
    for code, emotion in enumerate(EMOTIONS, start=1):
        match = [original for key, original in headers.items() if key.endswith(emotion.lower())]
        if len(match) == 1:
            count_columns[match[0]] = code
    if clip_column is None or len(count_columns) != len(EMOTIONS):
        raise UserError(
            f"{path} has columns {list(raw.columns)}; expected a clip column (order/clip/"
            "video_name) and one count column per emotion (happy … fear) — is it DFEW's file?"
        )
    table = raw[list(count_columns)].rename(columns=count_columns)
    table = table.apply(pd.to_numeric, errors="coerce")
    _check_whole(path, table, "vote counts", 0, MAX_RATERS)
    totals = table.sum(axis=1).to_numpy()
    if (totals > MAX_RATERS).any():
        row = int((totals > MAX_RATERS).argmax()) + 2
        raise UserError(
            f"{path} row {row}: {int(totals[row - 2])} votes for one clip, at most {MAX_RATERS} "
            "are allowed — fix that row"
        )
    table = table.astype("int64")
    table.index = pd.Index(raw[clip_column].map(clip_name), name="clip")
    if table.index.duplicated().any():
        raise UserError(f"{path}: clip {table.index[table.index.duplicated()][0]} appears twice")
    label_column = headers.get("label")
    if label_column is not None:
        labels = pd.to_numeric(raw[label_column], errors="coerce").fillna(0).to_frame()
        _check_whole(path, labels, "labels", 0, len(EMOTIONS))
        table["label"] = labels.iloc[:, 0].to_numpy(dtype="int64")
    return table.sort_index()


def _check_whole(path: Path, table: pd.DataFrame, what: str, low: int, high: int) -> None:
    """Raise ``UserError`` naming the first row of ``table`` that is not whole in low..high."""
    values = table.to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(values) & (values == np.round(values)))
        bad |= ~((values >= low) & (values <= high))
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise UserError(
            f"{path} row {row + 2}: {what} must be whole numbers from {low} to {high}, "
            f"found {values[row, column]:g} — fix that row"
        )


def _clip_durations(release_dir: Path, names: list[str]) -> dict[str, float]:
    """Return the durations (seconds) of the release's original clips that are on disk."""
    for base in (release_dir, release_dir.parent):
        folder = base / "Clip" / "original"
        if folder.is_dir():
            break
    else:
        return {}
    present = [name for name in names if (folder / f"{name}.mp4").is_file()]
    return {
        name: video_duration_s(folder / f"{name}.mp4")
        for name in track(present, description="reading clip durations")
    }


def _rater_votes(counts: pd.DataFrame, clip_ids: pd.Series) -> pd.DataFrame:
    """Spread each clip's vote counts over pseudo-raters 0..n-1 (rater i holds the i-th vote)."""
    matrix = counts[list(range(1, len(EMOTIONS) + 1))].to_numpy()
    per_clip = matrix.sum(axis=1)
    emotions = np.repeat(np.tile(np.arange(1, matrix.shape[1] + 1), len(matrix)), matrix.ravel())
    clip_rows = np.repeat(np.arange(len(matrix)), per_clip)
    starts = np.repeat(np.cumsum(per_clip) - per_clip, per_clip)
    return pd.DataFrame(
        {
            "clip_id": clip_ids.to_numpy()[clip_rows],
            "rater": np.arange(len(emotions)) - starts,
            "emotion": emotions,
        }
    )


def import_dfew(store: Store, release_dir: Path) -> DfewImport:
    """Import DFEW's vote counts, single labels, folds and clip durations into the store.

    Everything is written in one transaction; returns a summary of what was stored. Raises
    ``UserError`` when the folder holds neither file, when a file is malformed, or when the
    store already has clips of the same names.
    """
    if not release_dir.is_dir():
        raise UserError(f"no folder {release_dir} — give the folder where DFEW was unpacked")
    annotation_file = find_annotation_file(release_dir)
    split_dir = find_split_dir(release_dir)
    if annotation_file is None and split_dir is None:
        raise UserError(
            f"{release_dir} holds neither Annotation/annotation.xlsx nor EmoLabel_DataSplit/ — "
            "give the folder where DFEW was unpacked"
        )
    counts = read_annotation(annotation_file) if annotation_file else None
    split = read_dfew_split(split_dir).set_index("clip") if split_dir else None
    names = sorted(
        set(counts.index if counts is not None else [])
        | set(split.index if split is not None else [])
    )
    durations = _clip_durations(release_dir, names)

    clips = pd.DataFrame(index=pd.Index(names, name="name"))
    clips["release_label"] = 0
    if counts is not None and "label" in counts:
        clips["release_label"] = counts["label"].reindex(names, fill_value=0)
    if split is not None:
        clips.loc[split.index, "release_label"] = split["label"]
        clips["release_fold"] = split["fold"].reindex(names)
    clips["duration"] = pd.Series(durations, dtype="float64").reindex(names)

    with store.write() as session:
        taken = session.scalars(select(Clip.name).where(Clip.name.in_(names)).limit(1)).first()
        if taken is not None:
            raise UserError(
                f"the store already has a clip {taken} — import DFEW into a fresh store "
                "(dfew-build --db sqlite:///dfew-release.sqlite init)"
            )
        session.execute(insert(Clip), [_clip_row(name, row) for name, row in clips.iterrows()])
        n_votes = 0
        if counts is not None:
            n_votes = _store_votes(session, counts)
    return DfewImport(
        clips=len(clips),
        votes=n_votes,
        single_labelled=int((clips["release_label"] > 0).sum()),
        in_folds=0 if split is None else len(split),
        with_duration=len(durations),
        annotation_file=annotation_file,
        split_dir=split_dir,
    )


def _clip_row(name: str, row: pd.Series) -> dict:
    duration = row["duration"]
    fold = row.get("release_fold")
    return {
        "name": name,
        "source": "imported",
        "extractor": "dfew-release",
        "status": "accepted",
        "start_s": None if pd.isna(duration) else 0.0,
        "end_s": None if pd.isna(duration) else float(duration),
        "release_label": int(row["release_label"]),
        "release_fold": None if fold is None or pd.isna(fold) else int(fold),
    }


def _store_votes(session: Session, counts: pd.DataFrame) -> int:
    """Insert the release's vote counts as pseudo-rater votes; return how many were stored."""
    most = int(counts[list(range(1, len(EMOTIONS) + 1))].sum(axis=1).max())
    limit = session.get(StoreSettings, 1).votes_per_clip
    if most > limit:
        raise UserError(
            f"a DFEW clip has {most} votes, more than this store's limit of {limit} — "
            f"create the store with `dfew-build init --votes-per-clip {most}`"
        )
    rater_names = [f"{RATER_PREFIX}{i + 1:02d}" for i in range(most)]
    existing = set(session.scalars(select(Annotator.name).where(Annotator.name.in_(rater_names))))
    new_raters = [
        {"name": name, "role": "annotator", "qualification": "imported", "active": False}
        for name in rater_names
        if name not in existing
    ]
    if new_raters:
        session.execute(insert(Annotator), new_raters)
    rater_ids = dict(
        session.execute(
            select(Annotator.name, Annotator.id).where(Annotator.name.in_(rater_names))
        ).all()
    )
    clip_ids = dict(
        session.execute(select(Clip.name, Clip.id).where(Clip.name.in_(counts.index))).all()
    )
    votes = _rater_votes(counts, counts.index.to_series().map(clip_ids))
    id_of_rater = np.array([rater_ids[name] for name in rater_names])
    votes["annotator_id"] = id_of_rater[votes.pop("rater").to_numpy()]
    settle_votes_now(session)
    session.execute(insert(Vote), votes.to_dict("records"))
    return len(votes)
