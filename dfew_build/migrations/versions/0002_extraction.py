"""Extraction provenance: movie frame count, audio, extraction state; clip face ratio, provenance.

Also widens ``movie.size_bytes`` to 64 bits on PostgreSQL (a 2-hour movie passes 2 GiB); SQLite
integers are 64-bit already, so nothing changes there.

Columns are only added, never rebuilt, so the migration runs in place on a store that already
holds movies, clips and votes (no SQLite table copy, no foreign-key juggling).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_MOVIE_COLUMNS = (
    ("frame_count", sa.Integer()),
    ("has_audio", sa.Boolean()),
    ("extract_status", sa.String(length=16)),
    ("extract_error", sa.String(length=1000)),
    ("extracted_at", sa.DateTime(timezone=True)),
    ("extraction", sa.JSON()),
)
_CLIP_COLUMNS = (
    ("face_ratio", sa.Float()),
    ("provenance", sa.JSON()),
)


def upgrade() -> None:
    for name, type_ in _MOVIE_COLUMNS:
        op.add_column("movie", sa.Column(name, type_, nullable=True))
    for name, type_ in _CLIP_COLUMNS:
        op.add_column("clip", sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("movie", "size_bytes", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("movie", "size_bytes", type_=sa.Integer(), existing_type=sa.BigInteger())
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch table copy would drop ``clip``,
    # which the foreign keys of ``vote`` forbid while the store holds votes.
    for name, _ in reversed(_CLIP_COLUMNS):
        op.drop_column("clip", name)
    for name, _ in reversed(_MOVIE_COLUMNS):
        op.drop_column("movie", name)
