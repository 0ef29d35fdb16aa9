"""`dual-write enable|disable`: triggers on the V1 tables that apply every V1 change to
V2 in the same transaction, through the mapping migrate-v1 uses (docs/design.md: The V1 transition)."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from schemactl.api import SchemactlError
from schemactl_v1.failures import database_failure
from schemactl_v1.install import install_migration, require_v1_schema
from schemactl_v1.sqlfiles import load_sql


@dataclass(frozen=True)
class DualWriteState:
    """The dual-write triggers present on the V1 tables: (table, trigger) pairs."""

    triggers: tuple[tuple[str, str], ...]

    @property
    def enabled(self) -> bool:
        return bool(self.triggers)


def state(conn: psycopg.Connection) -> DualWriteState:
    rows = conn.execute(load_sql("dual_write_status")).fetchall()
    return DualWriteState(tuple((table, trigger) for table, trigger in rows))


def enable(conn: psycopg.Connection) -> DualWriteState:
    """Install (or refresh) the migration functions and the triggers. May come before
    migrate-v1: rows written meanwhile are applied (or quarantined, if their client is
    not migrated yet) and migrate-v1 picks up the rest."""
    require_v1_schema(conn)
    _refuse_api_writers(conn)
    try:
        install_migration(conn)
        conn.execute(load_sql("dual_write_enable"))
    except psycopg.Error as exc:
        raise database_failure(exc, "dual-write enable") from exc
    return state(conn)


def _refuse_api_writers(conn: psycopg.Connection) -> None:
    """With dual-write on, writing a V1 table writes V2 as the schema owner: no API role
    (`anon`, `authenticated`; API-key holders are `authenticated` requests) may write V1
    then."""
    try:
        writers = conn.execute(load_sql("dual_write_api_writers")).fetchall()
    except psycopg.Error as exc:
        raise database_failure(exc, "dual-write enable") from exc
    if writers:
        shown = ", ".join(
            f"{role} has {privilege} on {table}" for role, table, privilege in writers
        )
        raise SchemactlError(
            f"dual-write would let API roles write V2 as the schema owner through V1: {shown}",
            hint="revoke them first (revoke all on all tables in schema v1 from anon, "
            "authenticated), then enable dual-write",
        )


def disable(conn: psycopg.Connection) -> DualWriteState:
    require_v1_schema(conn)
    try:
        conn.execute(load_sql("dual_write_disable"))
    except psycopg.Error as exc:
        raise database_failure(exc, "dual-write disable") from exc
    return state(conn)
