"""Shadow databases: databases on the Supabase stand-in where migrations are replayed or
schema/ is built, so that two states can be compared.

Where: `--db-url`'s server if given (a superuser URL), else the local server of
`schemactl up` when it runs, else a throwaway server started for the command.

Shadows are named after what they hold (a hash of the stand-in, the owner role and the
SQL), so the same content is never prepared twice: within one process on any server
(under names of that process, dropped at exit), and across commands on the local server
of `schemactl up`, where the most recent ones are kept (a `diff` after an unchanged
`diff` only reads). A shadow is
published under its name only once complete, and used under an advisory lock (a diff's
verification runs DDL in it, in a transaction that is rolled back).

Grant mode: shadows use the `legacy` stand-in, Supabase's current default privileges
(ALL on new tables, sequences and functions in `public` to anon, authenticated and
service_role). Built that way, a shadow's ACLs are what schema/ leaves in place after
those defaults, and its default privileges can be revoked (in `opt-in` mode a `revoke`
of a default privilege is a no-op the diff could not see). New objects get their grants
written in full by the diff, so migrations come out right in both modes.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

import psycopg
from psycopg import sql

from schemactl.config import Project
from schemactl.errors import SchemactlError
from schemactl.migrations.files import MigrationFile
from schemactl.migrations.function_bodies import validate_function_bodies
from schemactl.migrations.online import without_concurrently
from schemactl.pg import local_database as local_db
from schemactl.pg.built_database import install_built_schema
from schemactl.pg.databases import (
    GrantMode,
    Server,
    clone_database,
    connect,
    create_database,
    drop_database,
    install_standin,
    unique_name,
)
from schemactl.pg.failures import database_error
from schemactl.pg.roles import acting_as
from schemactl.pg.server import given_or_throwaway_server
from schemactl.source.statements import Statement
from schemactl.sqlfiles import load_sql

SHADOW_GRANT_MODE: GrantMode = "legacy"
PREFIX = "schemactl_shadow_"
KEPT = 8  # shadows kept on the local server of `schemactl up`
SCHEMAS_QUERY = "select nspname::text from pg_namespace where nspname !~ '^pg_(temp|toast_temp)_'"
LOCK = "select pg_advisory_lock(hashtextextended('schemactl shadow', 0))"


@dataclass(frozen=True)
class ShadowPlan:
    """What to put into one shadow database: statements (schema/'s build, made only when
    no shadow holds them yet), or migration files (run as they are, as `apply` does).
    ``content`` identifies what the plan puts in (e.g. a digest of schema/'s files)."""

    label: str  # for messages: "supabase/migrations/" or "schema/"
    content: str
    statements: Callable[[], Sequence[Statement]] = tuple
    migrations: Sequence[MigrationFile] = ()

    @classmethod
    def of_migrations(cls, migrations: Sequence[MigrationFile]) -> ShadowPlan:
        digest = hashlib.sha256()
        for migration in migrations:
            digest.update(migration.filename.encode() + b"\0" + migration.text.encode() + b"\0")
        return cls(
            "supabase/migrations/", "migrations " + digest.hexdigest(), migrations=migrations
        )


@dataclass(frozen=True)
class Shadow:
    url: str
    schemas_added: frozenset[str]  # schemas that the statements created


@dataclass(frozen=True)
class ShadowServer:
    server: Server
    keeps: bool  # shadows outlive the command (the local server of `schemactl up`)


@contextmanager
def shadow_server(project: Project, url: str | None) -> Iterator[ShadowServer]:
    """The server for shadow databases (see the module doc)."""
    running = None
    if not url:
        with suppress(SchemactlError):
            running = local_db.running_server(project)
    if running is not None:
        yield ShadowServer(running, keeps=True)
        return
    with given_or_throwaway_server(url) as server:
        yield ShadowServer(server, keeps=False)


@contextmanager
def shadow_databases(
    where: ShadowServer, project: Project, plans: Sequence[ShadowPlan]
) -> Iterator[list[Shadow]]:
    """One prepared shadow database per plan (prepared in parallel, or found ready),
    each held under an advisory lock until the end."""
    server, owner = where.server, project.owner_role
    template, baseline = _standin_template(where, owner)
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=max(len(plans), 1)) as pool:
        futures = [pool.submit(_shadow, where, owner, template, plan) for plan in plans]
        names = [future.result() for future in futures]
        added: dict[str, frozenset[str]] = {}
        for name in dict.fromkeys(names):  # two plans with the same content share one
            holder = stack.enter_context(connect(server.url(name), autocommit=True))
            holder.execute(LOCK)
            added[name] = frozenset(_schemas(holder) - baseline)
        shadows = [Shadow(server.url(name), added[name]) for name in names]
        if where.keeps:
            _forget_old(server, keep=set(names) | {template})
        yield shadows


_CACHE_LOCK = threading.Lock()
_MADE: dict[tuple[str, str], None] = {}  # (server, name) made by this process


def _standin_template(where: ShadowServer, owner: str) -> tuple[str, frozenset[str]]:
    """A database holding only the stand-in, to clone shadows from (the stand-in creates
    cluster-wide roles, so it is installed once and committed). Second item: its schemas."""
    key = _key(
        "standin",
        owner,
        load_sql("standin"),
        load_sql("standin_" + SHADOW_GRANT_MODE.replace("-", "_")),
    )
    name = f"{PREFIX}standin_{key}{_owned_by_process(where)}"

    def install(conn: psycopg.Connection) -> None:
        install_standin(conn, owner, SHADOW_GRANT_MODE)

    _ensure(where, name, None, install)
    with connect(where.server.url(name)) as conn:
        return name, frozenset(_schemas(conn))


def _shadow(where: ShadowServer, owner: str, template: str, plan: ShadowPlan) -> str:
    name = PREFIX + _key(template, owner, plan.content) + _owned_by_process(where)

    def fill(conn: psycopg.Connection) -> None:
        try:
            _build(conn, plan.statements(), owner)
            _replay(conn, plan.migrations, owner)
        except SchemactlError as exc:
            raise SchemactlError(
                f"{plan.label} does not apply to a fresh database: {exc.message}",
                location=exc.location,
                hint=exc.hint,
            ) from exc

    _ensure(where, name, (template, owner), fill)
    return name


def _ensure(
    where: ShadowServer,
    name: str,
    template: tuple[str, str] | None,
    fill: Callable[[psycopg.Connection], None],
) -> None:
    """Make database ``name`` unless it exists (empty, or a clone of ``template`` =
    (database, owner role)): filled under a temporary name, then renamed, so a database
    with the name is always complete."""
    server = where.server
    if _exists(server, name):
        return
    building = unique_name("schemactl_preparing")
    if template is None:
        create_database(server, building)
    else:
        clone_database(server, building, *template)
    try:
        with connect(server.url(building)) as conn, conn.transaction():
            fill(conn)
        with connect(server.url(), autocommit=True) as admin:
            try:
                admin.execute(
                    sql.SQL("alter database {} rename to {}").format(
                        sql.Identifier(building), sql.Identifier(name)
                    )
                )
            except psycopg.errors.DuplicateDatabase:
                drop_database(server, building)  # another process made it meanwhile
    except BaseException:
        drop_database(server, building)
        raise
    with _CACHE_LOCK:
        if (server.url(), name) not in _MADE:
            _MADE[(server.url(), name)] = None
            if not where.keeps:
                atexit.register(_drop_quietly, server, name)


def _build(conn: psycopg.Connection, statements: Sequence[Statement], role: str) -> None:
    """schema/'s statements as ``role`` on the stand-in the shadow was cloned from, then
    every function body validated against them."""
    if not statements:
        return
    with conn.transaction():
        install_built_schema(
            conn, statements, owner_role=role, grant_mode=SHADOW_GRANT_MODE, role=role
        )
    validate_function_bodies(conn, statements, sorted(_schemas(conn)))


def _replay(conn: psycopg.Connection, migrations: Sequence[MigrationFile], role: str) -> None:
    """Run the migrations as they are (no setting added), as ``role``: each file in one
    round trip; when one fails, its statements one by one to name the failing one."""
    with acting_as(conn, role):
        for migration in migrations:
            if not migration.statements:
                continue
            texts = [without_concurrently(s.sql) for s in migration.statements]
            try:
                with conn.transaction():
                    conn.execute(";\n".join(texts) if migration.concurrent else migration.text)
                continue
            except psycopg.Error:
                pass
            for statement, text in zip(migration.statements, texts, strict=True):
                try:
                    conn.execute(text)
                except psycopg.Error as exc:
                    raise database_error(
                        exc,
                        location=statement.location,
                        hint="a committed migration must apply to a fresh database: fix it if "
                        "no database has applied it yet, else add a migration that repairs it",
                    ) from exc


def sources_digest(project: Project) -> str:
    """What schema/'s build depends on: every file under schema/ (templates and their
    macro libraries included) and the declared external objects."""
    digest = hashlib.sha256(repr(project.external).encode())
    for path in sorted(p for p in project.schema_dir.rglob("*") if p.is_file()):
        digest.update(project.relative(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return "schema " + digest.hexdigest()


PROCESS_TOKEN = uuid.uuid4().hex[:8]


def _owned_by_process(where: ShadowServer) -> str:
    """Shadows this process drops at exit are its own: another process never uses them."""
    return "" if where.keeps else f"_{PROCESS_TOKEN}"


def _key(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()[:20]


def _schemas(conn: psycopg.Connection) -> set[str]:
    return {row[0] for row in conn.execute(SCHEMAS_QUERY).fetchall()}


def _exists(server: Server, name: str) -> bool:
    with connect(server.url()) as conn:
        row = conn.execute(
            "select exists (select from pg_database where datname = %s)", [name]
        ).fetchone()
    return bool(row and row[0])


def _forget_old(server: Server, keep: set[str]) -> None:
    """Drop all but the most recent shadows (by creation, oid order), none in use."""
    with connect(server.url(), autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute(
                "select datname from pg_database where datname like %s order by oid desc",
                [PREFIX + "%"],
            ).fetchall()
        ]
        for name in names[KEPT:]:
            if name in keep:
                continue
            with suppress(psycopg.Error):
                conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(name)))


def _drop_quietly(server: Server, name: str) -> None:
    with suppress(Exception):
        drop_database(server, name)
