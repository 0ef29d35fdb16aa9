"""A scratch database holding the built schema: the Supabase stand-in plus `schema/`,
applied as the owner role, in a throwaway server (or inside `--db-url`'s server), dropped
at the end. Generators (docs, types) read its catalog, never hand-kept text."""

from __future__ import annotations

from collections.abc import Iterator
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
    install_standin,
    unique_name,
)
from schemactl.pg.server import given_or_throwaway_server


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
            install_standin(conn, project.owner_role, grant_mode)
            apply_statements(
                conn, (item.statement for item in schema.statements), role=project.owner_role
            )
        conn = stack.enter_context(connect(server.url(name), autocommit=True))
        yield conn
