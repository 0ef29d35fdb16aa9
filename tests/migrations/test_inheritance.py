"""Inheritance children: a column a child only inherits (attislocal false) goes when its
parent drops it, one the child defines too stays. `diff` creates a new child with only
its own columns, and `diff --check` and `drift` report a child whose inherited columns
are its own in one database and not in the other (no ALTER changes that)."""

from __future__ import annotations

from pathlib import Path

import psycopg

from schemactl.migrations.from_schema import drift, generate_migration
from schemactl.testing import acting_as

from .helpers import FIXED_NOW, migrations_project, rows, run_cli, with_standin

PARENT = "create table public.events (id bigint primary key, at timestamptz not null);\n"
CHILD = "create table public.logins ({columns}) inherits (public.events);\n"
LOCAL_COLUMNS = "id bigint, at timestamptz not null, ip inet"
LOCAL = "select attname::text, attislocal from pg_attribute where attrelid = 'public.logins'::regclass and attnum > 0 order by attnum"


def test_a_new_child_is_created_with_its_own_columns_only(
    tmp_path: Path, server_url: str, target_db: str
) -> None:
    project = migrations_project(
        tmp_path,
        PARENT + CHILD.format(columns="ip inet"),
        {"20240101000000_events.sql": PARENT},
    )
    result = generate_migration(project, "logins", shadow_url=server_url, now=FIXED_NOW)
    assert result.statements[0] == (
        'create table "public"."logins" (\n    "ip" inet\n) inherits ("public"."events");'
    )
    with_standin(target_db)
    applied = run_cli("--project", str(project.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    assert rows(target_db, LOCAL) == [("id", False), ("at", False), ("ip", True)]


def test_check_and_drift_see_inherited_columns_made_local(
    tmp_path: Path, server_url: str, target_db: str
) -> None:
    """The migrations create the child with its parent's columns written out (so they
    are its own), schema/ without: same columns, different behaviour."""
    project = migrations_project(
        tmp_path,
        PARENT + CHILD.format(columns="ip inet"),
        {"20240101000000_events.sql": PARENT + CHILD.format(columns=LOCAL_COLUMNS)},
    )
    check = run_cli("--project", str(project.root), "diff", "--check", "--dev-url", server_url)
    assert (check.exit_code, check.stderr) == (
        1,
        "error: supabase/migrations/ does not match schema/: inherited column "
        "public.logins.at: defined by the table itself instead of only inherited (no ALTER "
        "changes that: re-create the table, or its column, by hand) (and 1 more) (write "
        "that migration by hand, then run `schemactl diff --check` again)\n",
    )
    with_standin(target_db)
    applied = run_cli("--project", str(project.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    assert drift(project, target_db, shadow_url=server_url).statements == tuple(
        f"-- inherited column public.logins.{column}: defined by the table itself instead "
        "of only inherited (no ALTER changes that: re-create the table, or its column, by "
        "hand)"
        for column in ("at", "id")
    )
    with psycopg.connect(target_db) as conn:
        conn.execute("drop table public.logins")
        with acting_as(conn, "postgres"):
            conn.execute(CHILD.format(columns="ip inet"))
    assert drift(project, target_db, shadow_url=server_url).statements == ()
