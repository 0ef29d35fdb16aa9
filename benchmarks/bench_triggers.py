"""Trigger-overhead benchmark (SPEC §12): insert 10k deals, then win the 10k deals,
with every trigger of the schema (lifecycle, updated_at, audit, stage history, outbox
events, revenue rollup, value guard) vs the same table with its user triggers
disabled (foreign keys and constraints still checked) — side by side in one run.

    .venv/bin/python benchmarks/bench_triggers.py [--project DIR] [--json PATH]
        [--deals 10000] [--runs 3]

Two shapes: one statement for the 10k rows (an import, a mass update), and 10k
single-row statements run by a server-side loop (an application's traffic, without
network time). Each measurement runs in a fresh clone of the template database,
alternating which variant goes first. Prints a table and writes the figures to
benchmarks/results/triggers.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psycopg

from schemactl.databases import connect
from schemactl.local_pg import find_binaries, throwaway_server
from schemactl.testing.session import TestDatabases

ROOT = Path(__file__).resolve().parent.parent
MODE = "opt-in"
TARGET_RATIO = 2.5
ORGANIZATIONS = 20

SETUP = [
    "insert into auth.users (id, email) values (%(owner)s, 'bench@stagetek.test')",
    "update public.users set is_active = true where id = %(owner)s",
    "insert into public.organizations (name) "
    "select 'Org ' || g from generate_series(1, %(organizations)s) as g",
]

# The seeded default pipeline; deals spread over the organizations.
CONTEXT = """
create temporary table bench as
select
    s.pipeline_id, s.id as stage_id,
    array(select id from public.organizations order by id) as organizations
from public.stages as s
inner join public.pipelines as p on p.id = s.pipeline_id
where p.name = 'Funil de Vendas' and s.name = 'Lead';
"""

INSERT_ONE_STATEMENT = """
insert into public.deals (title, pipeline_id, stage_id, owner_id, organization_id, value)
select
    'Deal ' || g, b.pipeline_id, b.stage_id, %(owner)s,
    b.organizations[1 + g %% cardinality(b.organizations)], (g %% 1000) * 10
from bench as b, generate_series(1, %(deals)s) as g
"""

WIN_ONE_STATEMENT = "update public.deals set status = 'won', closed_at = now()"

INSERT_ROW_BY_ROW = """
do $$
declare
    b record;
begin
    select * into b from bench;
    for g in 1..%(deals)s loop
        insert into public.deals (title, pipeline_id, stage_id, owner_id, organization_id, value)
        values ('Deal ' || g, b.pipeline_id, b.stage_id, '%(owner)s',
                b.organizations[1 + g %% cardinality(b.organizations)], (g %% 1000) * 10);
    end loop;
end
$$
"""

WIN_ROW_BY_ROW = """
do $$
declare
    v_id uuid;
begin
    for v_id in select id from public.deals order by id loop
        update public.deals set status = 'won', closed_at = now() where id = v_id;
    end loop;
end
$$
"""

OWNER = "00000000-0000-4000-8000-00000000b001"


@dataclass(frozen=True)
class Figure:
    name: str
    with_triggers_ms: float
    without_triggers_ms: float
    ratio: float
    runs: int
    target: str
    ok: bool | None


def run_once(databases: TestDatabases, *, triggers: bool, row_by_row: bool,
             deals: int) -> tuple[float, float, dict[str, int]]:
    """(insert seconds, win seconds, rows written by triggers) in a fresh clone."""
    params = {"owner": OWNER, "deals": deals, "organizations": ORGANIZATIONS}
    with databases.committed(MODE) as database:
        conn = database.connection
        for statement in SETUP:
            conn.execute(statement, params)
        if not triggers:
            conn.execute("alter table public.deals disable trigger user")
        conn.execute("vacuum analyze")
        conn.execute(CONTEXT)
        insert, win = ((INSERT_ROW_BY_ROW, WIN_ROW_BY_ROW) if row_by_row
                       else (INSERT_ONE_STATEMENT, WIN_ONE_STATEMENT))
        if row_by_row:  # a DO block takes no parameters: they are formatted in
            insert_s = _timed_transaction(conn, insert % params, None)
        else:
            insert_s = _timed_transaction(conn, insert, params)
        win_s = _timed_transaction(conn, win, None)
        written = _written(conn)
        _check(conn, triggers=triggers, deals=deals, written=written)
    return insert_s, win_s, written


def _timed_transaction(conn: psycopg.Connection, query: str,
                       params: dict[str, object] | None) -> float:
    start = time.perf_counter()
    with conn.transaction():
        conn.execute(query, params)
    return time.perf_counter() - start


def _written(conn: psycopg.Connection) -> dict[str, int]:
    row = conn.execute("""
        select
            (select count(*) from public.audit_log where table_name = 'deals'),
            (select count(*) from public.deal_stage_history),
            (select count(*) from public.webhook_events)
    """).fetchone()
    assert row is not None
    return {"audit_log": row[0], "deal_stage_history": row[1], "webhook_events": row[2]}


def _check(conn: psycopg.Connection, *, triggers: bool, deals: int,
           written: dict[str, int]) -> None:
    """The work measured is the work expected: with triggers, every row audited twice,
    one history row and two events per deal, and the organizations' totals right."""
    if not triggers:
        assert written == {"audit_log": 0, "deal_stage_history": 0, "webhook_events": 0}
        return
    assert written == {"audit_log": 2 * deals, "deal_stage_history": deals,
                       "webhook_events": 2 * deals}, written
    row = conn.execute("""
        select count(*) from (
            select o.id
            from public.organizations as o
            left join public.deals as d
                on d.organization_id = o.id and d.status = 'won' and d.deleted_at is null
            group by o.id
            having o.total_revenue <> coalesce(sum(d.value), 0)
                or o.won_deals_count <> count(d.id)
        ) as wrong
    """).fetchone()
    assert row == (0,), "revenue rollup out of step"


def measure(databases: TestDatabases, *, row_by_row: bool, deals: int,
            runs: int) -> tuple[dict[str, list[float]], dict[str, int]]:
    samples: dict[str, list[float]] = {key: [] for key in (
        "insert_with", "insert_without", "win_with", "win_without")}
    written: dict[str, int] = {}
    for run in range(runs):
        order = (True, False) if run % 2 == 0 else (False, True)
        for triggers in order:
            insert_s, win_s, counts = run_once(databases, triggers=triggers,
                                               row_by_row=row_by_row, deals=deals)
            suffix = "with" if triggers else "without"
            samples[f"insert_{suffix}"].append(insert_s)
            samples[f"win_{suffix}"].append(win_s)
            if triggers:
                written = counts
    return samples, written


def figures_for(label: str, samples: dict[str, list[float]], runs: int) -> list[Figure]:
    def med(key: str) -> float:
        return statistics.median(samples[key])

    result = []
    for step in ("insert", "win"):
        with_s, without_s = med(f"{step}_with"), med(f"{step}_without")
        result.append(_figure(f"{label}: {step}", with_s, without_s, runs))
    total_with = med("insert_with") + med("win_with")
    total_without = med("insert_without") + med("win_without")
    result.append(_figure(f"{label}: insert + win", total_with, total_without, runs,
                          target=True))
    return result


def _figure(name: str, with_s: float, without_s: float, runs: int,
            target: bool = False) -> Figure:
    ratio = with_s / without_s
    return Figure(name, round(with_s * 1000, 1), round(without_s * 1000, 1), round(ratio, 2),
                  runs, f"<= {TARGET_RATIO}x" if target else "",
                  ratio <= TARGET_RATIO if target else None)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--json", type=Path,
                        default=ROOT / "benchmarks" / "results" / "triggers.json")
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    binaries = find_binaries()
    with throwaway_server(binaries) as server:
        databases = TestDatabases(args.project, server.url(), docker=False)
        try:
            databases.template(MODE)
            bulk, written = measure(databases, row_by_row=False, deals=args.deals,
                                    runs=args.runs)
            rows, _ = measure(databases, row_by_row=True, deals=args.deals, runs=args.runs)
            with connect(server.url(), autocommit=True) as conn:
                version = conn.execute("show server_version").fetchone()
        finally:
            databases.close()

    figures = [*figures_for(f"one statement, {args.deals} rows", bulk, args.runs),
               *figures_for(f"{args.deals} single-row statements", rows, args.runs)]
    report: dict[str, object] = {
        "benchmark": "triggers",
        "machine": {"python": platform.python_version(), "cpus": _cpus(),
                    "postgres": f"{version[0] if version else '?'} ({binaries.origin})"},
        "deals": args.deals,
        "runs": args.runs,
        "rows_written_by_triggers": written,
        "figures": [asdict(f) for f in figures],
        "samples_s": {"one_statement": bulk, "row_by_row": rows},
    }
    _print_table(figures, written)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return report


def _print_table(figures: list[Figure], written: dict[str, int]) -> None:
    header = f"{'figure':<44} {'triggers ms':>12} {'none ms':>10} {'ratio':>7} {'target':>8}"
    print(header)
    print("-" * len(header))
    for f in figures:
        verdict = "" if f.ok is None else ("ok" if f.ok else "MISSED")
        print(f"{f.name:<44} {f.with_triggers_ms:>12.1f} {f.without_triggers_ms:>10.1f} "
              f"{f.ratio:>6.2f}x {f.target:>8} {verdict}")
    print("\nrows the triggers wrote per run (insert + win): "
          + ", ".join(f"{table} {count}" for table, count in written.items()))


def _cpus() -> int | None:
    import os

    return os.cpu_count()


if __name__ == "__main__":
    main()
