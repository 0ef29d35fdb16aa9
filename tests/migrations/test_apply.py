"""`schemactl apply`: pending migrations in order, one transaction each, under an advisory
lock, with the Supabase CLI's history table."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from schemactl import api
from schemactl.config import Project
from schemactl.errors import SchemactlError
from schemactl.migrations.apply import State
from schemactl.source.supabase_split import cli_statements
from schemactl.testing import acting_as

from .helpers import (
    history,
    relation_exists,
    rows,
    with_standin,
    write_migration,
)

SCHEMA = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null
);
"""
FIRST = """
-- The first migration.
create table public.apply_log (migration text not null);

create table public.notes (
    id bigint generated always as identity primary key,
    body text not null
);

insert into public.apply_log values ('first');
"""
SECOND = """
alter table public.notes add column pinned boolean not null default false;

select pg_sleep(0.3);

insert into public.apply_log values ('second');
"""


HISTORY = {"20250101000000_first.sql": FIRST, "20250102000000_second.sql": SECOND}


def test_apply_runs_pending_migrations_in_order_and_records_them(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    result = api.apply(project_with_history, target_db)
    assert [m.filename for m in result.applied] == [
        "20250101000000_first.sql",
        "20250102000000_second.sql",
    ]
    assert history(target_db) == [("20250101000000", "first"), ("20250102000000", "second")]
    assert rows(target_db, "select migration from public.apply_log") == [("first",), ("second",)]
    assert rows(target_db, "select tableowner from pg_tables where tablename = 'notes'") == [
        ("postgres",)
    ]
    again = api.apply(project_with_history, target_db)
    assert (again.applied, again.up_to_date) == ((), ("20250101000000", "20250102000000"))


def test_history_is_recorded_as_the_supabase_cli_does(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    api.apply(project_with_history, target_db)
    columns = rows(
        target_db,
        """
        select column_name, data_type, is_nullable from information_schema.columns
        where table_schema = 'supabase_migrations' and table_name = 'schema_migrations'
        order by ordinal_position""",
    )
    assert columns == [
        ("version", "text", "NO"),
        ("statements", "ARRAY", "YES"),
        ("name", "text", "YES"),
    ]
    assert rows(
        target_db,
        "select statements from supabase_migrations.schema_migrations "
        "where version = '20250101000000'",
    ) == [
        (
            [
                "-- The first migration.\ncreate table public.apply_log (migration text not null)",
                "create table public.notes (\n    id bigint generated always as identity primary "
                "key,\n    body text not null\n)",
                "insert into public.apply_log values ('first')",
            ],
        )
    ]
    assert rows(
        target_db,
        "select schema_owner from information_schema.schemata "
        "where schema_name = 'supabase_migrations'",
    ) == [("postgres",)]


def test_two_concurrent_applies_apply_each_migration_exactly_once(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    command = [
        str(Path(sys.executable).parent / "schemactl"),
        "--project",
        str(project_with_history.root),
        "apply",
        "--db-url",
        target_db,
    ]
    environment = {**os.environ, "SCHEMACTL_DB_URL": ""}
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    second = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    outputs = [process.communicate(timeout=120) for process in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    summaries = sorted(out.strip().splitlines()[-1] for out, _ in outputs)
    assert summaries == [
        "applied 0 migration(s); 2 already applied",
        "applied 2 migration(s); 0 already applied",
    ]
    assert rows(
        target_db, "select migration, count(*) from public.apply_log group by migration order by 1"
    ) == [("first", 1), ("second", 1)]
    assert history(target_db) == [("20250101000000", "first"), ("20250102000000", "second")]


def test_a_failing_migration_leaves_no_trace_and_names_the_statement(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    write_migration(
        project_with_history,
        "20250103000000_broken.sql",
        """
        create table public.tags (id int primary key);

        insert into public.notes (body, colour)
        values ('first note', 'red');
        """,
    )
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    error = caught.value
    assert str(error.location) == "supabase/migrations/20250103000000_broken.sql:3:33"
    assert error.message == (
        "migration 20250103000000_broken.sql failed at statement 2 (`insert into "
        'public.notes (body, colour)`): column "colour" of relation "notes" does not '
        "exist [42703]; it was rolled back, nothing of it is applied"
    )
    assert not relation_exists(target_db, "public.tags")
    assert history(target_db) == [("20250101000000", "first"), ("20250102000000", "second")]


def test_a_migration_changed_after_it_was_applied_is_refused(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    api.apply(project_with_history, target_db)
    path = project_with_history.migrations_dir / "20250102000000_second.sql"
    path.write_text(path.read_text().replace("default false", "default true"))
    write_migration(
        project_with_history, "20250103000000_third.sql", "create table public.third (id int);"
    )
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    assert caught.value.message == (
        "supabase/migrations/20250102000000_second.sql was changed after it was applied to "
        "this database: statement 1 (line 1) differs from the applied one"
    )
    assert caught.value.hint is not None and "schemactl diff NAME" in caught.value.hint
    assert not relation_exists(target_db, "public.third")
    states = {s.version: s.state for s in api.status(project_with_history, target_db)}
    assert states == {
        "20250101000000": State.APPLIED,
        "20250102000000": State.CHANGED,
        "20250103000000": State.PENDING,
    }


def test_a_changed_function_body_is_a_change_though_its_fingerprint_is_not(
    project_with_history: Project, target_db: str
) -> None:
    """pglast's fingerprint ignores constants (a function body is one); the comparison
    uses its canonical deparse instead."""
    with_standin(target_db)
    write_migration(
        project_with_history,
        "20250103000000_function.sql",
        """
        create function public.answer() returns int language sql as $$ select 42 $$;
        """,
    )
    api.apply(project_with_history, target_db)
    path = project_with_history.migrations_dir / "20250103000000_function.sql"
    path.write_text(path.read_text().replace("42", "43"))
    assert {s.version: s.state for s in api.status(project_with_history, target_db)}[
        "20250103000000"
    ] is State.CHANGED


def test_reformatting_or_resplitting_an_applied_migration_is_not_a_change(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    api.apply(project_with_history, target_db)
    path = project_with_history.migrations_dir / "20250101000000_first.sql"
    path.write_text(
        "-- Reformatted.\nCREATE TABLE public.apply_log (\n    migration TEXT NOT "
        "NULL\n);\ncreate table public.notes (id bigint generated always as "
        "identity primary key, body text not null); insert into public.apply_log "
        "values ('first');\n"
    )
    with psycopg.connect(target_db) as conn:
        conn.execute(
            "update supabase_migrations.schema_migrations set statements = %s "
            "where version = '20250102000000'",
            [[SECOND.strip().replace(";\n\n", "; ")]],
        )
    assert [s.state for s in api.status(project_with_history, target_db)] == [
        State.APPLIED,
        State.APPLIED,
    ]
    assert api.apply(project_with_history, target_db).applied == ()


def test_a_database_migrated_by_the_supabase_cli_continues(
    project_with_history: Project, target_db: str
) -> None:
    """History written as `supabase db push` writes it (its own DDL, its statement
    splitting), then `schemactl apply` takes over."""
    with_standin(target_db)
    first = (project_with_history.migrations_dir / "20250101000000_first.sql").read_text()
    with psycopg.connect(target_db) as conn, acting_as(conn, "postgres"):
        conn.execute("SET lock_timeout = '4s'")
        conn.execute("CREATE SCHEMA IF NOT EXISTS supabase_migrations")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations "
            "(version text NOT NULL PRIMARY KEY)"
        )
        conn.execute(
            "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT "
            "EXISTS statements text[]"
        )
        conn.execute(
            "ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text"
        )
        for statement in cli_statements(first):
            conn.execute(statement)
        conn.execute(
            "INSERT INTO supabase_migrations.schema_migrations(version, name, "
            "statements) VALUES($1, $2, $3)".replace("$1", "%s")
            .replace("$2", "%s")
            .replace("$3", "%s"),
            ["20250101000000", "first", cli_statements(first)],
        )
    assert [s.state for s in api.status(project_with_history, target_db)] == [
        State.APPLIED,
        State.PENDING,
    ]
    result = api.apply(project_with_history, target_db)
    assert [m.version for m in result.applied] == ["20250102000000"]
    assert rows(target_db, "select migration from public.apply_log order by 1") == [
        ("first",),
        ("second",),
    ]


def test_a_version_unknown_locally_stops_the_apply(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    api.apply(project_with_history, target_db, target="20250101000000")
    with psycopg.connect(target_db) as conn:
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name) "
            "values ('20241231000000', 'from_another_branch')"
        )
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    assert caught.value.message == (
        "the database has applied migration(s) that are not in supabase/migrations/: 20241231000000"
    )
    assert history(target_db) == [
        ("20241231000000", "from_another_branch"),
        ("20250101000000", "first"),
    ]


def test_dry_run_and_target(project_with_history: Project, target_db: str) -> None:
    with_standin(target_db)
    planned = api.apply(project_with_history, target_db, dry_run=True)
    assert ([m.version for m in planned.applied], planned.dry_run) == (
        ["20250101000000", "20250102000000"],
        True,
    )
    assert not relation_exists(target_db, "supabase_migrations.schema_migrations")
    assert not relation_exists(target_db, "public.notes")
    partial = api.apply(project_with_history, target_db, target="20250101000000")
    assert [m.version for m in partial.applied] == ["20250101000000"]
    assert history(target_db) == [("20250101000000", "first")]
    with pytest.raises(SchemactlError, match="--target 20990101000000: no such migration"):
        api.apply(project_with_history, target_db, target="20990101000000")


def test_an_older_pending_migration_needs_include_all(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    api.apply(project_with_history, target_db)
    write_migration(
        project_with_history, "20250101120000_late.sql", "create table public.late (id int);"
    )
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    assert caught.value.message == (
        "pending migration(s) older than the last applied one "
        "(20250102000000): 20250101120000_late.sql"
    )
    assert [
        m.version for m in api.apply(project_with_history, target_db, include_all=True).applied
    ] == ["20250101120000"]


def test_transaction_control_in_a_migration_is_refused(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    write_migration(
        project_with_history,
        "20250103000000_tx.sql",
        "begin;\ncreate table public.x (id int);\ncommit;\n",
    )
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    assert (str(caught.value.location), caught.value.message) == (
        "supabase/migrations/20250103000000_tx.sql:1:1",
        "transaction control in a migration: each migration already runs in one transaction",
    )
    assert not relation_exists(target_db, "public.x")


def test_a_statement_refused_in_a_transaction_is_refused_in_a_migration(
    project_with_history: Project, target_db: str
) -> None:
    """Only concurrent index builds may make a migration run outside a transaction
    (test_concurrent_indexes.py); VACUUM may not."""
    with_standin(target_db)
    write_migration(project_with_history, "20250103000000_vacuum.sql", "vacuum public.notes;\n")
    with pytest.raises(SchemactlError) as caught:
        api.apply(project_with_history, target_db)
    assert (str(caught.value.location), caught.value.message) == (
        "supabase/migrations/20250103000000_vacuum.sql:1:1",
        "this statement cannot run inside a transaction, and a migration runs in one unless "
        "it holds only concurrent index builds",
    )
    assert history(target_db) == []


def test_apply_tells_postgrest_to_reload_its_schema(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    with psycopg.connect(target_db, autocommit=True) as listener:
        listener.execute("listen pgrst")
        api.apply(project_with_history, target_db)
        select.select([listener.fileno()], [], [], 5)
        notices = [(n.channel, n.payload) for n in listener.notifies(timeout=1, stop_after=1)]
    assert notices == [("pgrst", "reload schema")]
