"""Trigger-overhead benchmark (docs/design.md: Benchmarks): insert 10k deals, then win the 10k deals,
with every trigger of the schema (lifecycle, updated_at, value guard, audit, stage
history, outbox events, revenue rollup) vs the same table with its user triggers
disabled (foreign keys and constraints still checked) — side by side in one run.

    .venv/bin/python -m benchmarks.bench_triggers [--project DIR] [--json PATH]
        [--deals 10000] [--runs 3] [--breakdown-runs 5]

Two shapes: one statement for the 10k rows (an import, a mass update), and 10k
single-row statements, each its own transaction, run by a server-side loop (an
application's traffic, without network time). Each measurement runs in a fresh clone
of the template database, alternating which variant goes first; figures are medians.
Besides wall-clock time, the server backend's CPU time is read from /proc when the
server runs on this machine: on a busy machine it is the steadier ratio.

Also, for the one-statement shape, what each group of triggers costs per deal (the
time saved by turning that group off). Prints tables and writes the figures to
benchmarks/results/triggers.json.
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

from schemactl.pg.server import find_binaries, throwaway_server
from schemactl.testing.session import TestDatabases

ROOT = Path(__file__).resolve().parent.parent
MODE = "opt-in"
TARGET_RATIO = 2.5
ORGANIZATIONS = 20
OWNER = "00000000-0000-4000-8000-00000000b001"

SETUP = [
    "insert into auth.users (id, email) values (%(owner)s, 'bench@stagetek.test')",
    "update public.users set is_active = true where id = %(owner)s",
    "insert into public.organizations (name) "
    "select 'Org ' || g from generate_series(1, %(organizations)s) as g",
    # The seeded default pipeline; deals spread over the organizations.
    "create temporary table bench as "
    "select s.pipeline_id, s.id as stage_id, "
    "array(select id from public.organizations order by id) as organizations "
    "from public.stages as s inner join public.pipelines as p on p.id = s.pipeline_id "
    "where p.name = 'Funil de Vendas' and s.name = 'Lead'",
    "vacuum analyze",
    "analyze bench",
]

INSERT_ONE_STATEMENT = """
insert into public.deals (title, pipeline_id, stage_id, owner_id, organization_id, value)
select
    'Deal ' || g, b.pipeline_id, b.stage_id, %(owner)s,
    b.organizations[1 + g %% cardinality(b.organizations)], (g %% 1000) * 10
from bench as b, generate_series(1, %(deals)s) as g
"""

# Without the lifecycle trigger closed_at must be written (CHECK closed_at iff closed):
# both variants run the same statement.
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
        commit;
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
        commit;
    end loop;
end
$$
"""


@dataclass
class Samples:
    """Seconds per run: wall clock and server backend CPU, per step and variant."""

    wall: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)

    def add(self, key: str, wall: float, cpu: float | None) -> None:
        self.wall.setdefault(key, []).append(wall)
        if cpu is not None:
            self.cpu.setdefault(key, []).append(cpu)


@dataclass(frozen=True)
class Figure:
    name: str
    with_triggers_ms: float
    without_triggers_ms: float
    ratio: float
    cpu_ratio: float | None
    runs: int
    target: str
    ok: bool | None


class Backend:
    """CPU seconds used so far by the server process behind a connection (from /proc,
    when the server runs on this machine and /proc is readable; else None)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        pid = conn.execute("select pg_backend_pid()").fetchone()
        self.path = Path(f"/proc/{pid[0] if pid else 0}/stat")

    def cpu(self) -> float | None:
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Trigger groups on deals, for the breakdown of the overhead (the one-statement shape).
GROUPS = {
    "audit": ["audit_insert", "audit_update"],
    "outbox events": ["deals_events_insert", "deals_events_update"],
    "stage history": ["deals_stage_history_insert", "deals_stage_history_update"],
    "revenue rollup": ["deals_revenue_rollup_insert", "deals_revenue_rollup_update"],
    "lifecycle + updated_at": [
        "deals_lifecycle_insert",
        "deals_lifecycle_update",
        "set_updated_at",
    ],
}


def run_once(
    databases: TestDatabases,
    samples: Samples,
    *,
    variant: str,
    disabled: list[str],
    row_by_row: bool,
    deals: int,
) -> dict[str, int]:
    """Insert then win `deals` deals in a fresh clone with the `disabled` triggers of
    deals off ("user": all of them); returns the rows the triggers wrote, checked
    against what they must write for the variants "with" and "without"."""
    params = {"owner": OWNER, "deals": deals, "organizations": ORGANIZATIONS}
    with databases.committed(MODE) as database:
        conn = database.connection
        for trigger in disabled:
            conn.execute(f"alter table public.deals disable trigger {trigger}")
        for statement in SETUP:
            conn.execute(statement, params)
        backend = Backend(conn)
        if row_by_row:  # a DO block takes no parameters: they are formatted in
            steps = [("insert", INSERT_ROW_BY_ROW % params, None), ("win", WIN_ROW_BY_ROW, None)]
        else:
            steps = [("insert", INSERT_ONE_STATEMENT, params), ("win", WIN_ONE_STATEMENT, None)]
        for step, query, query_params in steps:
            cpu_before, start = backend.cpu(), time.perf_counter()
            conn.execute(query, query_params)  # autocommit: includes the commit
            wall, cpu_after = time.perf_counter() - start, backend.cpu()
            cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after else None
            samples.add(f"{step}_{variant}", wall, cpu)
        written = _written(conn)
        if variant in ("with", "without"):
            _check(conn, triggers=variant == "with", deals=deals, written=written)
    return written


def _written(conn: psycopg.Connection) -> dict[str, int]:
    row = conn.execute("""
        select
            (select count(*) from public.audit_log where table_name = 'deals'),
            (select count(*) from public.deal_stage_history),
            (select count(*) from public.webhook_events)
    """).fetchone()
    assert row is not None
    return {"audit_log": row[0], "deal_stage_history": row[1], "webhook_events": row[2]}


def _check(
    conn: psycopg.Connection, *, triggers: bool, deals: int, written: dict[str, int]
) -> None:
    """The work measured is the work expected: with triggers, every deal audited twice,
    one history row and two events per deal, and the organizations' totals right."""
    if not triggers:
        assert written == {"audit_log": 0, "deal_stage_history": 0, "webhook_events": 0}
        return
    assert written == {
        "audit_log": 2 * deals,
        "deal_stage_history": deals,
        "webhook_events": 2 * deals,
    }, written
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


def measure(
    databases: TestDatabases, *, row_by_row: bool, deals: int, runs: int
) -> tuple[Samples, dict[str, int]]:
    samples = Samples()
    written: dict[str, int] = {}
    variants: list[tuple[str, list[str]]] = [("with", []), ("without", ["user"])]
    for run in range(runs):
        for variant, disabled in variants if run % 2 == 0 else variants[::-1]:
            counts = run_once(
                databases,
                samples,
                variant=variant,
                disabled=disabled,
                row_by_row=row_by_row,
                deals=deals,
            )
            if variant == "with":
                written = counts
    return samples, written


def breakdown(databases: TestDatabases, *, deals: int, runs: int) -> list[dict[str, object]]:
    """Per trigger group: what turning it off saves per deal (µs of backend CPU when
    available, else wall clock), insert and win, in the one-statement shape. Each run
    measures all triggers on and each group off, in rotating order, so that all the
    variants share the machine's conditions."""
    samples = Samples()
    variants: list[tuple[str, list[str]]] = [("all", []), *GROUPS.items(), ("none", ["user"])]
    for run in range(runs):
        shift = run % len(variants)
        for variant, disabled in variants[shift:] + variants[:shift]:
            run_once(
                databases,
                samples,
                variant=variant,
                disabled=disabled,
                row_by_row=False,
                deals=deals,
            )
    use, clock = (samples.cpu, "backend cpu") if samples.cpu else (samples.wall, "wall")

    def per_deal(step: str, variant: str) -> float:
        return statistics.median(use[f"{step}_{variant}"]) / deals * 1e6

    result: list[dict[str, object]] = []
    for group in GROUPS:
        result.append(
            {
                "group": group,
                "clock": clock,
                **{
                    f"{step}_us_per_deal": round(per_deal(step, "all") - per_deal(step, group), 1)
                    for step in ("insert", "win")
                },
            }
        )
    for variant, label in (("all", "(all triggers)"), ("none", "(no trigger)")):
        result.append(
            {
                "group": label,
                "clock": clock,
                **{
                    f"{step}_us_per_deal": round(per_deal(step, variant), 1)
                    for step in ("insert", "win")
                },
            }
        )
    return result


def figures_for(label: str, samples: Samples, runs: int) -> list[Figure]:
    def med(values: dict[str, list[float]], key: str) -> float | None:
        return statistics.median(values[key]) if values.get(key) else None

    result = []
    for step in ("insert", "win", "total"):
        keys = ["insert", "win"] if step == "total" else [step]
        wall = [sum(med(samples.wall, f"{k}_{v}") or 0 for k in keys) for v in ("with", "without")]
        cpus = [[med(samples.cpu, f"{k}_{v}") for k in keys] for v in ("with", "without")]
        cpu_ratio = (
            sum(cpus[0]) / sum(cpus[1])  # type: ignore[arg-type]
            if all(c is not None for c in cpus[0] + cpus[1]) and sum(cpus[1])
            else None
        )
        target = step == "total"
        ratio = wall[0] / wall[1]
        name = f"{label}: {'insert + win' if target else step}"
        result.append(
            Figure(
                name,
                round(wall[0] * 1000, 1),
                round(wall[1] * 1000, 1),
                round(ratio, 2),
                round(cpu_ratio, 2) if cpu_ratio else None,
                runs,
                f"<= {TARGET_RATIO}x" if target else "",
                ratio <= TARGET_RATIO if target else None,
            )
        )
    return result


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "triggers.json"
    )
    parser.add_argument("--deals", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--breakdown-runs",
        type=int,
        default=5,
        help="runs of the per-group breakdown (one statement shape)",
    )
    args = parser.parse_args(argv)

    binaries = find_binaries()
    with throwaway_server(binaries) as server:
        databases = TestDatabases(args.project, server.url(), docker=False)
        try:
            databases.template(MODE)
            bulk, written = measure(databases, row_by_row=False, deals=args.deals, runs=args.runs)
            groups = breakdown(databases, deals=args.deals, runs=args.breakdown_runs)
            single, _ = measure(databases, row_by_row=True, deals=args.deals, runs=args.runs)
        finally:
            databases.close()

    figures = [
        *figures_for(f"one statement, {args.deals} rows", bulk, args.runs),
        *figures_for(f"{args.deals} single-row transactions", single, args.runs),
    ]
    report: dict[str, object] = {
        "benchmark": "triggers",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()),
            "postgres": f"{binaries.version} ({binaries.origin}: {binaries.bindir})",
        },
        "deals": args.deals,
        "runs": args.runs,
        "rows_written_by_triggers": written,
        "figures": [asdict(f) for f in figures],
        "breakdown_one_statement": groups,
        "samples_s": {"one_statement": asdict(bulk), "single_row": asdict(single)},
    }
    _print_table(figures, written, groups)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return report


def _print_table(
    figures: list[Figure], written: dict[str, int], groups: list[dict[str, object]]
) -> None:
    header = (
        f"{'figure':<46} {'triggers ms':>12} {'none ms':>10} {'ratio':>7} "
        f"{'cpu ratio':>10} {'target':>8}"
    )
    print(header)
    print("-" * len(header))
    for f in figures:
        verdict = "" if f.ok is None else ("ok" if f.ok else "MISSED")
        cpu = f"{f.cpu_ratio:.2f}x" if f.cpu_ratio is not None else "-"
        print(
            f"{f.name:<46} {f.with_triggers_ms:>12.1f} {f.without_triggers_ms:>10.1f} "
            f"{f.ratio:>6.2f}x {cpu:>10} {f.target:>8} {verdict}"
        )
    print(
        "\nrows the triggers wrote per run (insert + win): "
        + ", ".join(f"{table} {count}" for table, count in written.items())
    )
    clock = groups[0]["clock"] if groups else ""
    print(
        f"\nwhere the time goes, one statement, µs per deal ({clock}; a group's cost is "
        "what turning it off saves)"
    )
    print(f"{'trigger group':<26} {'insert':>8} {'win':>8}")
    for g in groups:
        print(f"{g['group']:<26} {g['insert_us_per_deal']:>8} {g['win_us_per_deal']:>8}")


if __name__ == "__main__":
    main()
