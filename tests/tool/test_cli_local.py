"""`schemactl up / down / reset / seed` and the CLI's conventions, run in-process."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import psycopg
import pytest

from schemactl.cli import cli
from schemactl.config import load_project
from schemactl.pg import local_database as local_db
from schemactl.pg.databases import Server
from schemactl.pg.server import find_binaries

from .helpers import CliResult, copy_fixture_project, processes_using, run_cli

URL = re.compile(r"postgresql://postgres@127\.0\.0\.1:(\d+)/postgres")


@dataclass(frozen=True)
class LocalProject:
    """A copy of the tiny fixture project brought up once for this module: `first` is
    what that first `schemactl up` printed. Each test leaves it up, with only the seeds."""

    root: Path
    first: CliResult

    @property
    def url(self) -> str:
        return self.first.stdout.splitlines()[-1]


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalProject]:
    root = copy_fixture_project("tiny", tmp_path_factory.mktemp("local") / "tiny")
    try:
        yield LocalProject(root, up(root))
    finally:
        local_db.remove(load_project(root))


def up(root: Path, *args: str) -> CliResult:
    return run_cli(["--project", str(root), "up", *args])


def summary(result: CliResult) -> dict[str, str]:
    """The `up` summary as {row: value}: lines of `name  value` before the URL."""
    rows = [
        re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in result.stdout.splitlines()[:-1]
    ]
    return {row[0]: row[1] for row in rows if len(row) == 2}


def tags(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select id, name from public.tags order by id").fetchall()


def execute(url: str, query: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(query)


def test_up_creates_a_local_database_and_prints_its_url(local: LocalProject) -> None:
    binaries = find_binaries()
    assert (local.first.exit_code, local.first.stderr) == (0, "")
    assert summary(local.first) == {
        "server": f"created, {binaries.origin} (PostgreSQL {binaries.version})",
        "stand-in": "installed",
        "schema": "14 statements applied",
        "seeds": "1 statements",
    }
    assert URL.fullmatch(local.url)
    assert tags(local.url) == [(1, "work"), (2, "home")]
    with psycopg.connect(local.url) as conn:
        row = conn.execute(
            "select current_user, rolsuper from pg_roles where rolname = current_user"
        ).fetchone()
    assert row == ("postgres", False)


def test_second_up_reuses_the_database(local: LocalProject) -> None:
    execute(local.url, "insert into public.tags values (3, 'kept')")
    binaries = find_binaries()
    result = up(local.root)
    try:
        assert result.exit_code == 0
        assert summary(result) == {
            "server": f"reused, {binaries.origin} (PostgreSQL {binaries.version})",
            "stand-in": "already present / not needed",
            "schema": "0 statements applied",
            "seeds": "1 statements",
        }
        assert result.stdout.splitlines()[-1] == local.url
        assert tags(local.url) == [(1, "work"), (2, "home"), (3, "kept")]
    finally:
        execute(local.url, "delete from public.tags where id = 3")


def test_seed_is_idempotent(local: LocalProject) -> None:
    execute(local.url, "update public.tags set name = 'renamed' where id = 1")
    first = run_cli(["--project", str(local.root), "seed"])
    after_first = tags(local.url)
    second = run_cli(["--project", str(local.root), "seed"])
    assert (first.exit_code, first.stdout) == (0, "seeded (1 statements)\n")
    assert (second.exit_code, second.stdout) == (0, "seeded (1 statements)\n")
    assert after_first == tags(local.url) == [(1, "work"), (2, "home")]


def test_down_stops_the_server_and_up_restarts_it_with_its_data(local: LocalProject) -> None:
    state = local_db.read_state(load_project(local.root))
    assert state is not None
    assert len(processes_using(state.data_dir)) == 1
    execute(local.url, "insert into public.tags values (3, 'kept')")
    result = run_cli(["--project", str(local.root), "down"])
    assert (result.exit_code, result.stdout) == (0, "local database stopped\n")
    assert processes_using(state.data_dir) == []
    again = run_cli(["--project", str(local.root), "down"])
    assert (again.exit_code, again.stdout) == (0, "local database was not running\n")
    restarted = up(local.root)
    assert summary(restarted)["server"].startswith("reused, ")
    assert restarted.stdout.splitlines()[-1] == local.url  # same port, same URL
    assert tags(local.url) == [(1, "work"), (2, "home"), (3, "kept")]
    execute(local.url, "delete from public.tags where id = 3")


def record_bindir(root: Path, bindir: str, version: int | None = None) -> None:
    path = root / ".schemactl" / "server.json"
    state = json.loads(path.read_text())
    state["bindir"] = bindir
    if version is not None:
        state["version"] = version
    path.write_text(json.dumps(state))


def test_up_finds_binaries_again_after_they_moved(local: LocalProject) -> None:
    real = local_db.read_state(load_project(local.root))
    assert real is not None
    record_bindir(local.root, "/nonexistent/venv/pginstall/bin")
    result = up(local.root)
    assert (result.exit_code, result.stdout.splitlines()[-1]) == (0, local.url)
    again = local_db.read_state(load_project(local.root))
    assert again is not None
    assert (again.bindir, again.version) == (real.bindir, real.version)


def test_reset_recreates_the_database(local: LocalProject) -> None:
    execute(local.url, "insert into public.tags values (3, 'gone after reset')")
    result = run_cli(["--project", str(local.root), "reset"])
    assert result.exit_code == 0
    rows = summary(result)
    assert rows["server"].startswith("created, ")
    assert (rows["stand-in"], rows["schema"], rows["seeds"]) == (
        "installed",
        "14 statements applied",
        "1 statements",
    )
    assert tags(result.stdout.splitlines()[-1]) == [(1, "work"), (2, "home")]


def test_binaries_of_the_data_version_gone_is_one_line_and_reset_recovers(
    local: LocalProject,
) -> None:
    real = local_db.read_state(load_project(local.root))
    assert real is not None
    run_cli(["--project", str(local.root), "down"])
    record_bindir(local.root, "/nonexistent/bin", version=99)
    result = up(local.root)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: the local database was created with PostgreSQL 99, whose binaries are "
        "gone from /nonexistent/bin (install that version again, or run `schemactl reset` "
        "to start over)\n"
    )
    reset = run_cli(["--project", str(local.root), "reset"])
    assert reset.exit_code == 0
    assert tags(reset.stdout.splitlines()[-1]) == [(1, "work"), (2, "home")]


def test_up_with_db_url_fills_an_empty_database(
    tmp_path: Path, pg_server: Server, empty_database: str
) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    url = pg_server.url(empty_database)
    result = up(root, "--db-url", url, "--grant-mode", "opt-in")
    assert (result.exit_code, result.stderr) == (0, "")
    assert summary(result) == {
        "server": "reused, --db-url",
        "stand-in": "installed",
        "schema": "14 statements applied",
        "seeds": "1 statements",
    }
    assert result.stdout.splitlines()[-1] == url
    assert tags(url) == [(1, "work"), (2, "home")]
    with psycopg.connect(url) as conn:
        row = conn.execute("select tableowner from pg_tables where tablename = 'notes'").fetchone()
    assert row == ("postgres",)
    assert not (root / ".schemactl").exists()


def test_up_with_db_url_refuses_a_database_that_has_the_schema(
    tmp_path: Path, pg_server: Server, empty_database: str
) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    url = pg_server.url(empty_database)
    assert up(root, "--db-url", url).exit_code == 0
    again = up(root, "--db-url", url)
    assert again.exit_code == 2
    assert again.stderr == (
        "error: the database already holds objects of schema/ (`up --db-url` needs an "
        "empty database; use `schemactl apply` to update one)\n"
    )


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command, e.g. ("build",), ("dual-write", "enable")."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", command_paths(cli), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = run_cli([*path, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout


def test_top_level_help_lists_every_command() -> None:
    result = run_cli(["--help"])
    assert result.exit_code == 0
    assert "Example" in result.stdout
    for name in cli.commands:
        assert f"  {name} " in result.stdout


def test_user_error_is_one_line_with_exit_2(tmp_path: Path) -> None:
    result = run_cli(["build"], cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"error: no schemactl project found at or above {tmp_path.resolve()} (run inside "
        "a directory with a schema/ folder or a pyproject.toml that has a [tool.schemactl] "
        "table)\n"
    )


def test_seed_without_a_running_database_says_to_run_up(tmp_path: Path) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    result = run_cli(["seed"], cwd=root)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: no local database is running (run `schemactl up` first, or pass --db-url)\n"
    )


def test_unreachable_db_url_is_a_user_error(tmp_path: Path) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    result = run_cli(
        [
            "--project",
            str(root),
            "seed",
            "--db-url",
            f"postgresql://nobody@/none?host={tmp_path}&port=1",
        ]
    )
    assert (result.exit_code, result.stderr) == (
        2,
        (
            f"error: cannot connect to the database: connection to server on socket "
            f'"{tmp_path}/.s.PGSQL.1" failed: No such file or directory (check --db-url / '
            f"SCHEMACTL_DB_URL, or run `schemactl up`)\n"
        ),
    )


def test_missing_owner_role_is_a_user_error(
    tmp_path: Path, pg_server: Server, empty_database: str
) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    with (root / "pyproject.toml").open("a") as pyproject:
        pyproject.write('owner_role = "app_owner"\n')
    result = run_cli(["--project", str(root), "seed", "--db-url", pg_server.url(empty_database)])
    assert result.exit_code == 2
    assert result.stderr == (
        'error: cannot run the schema as role app_owner: role "app_owner" does not exist [22023] '
        "(create that role (the Supabase stand-in does, in an empty database), connect as "
        "it, or set [tool.schemactl] owner_role)\n"
    )
