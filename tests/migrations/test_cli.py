"""`schemactl diff`, `status`, `drift` and `up` on the command line (in-process)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from schemactl.config import Project
from schemactl.diff import engine as diff_engine
from schemactl.pg import local_database as local_db
from tests.support.cli import CliResult

from .helpers import history, rows, run_cli, with_standin

SCHEMA = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null,
    pinned boolean not null default false
);

alter table public.notes enable row level security;

create policy notes_read on public.notes for select to authenticated using (true);

revoke all on public.notes from anon, authenticated, service_role;
grant select on public.notes to authenticated;
"""
INITIAL = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null,
    pinned boolean not null default false
);

alter table public.notes enable row level security;

create policy notes_read on public.notes for select to authenticated using (true);

revoke all on table public.notes from anon, authenticated, service_role;
grant select on table public.notes to authenticated;
revoke all on sequence public.notes_id_seq from anon, authenticated, service_role;
grant all on sequence public.notes_id_seq to anon, authenticated, service_role;
"""
FILE_NAME = re.compile(r"supabase/migrations/(\d{14})_add_color\.sql")


HISTORY = {"20250101000000_initial.sql": INITIAL}


def diff(project: Project, server_url: str, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("--project", str(project.root), "diff", *args, "--dev-url", server_url)


def apply_cli(project: Project, target_db: str) -> CliResult:
    return run_cli("--project", str(project.root), "apply", "--db-url", target_db)


def drift_cli(project: Project, target_db: str, server_url: str) -> CliResult:
    return run_cli(
        "--project", str(project.root), "drift", "--db-url", target_db, "--dev-url", server_url
    )


def test_diff_check_passes_when_the_migrations_produce_the_schema(
    project_with_history: Project, server_url: str
) -> None:
    result = diff(project_with_history, server_url, "--check")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "supabase/migrations/ (1 migrations) matches schema/\n",
        "",
    )


def test_diff_writes_a_migration_then_check_passes(
    project_with_history: Project, server_url: str
) -> None:
    schema = project_with_history.schema_dir / "schema.sql"
    schema.write_text(
        schema.read_text().replace(
            "pinned boolean not null default false",
            "pinned boolean not null default false,\n    color text",
        )
    )
    check = diff(project_with_history, server_url, "--check")
    assert check.exit_code == 1
    assert check.stderr == (
        "error: supabase/migrations/ does not match schema/: 1 statement(s) missing: alter "
        'table "public"."notes" add column "color" text (run `schemactl diff NAME` to '
        "write the migration, review and commit it)\n"
    )
    written = diff(project_with_history, server_url, "add_color")
    assert written.exit_code == 0, written.stderr
    match = FILE_NAME.search(written.stdout)
    assert match is not None
    text = (project_with_history.root / match.group(0)).read_text()
    assert written.stdout.startswith(text.split("\n\n", 1)[0] + "\n")
    assert text.endswith('\n\nalter table "public"."notes" add column "color" text;\n')
    assert "--   columns: 1 added (public.notes.color)\n" in text
    assert diff(project_with_history, server_url, "--check").exit_code == 0
    again = diff(project_with_history, server_url, "nothing_new")
    assert (again.exit_code, again.stdout) == (
        0,
        "no changes: supabase/migrations/ already matches schema/ (nothing written)\n",
    )
    assert len(list(project_with_history.migrations_dir.iterdir())) == 2


def test_a_destructive_change_is_refused_without_the_flag(
    project_with_history: Project, server_url: str
) -> None:
    schema = project_with_history.schema_dir / "schema.sql"
    schema.write_text(
        schema.read_text().replace(",\n    pinned boolean not null default false", "")
    )
    refused = diff(project_with_history, server_url, "drop_pinned")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: refusing to write a migration that deletes data: `alter table "
        '"public"."notes" drop column "pinned";` drops column public.notes.pinned and '
        "its values (if that is intended, run again with --allow-destructive; otherwise put "
        "the object back in schema/)\n"
    )
    assert [p.name for p in project_with_history.migrations_dir.iterdir()] == [
        "20250101000000_initial.sql"
    ]
    allowed = diff(project_with_history, server_url, "drop_pinned", "--allow-destructive")
    assert allowed.exit_code == 0
    assert "-- Deletes data (written with --allow-destructive)\n--   line " in allowed.stdout
    assert "drops column public.notes.pinned and its values\n" in allowed.stdout


@pytest.mark.parametrize("name", ["Add-Notes", "add notes", "1st", "add__notes", ""])
def test_diff_names_must_be_lowercase_snake_case(
    project_with_history: Project, server_url: str, name: str
) -> None:
    result = diff(project_with_history, server_url, name)
    assert result.exit_code == 2
    if name:
        assert result.stderr == (
            f"error: invalid migration name {name!r}: use lowercase snake_case (letters, "
            "digits and single underscores, starting with a letter, at most 100 characters) "
            "(e.g. `schemactl diff add_deal_notes`)\n"
        )
    else:
        assert "NAME is required unless --check" in result.stderr


def test_status_shows_each_state(project_with_history: Project, target_db: str) -> None:
    with_standin(target_db)
    (project_with_history.migrations_dir / "20250102000000_add_color.sql").write_text(
        "alter table public.notes add column color text;\n"
    )
    applied = run_cli(
        "--project",
        str(project_with_history.root),
        "apply",
        "--db-url",
        target_db,
        "--target",
        "20250101000000",
    )
    assert applied.stdout.splitlines()[1:] == [
        "applied 20250101000000_initial.sql",
        "applied 1 migration(s); 0 already applied",
    ]
    with psycopg.connect(target_db) as conn:
        conn.execute(
            "insert into supabase_migrations.schema_migrations (version, name) "
            "values ('20240101000000', 'elsewhere')"
        )
    result = run_cli("--project", str(project_with_history.root), "status", "--db-url", target_db)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: not up to date: 1 unknown (not in supabase/migrations), 1 pending (run "
        "`schemactl apply` for pending ones; an applied migration must not change)\n"
    )
    table = [
        re.split(r"\s*[│┃]\s*", line.strip("│┃ "))
        for line in result.stdout.splitlines()
        if line.startswith(("│", "┃"))
    ]
    assert table == [
        ["version", "name", "state"],
        ["20240101000000", "elsewhere", "unknown (not in supabase/migrations)"],
        ["20250101000000", "initial", "applied"],
        ["20250102000000", "add_color", "pending"],
    ]


def test_status_exits_0_only_when_every_migration_is_applied_and_unchanged(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    status = ("--project", str(project_with_history.root), "status", "--db-url", target_db)
    pending = run_cli(*status)
    assert (pending.exit_code, pending.stderr) == (
        1,
        "error: not up to date: 1 pending (run `schemactl apply` for pending ones; an "
        "applied migration must not change)\n",
    )
    assert apply_cli(project_with_history, target_db).exit_code == 0
    current = run_cli(*status)
    assert (current.exit_code, current.stderr) == (0, "")
    migration = project_with_history.migrations_dir / "20250101000000_initial.sql"
    migration.write_text(migration.read_text() + "\ncomment on table public.notes is 'x';\n")
    changed = run_cli(*status)
    assert (changed.exit_code, changed.stderr) == (
        1,
        "error: not up to date: 1 changed since applied (run `schemactl apply` for pending "
        "ones; an applied migration must not change)\n",
    )


def test_drift_finds_a_column_added_by_hand(
    project_with_history: Project, target_db: str, server_url: str
) -> None:
    with_standin(target_db)
    assert apply_cli(project_with_history, target_db).exit_code == 0
    clean = drift_cli(project_with_history, target_db, server_url)
    assert (clean.exit_code, clean.stdout) == (0, "no drift: the database matches schema/\n")
    with psycopg.connect(target_db) as conn:
        conn.execute("alter table public.notes add column added_by_hand text")
        conn.execute("create schema storage")
        conn.execute("create table storage.objects (id int)")
    found = drift_cli(project_with_history, target_db, server_url)
    assert found.exit_code == 1
    assert found.stdout == 'alter table "public"."notes" drop column "added_by_hand";\n'
    assert found.stderr == (
        "error: drift: 1 statement(s) would bring the database to schema/ (put the change in "
        "a migration (`schemactl diff NAME`) or undo the manual change)\n"
    )


def test_drift_sees_grants_and_policies_changed_by_hand(
    project_with_history: Project, target_db: str, server_url: str
) -> None:
    with_standin(target_db)
    apply_cli(project_with_history, target_db)
    with psycopg.connect(target_db) as conn:
        conn.execute("grant select on public.notes to anon")
        conn.execute("drop policy notes_read on public.notes")
    found = drift_cli(project_with_history, target_db, server_url)
    assert found.exit_code == 1
    assert found.stdout.split("\n\n") == [
        'create policy "notes_read"\non "public"."notes"\nas permissive\nfor select\n'
        "to authenticated\nusing (true);",
        "revoke all on table public.notes from anon;\n",
    ]


def test_up_applies_the_migrations_then_the_seeds(
    project_with_history: Project, target_db: str
) -> None:
    (project_with_history.root / "seeds").mkdir()
    (project_with_history.root / "seeds" / "010_notes.sql").write_text(
        "insert into public.notes (body) select 'welcome' "
        "where not exists (select from public.notes);\n"
    )
    first = run_cli("--project", str(project_with_history.root), "up", "--db-url", target_db)
    assert first.exit_code == 0, first.stderr
    assert "1 migration(s) applied: 20250101000000_initial.sql" in first.stdout
    assert history(target_db) == [("20250101000000", "initial")]
    assert rows(target_db, "select body from public.notes") == [("welcome",)]
    again = run_cli("--project", str(project_with_history.root), "up", "--db-url", target_db)
    assert (again.exit_code, again.stderr) == (0, "")
    assert "migrations up to date" in again.stdout
    assert rows(target_db, "select body from public.notes") == [("welcome",)]


def test_no_drift_on_a_project_without_default_privileges(
    project_with_history: Project, target_db: str, server_url: str
) -> None:
    """A Supabase project in the opt-in mode: the stand-in's legacy default privileges of
    the shadow database are not what schema/ describes, so they are not drift."""
    with_standin(target_db, "opt-in")
    assert apply_cli(project_with_history, target_db).exit_code == 0
    clean = drift_cli(project_with_history, target_db, server_url)
    assert (clean.exit_code, clean.stdout) == (0, "no drift: the database matches schema/\n")


def test_this_projects_migrations_produce_its_schema(server_url: str) -> None:
    """The CI gate on the repository itself: supabase/migrations/ replays to schema/."""
    root = Path(__file__).resolve().parents[2]
    result = run_cli("--project", str(root), "diff", "--check", "--dev-url", server_url)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr


def test_diff_on_the_up_server_keeps_its_shadows_and_their_states(
    project_with_history: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `schemactl up` running, `diff` prepares its shadow databases there once and
    keeps them, with their catalog states: an unchanged second `diff` reads no catalog."""
    try:
        assert run_cli("--project", str(project_with_history.root), "up").exit_code == 0
        first = run_cli("--project", str(project_with_history.root), "diff", "--check")
        assert (first.exit_code, first.stderr) == (0, "")
        assert len(list((project_with_history.state_dir / "shadow-states").glob("*.pickle"))) == 2

        def no_catalog_reads(*args: object, **kwargs: object) -> None:
            raise AssertionError("the catalog was read again")

        monkeypatch.setattr(diff_engine, "inspect", no_catalog_reads)
        second = run_cli("--project", str(project_with_history.root), "diff", "--check")
        assert (second.exit_code, second.stdout) == (
            0,
            "supabase/migrations/ (1 migrations) matches schema/\n",
        )
    finally:
        local_db.remove(project_with_history)


def test_diff_names_the_schema_statement_that_does_not_apply(
    project_with_history: Project, server_url: str
) -> None:
    schema = project_with_history.schema_dir / "schema.sql"
    schema.write_text(
        schema.read_text() + "\ncreate index notes_colour_idx on public.notes (colour);\n"
    )
    result = diff(project_with_history, server_url, "add_index")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: schema/schema.sql:14:1: schema/ does not apply to a fresh database: column "
        '"colour" does not exist [42703] (nothing was applied: fix the statement and run '
        "again)\n"
    )


def test_diff_names_the_migration_statement_that_does_not_replay(
    project_with_history: Project, server_url: str
) -> None:
    (project_with_history.migrations_dir / "20250102000000_broken.sql").write_text(
        "alter table public.notes add column color text;\n\n"
        "alter table public.notes add column color text;\n"
    )
    result = diff(project_with_history, server_url, "--check")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: supabase/migrations/20250102000000_broken.sql:3:1: supabase/migrations/ does "
        'not apply to a fresh database: column "color" of relation "notes" already '
        "exists [42701] (a committed migration must apply to a fresh database: fix it if no database "
        "has applied it yet, else add a migration that repairs it)\n"
    )


def test_up_says_when_schema_has_changes_no_migration_has(
    project_with_history: Project, target_db: str
) -> None:
    schema = project_with_history.schema_dir / "schema.sql"
    schema.write_text(
        schema.read_text().replace(
            "pinned boolean not null default false",
            "pinned boolean not null default false,\n    color text",
        )
    )
    result = run_cli("--project", str(project_with_history.root), "up", "--db-url", target_db)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == target_db
    assert result.stderr.endswith(
        "warning: the database has supabase/migrations/, but supabase/migrations/ does not "
        'match schema/: 1 statement(s) missing: alter table "public"."notes" add column '
        '"color" text; run `schemactl diff NAME` to write the migration, then `schemactl up` '
        "again\n"
    ), result.stderr


@pytest.mark.parametrize("grant_mode", ["legacy", "opt-in"])
def test_up_is_quiet_when_the_migrations_match_schema_in_either_grant_mode(
    project_with_history: Project, target_db: str, grant_mode: str
) -> None:
    """The comparison is the one `diff --check` makes, in shadow databases: the target's
    own grant mode (its default privileges) is never mistaken for a change."""
    result = run_cli(
        "--project",
        str(project_with_history.root),
        "up",
        "--db-url",
        target_db,
        "--grant-mode",
        grant_mode,
    )
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
