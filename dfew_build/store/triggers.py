"""Trigger DDL that enforces the store's cross-row invariants inside the database.

Unique and check constraints cannot count rows, so the two counting invariants live in
triggers, written once per backend:

* at most ``store_settings.votes_per_clip`` votes per clip (and the clip turns ``complete``
  when it reaches that number);
* at most ``store_settings.quota`` non-rejected clips per movie.

SQLite runs one writer at a time, so a trigger that counts is race-free there. PostgreSQL runs
writers concurrently, so its trigger functions first lock the parent row (``FOR UPDATE``):
two transactions adding a vote to the same clip, or a clip to the same movie, then take turns,
and the second one counts the first one's row. Errors carry a ``dfew:`` marker that
:func:`dfew_build.store.errors.explain_integrity_error` turns into a message for the user.
"""

VOTE_CAP_MARKER = "dfew:vote_cap"
QUOTA_MARKER = "dfew:quota"

_NOT_REJECTED_IN_MOVIE = (
    "(SELECT count(*) FROM clip WHERE movie_id = NEW.movie_id AND status <> 'rejected')"
)
_VOTES_ON_CLIP = "(SELECT count(*) FROM vote WHERE clip_id = NEW.clip_id)"
_VOTE_CAP = "(SELECT votes_per_clip FROM store_settings WHERE id = 1)"
_QUOTA = "(SELECT quota FROM store_settings WHERE id = 1)"

SQLITE_CREATE = [
    f"""CREATE TRIGGER vote_cap BEFORE INSERT ON vote
    WHEN {_VOTES_ON_CLIP} >= {_VOTE_CAP}
    BEGIN SELECT RAISE(ABORT, '{VOTE_CAP_MARKER}'); END""",
    f"""CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    WHEN {_VOTES_ON_CLIP} >= {_VOTE_CAP}
    BEGIN UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id; END""",
    f"""CREATE TRIGGER clip_quota_insert BEFORE INSERT ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND {_NOT_REJECTED_IN_MOVIE} >= {_QUOTA}
    BEGIN SELECT RAISE(ABORT, '{QUOTA_MARKER}'); END""",
    f"""CREATE TRIGGER clip_quota_update BEFORE UPDATE OF status, movie_id ON clip
    WHEN NEW.movie_id IS NOT NULL AND NEW.status <> 'rejected'
        AND (OLD.status = 'rejected' OR OLD.movie_id IS NOT NEW.movie_id)
        AND {_NOT_REJECTED_IN_MOVIE} >= {_QUOTA}
    BEGIN SELECT RAISE(ABORT, '{QUOTA_MARKER}'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS vote_cap",
    "DROP TRIGGER IF EXISTS vote_completes_clip",
    "DROP TRIGGER IF EXISTS clip_quota_insert",
    "DROP TRIGGER IF EXISTS clip_quota_update",
]

# The vote cap and the completion of a clip as the vote is inserted; migration 0004 replaces
# both with the commit-time accounting of :mod:`dfew_build.store.vote_settle`.
POSTGRES_VOTE_CAP = [
    f"""CREATE FUNCTION dfew_vote_cap() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM 1 FROM clip WHERE id = NEW.clip_id FOR UPDATE;
        IF {_VOTES_ON_CLIP} >= {_VOTE_CAP} THEN
            RAISE EXCEPTION '{VOTE_CAP_MARKER}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    "CREATE TRIGGER vote_cap BEFORE INSERT ON vote FOR EACH ROW EXECUTE FUNCTION dfew_vote_cap()",
    f"""CREATE FUNCTION dfew_vote_completes_clip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF {_VOTES_ON_CLIP} >= {_VOTE_CAP} THEN
            UPDATE clip SET status = 'complete' WHERE id = NEW.clip_id AND status <> 'complete';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER vote_completes_clip AFTER INSERT ON vote
    FOR EACH ROW EXECUTE FUNCTION dfew_vote_completes_clip()""",
]
POSTGRES_CREATE = POSTGRES_VOTE_CAP + [
    f"""CREATE FUNCTION dfew_clip_quota() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.movie_id IS NULL OR NEW.status = 'rejected' THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status <> 'rejected'
                AND OLD.movie_id IS NOT DISTINCT FROM NEW.movie_id THEN
            RETURN NEW;
        END IF;
        PERFORM 1 FROM movie WHERE id = NEW.movie_id FOR UPDATE;
        IF {_NOT_REJECTED_IN_MOVIE} >= {_QUOTA} THEN
            RAISE EXCEPTION '{QUOTA_MARKER}' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER clip_quota BEFORE INSERT OR UPDATE OF status, movie_id ON clip
    FOR EACH ROW EXECUTE FUNCTION dfew_clip_quota()""",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS clip_quota ON clip",
    "DROP TRIGGER IF EXISTS vote_completes_clip ON vote",
    "DROP TRIGGER IF EXISTS vote_cap ON vote",
    "DROP FUNCTION IF EXISTS dfew_clip_quota()",
    "DROP FUNCTION IF EXISTS dfew_vote_completes_clip()",
    "DROP FUNCTION IF EXISTS dfew_vote_cap()",
]


def create_statements(dialect: str) -> list[str]:
    """Return the trigger DDL statements for a SQLAlchemy dialect name ('sqlite', 'postgresql')."""
    return statements_for(dialect, SQLITE_CREATE, POSTGRES_CREATE)


def drop_statements(dialect: str) -> list[str]:
    """Return the statements that remove this module's triggers for a dialect name."""
    return statements_for(dialect, SQLITE_DROP, POSTGRES_DROP)


def statements_for(dialect: str, sqlite: list[str], postgres: list[str]) -> list[str]:
    """Return ``sqlite`` or ``postgres`` for a SQLAlchemy dialect name; refuse any other backend."""
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgres
    raise ValueError(f"unsupported database backend {dialect!r}: use SQLite or PostgreSQL")
