"""The typed API: one function per verb, called by the CLI and by command plugins.
Nothing here prints or knows click.

It is also the one module (with `schemactl.cli.plugin_kit` for click pieces) through which
a plugin reaches the core: what a plugin needs of the stages is re-exported here
(`__all__` lists it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from schemactl.build.builder import Build, build
from schemactl.config import Project
from schemactl.errors import CheckFailed, SchemactlError
from schemactl.generate.command_reference import CommandReference, missing_documentation
from schemactl.generate.sync import FileStatus, sync
from schemactl.migrations.apply import (
    ApplyResult,
    MigrationStatus,
    apply_migrations,
    migration_status,
)
from schemactl.migrations.files import read_migrations
from schemactl.migrations.history import applied_migrations, history_exists
from schemactl.migrations.timeouts import ApplyTimeouts, resolve_timeouts
from schemactl.pg import local_database as local_db
from schemactl.pg.built_database import build_statements, ensure_standin, install_built_schema
from schemactl.pg.databases import (
    GrantMode,
    apply_statements,
    connect,
)
from schemactl.pg.failures import RAISED, database_error
from schemactl.pg.server import postgres_url
from schemactl.pg.urls import describe_url
from schemactl.progress import NO_PROGRESS, Progress
from schemactl.source.seeds import seed_statements

__all__ = [
    # For plugins: what they need of the stages.
    "NO_PROGRESS",
    "RAISED",
    "CheckFailed",
    "Progress",
    "Project",
    "SchemactlError",
    "act_as_owner",
    "connect",
    "database_error",
    "target_url",
]

if TYPE_CHECKING:  # modules with slow imports (sqlfluff, results) load where they are used
    from schemactl.lint import LintReport
    from schemactl.migrations.from_schema import Drift, GeneratedMigration


@dataclass(frozen=True)
class UpResult:
    url: str
    server: str  # where the server came from
    created: bool
    standin_installed: bool
    statements_applied: int
    seed_statements: int
    migrations_applied: tuple[str, ...] = ()  # file names, when the project has migrations
    from_migrations: bool = False


def build_schema(project: Project, output: Path | None = None) -> Build:
    if output is not None and not output.parent.is_dir():
        raise SchemactlError(
            f"{output.parent} does not exist", hint="create the directory or choose another -o path"
        )
    result = build(project)
    if output is not None:
        output.write_text(result.sql, encoding="utf-8")
    return result


def lint(project: Project) -> LintReport:
    """sqlfluff style and the structural rules SC001-SC015 over schema/ and seeds/ (SC015:
    supabase/migrations/ and supabase/seed.sql)."""
    from schemactl.lint import run_lint

    return run_lint(project)


def target_url(project: Project, db_url: str | None) -> str:
    """The database a command works on: --db-url, else the local one from `up`."""
    if db_url:
        return db_url
    return local_db.running_server(project).url(local_db.LOCAL_DBNAME)


def owner_url(project: Project, url: str) -> str:
    """How users connect to the local database: as the owner role, as on Supabase."""
    params = conninfo_to_dict(url)
    return postgres_url(
        str(params["host"]), int(str(params["port"])), project.owner_role, str(params["dbname"])
    )


def apply_role(conn: psycopg.Connection, project: Project) -> str | None:
    """Schema statements run as the owner role, unless we are connected as it."""
    user = conn.execute("select current_user").fetchone()
    return None if user and user[0] == project.owner_role else project.owner_role


def schema_present(conn: psycopg.Connection, schema: Build) -> bool:
    """Whether any table the build creates already exists in the database."""
    names = [
        key.split(":", 1)[1]
        for item in schema.statements
        for key in item.dependencies.provides
        if key.startswith("relation:")
    ]
    row = conn.execute(
        "select exists (select from unnest(%s::text[]) as n(name) "
        "where to_regclass(n.name) is not null)",
        [names],
    ).fetchone()
    return bool(row and row[0])


def up(
    project: Project,
    db_url: str | None = None,
    grant_mode: GrantMode = "legacy",
    progress: Progress = NO_PROGRESS,
) -> UpResult:
    """Start (or reuse) the local database and bring it to supabase/migrations/ (or to
    schema/, in a project without migrations yet) plus seeds."""
    schema = build(project)
    migrations = read_migrations(project)
    seeds = seed_statements(project)
    if db_url:
        url, origin, created = db_url, "--db-url", False
    else:
        progress.phase("starting the local PostgreSQL server")
        server, created = local_db.start(project)
        url = server.url(local_db.LOCAL_DBNAME)
        origin = f"{server.binaries.origin} (PostgreSQL {server.binaries.version})"
    with connect(url, autocommit=True) as conn:
        role = apply_role(conn, project)
        applied, migrated = 0, tuple[str, ...]()
        if migrations:
            with conn.transaction():
                standin = ensure_standin(conn, project.owner_role, grant_mode, progress)
            if not history_exists(conn) and schema_present(conn, schema):
                raise SchemactlError(
                    "the database holds objects of schema/ but no migration history",
                    hint="it was built from schema/ before migrations existed: run "
                    "`schemactl reset` (local) or record the history by hand",
                )
            progress.phase("applying supabase/migrations/")
            migrated = tuple(
                m.filename for m in apply_migrations(conn, migrations, role=role).applied
            )
        else:
            with conn.transaction():
                standin = False
                if not schema_present(conn, schema):
                    statements = build_statements(schema)
                    standin = install_built_schema(
                        conn,
                        statements,
                        owner_role=project.owner_role,
                        grant_mode=grant_mode,
                        role=role,
                        progress=progress,
                    )
                    applied = len(statements)
                elif db_url:
                    raise SchemactlError(
                        "the database already holds objects of schema/",
                        hint="`up --db-url` needs an empty database; use `schemactl apply` "
                        "to update one",
                    )
        progress.phase("running seeds/", total=len(seeds))
        with conn.transaction():
            seeded = apply_statements(conn, seeds, role=role, progress=progress)
    shown = owner_url(project, url) if not db_url else url
    return UpResult(shown, origin, created, standin, applied, seeded, migrated, bool(migrations))


def diff(
    project: Project,
    name: str,
    *,
    server_url: str | None = None,
    allow_destructive: bool = False,
    renames: Sequence[str] = (),
) -> GeneratedMigration:
    """Write supabase/migrations/<version>_<name>.sql taking the migrations to schema/
    (``path`` None when there is nothing to change); ``renames``: `--rename` values."""
    from schemactl.migrations.from_schema import generate_migration

    return generate_migration(
        project,
        name,
        shadow_url=server_url,
        allow_destructive=allow_destructive,
        renames=renames,
    )


def diff_check(project: Project, *, server_url: str | None = None) -> int:
    """Raise CheckFailed unless supabase/migrations/ produces schema/ exactly; returns the
    number of migrations replayed."""
    from schemactl.migrations.from_schema import check_migrations

    return check_migrations(project, shadow_url=server_url)


def apply(
    project: Project,
    db_url: str | None = None,
    *,
    target: str | None = None,
    dry_run: bool = False,
    include_all: bool = False,
    timeouts: ApplyTimeouts | None = None,
    notify: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Apply pending migrations in version order, each in one transaction, as the owner.
    ``notify`` hears first where they go (host, port, database; no password), then of
    each lock timeout that will be retried."""
    migrations = read_migrations(project)
    url = target_url(project, db_url)
    with connect(url, autocommit=True) as conn:
        if notify is not None:
            verb = "checking" if dry_run else "applying to"
            notify(f"{verb} {describe_url(url)}")
        return apply_migrations(
            conn,
            migrations,
            role=apply_role(conn, project),
            target=target,
            dry_run=dry_run,
            include_all=include_all,
            timeouts=timeouts or resolve_timeouts({}, project.apply),
            notify=notify,
        )


def status(project: Project, db_url: str | None = None) -> list[MigrationStatus]:
    """Each migration, local or recorded in the database, with its state."""
    migrations = read_migrations(project)
    with connect(target_url(project, db_url), autocommit=True) as conn:
        return migration_status(migrations, applied_migrations(conn))


def drift(project: Project, db_url: str | None = None, *, shadow_url: str | None = None) -> Drift:
    """DDL that would bring the database to schema/ (empty: no drift)."""
    from schemactl.migrations.from_schema import drift as schema_drift

    return schema_drift(project, target_url(project, db_url), shadow_url=shadow_url)


def down(project: Project) -> bool:
    """Stop the local database; False when it was not running."""
    return local_db.stop(project)


def reset(
    project: Project, grant_mode: GrantMode = "legacy", progress: Progress = NO_PROGRESS
) -> UpResult:
    """Delete the local database and bring up a fresh one."""
    schema = build(project)  # refuse before deleting anything if schema/ is broken
    del schema
    local_db.remove(project)
    return up(project, grant_mode=grant_mode, progress=progress)


def seed(project: Project, db_url: str | None = None) -> int:
    """Run seeds/*.sql (idempotent) as the owner role; returns the statement count."""
    statements = seed_statements(project)
    with connect(target_url(project, db_url)) as conn, conn.transaction():
        return apply_statements(conn, statements, role=apply_role(conn, project))


def schema_docs(
    project: Project,
    output: Path | None = None,
    *,
    check: bool = False,
    server_url: str | None = None,
) -> FileStatus:
    """docs/schema.md from the built database's catalog (or check it is current)."""
    from schemactl.generate import outputs

    schema = build(project)
    catalog = outputs.built_catalog(project, schema, server_url)
    return sync(project, outputs.schema_doc_file(project, schema, catalog, output), check=check)


def database_types(
    project: Project,
    output: Path | None = None,
    *,
    check: bool = False,
    server_url: str | None = None,
) -> FileStatus:
    """TypeScript types of the exposed schemas (or check they are current)."""
    from schemactl.generate import outputs

    catalog = outputs.built_catalog(project, build(project), server_url)
    return sync(project, outputs.types_file(project, catalog, output), check=check)


def seed_sql(project: Project, output: Path | None = None, *, check: bool = False) -> FileStatus:
    """supabase/seed.sql from seeds/ (or check it is current)."""
    from schemactl.generate import outputs

    return sync(project, outputs.seed_file(project, output), check=check)


def commands_doc(
    project: Project,
    reference: CommandReference,
    output: Path | None = None,
    *,
    check: bool = False,
) -> FileStatus:
    """docs/commands.md from the CLI's description of itself (or check it is current).
    A command without help text or an `Example:` block is an error."""
    from schemactl.generate import outputs

    problems = missing_documentation(reference)
    if problems:
        raise CheckFailed(
            "; ".join(problems),
            hint="give the command a docstring with a summary line and an `Example:` block",
        )
    return sync(project, outputs.command_reference_file(project, reference, output), check=check)


def generate(
    project: Project,
    reference: CommandReference,
    *,
    check: bool = False,
    server_url: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> list[FileStatus]:
    """Every generated file at its default path, from one scratch database."""
    from schemactl.generate import outputs

    progress.phase("building schema/ into a scratch database")
    schema = build(project)
    catalog = outputs.built_catalog(project, schema, server_url)
    progress.phase("rendering")
    return [
        sync(project, outputs.schema_doc_file(project, schema, catalog), check=check),
        sync(project, outputs.types_file(project, catalog), check=check),
        seed_sql(project, check=check),
        commands_doc(project, reference, check=check),
    ]


def act_as_owner(conn: psycopg.Connection, project: Project) -> None:
    """Act as the schema owner in this transaction, as migrations do (docs/design.md: The Supabase stand-in, Triggers and functions)."""
    role = apply_role(conn, project)
    if role:
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
