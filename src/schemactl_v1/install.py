"""Installing the `migration` schema (tables and the mapping functions) and checking that
the V1 schema is there."""

from __future__ import annotations

import psycopg

from schemactl.api import SchemactlError
from schemactl_v1.sqlfiles import load_sql

V1_TABLES = ("clients", "opportunities", "opportunity_products")

# In dependency order: tables, pure mapping, per-row apply, bulk, triggers, then grants
# (which revoke EXECUTE on every function of the schema, so they come last).
MIGRATION_SCRIPTS = (
    "migration_schema",
    "mapping",
    "mapping_deals",
    "apply_clients",
    "apply_deals",
    "bulk",
    "dual_write",
    "migration_grants",
)


def create_v1_schema(conn: psycopg.Connection) -> None:
    """The legacy V1 schema (docs/design.md: The V1 transition), for tests, benchmarks and local trials."""
    conn.execute(load_sql("v1_schema"))


def require_v1_schema(conn: psycopg.Connection) -> None:
    row = conn.execute(
        "select array_agg(t order by t) from unnest(%s::text[]) as t "
        "where to_regclass('v1.' || t) is null",
        [list(V1_TABLES)],
    ).fetchone()
    missing = row[0] if row else None
    if missing:
        raise SchemactlError(
            f"this database has no V1 table {', '.join('v1.' + t for t in missing)}",
            hint="point --db-url at the database that holds the V1 schema `v1` (docs/design.md: The V1 transition)",
        )


def migration_installed(conn: psycopg.Connection) -> bool:
    row = conn.execute("select to_regclass('migration.v1_id_map') is not null").fetchone()
    return bool(row and row[0])


def require_migration(conn: psycopg.Connection) -> None:
    if not migration_installed(conn):
        raise SchemactlError(
            "V1 has not been migrated into this database (no schema `migration`)",
            hint="run `schemactl migrate-v1` first",
        )


def install_migration(conn: psycopg.Connection) -> None:
    """Create or update the schema `migration` (idempotent), in the current transaction."""
    require_v1_schema(conn)
    for name in MIGRATION_SCRIPTS:
        conn.execute(load_sql(name))
