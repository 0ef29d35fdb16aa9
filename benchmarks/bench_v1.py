"""V1 -> V2 migration benchmark (docs/design.md: The V1 transition): migrate 50k messy V1 opportunities (with their
clients, emails and product lines, from tests/v1/generator.py) with `migrate-v1`, then
`parity`, a second run with nothing to do, and the cost of dual-write on single-row V1
writes (with vs without the triggers) — in one run.

    .venv/bin/python -m benchmarks.bench_v1 [--project DIR] [--json PATH]
        [--opportunities 50000] [--runs 1] [--writes 500]

Each run uses a fresh clone of the template database (stand-in + schema + seeds) on a
throwaway server; figures are medians over the runs. Each migration is checked: every V1
row mapped or quarantined, parity clean, the second run writes nothing.

Prints a table and writes the figures to benchmarks/results/v1.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from tests.v1.generator import DEFAULT_OWNER, OWNERS, generate

from schemactl.config import load_project
from schemactl.pg.server import find_binaries, throwaway_server
from schemactl.testing import acting_as
from schemactl.testing.session import TestDatabases
from schemactl_v1 import commands
from schemactl_v1.install import create_v1_schema

ROOT = Path(__file__).resolve().parent.parent

MODE = "opt-in"
SEED = 20251002
TARGET_SECONDS = 60.0
APP_ROLE = "stagetek_v1_app"


class PhaseClock:
    """A `schemactl.progress.Progress` that times the phases of migrate-v1."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._name: str | None = None
        self._started = time.perf_counter()

    def phase(self, description: str, total: int | None = None) -> None:
        del total
        self._close()
        self._name, self._started = description, time.perf_counter()

    def advance(self, steps: int = 1) -> None:
        del steps

    def _close(self) -> None:
        if self._name is not None:
            self.seconds[self._name] = time.perf_counter() - self._started

    def finish(self) -> dict[str, float]:
        self._close()
        self._name = None
        return self.seconds


@dataclass
class Run:
    migrate_s: float
    phases_s: dict[str, float]
    parity_s: float
    rerun_s: float
    write_with_ms: float
    write_without_ms: float
    books: dict[str, dict[str, int]] = field(default_factory=dict)


def prepare(conn: psycopg.Connection, name: str, owner_role: str, opportunities: int) -> None:
    conn.execute(
        sql.SQL("grant create on database {} to {}").format(
            sql.Identifier(name), sql.Identifier(owner_role)
        )
    )
    for email in (*OWNERS, DEFAULT_OWNER):
        conn.execute("insert into auth.users (email) values (%s)", [email])
    conn.execute("update public.users set is_active = true")
    conn.execute(f"""do $$ begin
        if not exists (select from pg_roles where rolname = '{APP_ROLE}') then
            create role {APP_ROLE} nologin;
        end if; end $$""")
    generated = generate(SEED, clients=opportunities // 5, opportunities=opportunities)
    with acting_as(conn, owner_role):
        create_v1_schema(conn)
        generated.data.insert(conn)
        conn.execute(f"grant usage on schema v1 to {APP_ROLE}")
        conn.execute(
            f"grant select, insert, update, delete on all tables in schema v1 to {APP_ROLE}"
        )
        conn.execute(f"grant usage on all sequences in schema v1 to {APP_ROLE}")
    conn.execute("vacuum analyze")


def single_row_writes(conn: psycopg.Connection, writes: int) -> float:
    """Milliseconds per V1 write of the old app (as its role, one transaction each): an
    opportunity inserted, then updated to won."""
    client = conn.execute("select min(id) from v1.clients").fetchone()
    assert client is not None
    started = time.perf_counter()
    for i in range(writes):
        with acting_as(conn, APP_ROLE):
            row = conn.execute(
                "insert into v1.opportunities (client_id, title, value, status, owner_email) "
                "values (%s, %s, 1000, 'aberto', %s) returning id",
                [client[0], f"Bench {i}", OWNERS[i % len(OWNERS)]],
            ).fetchone()
            assert row is not None
        with acting_as(conn, APP_ROLE):
            conn.execute("update v1.opportunities set status = 'ganho' where id = %s", [row[0]])
    return (time.perf_counter() - started) * 1000 / (2 * writes)


def run_once(databases: TestDatabases, opportunities: int, writes: int) -> Run:
    project = databases.project
    with databases.committed(MODE) as database:
        conn = database.connection
        prepare(conn, database.name, project.owner_role, opportunities)
        clock = PhaseClock()
        started = time.perf_counter()
        report = commands.migrate_v1(
            project, database.url, default_owner=DEFAULT_OWNER, progress=clock
        )
        migrate_s = time.perf_counter() - started
        phases = clock.finish()

        started = time.perf_counter()
        parity = commands.parity(project, database.url)
        parity_s = time.perf_counter() - started
        assert parity.ok, parity.mismatches[:5]
        for book in report.books:
            if book.kind in ("client", "opportunity", "opportunity_product"):
                assert book.v1_rows == book.migrated + book.quarantined, book

        started = time.perf_counter()
        again = commands.migrate_v1(project, database.url)
        rerun_s = time.perf_counter() - started
        assert all((b.change, b.reapplied) == (0, 0) for b in again.books), again.books

        without = single_row_writes(conn, writes)
        commands.dual_write(project, True, database.url)
        # the rows written before dual-write was on: picked up by a re-run
        caught_up = commands.migrate_v1(project, database.url)
        assert caught_up.kind("opportunity").change == writes, caught_up.books
        with_triggers = single_row_writes(conn, writes)
        parity = commands.parity(project, database.url)
        assert parity.ok, parity.mismatches[:5]
    return Run(
        migrate_s,
        phases,
        parity_s,
        rerun_s,
        with_triggers,
        without,
        {
            b.kind: {
                "v1_rows": b.v1_rows,
                "migrated": b.migrated,
                "merged": b.merged,
                "quarantined": b.quarantined,
            }
            for b in report.books
        },
    )


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "v1.json")
    parser.add_argument("--opportunities", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--writes", type=int, default=500)
    args = parser.parse_args(argv)

    load_project(args.project)
    binaries = find_binaries()
    with throwaway_server(binaries) as server:
        databases = TestDatabases(args.project, server.url(), docker=False)
        try:
            databases.template(MODE)
            runs = [run_once(databases, args.opportunities, args.writes) for _ in range(args.runs)]
        finally:
            databases.close()

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    migrate_s = median([r.migrate_s for r in runs])
    figures = {
        "migrate_s": migrate_s,
        "opportunities_per_s": round(args.opportunities / migrate_s),
        "phases_s": {name: median([r.phases_s[name] for r in runs]) for name in runs[0].phases_s},
        "parity_s": median([r.parity_s for r in runs]),
        "second_run_s": median([r.rerun_s for r in runs]),
        "v1_write_with_dual_write_ms": median([r.write_with_ms for r in runs]),
        "v1_write_without_dual_write_ms": median([r.write_without_ms for r in runs]),
    }
    report: dict[str, object] = {
        "benchmark": "v1",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
            "postgres": f"{binaries.version} ({binaries.origin}: {binaries.bindir})",
        },
        "opportunities": args.opportunities,
        "runs": args.runs,
        "target": f"migrate-v1 < {TARGET_SECONDS:.0f} s",
        "ok": migrate_s < TARGET_SECONDS,
        "figures": figures,
        "books": runs[0].books,
        "samples": [asdict(r) for r in runs],
    }
    _print(args.opportunities, figures, report)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json}")
    return report


def _print(opportunities: int, figures: dict[str, object], report: dict[str, object]) -> None:
    phases = figures["phases_s"]
    assert isinstance(phases, dict)
    rows = [
        (
            f"migrate-v1, {opportunities} opportunities",
            f"{figures['migrate_s']:.1f} s",
            f"< {TARGET_SECONDS:.0f} s {'ok' if report['ok'] else 'MISSED'}",
        ),
        *((f"  {name}", f"{seconds:.1f} s", "") for name, seconds in phases.items()),
        ("  throughput", f"{figures['opportunities_per_s']} opportunities/s", ""),
        ("parity", f"{figures['parity_s']:.1f} s", ""),
        ("second run (nothing to do)", f"{figures['second_run_s']:.1f} s", ""),
        (
            "V1 single-row write, dual-write off",
            f"{figures['v1_write_without_dual_write_ms']:.2f} ms",
            "",
        ),
        (
            "V1 single-row write, dual-write on",
            f"{figures['v1_write_with_dual_write_ms']:.2f} ms",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>24}  target")
    print("-" * (width + 36))
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>24}  {target}")
    books = report["books"]
    assert isinstance(books, dict)
    print(
        "\nbooks: "
        + "; ".join(
            f"{kind} {b['v1_rows']} V1 -> {b['migrated']} migrated ({b['merged']} merged), "
            f"{b['quarantined']} quarantined"
            for kind, b in books.items()
        )
    )


if __name__ == "__main__":
    main()
