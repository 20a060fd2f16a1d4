"""The schema of a store as text, to compare each migration's result with a committed snapshot.

Every migration carries a frozen copy of the DDL it applied, so editing runtime code can never
change what an old store upgrades into. The snapshots under ``tests/migration_snapshots/`` pin
that: ``tests/test_store_migrations.py`` upgrades an empty store one revision at a time and
compares the schema after each step with ``<revision>.<dialect>.sql``.

Run ``python -m tests.schema_snapshot`` once after adding a migration to write its snapshots
(it starts a throwaway PostgreSQL server for the PostgreSQL ones); review the diff, commit them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from dfew_build.store.engine import alembic_config, make_engine

SNAPSHOT_DIR = Path(__file__).resolve().parent / "migration_snapshots"

_SQLITE_SCHEMA = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master "
    "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
)

# One query per kind of object in PostgreSQL's public schema, each in a stable order.
_POSTGRES_SCHEMA = {
    "column": (
        "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
        "column_default FROM information_schema.columns WHERE table_schema = 'public' "
        "ORDER BY table_name, column_name"
    ),
    "constraint": (
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
    ),
    "index": (
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "ORDER BY 1, 2"
    ),
    "trigger": (
        "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger "
        "WHERE NOT tgisinternal ORDER BY 1, 2"
    ),
    "function": (
        "SELECT proname, pg_get_functiondef(oid) FROM pg_proc "
        "WHERE pronamespace = 'public'::regnamespace ORDER BY 1"
    ),
}


def dump_schema(connection: Connection) -> str:
    """Return the schema the connection's database holds, one object per line, in a fixed order."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(text(_SQLITE_SCHEMA)).all()
        return "".join(f"{row.type} {row.name} ON {row.tbl_name}:\n{row.sql}\n\n" for row in rows)
    sections = []
    for kind, query in _POSTGRES_SCHEMA.items():
        for row in connection.execute(text(query)).all():
            sections.append(f"{kind} " + " | ".join(str(value) for value in row) + "\n")
    return "".join(sections)


def revisions() -> list[str]:
    """Return the store's migration revisions, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(None))
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def schemas_by_revision(url: str) -> dict[str, str]:
    """Upgrade the empty database at ``url`` one revision at a time; return each step's schema."""
    engine = make_engine(url)
    schemas = {}
    try:
        for revision in revisions():
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection), revision)
            with engine.connect() as connection:
                schemas[revision] = dump_schema(connection)
    finally:
        engine.dispose()
    return schemas


def snapshot_path(revision: str, dialect: str) -> Path:
    """Return the committed snapshot file of one revision's schema on one backend."""
    return SNAPSHOT_DIR / f"{revision}.{dialect}.sql"


def _write_snapshots() -> None:
    from tests.postgres_server import PostgresServer, find_bin_dir

    SNAPSHOT_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        urls = {"sqlite": f"sqlite:///{Path(folder) / 'snapshot.sqlite'}"}
        bin_dir = find_bin_dir()
        server = PostgresServer(bin_dir) if bin_dir else None
        try:
            if server is not None:
                urls["postgresql"] = server.create_database("snapshot")
            for dialect, url in urls.items():
                for revision, schema in schemas_by_revision(url).items():
                    snapshot_path(revision, dialect).write_text(schema, encoding="utf-8")
                    print(f"wrote {snapshot_path(revision, dialect)}")
        finally:
            if server is not None:
                server.stop()
    if "postgresql" not in urls:
        print("PostgreSQL not installed: only the SQLite snapshots were written")


if __name__ == "__main__":
    _write_snapshots()
