"""The real Supabase CLI (npm `supabase`, pinned in .ci/run) against this project's
migrations on a throwaway database: `supabase db push` applies them all, `migration list`
shows each as applied locally and remotely, the statements it records are the pieces our
transcription of its splitter cuts (`schemactl.source.supabase_split`), and a history made
half by `schemactl apply` and half by `supabase db push` (either way round) ends in the
state the CLI alone reaches: both tools read and write supabase_migrations.schema_migrations."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from access.test_advisors import SUPABASE_CLI, cli_url
from schemactl import api
from schemactl.config import Project, load_project
from schemactl.migrations.apply import State
from schemactl.migrations.files import read_migrations
from schemactl.pg.databases import Server, create_database, drop_database, unique_name
from schemactl.source.supabase_split import cli_statements

from .helpers import rows, with_standin

REPOSITORY = Path(__file__).resolve().parents[2]
MIGRATIONS = sorted((REPOSITORY / "supabase" / "migrations").glob("*.sql"))
HALF = len(MIGRATIONS) // 2

# What the migrations leave in the database, in a form two databases can be compared by.
STATE = """
select 'column', format('%I.%I.%I %s %s', c.table_schema, c.table_name, c.column_name,
                        c.data_type, c.is_nullable)
from information_schema.columns as c
where c.table_schema in ('public', 'private', 'supabase_migrations')
union all
select 'function', format('%s %s', p.oid::regprocedure, md5(p.prosrc))
from pg_proc as p
where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
union all
select 'policy', format('%I.%I %s', schemaname, tablename, policyname) from pg_policies
union all
select 'trigger', format('%s %s', t.tgrelid::regclass, t.tgname)
from pg_trigger as t where not t.tgisinternal
union all
select 'history', format('%s %s %s', version, name, md5(statements::text))
from supabase_migrations.schema_migrations
order by 1, 2
"""


@pytest.fixture(scope="module")
def supabase() -> str:
    found = shutil.which("supabase")
    if found is None:
        pytest.skip(SUPABASE_CLI)
    return found


def cli(supabase: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [supabase, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def project_with(root: Path, migrations: list[Path]) -> Project:
    """This project's configuration with ``migrations`` only (what the CLI and
    `schemactl apply` read)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPOSITORY / "pyproject.toml", root / "pyproject.toml")
    (root / "schema").mkdir(exist_ok=True)
    directory = root / "supabase" / "migrations"
    directory.mkdir(parents=True, exist_ok=True)
    for path in migrations:
        shutil.copy(path, directory / path.name)
    return load_project(root)


def push(supabase: str, project: Project, url: str) -> None:
    result = cli(supabase, project.root, "db", "push", "--yes", f"--remote={cli_url(url)}")
    assert "Finished supabase db push." in result.stdout + result.stderr


def listed(supabase: str, project: Project, url: str) -> list[tuple[str, str]]:
    result = cli(
        supabase,
        project.root,
        "migration",
        "list",
        f"--remote={cli_url(url)}",
        "--output-format",
        "json",
    )
    report = json.loads(result.stdout)
    return [(m["local"], m["remote"]) for m in report["migrations"]]


def versions(paths: list[Path]) -> list[str]:
    return [path.name.split("_", 1)[0] for path in paths]


def test_db_push_applies_every_migration_as_we_split_it(
    supabase: str, tmp_path: Path, target_db: str
) -> None:
    with_standin(target_db)
    project = project_with(tmp_path / "project", MIGRATIONS)
    assert listed(supabase, project, target_db) == [(v, "") for v in versions(MIGRATIONS)]

    push(supabase, project, target_db)

    assert listed(supabase, project, target_db) == [(v, v) for v in versions(MIGRATIONS)]
    recorded = {
        version: (name, statements)
        for version, name, statements in rows(
            target_db, "select version, name, statements from supabase_migrations.schema_migrations"
        )
    }
    assert recorded == {
        m.version: (m.name, cli_statements(m.text)) for m in read_migrations(project)
    }
    assert {s.state for s in api.status(project, target_db)} == {State.APPLIED}


@pytest.fixture(scope="module")
def cli_only_state(
    supabase: str, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[str, str]]:
    """What a database the CLI alone migrated holds."""
    name = unique_name("cli_only")
    create_database(server, name)
    try:
        url = server.url(name)
        with_standin(url)
        push(supabase, project_with(tmp_path_factory.mktemp("cli_only"), MIGRATIONS), url)
        return rows(url, STATE)
    finally:
        drop_database(server, name)


@pytest.mark.parametrize(
    "schemactl_first", [True, False], ids=["apply_then_push", "push_then_apply"]
)
def test_a_history_made_by_both_tools_ends_where_the_cli_alone_does(
    supabase: str,
    tmp_path: Path,
    target_db: str,
    cli_only_state: list[tuple[str, str]],
    schemactl_first: bool,
) -> None:
    """Half the migrations by one tool, the rest by the other; compared with a database
    the CLI alone migrated (columns, functions, policies, triggers and the history, the
    statements it records included)."""
    with_standin(target_db)
    first = project_with(tmp_path / "first", MIGRATIONS[:HALF])
    every = project_with(tmp_path / "every", MIGRATIONS)
    half = [(v, v if i < HALF else "") for i, v in enumerate(versions(MIGRATIONS))]
    if schemactl_first:
        assert [m.version for m in api.apply(first, target_db).applied] == versions(
            MIGRATIONS[:HALF]
        )
        assert listed(supabase, every, target_db) == half
        push(supabase, every, target_db)
    else:
        push(supabase, first, target_db)
        assert listed(supabase, every, target_db) == half
        assert [s.state for s in api.status(every, target_db)] == [State.APPLIED] * HALF + [
            State.PENDING
        ] * (len(MIGRATIONS) - HALF)
        assert [m.version for m in api.apply(every, target_db).applied] == versions(
            MIGRATIONS[HALF:]
        )
    assert listed(supabase, every, target_db) == [(v, v) for v in versions(MIGRATIONS)]
    assert {s.state for s in api.status(every, target_db)} == {State.APPLIED}
    assert rows(target_db, STATE) == cli_only_state
