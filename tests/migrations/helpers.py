"""Helpers for the migration tests: projects made of a schema and migration files, the
stand-in on a target database, reading a database's history and tables."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from schemactl.config import Project, load_project
from schemactl.pg.databases import GrantMode, connect, install_standin
from tests.support.cli import CliResult
from tests.support.cli import run_cli as run_cli_with_args
from tests.support.projects import write_project as write_files_project

EXTERNAL = ["auth.users", "auth.uid()", "auth.role()", "auth.jwt()", "auth.email()"]
FIXED_NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def migrations_project(
    root: Path, schema: str, migrations: Mapping[str, str] | None = None, seeds: str | None = None
) -> Project:
    """A project at ``root``: schema/schema.sql, supabase/migrations/<file> per entry."""
    files = {"schema/schema.sql": schema}
    files.update((f"supabase/migrations/{name}", text) for name, text in (migrations or {}).items())
    if seeds is not None:
        files["seeds/010_seed.sql"] = seeds
    write_files_project(root, files, EXTERNAL)
    (root / "supabase" / "migrations").mkdir(parents=True, exist_ok=True)
    return load_project(root)


def write_migration(project: Project, filename: str, text: str) -> Path:
    path = project.migrations_dir / filename
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def with_standin(url: str, mode: GrantMode = "legacy", owner: str = "postgres") -> None:
    """Install the Supabase stand-in into ``url`` (legacy default privileges, by default)."""
    with connect(url) as conn, conn.transaction():
        install_standin(conn, owner, mode)


def history(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select version, name from supabase_migrations.schema_migrations order by version"
        ).fetchall()


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


def relation_exists(url: str, name: str) -> bool:
    return rows(url, f"select to_regclass('{name}') is not null")[0][0]


def run_cli(*args: str) -> CliResult:
    """`schemactl ARGS` in this process (see `tool.helpers.run_cli`)."""
    return run_cli_with_args(list(args))
