"""Commit-time vote accounting on PostgreSQL (migration 0004): the cap, completion, queue count.

Up to migration 0003 a vote took its clip's row lock the moment it was inserted (the
``vote_cap`` trigger) and kept it to the end of its transaction, so the ten annotators of a
clip voted in single file, each waiting out the others' whole transactions, client round trips
included. From 0004 on PostgreSQL, one deferred constraint trigger, ``vote_settle``, does that
work while the vote commits, inside the server:

* it adds the vote to its clip's ``clip_queue`` count; that row's lock, held from there to the
  end of the commit, lines up the commits of one clip, so each reads an exact count;
* a count above ``store_settings.votes_per_clip`` refuses the vote (the store's vote cap);
* the count that reaches it turns the clip ``complete``, which takes it out of the queue.

A vote on a clip outside the queue (imported votes on a clip not accepted, or a clip completed
meanwhile) first locks the clip row, which also waits out a status change in flight, then
counts again from the queue or else from the clip's votes.

Waiting at commit cannot close a cycle as long as a voting transaction holds no lock that such
a commit waits for (a clip row, a queue row) before it commits: the app's vote locks only its
own lease and reserves the next clip in a transaction of its own. Callers that want a refusal
at the statement instead (the CLI's single vote, imports) call :func:`settle_votes_now`. SQLite
runs one writer at a time and keeps the triggers of migration 0001.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from dfew_build.campaign.triggers import CLIP_QUEUE_VOTE_TRIGGER, lease_cap_function
from dfew_build.store.triggers import POSTGRES_VOTE_CAP, VOTE_CAP_MARKER, statements_for

_ADD_TO_QUEUE = (
    "UPDATE clip_queue SET votes = clip_queue.votes + 1 WHERE clip_id = NEW.clip_id "
    "RETURNING clip_queue.votes INTO counted"
)

POSTGRES_CREATE = [
    lease_cap_function("FOR NO KEY UPDATE"),
    "DROP TRIGGER vote_cap ON vote",
    "DROP FUNCTION dfew_vote_cap()",
    "DROP TRIGGER vote_completes_clip ON vote",
    "DROP FUNCTION dfew_vote_completes_clip()",
    # New votes are counted at commit below; deletions and moves still count at once.
    "DROP TRIGGER clip_queue_vote ON vote",
    """CREATE TRIGGER clip_queue_vote AFTER DELETE OR UPDATE OF clip_id ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_queue_vote()""",
    f"""CREATE FUNCTION dfew_vote_settle() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        counted integer;
        cap integer := (SELECT votes_per_clip FROM store_settings WHERE id = 1);
    BEGIN
        {_ADD_TO_QUEUE};
        IF NOT FOUND THEN
            PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR NO KEY UPDATE;
            {_ADD_TO_QUEUE};
            IF NOT FOUND THEN
                counted := (SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id);
            END IF;
        END IF;
        IF counted > cap THEN
            RAISE EXCEPTION '{VOTE_CAP_MARKER}' USING ERRCODE = 'check_violation';
        END IF;
        IF counted = cap THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER vote_settle AFTER INSERT ON vote
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION dfew_vote_settle()""",
]

POSTGRES_DROP = [
    "DROP TRIGGER vote_settle ON vote",
    "DROP FUNCTION dfew_vote_settle()",
    "DROP TRIGGER clip_queue_vote ON vote",
    CLIP_QUEUE_VOTE_TRIGGER,
    lease_cap_function("FOR UPDATE"),
    *POSTGRES_VOTE_CAP,
]


def create_statements(dialect: str) -> list[str]:
    """Return the DDL that moves vote accounting to commit time (none on SQLite)."""
    return statements_for(dialect, [], POSTGRES_CREATE)


def drop_statements(dialect: str) -> list[str]:
    """Return the DDL that puts back the triggers of migration 0003 (none on SQLite)."""
    return statements_for(dialect, [], POSTGRES_DROP)


def settle_votes_now(session: Session) -> None:
    """Make the votes of the caller's transaction checked as they are inserted, not at commit.

    A vote over the clip's limit then fails at its INSERT, where the caller handles it, rather
    than at COMMIT. A no-op on SQLite, whose triggers always check at once. Returns None.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET CONSTRAINTS vote_settle IMMEDIATE")
