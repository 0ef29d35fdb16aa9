"""The migration history table, `supabase_migrations.schema_migrations(version text primary
key, statements text[], name text)`, created and written exactly as the Supabase CLI does."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from schemactl.migrations.files import MigrationFile, digests_of_texts
from schemactl.sqlfiles import load_sql


@dataclass(frozen=True)
class AppliedMigration:
    """A row of schema_migrations."""

    version: str
    name: str
    statements: tuple[str, ...] | None  # None: recorded without statements (CLI repair)

    @property
    def digests(self) -> tuple[str, ...] | None:
        return None if self.statements is None else digests_of_texts(self.statements)


def history_exists(conn: psycopg.Connection) -> bool:
    row = conn.execute(load_sql("migrations/history_exists")).fetchone()
    return bool(row and row[0])


def ensure_history_table(conn: psycopg.Connection) -> None:
    """Create the schema and table if missing (idempotent, as the CLI's own DDL)."""
    conn.execute(load_sql("migrations/history_table"))


def applied_migrations(conn: psycopg.Connection) -> list[AppliedMigration]:
    """The history in version order; empty when the table does not exist."""
    if not history_exists(conn):
        return []
    rows = conn.execute(load_sql("migrations/history_rows")).fetchall()
    return [
        AppliedMigration(version, name, None if statements is None else tuple(statements))
        for version, name, statements in rows
    ]


def record(conn: psycopg.Connection, migration: MigrationFile) -> None:
    """Write ``migration``'s history row (in the caller's transaction)."""
    conn.execute(
        load_sql("migrations/history_insert"),
        {
            "version": migration.version,
            "name": migration.name,
            "statements": list(migration.history_statements),
        },
    )
