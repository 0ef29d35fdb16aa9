"""Fixtures for the V1 -> V2 migration tests: databases holding the V1 schema and
generated V1 data (see generator.py), V2 users for the V1 owners, and helpers to run the
typed API and the CLI against them."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql
from psycopg.rows import dict_row

from schemactl.cli import main
from schemactl.config import Project, load_project
from schemactl.testing.session import CommittedDatabase, TestDatabases
from schemactl_v1 import commands
from schemactl_v1.install import create_v1_schema
from schemactl_v1.migrate import MigrationReport
from schemactl_v1.parity import ParityReport

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generator import DEFAULT_OWNER, OWNERS, Generated, generate

ROOT = Path(__file__).resolve().parents[2]
V1_APP_ROLE = "stagetek_v1_app"
SEED = 20251002


@pytest.fixture(scope="session")
def project() -> Project:
    return load_project(ROOT)


@dataclass
class V1Database:
    """A committed test database with the V1 schema, its data, and V2 users."""

    database: CommittedDatabase
    project: Project
    generated: Generated | None

    @property
    def url(self) -> str:
        return self.database.url

    @property
    def conn(self) -> psycopg.Connection:
        return self.database.connection

    def migrate(self, **options: Any) -> MigrationReport:
        return commands.migrate_v1(self.project, self.url, **options)

    def parity(self) -> ParityReport:
        return commands.parity(self.project, self.url)

    def rows(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            return cur.execute(query, params).fetchall()

    def value(self, query: str, params: Any = None) -> Any:
        row = self.conn.execute(query, params).fetchone()
        assert row is not None
        return row[0]

    def as_v1_app(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        """A statement of the old V1 app: its own role, with rights on schema v1 only."""
        with self.conn.transaction():
            self.conn.execute(sql.SQL("set local role {}").format(sql.Identifier(V1_APP_ROLE)))
            cur = self.conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def user_id(self, email: str) -> Any:
        return self.value("select id from public.users where email = %s", [email])


def prepare(
    database: CommittedDatabase, project: Project, generated: Generated | None
) -> V1Database:
    conn = database.connection
    for email in (*OWNERS, DEFAULT_OWNER):
        conn.execute("insert into auth.users (email) values (%s)", [email])
    conn.execute("update public.users set is_active = true")
    conn.execute(f"""
        do $$ begin
            if not exists (select from pg_roles where rolname = '{V1_APP_ROLE}') then
                create role {V1_APP_ROLE} nologin;
            end if;
        end $$""")
    with conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(project.owner_role)))
        create_v1_schema(conn)
        if generated is not None:
            generated.data.insert(conn)
        conn.execute(f"grant usage on schema v1 to {V1_APP_ROLE}")
        conn.execute(
            f"grant select, insert, update, delete, truncate on all tables "
            f"in schema v1 to {V1_APP_ROLE}"
        )
        conn.execute(f"grant usage on all sequences in schema v1 to {V1_APP_ROLE}")
    return V1Database(database, project, generated)


@pytest.fixture
def small_v1(committed_db: CommittedDatabase, project: Project) -> V1Database:
    """A fresh database with a small generated V1 (a few hundred rows), not migrated."""
    return prepare(committed_db, project, generate(SEED + 1, clients=120, opportunities=400))


@pytest.fixture
def empty_v1(committed_db: CommittedDatabase, project: Project) -> V1Database:
    """A fresh database with the V1 schema and no V1 rows."""
    return prepare(committed_db, project, None)


@pytest.fixture(scope="module")
def v1_story(schemactl_databases: TestDatabases, project: Project) -> Iterator[dict[str, Any]]:
    """Thousands of messy V1 rows, then: a dry run, the migration, a second run — with a
    snapshot of the database after each step. Tests read; none writes."""
    generated = generate(SEED, clients=1000, opportunities=4000)
    with schemactl_databases.committed("opt-in") as database:
        v1 = prepare(database, project, generated)
        story: dict[str, Any] = {"v1": v1, "before": snapshot(v1.conn)}
        story["dry_run"] = v1.migrate(default_owner=DEFAULT_OWNER, dry_run=True)
        story["after_dry_run"] = snapshot(v1.conn)
        story["first"] = v1.migrate(default_owner=DEFAULT_OWNER)
        story["after_first"] = snapshot(v1.conn)
        story["second"] = v1.migrate()
        story["after_second"] = snapshot(v1.conn)
        yield story


def snapshot(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    """Row count and a digest of the content of every table of the database's own schemas
    (public, private, migration, v1), to prove that nothing changed."""
    tables = conn.execute(
        "select schemaname, tablename from pg_tables "
        "where schemaname in ('public', 'private', 'migration', 'v1') "
        "order by schemaname, tablename"
    ).fetchall()
    result = {}
    for schema, table in tables:
        row = conn.execute(
            sql.SQL(
                "select count(*), coalesce(md5(string_agg(to_jsonb(t)::text, ',' "
                "order by to_jsonb(t)::text)), '') from {} as t"
            ).format(sql.Identifier(schema, table))
        ).fetchone()
        assert row is not None
        result[f"{schema}.{table}"] = (row[0], row[1])
    return result


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str]) -> CliResult:
    """`schemactl ARGS` in this process, through the real entry point."""
    runner = CliRunner()
    with runner.isolation() as streams:
        exit_code = 0
        previous = Path.cwd()
        try:
            os.chdir(ROOT)
            main(args)
        except SystemExit as exc:
            exit_code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os.chdir(previous)
        return CliResult(exit_code, _text(streams[0]), _text(streams[1]))


def _text(stream: io.BytesIO | None) -> str:
    return stream.getvalue().decode("utf-8") if stream is not None else ""
