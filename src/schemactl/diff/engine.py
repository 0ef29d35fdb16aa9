"""The diff engine: the DDL that takes one database to the state of another.

1. `results` diffs the two (tables, columns, constraints, indexes, functions, views,
   triggers, policies, types, sequences, RLS flags), restricted to the managed schemas.
2. Its statements are run on the first database (inside a transaction that is rolled
   back), then `catalog_gaps` compares what `results` does not see and adds the
   statements for it.
3. Those run too, and the two databases are compared again, by both: anything still
   different is an error naming it, so a written migration is known to reproduce
   schema/ exactly (round trip) — `diff --check` can then trust an empty diff.

Step 2 compares the state *after* the `results` statements, so a view that `results`
re-creates gets its grants and comments back, and nothing is written twice.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from schemactl.diff.gaps import (
    Environment,
    GapStatements,
    Snapshot,
    differences,
    gap_statements,
    snapshot,
)
from schemactl.diff.results_adapter import results_statements
from schemactl.diff.results_inspection import Scope, inspect, keep_only_common_extensions
from schemactl.errors import SchemactlError
from schemactl.pg.failures import server_message
from schemactl.sqlfiles import load_sql


@dataclass(frozen=True)
class DatabaseState:
    """One side of a diff, as read before anything ran."""

    inspected: Any  # the `results` inspector, narrowed to the scope
    snapshot: Snapshot


@dataclass(frozen=True)
class SchemaDiff:
    before: DatabaseState
    after: DatabaseState
    results: tuple[str, ...]
    gaps: GapStatements

    @property
    def statements(self) -> list[str]:
        return [*self.results, *self.gaps.all]

    @property
    def empty(self) -> bool:
        return not self.statements


def read_state(
    conn: psycopg.Connection, scope: Scope, owner: str, cache: StateCache | None = None
) -> DatabaseState:
    """What a diff needs of a database; from ``cache`` when the database is a kept shadow
    (named after its content, so its state never changes while it exists). Entries are
    keyed by the cluster's system identifier and the database's OID too: after `schemactl
    reset` (a new cluster) or a shadow dropped and made again, an old entry never
    matches."""
    database = conn.info.dbname
    if cache is not None:
        row = conn.execute(load_sql("database_identity")).fetchone()
        database = f"{database}-{row[0] if row else ''}"
        found = cache.load(database, scope, owner)
        if found is not None:
            return found
    state = DatabaseState(inspect(conn, scope), snapshot(conn, sorted(scope.schemas), owner))
    if cache is not None:
        cache.store(database, scope, owner, state)
    return state


@dataclass(frozen=True)
class StateCache:
    """States of kept shadow databases, pickled under `.schemactl/shadow-states/`."""

    directory: Path
    kept: int = 16

    def _path(self, database: str, scope: Scope, owner: str) -> Path:
        import results

        key = hashlib.sha256(
            repr((sorted(scope.schemas), owner, results.__version__, CACHE_FORMAT)).encode()
        ).hexdigest()[:16]
        return self.directory / f"{database}-{key}.pickle"

    def load(self, database: str, scope: Scope, owner: str) -> DatabaseState | None:
        path = self._path(database, scope, owner)
        try:
            with path.open("rb") as stream:
                state = pickle.load(stream)
        except (
            OSError,
            pickle.UnpicklingError,
            AttributeError,
            EOFError,
            ImportError,
            TypeError,
            ValueError,
        ):
            return None
        return state if isinstance(state, DatabaseState) else None

    def store(self, database: str, scope: Scope, owner: str, state: DatabaseState) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(database, scope, owner)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as stream:
            pickle.dump(state, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
        states = sorted(self.directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in states[: -self.kept]:
            old.unlink(missing_ok=True)


CACHE_FORMAT = 3  # 3: inspected states normalised as data (no trigger subclass)


def diff_databases(
    source: psycopg.Connection,
    target: psycopg.Connection,
    *,
    scope: Scope,
    owner: str,
    environment: Environment,
    verify: bool = True,
    cache: StateCache | None = None,
) -> SchemaDiff:
    """The statements taking ``source``'s database to ``target``'s. With ``verify``,
    they are run on ``source`` as ``owner`` (then rolled back) and must leave no
    difference; without, the catalog part is compared on ``source`` as it is."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = pool.submit(read_state, target, scope, owner, cache)
        before = read_state(source, scope, owner, cache)
        after = reading.result()
    found = tuple(results_statements(before.inspected, after.inspected))
    if not verify:
        gaps = gap_statements(
            before.snapshot, after.snapshot, original=before.snapshot, environment=environment
        )
        return SchemaDiff(before, after, found, gaps)
    with source.transaction(force_rollback=True):
        source.execute(sql.SQL("set local role {}").format(sql.Identifier(owner)))
        _run(source, found, "results")
        middle = snapshot(source, sorted(scope.schemas), owner)
        gaps = gap_statements(
            middle, after.snapshot, original=before.snapshot, environment=environment
        )
        _run(source, gaps.all, "catalog")
        _verify(source, scope, owner, after)
    return SchemaDiff(before, after, found, gaps)


def diff_live(
    live: psycopg.Connection,
    target: psycopg.Connection,
    *,
    scope: Scope,
    owner: str,
    environment: Environment,
    baseline: Snapshot,
) -> SchemaDiff:
    """Drift: the statements taking a live database (only read, never changed) to
    ``target``'s state. Supabase's own objects and settings are left alone: extensions
    schema/ does not create, and catalog entries schema/ does not change from the
    stand-in (``baseline``)."""
    with live.transaction(force_rollback=True):
        live.execute("set transaction read only")
        before = read_state(live, scope, owner)
    after = read_state(target, scope, owner)
    keep_only_common_extensions(before.inspected, after.inspected)
    found = tuple(results_statements(before.inspected, after.inspected))
    gaps = gap_statements(
        before.snapshot,
        after.snapshot,
        original=before.snapshot,
        environment=environment,
        live=True,
        baseline=baseline,
    )
    return SchemaDiff(before, after, found, gaps)


def _run(conn: psycopg.Connection, statements: tuple[str, ...] | list[str], origin: str) -> None:
    for statement in statements:
        try:
            conn.execute(statement)
        except psycopg.Error as exc:
            raise SchemactlError(
                f"the generated migration fails on the replayed migrations: "
                f"{server_message(exc)} (in `{statement.strip()[:200]}`, from the {origin} diff)",
                hint="this is a gap in schemactl's diff: write the change by hand in a new "
                "migration (supabase/migrations/<version>_<name>.sql) and report it",
            ) from exc


def _verify(conn: psycopg.Connection, scope: Scope, owner: str, after: DatabaseState) -> None:
    now = read_state(conn, scope, owner)
    remaining = results_statements(now.inspected, after.inspected)
    remaining += differences(now.snapshot, after.snapshot)
    if remaining:
        shown = "; ".join(item.strip().splitlines()[0] for item in remaining[:5])
        more = f" (and {len(remaining) - 5} more)" if len(remaining) > 5 else ""
        raise SchemactlError(
            f"the generated migration does not reproduce schema/ exactly; still different "
            f"after applying it: {shown}{more}",
            hint="this is a gap in schemactl's diff: write the missing change by hand in a "
            "new migration and report it",
        )
