"""The annotation campaign: logins, gold clips and the quiz, screening, leases, broken reports.

Adds tables only (and the triggers of :mod:`dfew_build.campaign.triggers`: the lease cap and
the upkeep of ``clip_queue``, which is filled here from the clips already accepted), so the
migration runs in place on a store that already holds movies, clips and votes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from dfew_build.campaign import triggers

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="RESTRICT"
    )


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("ended_at", nullable=True),
        _fk("annotator_id", "login_session", "annotator"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
    )
    op.create_index(
        op.f("ix_login_session_annotator_id"), "login_session", ["annotator_id"], unique=False
    )
    op.create_table(
        "gold_clip",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("emotion", sa.Integer(), nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        _when("created_at"),
        sa.CheckConstraint("emotion BETWEEN 1 AND 7", name=op.f("ck_gold_clip_emotion")),
        _fk("added_by", "gold_clip", "annotator"),
        _fk("clip_id", "gold_clip", "clip"),
        sa.PrimaryKeyConstraint("clip_id", name=op.f("pk_gold_clip")),
    )
    op.create_table(
        "quiz_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Float(), nullable=False),
        sa.Column("n_questions", sa.Integer(), nullable=False),
        sa.Column("n_correct", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.CheckConstraint(
            "pass_mark > 0 AND pass_mark <= 1", name=op.f("ck_quiz_attempt_pass_mark")
        ),
        sa.CheckConstraint("n_questions >= 1", name=op.f("ck_quiz_attempt_n_questions")),
        _fk("annotator_id", "quiz_attempt", "annotator"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt")),
    )
    op.create_index(
        op.f("ix_quiz_attempt_annotator_id"), "quiz_attempt", ["annotator_id"], unique=False
    )
    op.create_table(
        "quiz_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("emotion", sa.Integer(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=True),
        _when("answered_at", nullable=True),
        sa.CheckConstraint(
            "emotion IS NULL OR emotion BETWEEN 1 AND 7", name=op.f("ck_quiz_answer_emotion")
        ),
        _fk("attempt_id", "quiz_answer", "quiz_attempt"),
        _fk("clip_id", "quiz_answer", "clip"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answer")),
        sa.UniqueConstraint("attempt_id", "clip_id", name="uq_quiz_answer_attempt_clip"),
        sa.UniqueConstraint("attempt_id", "position", name="uq_quiz_answer_attempt_position"),
    )
    op.create_table(
        "screening",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        _when("claimed_at"),
        _when("claim_expires_at"),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        _when("decided_at", nullable=True),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('accepted', 'rejected')",
            name=op.f("ck_screening_decision"),
        ),
        _fk("clip_id", "screening", "clip"),
        _fk("reviewer_id", "screening", "annotator"),
        sa.PrimaryKeyConstraint("clip_id", name=op.f("pk_screening")),
    )
    op.create_table(
        "lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        _when("issued_at"),
        _when("expires_at"),
        _when("closed_at", nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.CheckConstraint("expires_at > issued_at", name=op.f("ck_lease_expiry")),
        sa.CheckConstraint(
            "(closed_at IS NULL AND outcome IS NULL) OR (closed_at IS NOT NULL AND "
            "outcome IN ('voted', 'broken', 'released'))",
            name=op.f("ck_lease_outcome"),
        ),
        _fk("annotator_id", "lease", "annotator"),
        _fk("clip_id", "lease", "clip"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lease")),
        sa.UniqueConstraint("clip_id", "annotator_id", name="uq_lease_clip_annotator"),
    )
    op.create_index(op.f("ix_lease_annotator_id"), "lease", ["annotator_id"], unique=False)
    op.create_table(
        "broken_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        _when("created_at"),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        _when("resolved_at", nullable=True),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('rejected', 'kept')",
            name=op.f("ck_broken_report_resolution"),
        ),
        _fk("annotator_id", "broken_report", "annotator"),
        _fk("clip_id", "broken_report", "clip"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broken_report")),
        sa.UniqueConstraint("clip_id", "annotator_id", name="uq_broken_report_clip_annotator"),
    )
    op.create_table(
        "clip_queue",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.CheckConstraint("votes >= 0", name=op.f("ck_clip_queue_votes")),
        sa.ForeignKeyConstraint(
            ["clip_id"], ["clip.id"], name=op.f("fk_clip_queue_clip_id_clip"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("clip_id", name=op.f("pk_clip_queue")),
    )
    op.create_index("ix_clip_queue_votes", "clip_queue", ["votes", "clip_id"], unique=False)
    op.execute(triggers.BACKFILL_QUEUE)
    for statement in triggers.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in triggers.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_clip_queue_votes", table_name="clip_queue")
    op.drop_table("clip_queue")
    op.drop_table("broken_report")
    op.drop_index(op.f("ix_lease_annotator_id"), table_name="lease")
    op.drop_table("lease")
    op.drop_table("screening")
    op.drop_table("quiz_answer")
    op.drop_index(op.f("ix_quiz_attempt_annotator_id"), table_name="quiz_attempt")
    op.drop_table("quiz_attempt")
    op.drop_table("gold_clip")
    op.drop_index(op.f("ix_login_session_annotator_id"), table_name="login_session")
    op.drop_table("login_session")
