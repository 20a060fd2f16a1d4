"""Vote changes: the audited undo of an annotator's own last vote.

A new table only; nothing existing changes, so the migration runs in place on any store.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_vote_change_{column}_{target}"),
        ondelete="RESTRICT",
    )


def upgrade() -> None:
    op.create_table(
        "vote_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("old_emotion", sa.Integer(), nullable=False),
        sa.Column("new_emotion", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("old_emotion BETWEEN 1 AND 7", name=op.f("ck_vote_change_old_emotion")),
        sa.CheckConstraint("new_emotion BETWEEN 1 AND 7", name=op.f("ck_vote_change_new_emotion")),
        _fk("annotator_id", "annotator"),
        _fk("vote_id", "vote"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_change")),
    )
    op.create_index(
        op.f("ix_vote_change_annotator_id"), "vote_change", ["annotator_id"], unique=False
    )
    op.create_index(op.f("ix_vote_change_vote_id"), "vote_change", ["vote_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_vote_change_vote_id"), table_name="vote_change")
    op.drop_index(op.f("ix_vote_change_annotator_id"), table_name="vote_change")
    op.drop_table("vote_change")
