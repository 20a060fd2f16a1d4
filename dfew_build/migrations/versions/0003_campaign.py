"""The annotation campaign: logins, gold clips and the quiz, screening, leases, broken reports.

Adds tables only (and triggers: the lease cap, which bounds a clip's votes plus open leases by
``votes_per_clip``, and the upkeep of ``clip_queue``, which is filled here from the clips already accepted), so the
migration runs in place on a store that already holds movies, clips and votes.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen copy of the DDL this revision applied (Alembic's convention): stores in the field ran
# exactly these statements, so they never change; a later change of a trigger is a new revision.
_BACKFILL_QUEUE = "INSERT INTO clip_queue (clip_id, votes) SELECT id, (SELECT count(*) FROM vote WHERE vote.clip_id = clip.id) FROM clip WHERE status = 'accepted'"

_SQLITE_CREATE = [
    """CREATE TRIGGER lease_clip_state BEFORE INSERT ON lease
    WHEN (SELECT status FROM clip WHERE id = NEW.clip_id) IS NOT 'accepted'
    BEGIN SELECT RAISE(ABORT, 'dfew:lease_clip_state'); END""",
    """CREATE TRIGGER lease_cap BEFORE INSERT ON lease
    WHEN (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) + (SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL AND expires_at > NEW.issued_at) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1)
    BEGIN SELECT RAISE(ABORT, 'dfew:lease_cap'); END""",
    """CREATE TRIGGER clip_queue_insert AFTER INSERT ON clip
    BEGIN INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted'; END""",
    """CREATE TRIGGER clip_queue_status AFTER UPDATE OF status ON clip
    WHEN NEW.status IS NOT OLD.status
    BEGIN
        DELETE FROM clip_queue WHERE clip_id = NEW.id;
        INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted';
    END""",
    """CREATE TRIGGER clip_queue_vote_insert AFTER INSERT ON vote
    BEGIN UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id; END""",
    """CREATE TRIGGER clip_queue_vote_delete AFTER DELETE ON vote
    BEGIN UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id; END""",
    """CREATE TRIGGER clip_queue_vote_move AFTER UPDATE OF clip_id ON vote
    WHEN NEW.clip_id IS NOT OLD.clip_id
    BEGIN
        UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id;
        UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id;
    END""",
]

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS clip_queue_vote_move",
    "DROP TRIGGER IF EXISTS clip_queue_vote_delete",
    "DROP TRIGGER IF EXISTS clip_queue_vote_insert",
    "DROP TRIGGER IF EXISTS clip_queue_status",
    "DROP TRIGGER IF EXISTS clip_queue_insert",
    "DROP TRIGGER IF EXISTS lease_cap",
    "DROP TRIGGER IF EXISTS lease_clip_state",
]

_POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION dfew_lease_cap() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR UPDATE;
        IF (SELECT status FROM clip WHERE id = NEW.clip_id) IS DISTINCT FROM 'accepted' THEN
            RAISE EXCEPTION 'dfew:lease_clip_state' USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) + (SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL AND expires_at > NEW.issued_at) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:lease_cap' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER lease_cap BEFORE INSERT ON lease
    FOR EACH ROW EXECUTE FUNCTION dfew_lease_cap()""",
    """CREATE FUNCTION dfew_clip_queue_clip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
                RETURN NULL;
            END IF;
            DELETE FROM clip_queue WHERE clip_id = NEW.id;
        END IF;
        INSERT INTO clip_queue (clip_id, votes) SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) WHERE NEW.status = 'accepted';
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER clip_queue_clip AFTER INSERT OR UPDATE OF status ON clip
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_clip()""",
    """CREATE FUNCTION dfew_clip_queue_vote() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE clip_queue SET votes = votes - 1 WHERE clip_id = OLD.clip_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE clip_queue SET votes = votes + 1 WHERE clip_id = NEW.clip_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER clip_queue_vote
    AFTER INSERT OR DELETE OR UPDATE OF clip_id ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()""",
]

_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS clip_queue_vote ON vote",
    "DROP TRIGGER IF EXISTS clip_queue_clip ON clip",
    "DROP TRIGGER IF EXISTS lease_cap ON lease",
    "DROP FUNCTION IF EXISTS dfew_clip_queue_vote()",
    "DROP FUNCTION IF EXISTS dfew_clip_queue_clip()",
    "DROP FUNCTION IF EXISTS dfew_lease_cap()",
]


def _for_backend(sqlite: list[str], postgres: list[str]) -> list[str]:
    """Return this revision's statements for the backend the migration runs on."""
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgres


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
    op.execute(_BACKFILL_QUEUE)
    for statement in _for_backend(_SQLITE_CREATE, _POSTGRES_CREATE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _for_backend(_SQLITE_DROP, _POSTGRES_DROP):
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
