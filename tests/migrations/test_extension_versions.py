"""Extension versions in migrations: a version schema/ asks for is the version the
migration creates or updates to; an extension created without a version follows the
server and its version is never written (nor announced in the header)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from schemactl.migrations.from_schema import check_migrations, drift, generate_migration
from schemactl.testing import acting_as

from .helpers import FIXED_NOW, migrations_project, run_cli, with_standin

TABLE = "create table public.contacts (id bigint primary key{});\n"


def trgm(version: str | None) -> str:
    pinned = f" version '{version}'" if version else ""
    return f"create extension pg_trgm with schema extensions{pinned};\n"


def default_version(url: str, extension: str) -> str:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select default_version from pg_available_extensions where name = %s", [extension]
        ).fetchone()
    assert row is not None
    return str(row[0])


def header_changes(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("-- Changes") + 1
    return [line.strip("- ") for line in lines[start : lines.index("--", start)]]


def test_a_pinned_version_is_created_at_that_version(tmp_path: Path, server_url: str) -> None:
    assert default_version(server_url, "citext") != "1.5"  # else this test proves nothing
    project = migrations_project(
        tmp_path,
        "create extension citext with schema extensions version '1.5';\n" + TABLE.format(""),
        {"20240101000000_before.sql": TABLE.format("")},
    )
    result = generate_migration(project, "citext", shadow_url=server_url, now=FIXED_NOW)
    assert result.statements == (
        'create extension if not exists "citext" with schema "extensions" version \'1.5\';',
    )
    assert header_changes(result.text) == ["extensions: 1 added (citext)"]
    assert check_migrations(project, shadow_url=server_url) == 2


def test_a_changed_pin_is_an_update(tmp_path: Path, server_url: str, target_db: str) -> None:
    project = migrations_project(
        tmp_path,
        trgm("1.4") + TABLE.format(""),
        {"20240101000000_before.sql": trgm("1.3") + TABLE.format("")},
    )
    result = generate_migration(project, "trgm", shadow_url=server_url, now=FIXED_NOW)
    assert result.statements == ("alter extension \"pg_trgm\" update to '1.4';",)
    assert header_changes(result.text) == ["extensions: 1 changed (pg_trgm)"]
    with_standin(target_db)
    applied = run_cli("--project", str(project.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    with psycopg.connect(target_db) as conn:
        found = conn.execute("select extversion from pg_extension where extname = 'pg_trgm'")
        assert found.fetchall() == [("1.4",)]
    assert drift(project, target_db, shadow_url=server_url).statements == ()


def test_unpinned_versions_are_never_written(tmp_path: Path, server_url: str) -> None:
    """Created without a version on both sides: a column added beside it is all there
    is (no extension statement, no header line)."""
    project = migrations_project(
        tmp_path,
        trgm(None) + TABLE.format(", name text"),
        {"20240101000000_before.sql": trgm(None) + TABLE.format("")},
    )
    result = generate_migration(project, "column", shadow_url=server_url, now=FIXED_NOW)
    assert result.statements == ('alter table "public"."contacts" add column "name" text;',)
    assert header_changes(result.text) == [
        "tables: 1 changed (public.contacts)",
        "columns: 1 added (public.contacts.name)",
    ]


def test_a_pin_removed_goes_back_to_the_default(tmp_path: Path, server_url: str) -> None:
    project = migrations_project(
        tmp_path,
        trgm(None) + TABLE.format(""),
        {"20240101000000_before.sql": trgm("1.4") + TABLE.format("")},
    )
    result = generate_migration(project, "unpin", shadow_url=server_url, now=FIXED_NOW)
    default = default_version(server_url, "pg_trgm")
    assert result.statements == (f"alter extension \"pg_trgm\" update to '{default}';",)


def test_drift_compares_only_the_versions_schema_pins(
    tmp_path: Path, server_url: str, target_db: str
) -> None:
    """A live database's own extension version (its server's) is no drift; a version
    schema/ pins is."""
    with_standin(target_db)
    # the owner, as migrations run
    with psycopg.connect(target_db) as conn, acting_as(conn, "postgres"):
        conn.execute(trgm("1.3") + TABLE.format(""))
    unpinned = migrations_project(tmp_path / "unpinned", trgm(None) + TABLE.format(""))
    assert drift(unpinned, target_db, shadow_url=server_url).statements == ()
    pinned = migrations_project(tmp_path / "pinned", trgm("1.4") + TABLE.format(""))
    assert drift(pinned, target_db, shadow_url=server_url).statements == (
        "alter extension \"pg_trgm\" update to '1.4';",
    )
