"""Trigger DDL that bounds the leases on a clip inside the database (migration 0003).

A lease reserves one of a clip's vote slots for one annotator. The database refuses a new lease

* on a clip that is not ``accepted`` (candidates, rejected and complete clips take no votes);
* when the clip's votes plus its *open* leases (not closed, expiring after the new lease's
  ``issued_at``) already reach ``store_settings.votes_per_clip``.

So at most ten annotators hold or have used a slot of a clip at any moment, whatever the app
does and however many processes hand out clips at once. As in
:mod:`dfew_build.store.triggers`, SQLite's single writer makes the count race-free there, and
on PostgreSQL the trigger first locks the clip row, so concurrent leases of one clip take turns.

The ``clip_queue`` table lists the accepted clips with their vote counts for the next-clip
rule; triggers keep it: a clip enters when it becomes accepted and leaves when it stops being
accepted (completed, rejected), and each vote added, removed or moved updates the count.
"""

from __future__ import annotations

from dfew_build.store.triggers import statements_for

LEASE_CAP_MARKER = "dfew:lease_cap"
LEASE_STATE_MARKER = "dfew:lease_clip_state"

_VOTES = "(SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id)"
_OPEN_LEASES = (
    "(SELECT count(*) FROM lease WHERE clip_id = NEW.clip_id AND closed_at IS NULL "
    "AND expires_at > NEW.issued_at)"
)
_CAP = "(SELECT votes_per_clip FROM store_settings WHERE id = 1)"
_STATUS = "(SELECT status FROM clip WHERE id = NEW.clip_id)"

SQLITE_CREATE = [
    f"""CREATE TRIGGER lease_clip_state BEFORE INSERT ON lease
    WHEN {_STATUS} IS NOT 'accepted'
    BEGIN SELECT RAISE(ABORT, '{LEASE_STATE_MARKER}'); END""",
    f"""CREATE TRIGGER lease_cap BEFORE INSERT ON lease
    WHEN {_VOTES} + {_OPEN_LEASES} >= {_CAP}
    BEGIN SELECT RAISE(ABORT, '{LEASE_CAP_MARKER}'); END""",
]

_ACCEPTED_ROW = (
    "SELECT NEW.id, (SELECT count(*) FROM vote WHERE clip_id = NEW.id) "
    "WHERE NEW.status = 'accepted'"
)

SQLITE_CREATE += [
    f"""CREATE TRIGGER clip_queue_insert AFTER INSERT ON clip
    BEGIN INSERT INTO clip_queue (clip_id, votes) {_ACCEPTED_ROW}; END""",
    f"""CREATE TRIGGER clip_queue_status AFTER UPDATE OF status ON clip
    WHEN NEW.status IS NOT OLD.status
    BEGIN
        DELETE FROM clip_queue WHERE clip_id = NEW.id;
        INSERT INTO clip_queue (clip_id, votes) {_ACCEPTED_ROW};
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

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS clip_queue_vote_move",
    "DROP TRIGGER IF EXISTS clip_queue_vote_delete",
    "DROP TRIGGER IF EXISTS clip_queue_vote_insert",
    "DROP TRIGGER IF EXISTS clip_queue_status",
    "DROP TRIGGER IF EXISTS clip_queue_insert",
    "DROP TRIGGER IF EXISTS lease_cap",
    "DROP TRIGGER IF EXISTS lease_clip_state",
]

# Migration 0004 narrows this trigger to deletions and moves, and counts new votes at commit.
CLIP_QUEUE_VOTE_TRIGGER = """CREATE TRIGGER clip_queue_vote
    AFTER INSERT OR DELETE OR UPDATE OF clip_id ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()"""


def lease_cap_function(clip_lock: str) -> str:
    """Return the PostgreSQL lease-cap function, taking the clip row lock ``clip_lock``.

    Migration 0003 locks the clip ``FOR UPDATE``; 0004 takes ``FOR NO KEY UPDATE``, which still
    lines up the leases of one clip but no longer blocks the foreign-key check of a vote.
    """
    return f"""CREATE OR REPLACE FUNCTION dfew_lease_cap() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id {clip_lock};
        IF {_STATUS} IS DISTINCT FROM 'accepted' THEN
            RAISE EXCEPTION '{LEASE_STATE_MARKER}' USING ERRCODE = 'check_violation';
        END IF;
        IF {_VOTES} + {_OPEN_LEASES} >= {_CAP} THEN
            RAISE EXCEPTION '{LEASE_CAP_MARKER}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$"""


POSTGRES_CREATE = [
    lease_cap_function("FOR UPDATE"),
    """CREATE TRIGGER lease_cap BEFORE INSERT ON lease
    FOR EACH ROW EXECUTE FUNCTION dfew_lease_cap()""",
]

POSTGRES_CREATE += [
    f"""CREATE FUNCTION dfew_clip_queue_clip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.status IS NOT DISTINCT FROM OLD.status THEN
                RETURN NULL;
            END IF;
            DELETE FROM clip_queue WHERE clip_id = NEW.id;
        END IF;
        INSERT INTO clip_queue (clip_id, votes) {_ACCEPTED_ROW};
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
    CLIP_QUEUE_VOTE_TRIGGER,
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS clip_queue_vote ON vote",
    "DROP TRIGGER IF EXISTS clip_queue_clip ON clip",
    "DROP TRIGGER IF EXISTS lease_cap ON lease",
    "DROP FUNCTION IF EXISTS dfew_clip_queue_vote()",
    "DROP FUNCTION IF EXISTS dfew_clip_queue_clip()",
    "DROP FUNCTION IF EXISTS dfew_lease_cap()",
]

# Fills the queue of a store that already holds clips when migration 0003 runs.
BACKFILL_QUEUE = (
    "INSERT INTO clip_queue (clip_id, votes) "
    "SELECT id, (SELECT count(*) FROM vote WHERE vote.clip_id = clip.id) FROM clip "
    "WHERE status = 'accepted'"
)


def create_statements(dialect: str) -> list[str]:
    """Return the lease trigger DDL for a SQLAlchemy dialect name ('sqlite', 'postgresql')."""
    return statements_for(dialect, SQLITE_CREATE, POSTGRES_CREATE)


def drop_statements(dialect: str) -> list[str]:
    """Return the statements that remove the lease triggers for a dialect name."""
    return statements_for(dialect, SQLITE_DROP, POSTGRES_DROP)
