"""Constraints added to tables that hold rows (migrations.online): `diff` adds them
NOT VALID and writes a follow-up migration that validates them in a transaction of its
own; applied to a database with rows, both succeed, or the follow-up fails alone on a row
that breaks the constraint, while new rows are already checked."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.config import Project

from .helpers import history, rows, run_cli, with_standin

INITIAL = """
create table public.pipelines (id bigint primary key);
create table public.stages (
    id bigint primary key,
    pipeline_id bigint,
    probability integer,
    name text
);
"""
SCHEMA = """
create table public.pipelines (id bigint primary key);
create table public.stages (
    id bigint primary key,
    pipeline_id bigint references public.pipelines (id),
    probability integer check (probability between 0 and 100),
    name text not null
);
create index stages_pipeline_id_idx on public.stages (pipeline_id);
"""


HISTORY = {"20250101000000_initial.sql": INITIAL}


def _diff_and_seed(project: Project, server_url: str, target_db: str, stage: str) -> None:
    written = run_cli(
        "--project", str(project.root), "diff", "stage_rules", "--dev-url", server_url
    )
    assert written.exit_code == 0, written.stderr
    assert [p.name.split("_", 1)[1] for p in sorted(project.migrations_dir.iterdir())] == [
        "initial.sql",
        "stage_rules.sql",
        "stage_rules_validate.sql",
    ]
    with_standin(target_db)
    initial = run_cli(
        "--project", str(project.root), "apply", "--db-url", target_db, "--target", "20250101000000"
    )
    assert initial.exit_code == 0, initial.stderr
    with psycopg.connect(target_db, autocommit=True) as conn:
        conn.execute("insert into public.pipelines values (1)")
        conn.execute(f"insert into public.stages values {stage}")


def test_both_migrations_apply_to_rows_that_keep_the_rules(
    project_with_history: Project, server_url: str, target_db: str
) -> None:
    _diff_and_seed(project_with_history, server_url, target_db, "(1, 1, 50, 'Lead')")
    applied = run_cli("--project", str(project_with_history.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 0, applied.stderr
    assert [name for _, name in history(target_db)] == [
        "initial",
        "stage_rules",
        "stage_rules_validate",
    ]
    assert rows(
        target_db,
        "select conname, convalidated from pg_constraint "
        "where conrelid = 'public.stages'::regclass and contype in ('c', 'f') order by 1",
    ) == [("stages_pipeline_id_fkey", True), ("stages_probability_check", True)]
    assert rows(
        target_db,
        "select attnotnull from pg_attribute "
        "where attrelid = 'public.stages'::regclass and attname = 'name'",
    ) == [(True,)]
    check = run_cli(
        "--project", str(project_with_history.root), "diff", "--check", "--dev-url", server_url
    )
    assert check.exit_code == 0, check.stderr


def test_a_row_breaking_a_rule_fails_only_the_follow_up(
    project_with_history: Project, server_url: str, target_db: str
) -> None:
    _diff_and_seed(project_with_history, server_url, target_db, "(1, 1, 150, 'Lead')")
    applied = run_cli("--project", str(project_with_history.root), "apply", "--db-url", target_db)
    assert applied.exit_code == 2
    assert (
        'stage_rules_validate.sql failed at statement 4 (`alter table "public"."stages" '
        'validate constraint "stages_probability_check"`): check constraint '
        '"stages_probability_check" of relation "stages" is violated by some row [23514]; '
        "it was rolled back, nothing of it is applied"
    ) in applied.stderr
    assert [name for _, name in history(target_db)] == ["initial", "stage_rules"]
    assert rows(
        target_db,
        "select conname, convalidated from pg_constraint "
        "where conrelid = 'public.stages'::regclass and contype in ('c', 'f') order by 1",
    ) == [
        ("stages_name_not_null", False),
        ("stages_pipeline_id_fkey", False),
        ("stages_probability_check", False),
    ]
    with psycopg.connect(target_db, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            conn.execute("insert into public.stages values (2, 1, 200, 'Won')")
        assert refused.value.diag.constraint_name == "stages_probability_check"
        with pytest.raises(psycopg.errors.CheckViolation) as unnamed:
            conn.execute("insert into public.stages values (3, 1, 10, null)")
        assert unnamed.value.diag.constraint_name == "stages_name_not_null"
        conn.execute("update public.stages set probability = 100 where id = 1")
    again = run_cli("--project", str(project_with_history.root), "apply", "--db-url", target_db)
    assert again.exit_code == 0, again.stderr
    assert [name for _, name in history(target_db)][-1] == "stage_rules_validate"
