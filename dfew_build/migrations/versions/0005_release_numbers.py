"""Release numbers: the number each clip carries in every ``dfew-build release``.

A new table only; nothing existing changes, so the migration runs in place on any store.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "release_number",
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_release_number_number")),
        sa.ForeignKeyConstraint(
            ["clip_id"],
            ["clip.id"],
            name=op.f("fk_release_number_clip_id_clip"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("clip_id", name=op.f("pk_release_number")),
        sa.UniqueConstraint("number", name=op.f("uq_release_number_number")),
    )


def downgrade() -> None:
    op.drop_table("release_number")
