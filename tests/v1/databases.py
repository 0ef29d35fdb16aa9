"""V1 databases for the V1 -> V2 migration tests: a committed test database holding the
V1 schema and generated V1 data (see generator.py) and V2 users for the V1 owners, the
typed API and the CLI run against it, and snapshots that prove nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from schemactl.config import Project
from schemactl.testing import acting_as
from schemactl.testing.session import CommittedDatabase
from schemactl_v1 import commands
from schemactl_v1.install import create_v1_schema
from schemactl_v1.migrate import MigrationReport
from schemactl_v1.parity import ParityReport
from tests.support.cli import CliResult
from tests.support.cli import run_cli as run_cli_in

from .generator import DEFAULT_OWNER, OWNERS, Generated

ROOT = Path(__file__).resolve().parents[2]
V1_APP_ROLE = "stagetek_v1_app"
SEED = 20251002


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
        with acting_as(self.conn, V1_APP_ROLE):
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
    with acting_as(conn, project.owner_role):
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


def run_cli(args: list[str]) -> CliResult:
    """`schemactl ARGS` in this process, run from the repository's root."""
    return run_cli_in(args, cwd=ROOT)
