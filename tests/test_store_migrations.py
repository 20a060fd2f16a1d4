"""Migrations are history: each revision builds exactly the schema committed beside it.

A store in the field upgraded through a revision long ago; if editing a runtime module could
change what that revision creates, a new store and an old one would silently differ. So every
migration carries its own DDL, imports nothing of the toolkit, and the schema after each step
(and after each step back down) equals ``tests/migration_snapshots/<revision>.<dialect>.sql``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from alembic import command
from sqlalchemy import make_url

from dfew_build.store.engine import MIGRATIONS_DIR, alembic_config, make_engine
from tests.schema_snapshot import dump_schema, revisions, schemas_by_revision, snapshot_path

# What a migration may import: the migration tools and the standard library's typing helpers.
_ALLOWED_IMPORTS = {"__future__", "alembic", "sqlalchemy"}


def _dialect(url: str) -> str:
    return make_url(url).get_backend_name()


def test_each_revision_builds_its_committed_schema(store_url: str) -> None:
    dialect = _dialect(store_url)
    built = schemas_by_revision(store_url)
    assert list(built) == revisions()
    for revision, schema in built.items():
        expected = snapshot_path(revision, dialect).read_text(encoding="utf-8")
        assert schema == expected, f"revision {revision} on {dialect} differs from its snapshot"


def test_each_downgrade_restores_the_previous_schema(store_url: str) -> None:
    dialect = _dialect(store_url)
    engine = make_engine(store_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        for revision in reversed(revisions()[:-1]):
            with engine.begin() as connection:
                command.downgrade(alembic_config(connection), revision)
            with engine.connect() as connection:
                schema = dump_schema(connection)
            expected = snapshot_path(revision, dialect).read_text(encoding="utf-8")
            assert schema == expected, f"downgrade to {revision} on {dialect} left another schema"
    finally:
        engine.dispose()


def test_migrations_import_no_runtime_module() -> None:
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] in _ALLOWED_IMPORTS, (
                    f"{Path(path).name} imports {module}: a migration must carry its own DDL"
                )
