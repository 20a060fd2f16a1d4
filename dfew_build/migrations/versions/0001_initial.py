"""Initial schema: settings, movie, clip, annotator, vote, and the counting triggers.

Revision ID: 0001
Revises: none
"""

import sqlalchemy as sa
from alembic import op

from dfew_build.store import triggers

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


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

    for statement in triggers.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in triggers.drop_statements(op.get_bind().dialect.name):
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
