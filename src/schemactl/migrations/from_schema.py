"""`schemactl diff NAME`, `diff --check` and `drift`: shadow databases, the diff engine,
the review header, the migration file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from schemactl.build.builder import build
from schemactl.catalog.reader import API_ROLES, Catalog, read_catalog
from schemactl.config import Project
from schemactl.diff.access_changes import AccessChange, access_changes
from schemactl.diff.engine import SchemaDiff, StateCache, diff_databases, diff_live
from schemactl.diff.gaps import Environment, snapshot
from schemactl.diff.hazards import Destruction, destructive, squawk_findings, statement_hazards
from schemactl.diff.header import Count, counts, render_follow_up_header, render_header
from schemactl.diff.renames import Candidate, parse_renames
from schemactl.diff.results_inspection import Scope, results_api
from schemactl.diff.statement_locks import locks, statement_locks
from schemactl.errors import CheckFailed, SchemactlError
from schemactl.migrations.files import (
    MigrationFile,
    check_cli_split,
    check_name,
    check_transactional,
    new_migration_path,
    next_version,
    read_migrations,
)
from schemactl.migrations.online import OnlineSplit, split_validations
from schemactl.migrations.shadows import (
    Shadow,
    ShadowPlan,
    shadow_databases,
    shadow_server,
    sources_digest,
)
from schemactl.migrations.verdicts import MatchVerdicts, match_key
from schemactl.pg.built_database import build_statements
from schemactl.pg.databases import connect
from schemactl.pg.roles import acting_as
from schemactl.source.supabase_split import split_differences


@dataclass(frozen=True)
class GeneratedMigration:
    """What `diff NAME` wrote (``path`` None: no changes, nothing written)."""

    path: Path | None
    text: str
    statements: tuple[str, ...]
    changes: tuple[Count, ...] = ()
    access: tuple[AccessChange, ...] = ()
    hazard_count: int = 0
    follow_up: Path | None = None  # validates what ``path`` adds NOT VALID (migrations.online)
    follow_up_text: str = ""


@dataclass(frozen=True)
class Drift:
    statements: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.statements


def generate_migration(
    project: Project,
    name: str,
    *,
    shadow_url: str | None = None,
    allow_destructive: bool = False,
    renames: Sequence[str] = (),
    now: datetime | None = None,
) -> GeneratedMigration:
    """Write `supabase/migrations/<version>_<name>.sql` taking the migrations to schema/.
    ``renames``: `--rename` values (TABLE.OLD=NEW, TABLE=NEW). A drop and an add that may
    be a rename (`schemactl.diff.renames`) is refused unless renamed or
    ``allow_destructive``."""
    check_name(name)
    requested = parse_renames(renames)
    migrations = read_migrations(project)
    with _compared(project, migrations, shadow_url, verify=True, renames=requested) as compared:
        assert compared is not None  # only `remembered` comparisons are skipped
        diff, before_catalog, after_catalog, pg_version = compared
    assert before_catalog is not None and after_catalog is not None
    if diff.candidates and not allow_destructive:
        candidate = diff.candidates[0]
        more = len(diff.candidates) - 1
        raise SchemactlError(
            f"refusing to write a migration that may lose a rename's data: "
            f"{candidate.message}{f' (and {more} more)' if more else ''}",
            hint=f"run again with --rename {candidate.rename.option} to rename it (data kept), "
            "or with --allow-destructive to drop and add (data lost)",
        )
    if diff.empty:
        return GeneratedMigration(None, "", ())
    states = (diff.before.inspected, diff.compared.inspected)
    existing = {f"{v.schema}.{v.name}" for state in states for v in state.relations.values()}
    online = split_validations(diff.statements, existing)
    statements = list(online.first)
    body, lines = _body(statements)
    _check_cli_split(body, lines, statements)
    columns = _columns(diff)
    destructions = [
        (line, _not_renamed(d, diff.candidates))
        for line, statement in zip(lines, statements, strict=True)
        for d in destructive([statement], columns)
    ]
    if destructions and not allow_destructive:
        _, first = destructions[0]
        others = f" (and {len(destructions) - 1} more)" if len(destructions) > 1 else ""
        raise SchemactlError(
            f"refusing to write a migration that deletes data: `{_short(first.statement)}` "
            f"{first.what}{others}",
            hint="if that is intended, run again with --allow-destructive; otherwise put "
            "the object back in schema/",
        )
    index_tables = {
        f"{i.schema}.{i.name}": f"{i.schema}.{i.table_name}"
        for state in states
        for i in state.indexes.values()
    }
    hazards = squawk_findings(
        body, pg_version, statements, lines, existing, index_tables
    ) + statement_hazards(statements, lines)
    held = locks(statements, lines, existing, index_tables)
    access = access_changes(before_catalog, after_catalog)
    version = next_version(migrations, now)
    path = new_migration_path(project, version, name)
    follow_up = (
        new_migration_path(project, str(int(version) + 1), f"{name}_validate")
        if online.validations
        else None
    )
    changes = counts(diff)

    def header(offset: int) -> list[str]:
        return render_header(
            filename=path.name,
            name=name,
            changes=changes,
            hazards=[h.__class__(h.line + offset, h.rule, h.message) for h in hazards],
            locks=[
                lock.__class__(lock.table, lock.mode, tuple(n + offset for n in lock.lines))
                for lock in held
            ],
            destructions=[(line + offset, d) for line, d in destructions],
            access=access,
            follow_up=follow_up.name if follow_up else None,
            statement_locks=[
                (line + offset, what)
                for line, what in statement_locks(statements, lines, existing, index_tables)
            ],
        )

    offset = len(header(0)) + 1
    text = "\n".join(header(offset)) + "\n\n" + body
    follow_up_text = (
        _follow_up_text(follow_up, name, path.name, online, existing, index_tables)
        if follow_up
        else ""
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    if follow_up:
        follow_up.write_text(follow_up_text, encoding="utf-8")
    return GeneratedMigration(
        path,
        text,
        tuple(statements),
        tuple(changes),
        tuple(access),
        len(hazards) + len(held),
        follow_up,
        follow_up_text,
    )


def _follow_up_text(
    path: Path,
    name: str,
    first: str,
    online: OnlineSplit,
    existing: set[str],
    index_tables: dict[str, str],
) -> str:
    """The migration validating what the first one added NOT VALID (migrations.online)."""
    body, lines = _body(online.validations)

    def header(offset: int) -> list[str]:
        shifted = [n + offset for n in lines]
        return render_follow_up_header(
            filename=path.name,
            name=name,
            first=first,
            validated=online.validated,
            locks=locks(online.validations, shifted, existing, index_tables),
            statement_locks=statement_locks(online.validations, shifted, existing, index_tables),
        )

    offset = len(header(0)) + 1
    return "\n".join(header(offset)) + "\n\n" + body


def check_migrations(project: Project, *, shadow_url: str | None = None) -> int:
    """CI gate: raises CheckFailed when supabase/migrations/ does not produce schema/;
    returns how many migrations were replayed."""
    migrations = read_migrations(project)
    with _compared(
        project, migrations, shadow_url, verify=False, catalogs=False, remembered=True
    ) as compared:
        if compared is None:
            return len(migrations)
        diff = compared[0]
    if not diff.empty:
        missing = [s for s in diff.statements if not s.lower().startswith("set ")]
        if not missing:
            others = len(diff.unwritable) - 1
            raise CheckFailed(
                f"supabase/migrations/ does not match schema/: {diff.unwritable[0]}"
                f"{f' (and {others} more)' if others else ''}",
                hint="write that migration by hand, then run `schemactl diff --check` again",
            )
        shown = "; ".join(_short(s.rstrip(";")) for s in missing[:3])
        more = f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""
        raise CheckFailed(
            f"supabase/migrations/ does not match schema/: {len(missing)} "
            f"statement(s) missing: {shown}{more}",
            hint="run `schemactl diff NAME` to write the migration, review and commit it",
        )
    return len(migrations)


def drift(project: Project, target_url: str, *, shadow_url: str | None = None) -> Drift:
    """DDL that would bring the database at ``target_url`` to schema/ (empty: none)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        imported = pool.submit(results_api)
        with (
            shadow_server(project, shadow_url) as where,
            shadow_databases(
                where,
                project,
                [
                    ShadowPlan("the stand-in", "nothing"),
                    ShadowPlan(
                        "schema/", sources_digest(project), lambda: build_statements(build(project))
                    ),
                ],
            ) as (baseline, built),
        ):
            imported.result()
            scope = _scope(built)
            with (
                connect(target_url) as live,
                connect(baseline.url) as base,
                connect(built.url) as target,
            ):
                diff = diff_live(
                    live,
                    target,
                    scope=scope,
                    owner=project.owner_role,
                    environment=_environment(project),
                    baseline=snapshot(base, sorted(scope.schemas), project.owner_role),
                )
    return Drift((*diff.statements, *(f"-- {line}" for line in diff.unwritable)))


@contextmanager
def _compared(
    project: Project,
    migrations: Sequence[MigrationFile],
    shadow_url: str | None,
    *,
    verify: bool,
    catalogs: bool = True,
    remembered: bool = False,
    renames: Sequence[tuple[list[str], str]] = (),
) -> Iterator[tuple[SchemaDiff, Catalog | None, Catalog | None, int] | None]:
    """Shadows for supabase/migrations/ and schema/, and the diff between them. The
    Python work (parsing the migrations, importing `results`, building schema/ unless a
    shadow already holds it) runs while the server starts. With ``remembered``, None
    when kept shadows are a pair already found to match (`verdicts`)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        parsed = pool.submit(_checked, migrations)
        with shadow_server(project, shadow_url) as where:
            verdicts = MatchVerdicts(project.state_dir / "check-verdicts")
            # On a throwaway server nothing is remembered: import while it starts.
            imported = pool.submit(results_api) if not where.keeps else None
            built = None if where.keeps else pool.submit(build, project)
            plans = [
                ShadowPlan.of_migrations(parsed.result()),
                ShadowPlan(
                    "schema/",
                    sources_digest(project),
                    lambda: build_statements(built.result() if built else build(project)),
                ),
            ]
            with shadow_databases(where, project, plans) as (replayed, target):
                key = None
                if remembered and where.keeps:
                    with connect(target.url) as goal:
                        key = match_key(
                            project, replayed, target, str(goal.info.server_version), API_ROLES
                        )
                    if verdicts.known(key):
                        yield None
                        return
                if imported is not None:
                    imported.result()
                scope = _scope(replayed, target)
                with connect(replayed.url) as source, connect(target.url) as goal:
                    before_catalog = after_catalog = None
                    if catalogs:
                        before_catalog = read_catalog(source, sorted(scope.schemas), API_ROLES)
                        after_catalog = read_catalog(goal, sorted(scope.schemas), API_ROLES)
                    cache = StateCache(project.state_dir / "shadow-states") if where.keeps else None
                    diff = diff_databases(
                        source,
                        goal,
                        scope=scope,
                        owner=project.owner_role,
                        environment=_environment(project),
                        verify=verify,
                        cache=cache,
                        renames=renames,
                    )
                    if catalogs and diff.rename_statements:
                        before_catalog = _renamed_catalog(
                            source, diff.rename_statements, scope, project.owner_role
                        )
                    yield diff, before_catalog, after_catalog, _major_version(source)
                if key is not None and diff.empty:
                    verdicts.remember(key)


def _check_cli_split(body: str, lines: Sequence[int], statements: Sequence[str]) -> None:
    """The migration about to be written splits in the Supabase CLI as in PostgreSQL."""
    differences = split_differences(body)
    if not differences:
        return
    first = differences[0]
    index = max(i for i, line in enumerate(lines) if line <= first.line)
    raise SchemactlError(
        f"refusing to write a migration `supabase db push` would misread: "
        f"`{_short(statements[index])}`: {first.message_without_lines}",
        hint="change the object in schema/ so that its definition avoids the construct",
    )


def _renamed_catalog(
    conn: psycopg.Connection, renames: Sequence[str], scope: Scope, owner: str
) -> Catalog:
    """The catalog after the renames (rolled back): access changes then compare the
    renamed objects, not a policy whose text changed only by a renamed column."""
    with conn.transaction(force_rollback=True), acting_as(conn, owner):
        for statement in renames:
            conn.execute(statement)
        return read_catalog(conn, sorted(scope.schemas), API_ROLES)


def _checked(migrations: Sequence[MigrationFile]) -> Sequence[MigrationFile]:
    """The migrations, parsed, each able to run in one transaction."""
    for migration in migrations:
        check_transactional(migration)
        check_cli_split(migration)
    return migrations


def _scope(*shadows: Shadow) -> Scope:
    """`public` and every schema that the migrations or schema/ create."""
    schemas = {"public"}
    for shadow in shadows:
        schemas |= shadow.schemas_added
    return Scope(frozenset(schemas))


def _environment(project: Project) -> Environment:
    return Environment(API_ROLES, project.exposed_schemas)


def _major_version(conn: psycopg.Connection) -> int:
    return conn.info.server_version // 10000


def _body(statements: Sequence[str]) -> tuple[str, list[int]]:
    """The statements, a blank line between them; and the line each starts on."""
    lines, line = [], 1
    for statement in statements:
        lines.append(line)
        line += statement.count("\n") + 2
    return "\n\n".join(statements) + "\n", lines


def _not_renamed(destruction: Destruction, found: Sequence[Candidate]) -> Destruction:
    """A dropped column or table that may have been renamed says so in the header."""
    for candidate in found:
        rename = candidate.rename
        schema, table = rename.table
        dropped = (
            f"drops column {schema}.{table}.{rename.old} "
            if rename.column
            else f"drops table {schema}.{table} "
        )
        if destruction.what.startswith(dropped):
            return Destruction(
                destruction.statement,
                f"{destruction.what}: data in the {'column' if rename.column else 'table'} "
                f"is lost, not renamed to {rename.new} (--rename {rename.option} keeps it)",
            )
    return destruction


def _columns(diff: SchemaDiff) -> dict[tuple[str, str], tuple[str, bool]]:
    return {
        (f"{table.schema}.{table.name}", name): (column.dbtypestr, bool(column.is_generated))
        for state in (diff.before.inspected, diff.compared.inspected)
        for table in state.tables.values()
        for name, column in table.columns.items()
    }


def _short(statement: str) -> str:
    line = " ".join(statement.split())
    return line if len(line) <= 100 else line[:97] + "..."
