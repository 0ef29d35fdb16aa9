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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg

from schemactl.diff.gaps import (
    Environment,
    GapStatements,
    Snapshot,
    gap_statements,
    snapshot,
)
from schemactl.diff.inheritance import with_only_local_columns
from schemactl.diff.inspected import Inspection
from schemactl.diff.renames import Candidate, Rename, candidates, derived_renames, resolve
from schemactl.diff.results_adapter import results_statements
from schemactl.diff.results_inspection import Scope, inspect, keep_only_common_extensions
from schemactl.diff.snapshot_differences import differences, inheritance_differences
from schemactl.errors import SchemactlError
from schemactl.pg.failures import server_message
from schemactl.pg.roles import acting_as
from schemactl.sqlfiles import load_sql


@dataclass(frozen=True)
class DatabaseState:
    """One side of a diff, as read before anything ran."""

    inspected: Inspection  # the `results` inspector, narrowed to the scope
    snapshot: Snapshot
    extension_defaults: dict[str, str]  # name -> the version its server installs by default


@dataclass(frozen=True)
class SchemaDiff:
    before: DatabaseState
    after: DatabaseState
    results: tuple[str, ...]
    gaps: GapStatements
    renames: tuple[Rename, ...] = ()
    rename_statements: tuple[str, ...] = ()  # the renames, then names derived from them
    renamed: DatabaseState | None = None  # ``before`` after the renames (None: none)
    candidates: tuple[Candidate, ...] = ()  # drops and adds that may be renames

    @property
    def statements(self) -> list[str]:
        return [*self.rename_statements, *self.results, *self.gaps.all]

    @property
    def unwritable(self) -> list[str]:
        """Differences no statement can fix (see `inheritance_differences`)."""
        return inheritance_differences(self.compared.snapshot, self.after.snapshot)

    @property
    def compared(self) -> DatabaseState:
        """The state the rest of the migration starts from (after the renames)."""
        return self.renamed or self.before

    @property
    def empty(self) -> bool:
        return not self.statements and not self.unwritable


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
    defaults: dict[str, str] = dict(conn.execute(load_sql("extension_defaults")).fetchall())
    state = DatabaseState(
        inspect(conn, scope), snapshot(conn, sorted(scope.schemas), owner), defaults
    )
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


# 3: inspected states normalised as data; 4: extension default versions; 5: inherited
# columns in the snapshot
CACHE_FORMAT = 5


def diff_databases(
    source: psycopg.Connection,
    target: psycopg.Connection,
    *,
    scope: Scope,
    owner: str,
    environment: Environment,
    verify: bool = True,
    cache: StateCache | None = None,
    renames: Sequence[tuple[list[str], str]] = (),
) -> SchemaDiff:
    """The statements taking ``source``'s database to ``target``'s. With ``verify``,
    they are run on ``source`` as ``owner`` (then rolled back) and must leave no
    difference; without, the catalog part is compared on ``source`` as it is.
    ``renames`` (`--rename` values, parsed; with ``verify`` only) come first, and the
    rest is diffed from the renamed database."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        reading = pool.submit(read_state, target, scope, owner, cache)
        before = read_state(source, scope, owner, cache)
        after = reading.result()
    resolved = tuple(resolve(renames, before.inspected, after.inspected))
    remaining = tuple(candidates(before.inspected, after.inspected, resolved))
    if resolved:
        if not verify:
            raise ValueError("renames are written only by a verified diff")
        return _diff_with_renames(
            source, before, after, resolved, remaining, scope, owner, environment
        )
    found = _results(before, after)
    if not verify:
        gaps = gap_statements(
            before.snapshot, after.snapshot, original=before.snapshot, environment=environment
        )
        return SchemaDiff(before, after, found, gaps)
    with source.transaction(force_rollback=True), acting_as(source, owner):
        gaps = _apply_verified(source, found, before, after, scope, owner, environment)
    return SchemaDiff(before, after, found, gaps, candidates=remaining)


def _apply_verified(
    source: psycopg.Connection,
    found: tuple[str, ...],
    start: DatabaseState,
    after: DatabaseState,
    scope: Scope,
    owner: str,
    environment: Environment,
) -> GapStatements:
    """Run `results`' statements on ``source`` (at ``start``, inside the caller's rolled-back
    transaction), then the catalog gaps they leave; raise unless that reaches ``after``."""
    _run(source, found, "results")
    middle = snapshot(source, sorted(scope.schemas), owner)
    gaps = gap_statements(middle, after.snapshot, original=start.snapshot, environment=environment)
    _run(source, gaps.all, "catalog")
    _verify(source, scope, owner, after)
    return gaps


def _diff_with_renames(
    source: psycopg.Connection,
    before: DatabaseState,
    after: DatabaseState,
    renames: tuple[Rename, ...],
    remaining: tuple[Candidate, ...],
    scope: Scope,
    owner: str,
    environment: Environment,
) -> SchemaDiff:
    """The renames run first; the rest of the diff starts from the renamed database."""
    with source.transaction(force_rollback=True), acting_as(source, owner):
        renaming = [rename.statement for rename in renames]
        _run(source, renaming, "rename")
        renamed = read_state(source, scope, owner)
        derived = derived_renames(
            renames,
            renamed.inspected,
            after.inspected,
            _sequences(renamed.snapshot),
            _sequences(after.snapshot),
        )
        if derived:
            _run(source, derived, "rename")
            renamed = read_state(source, scope, owner)
        found = _results(renamed, after)
        gaps = _apply_verified(source, found, renamed, after, scope, owner, environment)
    return SchemaDiff(
        before,
        after,
        found,
        gaps,
        renames=renames,
        rename_statements=(*renaming, *derived),
        renamed=renamed,
        candidates=remaining,
    )


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
    found = _results(before, after, live=True)
    gaps = gap_statements(
        before.snapshot,
        after.snapshot,
        original=before.snapshot,
        environment=environment,
        live=True,
        baseline=baseline,
    )
    return SchemaDiff(before, after, found, gaps)


def _results(before: DatabaseState, after: DatabaseState, *, live: bool = False) -> tuple[str, ...]:
    found = results_statements(
        before.inspected, after.inspected, after.extension_defaults, live=live
    )
    return tuple(with_only_local_columns(found, after.inspected, after.snapshot.inherited))


def _sequences(state: Snapshot) -> set[str]:
    return {identity for kind, identity, _ in state.objects if kind == "sequence"}


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
    remaining = results_statements(now.inspected, after.inspected, after.extension_defaults)
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
