"""`schemactl apply` and `status`: pending migrations in version order, each in its own
transaction together with its history row, under a session advisory lock (a second
`apply` waits, then finds nothing left to do). An applied migration whose file changed, or
a version in the database that is not in supabase/migrations/, stops everything before a
statement runs.

Behind other sessions' locks: each migration's transaction runs with `lock_timeout` and
`statement_timeout` (`ApplyTimeouts`); a migration that hits the lock timeout is rolled
back and retried after a growing delay, naming the sessions that block it, and after the
last retry apply stops (exit 2) with that migration and the later ones not applied."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from schemactl.errors import SchemactlError
from schemactl.migrations.blockers import BlockerWatch, describe_blockers
from schemactl.migrations.files import (
    MigrationFile,
    MigrationStatement,
    check_cli_split,
    check_transactional,
)
from schemactl.migrations.history import (
    AppliedMigration,
    applied_migrations,
    ensure_history_table,
    record,
)
from schemactl.migrations.online import built_index
from schemactl.migrations.timeouts import ApplyTimeouts, format_ms
from schemactl.pg.failures import database_error
from schemactl.sqlfiles import load_sql

RELOAD_SCHEMA = "notify pgrst, 'reload schema'"


class State(Enum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed since applied"
    UNKNOWN = "unknown (not in supabase/migrations)"
    UNVERIFIED = "applied (recorded without statements)"


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    state: State
    path: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class ApplyResult:
    applied: tuple[MigrationFile, ...]  # applied now (or, for a dry run, that would be)
    up_to_date: tuple[str, ...]  # versions already applied before
    dry_run: bool = False


def migration_status(
    local: Sequence[MigrationFile], applied: Sequence[AppliedMigration]
) -> list[MigrationStatus]:
    """Every version, local or recorded, with its state, in version order."""
    by_version = {m.version: m for m in local}
    recorded = {a.version: a for a in applied}
    result = []
    for version in sorted(set(by_version) | set(recorded), key=lambda v: (int(v), v)):
        migration, row = by_version.get(version), recorded.get(version)
        if migration is None:
            assert row is not None
            result.append(MigrationStatus(version, row.name, State.UNKNOWN))
        elif row is None:
            result.append(MigrationStatus(version, migration.name, State.PENDING, migration.path))
        elif row.statements is None:
            result.append(
                MigrationStatus(version, migration.name, State.UNVERIFIED, migration.path)
            )
        else:
            detail = _difference(migration, row)
            state = State.CHANGED if detail else State.APPLIED
            result.append(MigrationStatus(version, migration.name, state, migration.path, detail))
    return result


def _difference(migration: MigrationFile, row: AppliedMigration) -> str:
    """Empty when the file still says what was applied; else where it starts to differ.
    The recorded statements are usually the file's own chunks, compared as text; else
    (another tool's splitting, a reformatted file) statement by statement, by meaning."""
    if row.statements == migration.history_statements:
        return ""
    local, recorded = migration.digests, row.digests or ()
    for index, (mine, theirs) in enumerate(zip(local, recorded, strict=False)):
        if mine != theirs:
            statement = migration.statements[index]
            return f"statement {index + 1} (line {statement.line}) differs from the applied one"
    if len(local) > len(recorded):
        statement = migration.statements[len(recorded)]
        return (
            f"statement {len(recorded) + 1} (line {statement.line}) was added after it was applied"
        )
    if len(local) < len(recorded):
        return f"{len(recorded) - len(local)} statement(s) removed after it was applied"
    return ""


def apply_migrations(
    conn: psycopg.Connection,
    migrations: Sequence[MigrationFile],
    *,
    role: str | None,
    target: str | None = None,
    dry_run: bool = False,
    include_all: bool = False,
    timeouts: ApplyTimeouts | None = None,
    notify: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Apply what is pending (up to ``target``) on ``conn`` (autocommit), as ``role``;
    ``notify`` hears of each lock timeout that will be retried."""
    if not conn.autocommit:
        raise ValueError("apply_migrations needs a connection in autocommit mode")
    if target is not None and target not in {m.version for m in migrations}:
        raise SchemactlError(
            f"--target {target}: no such migration in supabase/migrations/",
            hint="pass the version (the file name's leading timestamp) of a local migration",
        )
    conn.execute(load_sql("migrations/apply_lock"))
    try:
        return _apply_locked(
            conn,
            migrations,
            role=role,
            target=target,
            dry_run=dry_run,
            include_all=include_all,
            timeouts=timeouts or ApplyTimeouts(),
            notify=notify or _ignore,
        )
    finally:
        if not conn.closed and not conn.broken:
            conn.execute(load_sql("migrations/apply_unlock"))


def _apply_locked(
    conn: psycopg.Connection,
    migrations: Sequence[MigrationFile],
    *,
    role: str | None,
    target: str | None,
    dry_run: bool,
    include_all: bool,
    timeouts: ApplyTimeouts,
    notify: Callable[[str], None],
) -> ApplyResult:
    if not dry_run:
        with conn.transaction():
            _set_timeouts(conn, timeouts)
            _set_role(conn, role)
            ensure_history_table(conn)
    statuses = migration_status(migrations, applied_migrations(conn))
    _refuse_inconsistent_history(statuses)
    applied_versions = [s.version for s in statuses if s.state in (State.APPLIED, State.UNVERIFIED)]
    by_version = {m.version: m for m in migrations}
    pending = [
        by_version[s.version]
        for s in statuses
        if s.state is State.PENDING and (target is None or int(s.version) <= int(target))
    ]
    latest = max((int(v) for v in applied_versions), default=0)
    early = [m for m in pending if int(m.version) < latest]
    if early and not include_all:
        names = ", ".join(m.filename for m in early)
        raise SchemactlError(
            f"pending migration(s) older than the last applied one ({latest}): {names}",
            hint="give them a newer timestamp (rename the file) if they depend on later "
            "ones, or pass --include-all to apply them anyway",
        )
    for migration in pending:
        check_transactional(migration)
        check_cli_split(migration)
    if dry_run:
        return ApplyResult(tuple(pending), tuple(applied_versions), dry_run=True)
    done: list[MigrationFile] = []
    try:
        with BlockerWatch(conn, _watch_interval(timeouts)) as watch:
            for migration in pending:
                _apply_retrying(conn, migration, role, timeouts, watch, notify, done)
                done.append(migration)
    finally:
        if done and not conn.broken:
            conn.execute(RELOAD_SCHEMA)
    return ApplyResult(tuple(done), tuple(applied_versions))


def _ignore(message: str) -> None:
    del message


def _apply_retrying(
    conn: psycopg.Connection,
    migration: MigrationFile,
    role: str | None,
    timeouts: ApplyTimeouts,
    watch: BlockerWatch,
    notify: Callable[[str], None],
    done: Sequence[MigrationFile],
) -> None:
    """One migration in one transaction; retried while it hits the lock timeout."""
    for retry in range(timeouts.lock_retries + 1):
        watch.forget()
        try:
            _apply_one(conn, migration, role, timeouts)
            return
        except _LockTimeout as timeout:
            blockers = describe_blockers(watch.last_seen)
            if retry == timeouts.lock_retries:
                raise _gave_up(migration, timeout, blockers, timeouts, done) from timeout.error
            delay = timeouts.delay_ms(retry + 1)
            notify(
                f"{migration.filename}: lock_timeout ({format_ms(timeouts.lock_timeout_ms)}) "
                f"at statement {timeout.index + 1}, rolled back; {blockers}; "
                f"retry {retry + 1} of {timeouts.lock_retries} in {format_ms(delay)}"
            )
            time.sleep(delay / 1000)


class _LockTimeout(Exception):
    def __init__(self, index: int, statement: MigrationStatement, error: psycopg.Error) -> None:
        super().__init__(str(error))
        self.index, self.statement, self.error = index, statement, error


def _apply_one(
    conn: psycopg.Connection, migration: MigrationFile, role: str | None, timeouts: ApplyTimeouts
) -> None:
    if migration.concurrent:
        _apply_concurrently(conn, migration, role, timeouts)
        return
    with conn.transaction():
        _set_timeouts(conn, timeouts)
        _set_role(conn, role)
        for index, statement in enumerate(migration.statements):
            try:
                conn.execute(statement.sql)
            except pg_errors.LockNotAvailable as exc:
                raise _LockTimeout(index, statement, exc) from exc
            except psycopg.Error as exc:
                raise _failure(migration, index, statement, exc) from exc
        record(conn, migration)


def _apply_concurrently(
    conn: psycopg.Connection, migration: MigrationFile, role: str | None, timeouts: ApplyTimeouts
) -> None:
    """A migration of concurrent index builds: each statement on its own, outside a
    transaction (PostgreSQL refuses CONCURRENTLY in one), then the history row. When one
    fails, the indexes this migration built (or left INVALID) are dropped concurrently: as
    for any migration, nothing of it stays and it can be applied again."""
    built: list[str] = []
    conn.execute(load_sql("migrations/session_timeouts"), _timeout_values(timeouts))
    if role:
        conn.execute(sql.SQL("set role {}").format(sql.Identifier(role)))
    try:
        for index, statement in enumerate(migration.statements):
            name = built_index(statement.sql)
            try:
                conn.execute(statement.sql)
            except psycopg.Error as exc:
                _drop_indexes(conn, [*built, name] if name else built)
                if isinstance(exc, pg_errors.LockNotAvailable):
                    raise _LockTimeout(index, statement, exc) from exc
                raise _failure(migration, index, statement, exc) from exc
            if name:
                built.append(name)
        with conn.transaction():
            record(conn, migration)
    finally:
        if not conn.broken:
            conn.execute("reset role; reset lock_timeout; reset statement_timeout")


def _drop_indexes(conn: psycopg.Connection, names: Sequence[str]) -> None:
    for name in names:
        conn.execute(sql.SQL("drop index concurrently if exists {}").format(sql.SQL(name)))


def _gave_up(
    migration: MigrationFile,
    timeout: _LockTimeout,
    blockers: str,
    timeouts: ApplyTimeouts,
    done: Sequence[MigrationFile],
) -> SchemactlError:
    first_line = timeout.statement.sql.strip().splitlines()[0]
    shown = first_line if len(first_line) <= 80 else first_line[:77] + "..."
    before = (
        f"{len(done)} earlier migration(s) were applied and stay" if done else "nothing applied"
    )
    return SchemactlError(
        f"migration {migration.filename} could not take its locks: statement "
        f"{timeout.index + 1} (`{shown}`) waited longer than lock_timeout "
        f"({format_ms(timeouts.lock_timeout_ms)}) {timeouts.lock_retries + 1} time(s); "
        f"{blockers}; it was rolled back ({before})",
        location=migration.location(timeout.statement, 0),
        hint="end or wait for the blocking transaction, then run `schemactl apply` again "
        "with a longer --lock-timeout or more --lock-retries",
    )


def _watch_interval(timeouts: ApplyTimeouts) -> float:
    """Poll often enough to see a blocker before the lock timeout fires."""
    if timeouts.lock_timeout_ms <= 0:
        return 0.5
    return min(0.5, timeouts.lock_timeout_ms / 4000)


def _set_timeouts(conn: psycopg.Connection, timeouts: ApplyTimeouts) -> None:
    conn.execute(load_sql("migrations/timeouts"), _timeout_values(timeouts))


def _timeout_values(timeouts: ApplyTimeouts) -> dict[str, str]:
    return {
        "lock_timeout": f"{timeouts.lock_timeout_ms}ms",
        "statement_timeout": f"{timeouts.statement_timeout_ms}ms",
    }


def _set_role(conn: psycopg.Connection, role: str | None) -> None:
    if role:
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))


def _refuse_inconsistent_history(statuses: Sequence[MigrationStatus]) -> None:
    unknown = [s.version for s in statuses if s.state is State.UNKNOWN]
    if unknown:
        raise SchemactlError(
            "the database has applied migration(s) that are not in supabase/migrations/: "
            + ", ".join(unknown),
            hint="pull the latest migrations (git pull); if they were removed on purpose, "
            "delete their rows from supabase_migrations.schema_migrations",
        )
    changed = [s for s in statuses if s.state is State.CHANGED]
    if changed:
        first = changed[0]
        raise SchemactlError(
            f"{first.path} was changed after it was applied to this database: {first.detail}",
            hint="applied migrations are immutable: restore the file (git checkout) and put "
            "the change in a new migration with `schemactl diff NAME`",
        )


def _failure(
    migration: MigrationFile, index: int, statement: MigrationStatement, exc: psycopg.Error
) -> SchemactlError:
    diag = exc.diag
    position = int(diag.statement_position) - 1 if diag.statement_position else 0
    first_line = statement.sql.strip().splitlines()[0]
    shown = first_line if len(first_line) <= 80 else first_line[:77] + "..."
    error = database_error(
        exc,
        f"migration {migration.filename} failed at statement {index + 1} (`{shown}`)",
        location=migration.location(statement, max(position, 0)),
        hint="fix the migration (if no database has applied it yet) "
        "or add a new one, then run `schemactl apply` again",
        server_hint_first=True,
    )
    return SchemactlError(
        f"{error.message}; it was rolled back, nothing of it is applied",
        location=error.location,
        hint=error.hint,
    )
