"""Shadow databases: throwaway databases on the Supabase stand-in where migrations are
replayed or schema/ is built, so that two states can be compared.

They live on `--shadow-url`'s server if given, else on the local server of `schemactl up`
when it runs, else on a throwaway server started for the command. Several are prepared in
parallel (each on its own connection) and all are dropped at the end.

Grant mode: shadows use the `legacy` stand-in, Supabase's current default privileges
(ALL on new tables, sequences and functions in `public` to anon, authenticated and
service_role). Built that way, a shadow's ACLs are what schema/ leaves in place after
those defaults, and its default privileges can be revoked (in `opt-in` mode a `revoke`
of a default privilege is a no-op the diff could not see). New objects get their grants
written in full by the diff, so migrations come out right in both modes.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

import psycopg
from psycopg import sql

from schemactl import local_db
from schemactl.config import Project
from schemactl.databases import (
    Server,
    apply_statements,
    connect,
    create_database,
    drop_database,
    install_standin,
    unique_name,
)
from schemactl.errors import SchemactlError
from schemactl.local_pg import ExternalServer, throwaway_server
from schemactl.migrations import MigrationFile
from schemactl.statements import Statement

SHADOW_GRANT_MODE = "legacy"
SCHEMAS_QUERY = "select nspname::text from pg_namespace where nspname !~ '^pg_(temp|toast_temp)_'"


@dataclass(frozen=True)
class ShadowPlan:
    """What to put into one shadow database: the statements of schema/'s build, or
    migration files (run as they are, as `apply` runs them)."""

    label: str  # for messages: "supabase/migrations/" or "schema/"
    statements: Sequence[Statement] = ()
    migrations: Sequence[MigrationFile] = ()


@dataclass(frozen=True)
class Shadow:
    url: str
    schemas_added: frozenset[str]  # schemas that the statements created


@contextmanager
def shadow_server(project: Project, url: str | None) -> Iterator[Server]:
    """The server for shadow databases (see the module doc)."""
    if url:
        yield ExternalServer(url)
        return
    try:
        server = local_db.running_server(project)
    except SchemactlError:
        with throwaway_server() as throwaway:
            yield throwaway
        return
    yield server


@contextmanager
def shadow_databases(server: Server, project: Project,
                     plans: Sequence[ShadowPlan]) -> Iterator[list[Shadow]]:
    """One prepared shadow database per plan (in parallel), dropped at the end."""
    template, baseline = _standin_template(server, project.owner_role)
    names = [unique_name("schemactl_shadow") for _ in plans]
    with ExitStack() as cleanup, ThreadPoolExecutor(max_workers=max(len(plans), 1)) as pool:
        for name in names:
            cleanup.callback(drop_database, server, name)
        futures = [pool.submit(_prepare, server, project, name, template, baseline, plan)
                   for name, plan in zip(names, plans)]
        shadows = [future.result() for future in futures]
        yield shadows


_TEMPLATES: dict[tuple[str, str], tuple[str, frozenset[str]]] = {}
_TEMPLATES_LOCK = threading.Lock()


def _standin_template(server: Server, owner: str) -> tuple[str, frozenset[str]]:
    """A database holding only the stand-in, to clone shadows from (the stand-in creates
    cluster-wide roles, so it is installed once and committed); made once per server in
    this process, dropped at exit. Second item: the schemas it has."""
    key = (server.url(), owner)
    with _TEMPLATES_LOCK:
        if key in _TEMPLATES and _exists(server, _TEMPLATES[key][0]):
            return _TEMPLATES[key]
        name = unique_name("schemactl_standin")
        create_database(server, name)
        atexit.register(_drop_quietly, server, name)
        with connect(server.url(name)) as conn, conn.transaction():
            install_standin(conn, owner, SHADOW_GRANT_MODE)
            schemas = frozenset(_schemas(conn))
        _TEMPLATES[key] = (name, schemas)
        return name, schemas


def _exists(server: Server, name: str) -> bool:
    with connect(server.url()) as conn:
        row = conn.execute("select exists (select from pg_database where datname = %s)",
                           [name]).fetchone()
    return bool(row and row[0])


def _drop_quietly(server: Server, name: str) -> None:
    with suppress(Exception):
        drop_database(server, name)


def _prepare(server: Server, project: Project, name: str, template: str,
             baseline: frozenset[str], plan: ShadowPlan) -> Shadow:
    create_database(server, name, template=template)
    url = server.url(name)
    with connect(url) as conn, conn.transaction():
        # A clone does not inherit the stand-in's grant on the database itself.
        conn.execute(sql.SQL("grant create on database {} to {}").format(
            sql.Identifier(name), sql.Identifier(project.owner_role)))
        try:
            apply_statements(conn, plan.statements, role=project.owner_role)
            _replay(conn, plan.migrations, project.owner_role)
        except SchemactlError as exc:
            raise SchemactlError(
                f"{plan.label} does not apply to a fresh database: {exc.message}",
                location=exc.location, hint=exc.hint,
            ) from exc
        added = _schemas(conn) - baseline
    return Shadow(url, frozenset(added))


def _replay(conn: psycopg.Connection, migrations: Sequence[MigrationFile], role: str) -> None:
    """Run the migrations' statements as they are (no setting added), as ``role``."""
    conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
    for migration in migrations:
        for statement in migration.statements:
            try:
                conn.execute(statement.sql)
            except psycopg.Error as exc:
                raise SchemactlError(
                    (exc.diag.message_primary or str(exc)).strip(),
                    location=statement.location,
                    hint="a committed migration must apply to a fresh database: fix it if "
                    "no database has applied it yet, else add a migration that repairs it",
                ) from exc
    conn.execute("reset role")


def _schemas(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute(SCHEMAS_QUERY).fetchall()}
