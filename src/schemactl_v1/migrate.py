"""`migrate-v1`: every V1 row into V2 or into the quarantine, in one transaction (docs/design.md: The V1 transition).

The work is SQL installed into the schema `migration` (schemactl_v1/sql): this module
orders the steps, cuts the big tables into id ranges (for a progress bar), and reads the
books. Steps: clients changed/deleted since the last run (per row), new clients and their
contacts (set-based, merging by CNPJ), opportunities changed/deleted (per row), new
opportunities (set-based, contact_ids from their client's contacts), contacts of deals
migrated before those were taken from V1, lines of changed opportunities (per
opportunity), new lines (set-based).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from schemactl.api import NO_PROGRESS, Progress, SchemactlError
from schemactl_v1.failures import database_failure
from schemactl_v1.install import V1_TABLES, install_migration
from schemactl_v1.sqlfiles import load_sql

CHUNK_ROWS = {"clients": 2_000, "opportunities": 5_000, "opportunity_products": 5_000}
LOCK_TIMEOUT = "60s"
# Hash joins and sorts over 100k-row sets stay in memory (the default 4MB spills to disk).
WORK_MEM = "64MB"
BOOKS = ("migration.v1_id_map", "migration.v1_quarantine")
ANALYZED = (
    "public.organizations",
    "public.contacts",
    "public.organization_contacts",
    "public.deals",
    "public.deal_products",
    "migration.v1_id_map",
    "migration.v1_quarantine",
    "migration.v1_contact_map",
    "migration.v1_deal_contacts",
)


@dataclass(frozen=True)
class KindBooks:
    """Where the V1 rows of one kind stand after the run."""

    kind: str
    v1_rows: int
    migrated: int
    merged: int
    quarantined: int
    change: int = 0  # net change of `migrated` by this run
    reapplied: int = 0  # rows re-applied by this run: changed or deleted in V1 since


@dataclass(frozen=True)
class MigrationReport:
    books: tuple[KindBooks, ...]
    dry_run: bool
    seconds: float
    default_owner: str | None
    results: dict[str, Counter[str]] = field(default_factory=dict)

    def kind(self, name: str) -> KindBooks:
        return next(b for b in self.books if b.kind == name)


def read_books(conn: psycopg.Connection) -> dict[str, KindBooks]:
    rows = conn.execute(load_sql("summary")).fetchall()
    return {
        kind: KindBooks(kind, v1, migrated, merged, quarantined)
        for kind, v1, migrated, merged, quarantined in rows
    }


def migrate(
    conn: psycopg.Connection,
    *,
    default_owner: str | None = None,
    dry_run: bool = False,
    progress: Progress = NO_PROGRESS,
) -> MigrationReport:
    """Run the migration in the caller's transaction (which the caller commits, or rolls
    back for a dry run). The connection's role must be the schema owner, a superuser or
    service_role, for bulk-import mode (docs/design.md: Triggers and functions)."""
    started = time.perf_counter()
    try:
        conn.execute("set local schemactl.bulk_import = on")
        conn.execute("set local statement_timeout = 0")
        conn.execute(f"set local work_mem = '{WORK_MEM}'")
        conn.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        install_migration(conn)
        _lock_v1(conn)
        owner_email = _settle_default_owner(conn, default_owner)
        before = read_books(conn)
        results = _run_steps(conn, progress)
        after = read_books(conn)
    except psycopg.errors.LockNotAvailable as exc:
        raise SchemactlError(
            f"the V1 tables stayed locked for {LOCK_TIMEOUT}",
            hint="another migrate-v1 or a long V1 transaction is running; try again",
        ) from exc
    except psycopg.Error as exc:
        raise database_failure(exc, "migrate-v1") from exc
    books = tuple(_with_run(after[k], before[k], results.get(k, Counter())) for k in after)
    return MigrationReport(books, dry_run, time.perf_counter() - started, owner_email, results)


def _lock_v1(conn: psycopg.Connection) -> None:
    """V1 writers wait until the migration commits (so no V1 row changes half-way), and a
    second migrate-v1 waits for the first (SHARE ROW EXCLUSIVE conflicts with itself)."""
    tables = sql.SQL(", ").join(sql.Identifier("v1", t) for t in V1_TABLES)
    conn.execute(sql.SQL("lock table {} in share row exclusive mode").format(tables))


def _settle_default_owner(conn: psycopg.Connection, email: str | None) -> str | None:
    """Store --default-owner (a V2 user's email) for this run, re-runs and dual-write;
    without it, the one given before (if any) stays."""
    if email is not None:
        row = conn.execute(
            "select id from public.users where lower(email) = lower(btrim(%s))", [email]
        ).fetchone()
        if row is None:
            raise SchemactlError(
                f"--default-owner {email}: no V2 user has this email",
                hint="invite the user first (public.users), or name another one",
            )
        conn.execute(
            "update migration.v1_settings set default_owner_id = %(id)s "
            "where id and default_owner_id is distinct from %(id)s",
            {"id": row[0]},
        )
    row = conn.execute(
        "select u.email from migration.v1_settings as s "
        "join public.users as u on u.id = s.default_owner_id where s.id"
    ).fetchone()
    return row[0] if row else None


def _run_steps(conn: psycopg.Connection, progress: Progress) -> dict[str, Counter[str]]:
    results: dict[str, Counter[str]] = {
        "client": Counter(),
        "opportunity": Counter(),
        "opportunity_product": Counter(),
    }
    results["client"].update(_call(conn, "migration.resync_clients()"))
    _by_range(conn, "clients", "migration.migrate_clients", results["client"], progress)
    if _changed(results["client"]):
        _analyze(conn)
    results["opportunity"].update(_call(conn, "migration.resync_opportunities()"))
    _by_range(
        conn, "opportunities", "migration.migrate_opportunities", results["opportunity"], progress
    )
    conn.execute("select migration.resync_deal_contacts()")
    if _changed(results["opportunity"]):
        _analyze(conn)
    results["opportunity_product"].update(_call(conn, "migration.resync_lines()"))
    _lines_by_opportunity_range(conn, results["opportunity_product"], progress)
    if any(_changed(r) for r in results.values()):
        _analyze(conn)
    return results


def _changed(results: Counter[str]) -> bool:
    """Whether a step mapped, re-applied or removed rows (re-evaluating the quarantine
    to the same verdict changes nothing)."""
    return any(results[r] for r in ("migrated", "merged", "updated", "removed"))


def _analyze(conn: psycopg.Connection, tables: tuple[str, ...] = ANALYZED) -> None:
    """Statistics of the tables this transaction filled so far (ANALYZE counts the
    transaction's own rows): plans of the next steps would otherwise assume them empty,
    and so would `parity` right after the commit, until autovacuum comes by."""
    conn.execute(
        sql.SQL("analyze {}").format(
            sql.SQL(", ").join(sql.Identifier(*name.split(".")) for name in tables)
        )
    )


def _call(
    conn: psycopg.Connection, function: str, params: tuple[int | None, int | None] | None = None
) -> Counter[str]:
    query = f"select result, rows from {function}"  # function names are our constants
    rows = conn.execute(query, params).fetchall() if params else conn.execute(query).fetchall()
    return Counter({result: rows_ for result, rows_ in rows})


def _ranges(conn: psycopg.Connection, table: str) -> tuple[list[tuple[int, int]], int]:
    """Consecutive id ranges of CHUNK_ROWS rows each (covering every id), and the count."""
    query = sql.SQL(
        "select id from ("
        "select id, row_number() over (order by id) as n from {}) as t "
        "where (n - 1) % {} = 0 order by id"
    ).format(sql.Identifier("v1", table), sql.Literal(CHUNK_ROWS[table]))
    rows = conn.execute(query).fetchall()
    if not rows:
        return [], 0
    starts = [r[0] for r in rows]
    total = conn.execute(
        sql.SQL("select count(*), max(id) from {}").format(sql.Identifier("v1", table))
    ).fetchone()
    assert total is not None
    ends = [nxt - 1 for nxt in starts[1:]] + [total[1]]
    return list(zip(starts, ends, strict=True)), total[0]


def _by_range(
    conn: psycopg.Connection, table: str, function: str, into: Counter[str], progress: Progress
) -> None:
    ranges, total = _ranges(conn, table)
    count_query = sql.SQL("select count(*) from {} where id between %s and %s").format(
        sql.Identifier("v1", table)
    )
    progress.phase(f"migrating v1.{table}", total=total)
    for lo, hi in ranges:
        chunk = _call(conn, f"{function}(%s, %s)", (lo, hi))
        into.update(chunk)
        if _changed(chunk):
            _analyze(conn, BOOKS)
        done = conn.execute(count_query, [lo, hi]).fetchone()
        progress.advance(done[0] if done else 0)


def _lines_by_opportunity_range(
    conn: psycopg.Connection, into: Counter[str], progress: Progress
) -> None:
    """New lines, a range of opportunities at a time (all lines of a deal together)."""
    ranges, _ = _ranges(conn, "opportunities")
    total_row = conn.execute("select count(*) from v1.opportunity_products").fetchone()
    count_query = (
        "select count(*) from v1.opportunity_products where opportunity_id between %s and %s"
    )
    progress.phase("migrating v1.opportunity_products", total=total_row[0] if total_row else 0)
    into.update(_call(conn, "migration.migrate_lines(%s, %s)", (None, None)))
    orphans = conn.execute(
        "select count(*) from v1.opportunity_products where opportunity_id is null"
    ).fetchone()
    progress.advance(orphans[0] if orphans else 0)
    for lo, hi in ranges:
        chunk = _call(conn, "migration.migrate_lines(%s, %s)", (lo, hi))
        into.update(chunk)
        if _changed(chunk):
            _analyze(conn, BOOKS)
        done = conn.execute(count_query, [lo, hi]).fetchone()
        progress.advance(done[0] if done else 0)


def _with_run(after: KindBooks, before: KindBooks, results: Counter[str]) -> KindBooks:
    reapplied = sum(results[r] for r in ("updated", "removed")) if results else 0
    return KindBooks(
        after.kind,
        after.v1_rows,
        after.migrated,
        after.merged,
        after.quarantined,
        change=after.migrated - before.migrated,
        reapplied=reapplied,
    )
