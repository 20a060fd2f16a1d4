"""The store: creation, migrations, and the invariants the database itself enforces."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from dfew_build.errors import UserError
from dfew_build.store.engine import (
    alembic_config,
    head_revision,
    init_store,
    make_engine,
    open_store,
    resolve_url,
)
from dfew_build.store.models import Annotator, Base, Clip, Movie, Vote
from tests.campaign import import_vote


def _annotators(store, n: int) -> list[int]:
    with store.write() as session:
        session.execute(insert(Annotator), [{"name": f"a{i:02d}"} for i in range(n)])
    with store.read() as session:
        return list(session.scalars(select(Annotator.id).order_by(Annotator.id)))


def _clip(store, name: str = "c1", movie_id: int | None = None, status: str = "accepted") -> int:
    with store.write() as session:
        clip = Clip(name=name, movie_id=movie_id, status=status, start_s=0.0, end_s=3.0)
        session.add(clip)
        session.flush()
        return clip.id


def _movie(store) -> int:
    with store.write() as session:
        movie = Movie(title="m")
        session.add(movie)
        session.flush()
        return movie.id


def test_resolve_url_prefers_flag_then_environment() -> None:
    assert resolve_url("sqlite:///a.sqlite", {"DFEW_DB": "sqlite:///b.sqlite"}) == (
        "sqlite:///a.sqlite"
    )
    assert resolve_url(None, {"DFEW_DB": "sqlite:///b.sqlite"}) == "sqlite:///b.sqlite"
    assert resolve_url(None, {}) == "sqlite:///dfew.sqlite"


def test_sqlite_store_uses_wal_and_foreign_keys(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(IntegrityError), store.write() as session:
        session.execute(insert(Vote).values(clip_id=999, annotator_id=999, emotion=1))


def test_migrations_build_exactly_the_models(store_url: str) -> None:
    store = init_store(store_url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision()
        assert compare_metadata(context, Base.metadata) == []


def test_open_store_refuses_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="dfew-build init"):
        open_store(f"sqlite:///{tmp_path / 'absent.sqlite'}")
    assert not (tmp_path / "absent.sqlite").exists()
    (tmp_path / "other.sqlite").touch()
    with pytest.raises(UserError, match="not a dfew-build store"):
        open_store(f"sqlite:///{tmp_path / 'other.sqlite'}")


def test_store_from_a_newer_toolkit_is_refused(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    with store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    with pytest.raises(UserError, match="newer than this dfew-build"):
        open_store(sqlite_url)


def test_database_refuses_duplicate_vote_bad_emotion_and_eleventh_vote(store_url: str) -> None:
    store = init_store(store_url)
    raters = _annotators(store, 11)
    clip = _clip(store)
    for emotion, rater in zip([1, 2, 3, 4, 5, 6, 7, 1, 2, 3], raters, strict=False):
        with store.write() as session:
            session.execute(insert(Vote).values(clip_id=clip, annotator_id=rater, emotion=emotion))
    with store.read() as session:
        assert session.get(Clip, clip).status == "complete"
    # Raw inserts, bypassing every Python check: the database itself must refuse them.
    for values in (
        {"annotator_id": raters[0], "emotion": 1},  # second vote of the same annotator
        {"annotator_id": raters[10], "emotion": 2},  # eleventh vote
    ):
        with pytest.raises(IntegrityError), store.write() as session:
            session.execute(insert(Vote).values(clip_id=clip, **values))
    other = _clip(store, "c2")
    for emotion in (0, 8):
        with pytest.raises(IntegrityError), store.write() as session:
            session.execute(
                insert(Vote).values(clip_id=other, annotator_id=raters[0], emotion=emotion)
            )
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 10


def test_imported_votes_explain_refusals(sqlite_url: str) -> None:
    store = init_store(sqlite_url, votes_per_clip=2)
    raters = _annotators(store, 3)
    clip = _clip(store)
    with store.write() as session:
        import_vote(session, clip, raters[0], 3)
    with pytest.raises(UserError, match="already voted"), store.write() as session:
        import_vote(session, clip, raters[0], 4)
    with store.write() as session:
        import_vote(session, clip, raters[1], 4)
    with pytest.raises(UserError, match="more than the store's limit of 2"), store.write() as s:
        import_vote(s, clip, raters[2], 4)


def test_quota_counts_non_rejected_clips(store_url: str) -> None:
    store = init_store(store_url, quota=3)
    movie = _movie(store)
    ids = [_clip(store, f"m{i}", movie) for i in range(3)]
    with pytest.raises(IntegrityError, match="dfew:quota"):
        _clip(store, "m3", movie)
    with store.write() as session:
        session.execute(update(Clip).where(Clip.id == ids[0]).values(status="rejected"))
    fourth = _clip(store, "m3", movie)  # the rejected clip freed its slot
    with pytest.raises(IntegrityError, match="dfew:quota"), store.write() as session:
        session.execute(update(Clip).where(Clip.id == ids[0]).values(status="accepted"))
    _clip(store, "m4", movie, status="rejected")  # rejected clips never count
    with store.read() as session:
        live = session.scalar(
            select(func.count()).where(Clip.movie_id == movie, Clip.status != "rejected")
        )
    assert live == 3 and fourth


def test_init_refuses_settings_below_what_the_store_holds(sqlite_url: str) -> None:
    store = init_store(sqlite_url)
    raters = _annotators(store, 3)
    clip = _clip(store)
    for rater in raters:
        with store.write() as session:
            import_vote(session, clip, rater, 1)
    with pytest.raises(UserError, match="use at least 3"):
        init_store(sqlite_url, votes_per_clip=2)
    assert init_store(sqlite_url, votes_per_clip=14).settings().votes_per_clip == 14


def _vote_worker(url: str, clip_id: int, annotator_ids: list[int], start, results) -> None:
    """Vote once per annotator; report the annotators whose vote was acknowledged."""
    store = open_store(url)
    start.wait()
    acknowledged = []
    for annotator_id in annotator_ids:
        try:
            with store.write() as session:
                import_vote(session, clip_id, annotator_id, 1 + annotator_id % 7)
            acknowledged.append(annotator_id)
        except UserError:
            pass
    results.put(acknowledged)
    store.dispose()


def test_concurrent_voters_never_overfill_a_clip(store_url: str) -> None:
    store = init_store(store_url)
    raters = _annotators(store, 24)
    clip = _clip(store)
    store.dispose()
    context = multiprocessing.get_context("spawn")
    results, start = context.Queue(), context.Barrier(4)
    workers = [
        context.Process(target=_vote_worker, args=(store_url, clip, raters[i::4], start, results))
        for i in range(4)
    ]
    for worker in workers:
        worker.start()
    acknowledged = sorted(a for _ in workers for a in results.get(timeout=120))
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with store.read() as session:
        stored = sorted(session.scalars(select(Vote.annotator_id).where(Vote.clip_id == clip)))
        status = session.get(Clip, clip).status
    assert stored == acknowledged
    assert len(stored) == 10
    assert status == "complete"


def _clip_worker(url: str, movie_id: int, names: list[str], start, results) -> None:
    store = open_store(url)
    start.wait()
    added = 0
    for name in names:
        try:
            with store.write() as session:
                session.add(Clip(name=name, movie_id=movie_id, status="candidate"))
            added += 1
        except IntegrityError:
            pass
    results.put(added)
    store.dispose()


def test_concurrent_extractors_never_exceed_the_quota(store_url: str) -> None:
    store = init_store(store_url)
    movie = _movie(store)
    store.dispose()
    context = multiprocessing.get_context("spawn")
    results, start = context.Queue(), context.Barrier(4)
    names = [[f"w{w}c{i}" for i in range(10)] for w in range(4)]
    workers = [
        context.Process(target=_clip_worker, args=(store_url, movie, names[w], start, results))
        for w in range(4)
    ]
    for worker in workers:
        worker.start()
    added = sum(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(timeout=120)
    with store.read() as session:
        stored = session.scalar(select(func.count()).where(Clip.movie_id == movie))
    assert stored == added == 20


def test_postgres_url_reaches_the_server(postgres_server) -> None:
    store = init_store(postgres_server.create_database("smoke"))
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT current_database()")).scalar() == "smoke"


def test_store_made_at_the_first_revision_opens_after_later_migrations(store_url: str) -> None:
    """A store created by an older release keeps its rows and gains the newer schema on open."""
    engine = make_engine(store_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(
            text("INSERT INTO store_settings (id, votes_per_clip, quota) VALUES (1, 10, 20)")
        )
        connection.execute(
            text(
                "INSERT INTO annotator (name, role, qualification, active, "
                "created_at) VALUES ('old', 'annotator', 'pending', true, "
                "CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO clip (name, source, status, created_at) "
                "VALUES ('c1', 'manual', 'accepted', CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO vote (clip_id, annotator_id, emotion, created_at) "
                "SELECT clip.id, annotator.id, 3, CURRENT_TIMESTAMP "
                "FROM clip, annotator"
            )
        )
    engine.dispose()
    store = open_store(store_url)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == head_revision() != "0001"
        assert compare_metadata(context, Base.metadata) == []
    with store.read() as session:
        assert session.scalar(select(Vote.emotion)) == 3
        assert session.scalar(select(Clip.name)) == "c1"
