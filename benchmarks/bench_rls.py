"""RLS benchmark (docs/design.md: Benchmarks): 100k deals, 20 users in 4 teams.

1. The Kanban query (one pipeline, open deals, by stage) as a seller under our policies
   vs as service_role (no RLS) with the equivalent explicit filter. Target: <= 1.2x.
2. Our deals SELECT policy vs the policy the customer's first sketch of the CRM proposed
   ("Users see own/team deals", reproduced word for word below as SEED_POLICY: a
   subquery on users per row) on the same data, as the same seller. Target: ours >= 10x
   faster.

    .venv/bin/python -m benchmarks.bench_rls [--deals N] [--runs N] [--json PATH]

Prints a table and writes the figures (with the plans) to benchmarks/results/rls.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg

from schemactl.pg.server import find_binaries, throwaway_server
from schemactl.testing import acting_as
from schemactl.testing.session import TestDatabases

ROOT = Path(__file__).resolve().parent.parent
MODE = "opt-in"
KANBAN_TARGET = 1.2
SEED_TARGET = 10.0

# Four teams of five (a manager and four sellers); deals spread evenly and independently
# over the 20 owners, 80% in the default pipeline, 60% open, 2% soft-deleted. Loaded
# without triggers (session_replication_role = replica): the benchmark measures reads.
LOAD = [
    """
    set session_replication_role = replica
    """,
    """
    insert into public.teams (id, name)
    select ('00000000-0000-4000-8000-0000000000' || lpad(t::text, 2, '0'))::uuid, 'Equipe ' || t
    from generate_series(1, 4) as t
    """,
    """
    insert into auth.users (id, email)
    select ('00000000-0000-4000-9000-0000000000' || lpad(u::text, 2, '0'))::uuid,
        'user' || u || '@stagetek.test'
    from generate_series(1, 20) as u
    """,
    """
    insert into public.users (id, team_id, name, email, role, is_active)
    select
        ('00000000-0000-4000-9000-0000000000' || lpad(u::text, 2, '0'))::uuid,
        ('00000000-0000-4000-8000-0000000000' || lpad((1 + (u - 1) / 5)::text, 2, '0'))::uuid,
        'User ' || u, 'user' || u || '@stagetek.test',
        case when (u - 1) % 5 = 0 then 'manager' else 'seller' end,
        true
    from generate_series(1, 20) as u
    """,
    """
    insert into public.pipelines (name, display_order) values ('Locação', 2)
    """,
    """
    insert into public.stages (pipeline_id, name, display_order, probability)
    select p.id, s.name, s.ord, s.ord * 30
    from public.pipelines as p
    cross join (values ('Orçamento', 1), ('Reserva', 2), ('Contrato', 3)) as s (name, ord)
    where p.name = 'Locação'
    """,
    """
    create temporary table bench_stage as
    select s.pipeline_id, s.id as stage_id,
        row_number() over (partition by s.pipeline_id order by s.display_order) - 1 as n,
        count(*) over (partition by s.pipeline_id) as stages
    from public.stages as s
    """,
    """
    insert into public.deals (
        title, pipeline_id, stage_id, owner_id, value, status, closed_at, loss_reason_id,
        deleted_at, stage_entered_at, created_at
    )
    select
        'Negócio ' || g,
        st.pipeline_id,
        st.stage_id,
        ('00000000-0000-4000-9000-0000000000' || lpad((1 + g %% 20)::text, 2, '0'))::uuid,
        (g * 37 %% 100000) / 10.0,
        case when (g / 20) %% 20 < 12 then 'open'
            when (g / 20) %% 20 < 17 then 'won' else 'lost' end,
        case when (g / 20) %% 20 >= 12 then now() end,
        case when (g / 20) %% 20 >= 17 then
            (select id from public.loss_reasons order by name limit 1) end,
        case when (g / 13) %% 50 = 0 then now() end,
        now() - (g %% 90) * interval '1 day',
        now() - (g %% 365) * interval '1 day'
    from generate_series(1, %(deals)s) as g
    inner join bench_stage as st
        on st.pipeline_id = (
            select id from public.pipelines
            where name = case when (g / 400) %% 5 = 0 then 'Locação' else 'Funil de Vendas' end
        )
        and st.n = (g / 7) %% st.stages
    """,
    """
    set session_replication_role = origin
    """,
]

KANBAN = """
select id, title, stage_id, value, owner_id, organization_id, expected_close_date,
    stage_entered_at
from public.deals
where pipeline_id = %(pipeline)s and status = 'open' and deleted_at is null
"""
KANBAN_ORDER = " order by stage_id, value desc"
EXPLICIT_TEAM = " and owner_id = any(%(team)s::uuid[])"
COUNT_ALL = "select count(*) from public.deals"

# The first sketch's policy, word for word (tables schema-qualified, as search_path is empty on
# Supabase's API roles' functions; the policy itself resolves them either way).
SEED_POLICY = """
create policy "Users see own/team deals" on public.deals
for select
using (
  auth.uid() = owner_id
  or
  auth.uid() in (
    select id from public.users
    where team_id = (select team_id from public.users where id = deals.owner_id)
  )
  or
  (select role from public.users where id = auth.uid()) in ('admin', 'manager')
)
"""


@dataclass(frozen=True)
class Figure:
    name: str
    measured: str  # "server" (execution time) or "client" (rows fetched too)
    ours_ms: float
    baseline_ms: float
    baseline: str
    ratio: float  # slowdown (<= target) or speed-up (>= target), see `target`
    target: str
    ok: bool
    rows: int
    runs: int


def timed_query(
    conn: psycopg.Connection, role: str, claims: dict[str, Any], query: str, params: dict[str, Any]
) -> tuple[float, list[tuple]]:
    """Seconds for the query as the client sees it (rows fetched and converted), inside a
    request's transaction, and its rows."""
    with conn.transaction(force_rollback=True), acting_as(conn, role, claims):
        start = time.perf_counter()
        rows = conn.execute(query, params).fetchall()
        return time.perf_counter() - start, rows


def server_time(
    conn: psycopg.Connection, role: str, claims: dict[str, Any], query: str, params: dict[str, Any]
) -> float:
    """Seconds the server spends executing the query (EXPLAIN ANALYZE's Execution Time,
    per-node timing off), without sending the rows: the part RLS can change."""
    with conn.transaction(force_rollback=True), acting_as(conn, role, claims):
        lines = [
            row[0]
            for row in conn.execute(
                "explain (analyze, timing off, summary on) " + query, params
            ).fetchall()
        ]
    [total] = [line for line in lines if line.startswith("Execution Time:")]
    return float(total.split()[2]) / 1000


def plan(
    conn: psycopg.Connection, role: str, claims: dict[str, Any], query: str, params: dict[str, Any]
) -> list[str]:
    with conn.transaction(force_rollback=True), acting_as(conn, role, claims):
        return [
            row[0]
            for row in conn.execute(
                "explain (analyze, costs off, summary on) " + query, params
            ).fetchall()
        ]


def alternate(
    conn: psycopg.Connection,
    runs: int,
    variants: dict[str, tuple[str, dict[str, Any], str, dict[str, Any]]],
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[tuple]]]:
    """Run the variants interleaved (one warm-up each), so drift hits them alike: client
    seconds, server seconds and rows per variant."""
    client: dict[str, list[float]] = {name: [] for name in variants}
    server: dict[str, list[float]] = {name: [] for name in variants}
    results: dict[str, list[tuple]] = {}
    for name, (role, claims, query, params) in variants.items():
        _, results[name] = timed_query(conn, role, claims, query, params)
    for _ in range(runs):
        for name, (role, claims, query, params) in variants.items():
            seconds, _ = timed_query(conn, role, claims, query, params)
            client[name].append(seconds)
            server[name].append(server_time(conn, role, claims, query, params))
    return client, server, results


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def slowdown(
    name: str,
    measured: str,
    ours: list[float],
    baseline: list[float],
    baseline_name: str,
    rows: int,
) -> Figure:
    ratio = statistics.median(ours) / statistics.median(baseline)
    return Figure(
        name,
        measured,
        median_ms(ours),
        median_ms(baseline),
        baseline_name,
        round(ratio, 2),
        f"<= {KANBAN_TARGET}x",
        ratio <= KANBAN_TARGET,
        rows,
        len(ours),
    )


def speedup(
    name: str,
    measured: str,
    ours: list[float],
    baseline: list[float],
    baseline_name: str,
    rows: int,
) -> Figure:
    ratio = statistics.median(baseline) / statistics.median(ours)
    return Figure(
        name,
        measured,
        median_ms(ours),
        median_ms(baseline),
        baseline_name,
        round(ratio, 1),
        f">= {SEED_TARGET}x faster",
        ratio >= SEED_TARGET,
        rows,
        len(ours),
    )


def measure(conn: psycopg.Connection, runs: int, seed_runs: int) -> dict[str, Any]:
    pipeline = conn.execute(
        "select id from public.pipelines where name = 'Funil de Vendas'"
    ).fetchone()[0]
    seller, team = conn.execute("""
        select u.id, array_agg(m.id order by m.id)
        from public.users as u join public.users as m on m.team_id = u.team_id
        where u.role = 'seller' group by u.id order by u.id limit 1
    """).fetchone()
    seller_claims = {"sub": str(seller), "role": "authenticated"}
    service_claims = {"role": "service_role"}
    kanban = KANBAN + KANBAN_ORDER
    explicit = KANBAN + EXPLICIT_TEAM + KANBAN_ORDER
    params = {"pipeline": pipeline, "team": team}
    as_seller = ("authenticated", seller_claims)

    client, server, rows = alternate(
        conn,
        runs,
        {
            "seller": (*as_seller, kanban, params),
            "service_role": ("service_role", service_claims, explicit, params),
        },
    )
    assert rows["seller"] == rows["service_role"], "different rows"
    assert rows["seller"], "the seller sees no deal"
    board = len(rows["seller"])
    figures = [
        slowdown(
            "Kanban: seller (RLS) vs service_role + explicit filter",
            measured,
            samples["seller"],
            samples["service_role"],
            "service_role",
            board,
        )
        for measured, samples in (("server", server), ("client", client))
    ]
    plans = {
        "kanban as seller": plan(conn, *as_seller, kanban, params),
        "kanban as service_role, explicit filter": plan(
            conn, "service_role", service_claims, explicit, params
        ),
    }

    policy_queries = {
        "kanban": (*as_seller, kanban, params),
        "count": (*as_seller, COUNT_ALL, params),
    }
    ours_client, ours_server, ours_rows = alternate(conn, seed_runs, policy_queries)
    # The first sketch's policy in place of ours, in a transaction rolled back afterwards.
    with conn.transaction(force_rollback=True):
        conn.execute("drop policy deals_select on public.deals")
        conn.execute(SEED_POLICY)
        seed_client, seed_server, seed_rows = alternate(conn, seed_runs, policy_queries)
        plans["kanban as seller, seed policy"] = plan(conn, *as_seller, kanban, params)
    assert seed_rows["kanban"] == ours_rows["kanban"], "the policies disagree on the board"
    labels = {
        "kanban": ("Kanban", board),
        "count": ("count(*) of all visible deals", ours_rows["count"][0][0]),
    }
    for name, (label, count) in labels.items():
        for measured, ours, seed in (
            ("server", ours_server, seed_server),
            ("client", ours_client, seed_client),
        ):
            figures.append(
                speedup(
                    f"{label}: our policy vs the first sketch's (seller)",
                    measured,
                    ours[name],
                    seed[name],
                    "seed policy",
                    count,
                )
            )
    return {
        "figures": figures,
        "plans": plans,
        "seller_team_size": len(team),
        "samples_ms": {
            "kanban_server": server,
            "kanban_client": client,
            "ours_server": ours_server,
            "seed_server": seed_server,
            "ours_client": ours_client,
            "seed_client": seed_client,
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "rls.json")
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="runs of the Kanban comparison")
    parser.add_argument(
        "--seed-runs",
        type=int,
        default=5,
        help="runs of the policy comparison (the seed policy is slow)",
    )
    args = parser.parse_args(argv)

    binaries = find_binaries()
    with throwaway_server(binaries) as server:
        databases = TestDatabases(args.project, server.url(), docker=False)
        try:
            with databases.committed(MODE) as database:
                conn = database.connection
                start = time.perf_counter()
                for statement in LOAD:
                    conn.execute(
                        statement, {"deals": args.deals} if "%(deals)s" in statement else None
                    )
                conn.execute("vacuum analyze")
                load_s = time.perf_counter() - start
                counts = conn.execute(
                    "select count(*), count(*) filter (where status = 'open'), "
                    "count(distinct owner_id) from public.deals"
                ).fetchone()
                version = conn.execute("show server_version").fetchone()[0]
                result = measure(conn, args.runs, args.seed_runs)
        finally:
            databases.close()

    figures: list[Figure] = result["figures"]
    report = {
        "benchmark": "rls",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "postgres": f"{version} ({binaries.origin})",
        },
        "data": {
            "deals": counts[0],
            "open": counts[1],
            "owners": counts[2],
            "teams": 4,
            "load_seconds": round(load_s, 1),
        },
        "figures": [asdict(f) for f in figures],
        "plans": result["plans"],
        "samples_ms": {
            group: {name: [round(s * 1000, 3) for s in values] for name, values in samples.items()}
            for group, samples in result["samples_ms"].items()
        },
    }
    print_table(figures, report["data"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.json}")
    return report


def print_table(figures: list[Figure], data: dict[str, Any]) -> None:
    print(
        f"{data['deals']} deals ({data['open']} open), {data['owners']} owners in "
        f"{data['teams']} teams. server = execution time in PostgreSQL; client = rows "
        "fetched too\n"
    )
    width = max(len(f.name) for f in figures)
    header = (
        f"{'figure':<{width}} {'':<6} {'ours ms':>9} {'baseline ms':>12} {'ratio':>8} "
        f"{'target':>16} {'rows':>6}"
    )
    print(header)
    print("-" * len(header))
    for f in figures:
        print(
            f"{f.name:<{width}} {f.measured:<6} {f.ours_ms:>9.2f} {f.baseline_ms:>12.2f} "
            f"{f.ratio:>7}x {f.target:>16} {f.rows:>6} {'ok' if f.ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
