"""The one way to get a database with the Supabase stand-in and the built schema.

`install_built_schema` fills the database behind a connection: the stand-in unless the
database has Supabase's `auth` schema already, then the build's statements (and seeds)
as the owner role, in the caller's transaction. `up`, the diff shadows and the pytest
plugin's template databases use it; `built_database` wraps it in a throwaway database
for the generators (docs, types), which read its catalog, never hand-kept text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

import psycopg

from schemactl.build.builder import Build
from schemactl.config import Project
from schemactl.pg.databases import (
    GrantMode,
    apply_statements,
    connect,
    create_database,
    drop_database,
    has_auth_schema,
    install_standin,
    unique_name,
)
from schemactl.pg.server import given_or_throwaway_server
from schemactl.progress import NO_PROGRESS, Progress
from schemactl.source.statements import Statement


def ensure_standin(
    conn: psycopg.Connection,
    owner_role: str,
    grant_mode: GrantMode,
    progress: Progress = NO_PROGRESS,
) -> bool:
    """The stand-in, in the current transaction, unless the database has an `auth`
    schema (a real Supabase database, or one that has it already). True if installed."""
    if has_auth_schema(conn):
        return False
    progress.phase("installing the Supabase stand-in")
    install_standin(conn, owner_role, grant_mode)
    return True


def install_built_schema(
    conn: psycopg.Connection,
    statements: Sequence[Statement],
    *,
    owner_role: str,
    grant_mode: GrantMode,
    role: str | None,
    progress: Progress = NO_PROGRESS,
) -> bool:
    """The stand-in when missing, then ``statements`` (the build, seeds) as ``role`` (None:
    the connection's own), in the current transaction. True if the stand-in was
    installed."""
    standin = ensure_standin(conn, owner_role, grant_mode, progress)
    progress.phase("applying schema/", total=len(statements))
    apply_statements(conn, statements, role=role, progress=progress)
    return standin


def build_statements(schema: Build) -> list[Statement]:
    return [item.statement for item in schema.statements]


@contextmanager
def built_database(
    project: Project,
    schema: Build,
    *,
    server_url: str | None = None,
    grant_mode: GrantMode = "legacy",
) -> Iterator[psycopg.Connection]:
    """A connection (superuser, autocommit) to a new database with the stand-in and the
    build applied and committed; the database is dropped afterwards."""
    with ExitStack() as stack:
        server = stack.enter_context(given_or_throwaway_server(server_url))
        name = unique_name("schemactl_scratch")
        create_database(server, name)
        stack.callback(drop_database, server, name)
        with connect(server.url(name)) as conn, conn.transaction():
            install_built_schema(
                conn,
                build_statements(schema),
                owner_role=project.owner_role,
                grant_mode=grant_mode,
                role=project.owner_role,
            )
        conn = stack.enter_context(connect(server.url(name), autocommit=True))
        yield conn
