"""Count votes, refuse the eleventh and complete clips at commit on PostgreSQL.

Replaces the insert-time ``vote_cap`` and ``vote_completes_clip`` triggers and the insert part
of ``clip_queue_vote`` with the deferred ``vote_settle`` trigger of
:mod:`dfew_build.store.vote_settle`, so votes on one clip no longer wait for each other's
whole transactions. Nothing changes on SQLite.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from dfew_build.store import vote_settle

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in vote_settle.create_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in vote_settle.drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
