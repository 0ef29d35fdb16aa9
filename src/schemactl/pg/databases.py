"""Databases inside a server: create, clone, drop, install the stand-in, apply SQL."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import Literal, Protocol

import psycopg
from psycopg import sql

from schemactl.errors import SchemactlError
from schemactl.pg.failures import database_error
from schemactl.pg.roles import acting_as
from schemactl.progress import NO_PROGRESS, Progress
from schemactl.source.statements import Statement
from schemactl.sqlfiles import load_sql

GrantMode = Literal["opt-in", "legacy"]
GRANT_MODES: tuple[GrantMode, ...] = ("opt-in", "legacy")


class Server(Protocol):
    @property
    def superuser(self) -> str: ...

    def url(self, dbname: str = "postgres", user: str | None = None) -> str: ...


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=autocommit)
    except psycopg.OperationalError as exc:
        # psycopg: "connection failed: connection to server at …, port … failed: <cause>"
        # then a tab-indented generic suggestion; keep the line that says where and why.
        lines = str(exc).strip().splitlines()
        reason = re.sub(r"^connection (failed|is bad): ", "", lines[0]) if lines else "unreachable"
        raise SchemactlError(
            f"cannot connect to the database: {reason}",
            hint="check --db-url / SCHEMACTL_DB_URL, or run `schemactl up`",
        ) from exc


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def create_database(
    server: Server,
    name: str,
    *,
    template: str | None = None,
    owner: str | None = None,
    admin: psycopg.Connection | None = None,
) -> None:
    """CREATE DATABASE on ``admin`` (an autocommit connection to the server, kept open
    by callers that create many) or on a connection opened for it."""
    query = sql.SQL("create database {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" template {}").format(sql.Identifier(template))
    if owner:
        query += sql.SQL(" owner {}").format(sql.Identifier(owner))
    _on_server(server, admin, query)


def clone_database(
    server: Server,
    name: str,
    template: str,
    owner_role: str,
    *,
    admin: psycopg.Connection | None = None,
) -> None:
    """A copy of ``template``. Database-level grants are not copied from a template, so
    the owner role gets back the CREATE the stand-in gave it (to create schemas)."""
    create_database(server, name, template=template, admin=admin)
    _on_server(
        server,
        admin,
        sql.SQL("grant create on database {} to {}").format(
            sql.Identifier(name), sql.Identifier(owner_role)
        ),
    )


def drop_database(server: Server, name: str, *, admin: psycopg.Connection | None = None) -> None:
    _on_server(
        server,
        admin,
        sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)),
    )


def _on_server(server: Server, admin: psycopg.Connection | None, query: sql.Composed) -> None:
    if admin is not None:
        admin.execute(query)
        return
    with connect(server.url(), autocommit=True) as conn:
        conn.execute(query)


def has_auth_schema(conn: psycopg.Connection) -> bool:
    row = conn.execute("select exists (select from pg_namespace where nspname = 'auth')").fetchone()
    return bool(row and row[0])


def install_standin(conn: psycopg.Connection, owner_role: str, grant_mode: GrantMode) -> None:
    """The Supabase stand-in (docs/design.md: The Supabase stand-in), as a superuser, in the current transaction."""
    if grant_mode not in GRANT_MODES:
        raise SchemactlError(
            f"unknown grant mode {grant_mode!r}", hint=f"use one of {', '.join(GRANT_MODES)}"
        )
    if has_auth_schema(conn):
        raise SchemactlError(
            "this database already has an `auth` schema: the Supabase stand-in is only "
            "installed into empty local databases",
            hint="point --db-url at an empty database, or use the real Supabase project as is",
        )
    conn.execute("select set_config('schemactl.owner_role', %s, false)", [owner_role])
    conn.execute(load_sql("standin"))
    conn.execute(load_sql("standin_" + grant_mode.replace("-", "_")))


def apply_statements(
    conn: psycopg.Connection,
    statements: Iterable[Statement],
    *,
    role: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> int:
    """Run statements in the current transaction (as ``role``, function bodies checked
    later: `migrations.function_bodies`); a failure names the statement's file:line and
    leaves the transaction to be rolled back by the caller. With ``progress``, one step
    per statement; without, the whole script in one round trip."""
    with ExitStack() as as_role:
        if role:
            try:
                as_role.enter_context(acting_as(conn, role))
            except psycopg.Error as exc:
                raise database_error(
                    exc,
                    f"cannot run the schema as role {role}",
                    hint="create that role (the Supabase stand-in does, in an empty database), "
                    "connect as it, or set [tool.schemactl] owner_role",
                ) from exc
        conn.execute("set local check_function_bodies = off")
        statements = list(statements)
        if progress is NO_PROGRESS:
            try:
                # One round trip for the whole script (a savepoint); on a failure, again one
                # statement at a time to name the one that fails.
                with conn.transaction():
                    if statements:
                        conn.execute("".join(f"{statement.sql};\n" for statement in statements))
            except psycopg.Error:
                _one_by_one(conn, statements, NO_PROGRESS)
        else:
            _one_by_one(conn, statements, progress)
    return len(statements)


def _one_by_one(conn: psycopg.Connection, statements: list[Statement], progress: Progress) -> None:
    for statement in statements:
        try:
            conn.execute(statement.sql)
        except psycopg.Error as exc:
            raise statement_error(statement, exc) from exc
        progress.advance()


def statement_error(statement: Statement, exc: psycopg.Error) -> SchemactlError:
    return database_error(
        exc,
        location=statement.location,
        hint="nothing was applied: fix the statement and run again",
        server_hint_first=True,
    )


def run_in_transaction(url: str, statements: Sequence[Statement], role: str | None) -> int:
    with connect(url) as conn, conn.transaction():
        return apply_statements(conn, statements, role=role)
