"""Initial schema: settings, movie, clip, annotator, vote, and the counting triggers.

Revision ID: 0001
Revises: none
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copy of the DDL this revision applied (Alembic's convention): stores in the field ran
# exactly these statements, so they never change; a later change of a trigger is a new revision.
_SQLITE_CREATE = [
    """CREATE TRIGGER vote_cap BEFORE INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:vote_cap'); END""",
    """CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id; END""",
    """CREATE TRIGGER clip_quota_insert BEFORE INSERT ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:quota'); END""",
    """CREATE TRIGGER clip_quota_update BEFORE UPDATE OF status, movie_id ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND (OLD.status = 'rejected' OR OLD.movie_id IS NOT NEW.movie_id)
        AND (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:quota'); END""",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS vote_cap",
    "DROP TRIGGER IF EXISTS vote_completes_clip",
    "DROP TRIGGER IF EXISTS clip_quota_insert",
    "DROP TRIGGER IF EXISTS clip_quota_update",
]

_POSTGRES_CREATE = [
    """CREATE FUNCTION dfew_vote_cap() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR UPDATE;
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:vote_cap' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER vote_cap BEFORE INSERT ON vote FOR EACH ROW EXECUTE FUNCTION dfew_vote_cap()",
    """CREATE FUNCTION dfew_vote_completes_clip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_vote_completes_clip()""",
    """CREATE FUNCTION dfew_clip_quota() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.movie_id IS NULL OR NEW.status = 'rejected' THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status <> 'rejected'
                AND OLD.movie_id IS NOT DISTINCT FROM NEW.movie_id THEN
            RETURN NEW;
        END IF;
        PERFORM 1 FROM movie WHERE id = NEW.movie_id FOR UPDATE;
        IF (SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected') >= (SELECT quota FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:quota' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER clip_quota BEFORE INSERT OR UPDATE OF status, movie_id ON clip
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_quota()""",
]

_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS clip_quota ON clip",
    "DROP TRIGGER IF EXISTS vote_completes_clip ON vote",
    "DROP TRIGGER IF EXISTS vote_cap ON vote",
    "DROP FUNCTION IF EXISTS dfew_clip_quota()",
    "DROP FUNCTION IF EXISTS dfew_vote_completes_clip()",
    "DROP FUNCTION IF EXISTS dfew_vote_cap()",
]


def _for_backend(sqlite: list[str], postgres: list[str]) -> list[str]:
    """Return this revision's statements for the backend the migration runs on."""
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgres


def upgrade() -> None:
    op.create_table(
        "annotator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=True),
        sa.Column("qualification", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "qualification IN ('pending', 'qualified', 'imported')",
            name=op.f("ck_annotator_qualification"),
        ),
        sa.CheckConstraint(
            "role IN ('annotator', 'reviewer', 'admin')", name=op.f("ck_annotator_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotator")),
        sa.UniqueConstraint("name", name=op.f("uq_annotator_name")),
    )
    op.create_table(
        "movie",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("fps", sa.Float(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movie")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_movie_content_hash")),
    )
    op.create_table(
        "store_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("votes_per_clip", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_settings_single_row")),
        sa.CheckConstraint("quota >= 1", name=op.f("ck_store_settings_quota")),
        sa.CheckConstraint("votes_per_clip >= 2", name=op.f("ck_store_settings_votes_per_clip")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_settings")),
    )
    op.create_table(
        "clip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("movie_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=True),
        sa.Column("file_hash", sa.String(length=64), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("start_frame", sa.Integer(), nullable=True),
        sa.Column("end_frame", sa.Integer(), nullable=True),
        sa.Column("bucket", sa.String(length=8), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("extractor", sa.String(length=100), nullable=True),
        sa.Column("suggested_emotion", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("release_label", sa.Integer(), nullable=True),
        sa.Column("release_fold", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('auto', 'manual', 'imported')", name=op.f("ck_clip_source")),
        sa.CheckConstraint(
            "status IN ('candidate', 'accepted', 'rejected', 'complete')",
            name=op.f("ck_clip_status"),
        ),
        sa.CheckConstraint(
            "end_s IS NULL OR start_s IS NULL OR end_s > start_s", name=op.f("ck_clip_span")
        ),
        sa.CheckConstraint("release_fold IS NULL OR release_fold >= 1", name=op.f("ck_clip_fold")),
        sa.CheckConstraint(
            "release_label IS NULL OR release_label BETWEEN 0 AND 7", name=op.f("ck_clip_label")
        ),
        sa.CheckConstraint(
            "suggested_emotion IS NULL OR suggested_emotion BETWEEN 1 AND 7",
            name=op.f("ck_clip_suggested_emotion"),
        ),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movie.id"], name=op.f("fk_clip_movie_id_movie"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clip")),
        sa.UniqueConstraint("name", name=op.f("uq_clip_name")),
    )
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.create_index("ix_clip_movie_status", ["movie_id", "status"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("emotion", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("emotion BETWEEN 1 AND 7", name=op.f("ck_vote_emotion")),
        sa.CheckConstraint("seconds IS NULL OR seconds >= 0", name=op.f("ck_vote_seconds")),
        sa.ForeignKeyConstraint(
            ["annotator_id"],
            ["annotator.id"],
            name=op.f("fk_vote_annotator_id_annotator"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clip.id"], name=op.f("fk_vote_clip_id_clip"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
        sa.UniqueConstraint("clip_id", "annotator_id", name="uq_vote_clip_annotator"),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_annotator_id"), ["annotator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vote_clip_id"), ["clip_id"], unique=False)

    for statement in _for_backend(_SQLITE_CREATE, _POSTGRES_CREATE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _for_backend(_SQLITE_DROP, _POSTGRES_DROP):
        op.execute(statement)
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_clip_id"))
        batch_op.drop_index(batch_op.f("ix_vote_annotator_id"))

    op.drop_table("vote")
    with op.batch_alter_table("clip", schema=None) as batch_op:
        batch_op.drop_index("ix_clip_movie_status")

    op.drop_table("clip")
    op.drop_table("store_settings")
    op.drop_table("movie")
    op.drop_table("annotator")
