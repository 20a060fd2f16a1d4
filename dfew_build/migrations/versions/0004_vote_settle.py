"""Count votes, refuse the eleventh and complete clips at commit on PostgreSQL.

Replaces the insert-time ``vote_cap`` and ``vote_completes_clip`` triggers and the insert part
of ``clip_queue_vote`` with the deferred ``vote_settle`` trigger
(explained in :mod:`dfew_build.store.vote_settle`), so votes on one clip no longer wait for each other's
whole transactions. Nothing changes on SQLite.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copy of the DDL this revision applied (Alembic's convention): stores in the field ran
# exactly these statements, so they never change; a later change of a trigger is a new revision.
_POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION dfew_lease_cap() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR NO KEY UPDATE;
        IF (SELECT status FROM clip WHERE id = NEW.clip_id) IS DISTINCT FROM 'accepted' THEN
            RAISE EXCEPTION 'dfew:lease_clip_state' USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id) + (SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL AND expires_at > NEW.issued_at) >= (SELECT votes_per_clip FROM store_settings WHERE id = 1) THEN
            RAISE EXCEPTION 'dfew:lease_cap' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "DROP TRIGGER vote_cap ON vote",
    "DROP FUNCTION dfew_vote_cap()",
    "DROP TRIGGER vote_completes_clip ON vote",
    "DROP FUNCTION dfew_vote_completes_clip()",
    "DROP TRIGGER clip_queue_vote ON vote",
    """CREATE TRIGGER clip_queue_vote AFTER DELETE OR UPDATE OF clip_id ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()""",
    """CREATE FUNCTION dfew_vote_settle() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        counted integer;
        cap integer := (SELECT votes_per_clip FROM store_settings WHERE id = 1);
    BEGIN
        UPDATE clip_queue SET votes = clip_queue.votes + 1 WHERE clip_id = NEW.clip_id RETURNING clip_queue.votes INTO counted;
        IF NOT FOUND THEN
            PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR NO KEY UPDATE;
            UPDATE clip_queue SET votes = clip_queue.votes + 1 WHERE clip_id = NEW.clip_id RETURNING clip_queue.votes INTO counted;
            IF NOT FOUND THEN
                counted := (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id);
            END IF;
        END IF;
        IF counted > cap THEN
            RAISE EXCEPTION 'dfew:vote_cap' USING ERRCODE = 'check_violation';
        END IF;
        IF counted = cap THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER vote_settle AFTER INSERT ON vote
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dfew_vote_settle()""",
]

_POSTGRES_DROP = [
    "DROP TRIGGER vote_settle ON vote",
    "DROP FUNCTION dfew_vote_settle()",
    "DROP TRIGGER clip_queue_vote ON vote",
    """CREATE TRIGGER clip_queue_vote
    AFTER INSERT OR DELETE OR UPDATE OF clip_id ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()""",
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
]


def _for_backend(sqlite: list[str], postgres: list[str]) -> list[str]:
    """Return this revision's statements for the backend the migration runs on."""
    return sqlite if op.get_bind().dialect.name == "sqlite" else postgres


def upgrade() -> None:
    for statement in _for_backend([], _POSTGRES_CREATE):
        op.execute(statement)


def downgrade() -> None:
    for statement in _for_backend([], _POSTGRES_DROP):
        op.execute(statement)
