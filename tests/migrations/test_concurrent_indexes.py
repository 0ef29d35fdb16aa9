"""A migration made only of concurrent index builds runs outside a transaction (as the
Supabase CLI runs them): applied statement by statement, recorded after the last; when
one fails, the indexes it built or left INVALID are dropped, so nothing of it stays. A
migration that mixes them with other statements is refused before anything runs."""

from __future__ import annotations

import psycopg

from schemactl.config import Project

from .helpers import history, rows, run_cli, with_standin

INITIAL = """
create table public.stages (id bigint primary key, name text, probability integer);
"""
SCHEMA = (
    INITIAL
    + """
create index stages_probability_idx on public.stages (probability);
create unique index stages_name_key on public.stages (name);
"""
)
CONCURRENT = """
-- Built without blocking writes: a migration of its own.
create index concurrently stages_probability_idx on public.stages (probability);

create unique index concurrently stages_name_key on public.stages (name);
"""
INDEXES = (
    "select c.relname, i.indisvalid from pg_index as i join pg_class as c on c.oid = "
    "i.indexrelid where i.indrelid = 'public.stages'::regclass order by 1"
)


HISTORY = {"20250101000000_initial.sql": INITIAL, "20250102000000_indexes.sql": CONCURRENT}


def _apply(project: Project, target_db: str, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("--project", str(project.root), "apply", "--db-url", target_db, *args)


def _seed(project: Project, target_db: str, names: tuple[str, str]) -> None:
    with_standin(target_db)
    assert _apply(project, target_db, "--target", "20250101000000").exit_code == 0
    with psycopg.connect(target_db, autocommit=True) as conn:
        conn.execute(
            "insert into public.stages values (1, %s, 10), (2, %s, 20)", [names[0], names[1]]
        )


def test_a_concurrent_migration_applies_outside_a_transaction_and_matches_schema(
    project_with_history: Project, server_url: str, target_db: str
) -> None:
    _seed(project_with_history, target_db, ("Lead", "Won"))
    applied = _apply(project_with_history, target_db)
    assert applied.exit_code == 0, applied.stderr
    assert [name for _, name in history(target_db)] == ["initial", "indexes"]
    assert rows(target_db, INDEXES) == [
        ("stages_name_key", True),
        ("stages_pkey", True),
        ("stages_probability_idx", True),
    ]
    check = run_cli(
        "--project", str(project_with_history.root), "diff", "--check", "--dev-url", server_url
    )
    assert (check.exit_code, check.stderr) == (0, "")


def test_a_failing_build_leaves_no_index_and_no_history(
    project_with_history: Project, target_db: str
) -> None:
    _seed(project_with_history, target_db, ("Lead", "Lead"))
    failed = _apply(project_with_history, target_db)
    assert failed.exit_code == 2
    assert (
        "migration 20250102000000_indexes.sql failed at statement 2 (`create unique index "
        "concurrently stages_name_key on public.stages (name)`): could not create unique "
        'index "stages_name_key" [23505]'
    ) in failed.stderr
    assert [name for _, name in history(target_db)] == ["initial"]
    assert rows(target_db, INDEXES) == [("stages_pkey", True)]

    with psycopg.connect(target_db, autocommit=True) as conn:
        conn.execute("update public.stages set name = 'Won' where id = 2")
    again = _apply(project_with_history, target_db)
    assert again.exit_code == 0, again.stderr
    assert [name for _, name in history(target_db)] == ["initial", "indexes"]


def test_concurrent_builds_beside_other_statements_are_refused(
    project_with_history: Project, target_db: str
) -> None:
    mixed = project_with_history.migrations_dir / "20250102000000_indexes.sql"
    mixed.write_text("alter table public.stages add column note text;\n" + CONCURRENT)
    with_standin(target_db)
    refused = _apply(project_with_history, target_db)
    assert refused.exit_code == 2
    assert refused.stderr.startswith(
        "error: supabase/migrations/20250102000000_indexes.sql:4:1: this statement cannot run "
        "inside a transaction, and a migration runs in one unless it holds only concurrent index builds (put "
        "concurrent index builds in a migration of their own"
    )
    assert history(target_db) == []
