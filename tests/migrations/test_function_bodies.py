"""Function bodies are checked against the built schema when `diff` builds schema/: a SQL
body naming a column that does not exist fails at its file:line (it used to pass build,
lint, diff and apply and fail at call time)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
