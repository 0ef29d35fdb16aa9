"""Test-harness benchmark (docs/design.md: Benchmarks): cold start of the session server, per-test
isolation of `db`, a `committed_db` clone vs a bare `CREATE DATABASE … TEMPLATE`, and
`schemactl build` on this project's schema — measured side by side in one run.

    .venv/bin/python -m benchmarks.bench_harness [--project DIR] [--json PATH]

Prints a table (figure, target, ratio) and writes the figures to
benchmarks/results/harness.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from psycopg import sql

from schemactl.build.builder import build
from schemactl.config import load_project
from schemactl.pg import cluster_cache
from schemactl.pg.databases import connect, drop_database, unique_name
from schemactl.pg.server import find_binaries, throwaway_server
from schemactl.testing.session import TestDatabases

ROOT = Path(__file__).resolve().parent.parent
MODE = "opt-in"


@dataclass(frozen=True)
class Figure:
    name: str
    median_ms: float
    runs: int
    target: str
    ok: bool | None
    note: str = ""


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cold_start(runs: int, cache: Path | None) -> tuple[list[float], list[float]]:
    """Seconds to a server accepting connections, from nothing (binaries lookup, a new
    cluster, start), and to stop and delete it. ``cache``: the cluster cache directory
    (a temporary one, warmed by a first start that is not counted), or None for a real
    initdb every time."""
    os.environ[cluster_cache.CACHE_ENV] = str(cache) if cache else ""
    try:
        if cache is not None:
            with throwaway_server(find_binaries()):
                pass
        starts, stops = [], []
        for _ in range(runs):
            begin = time.perf_counter()
            context = throwaway_server(find_binaries())
            context.__enter__()
            starts.append(time.perf_counter() - begin)
            stops.append(timed(partial(context.__exit__, None, None, None)))
        return starts, stops
    finally:
        del os.environ[cluster_cache.CACHE_ENV]


def isolation(databases: TestDatabases, runs: int) -> tuple[list[float], list[float]]:
    """Seconds per `db` fixture cycle (begin, rollback, discard all) around an empty
    test, and around one trivial query, for reference."""

    def empty() -> None:
        with databases.rolled_back(MODE):
            pass

    def one_query() -> None:
        with databases.rolled_back(MODE) as conn:
            conn.execute("select 1")

    empty()  # the session connection is opened once per session, not per test
    cycles = [timed(empty) for _ in range(runs)]
    queries = [timed(one_query) for _ in range(runs)]
    return cycles, queries


@dataclass
class CloneTimes:
    fixture: list[float]  # committed_db ready (clone on the kept admin connection)
    bare: list[float]  # CREATE DATABASE … TEMPLATE on an open connection
    fixture_used: list[float]  # … plus connecting and a first query on `.connection`
    bare_used: list[float]  # … plus connecting and a first query
    teardown: list[float]  # the fixture's close + DROP DATABASE


def clones(databases: TestDatabases, runs: int) -> CloneTimes:
    """A `committed_db` vs a bare clone of the same template, alternating which runs
    first so neither always gets the warmer cache."""
    template = databases.template(MODE)
    server = databases.server
    times = CloneTimes([], [], [], [], [])
    with connect(server.url(), autocommit=True) as admin:

        def fixture_run() -> None:
            context = databases.committed(MODE)
            begin = time.perf_counter()
            database = context.__enter__()
            times.fixture.append(time.perf_counter() - begin)
            database.connection.execute("select 1")
            times.fixture_used.append(time.perf_counter() - begin)
            times.teardown.append(timed(lambda: context.__exit__(None, None, None)))

        def bare_run() -> None:
            name = unique_name("bench_bare")
            query = sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
            begin = time.perf_counter()
            admin.execute(query)
            times.bare.append(time.perf_counter() - begin)
            with connect(server.url(name), autocommit=True) as conn:
                conn.execute("select 1")
            times.bare_used.append(time.perf_counter() - begin)
            drop_database(server, name, admin=admin)

        for run in range(runs):
            for step in (fixture_run, bare_run) if run % 2 == 0 else (bare_run, fixture_run):
                step()
    return times


def build_times(project_root: Path, runs: int) -> tuple[list[float], list[float], int]:
    project = load_project(project_root)
    statements = len(build(project).statements)  # warm imports
    in_process = [timed(lambda: build(project).sql) for _ in range(runs)]
    command = [
        str(Path(sys.executable).with_name("schemactl")),
        "--project",
        str(project_root),
        "build",
        "-o",
        "/dev/null",
    ]
    cli = [
        timed(lambda: subprocess.run(command, check=True, capture_output=True))
        for _ in range(max(3, runs // 2))
    ]
    return in_process, cli, statements


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "harness.json"
    )
    parser.add_argument("--runs", type=int, default=5, help="repetitions of slow figures")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    binaries = find_binaries()
    with tempfile.TemporaryDirectory(prefix="schemactl-bench-cache-") as cache:
        starts, stops = cold_start(args.runs, Path(cache))
    initdb_starts, _ = cold_start(args.runs, None)
    with throwaway_server(binaries) as server:
        databases = TestDatabases(args.project, server.url(), docker=False)
        try:
            template_s = timed(lambda: databases.template(MODE))
            cycles, queries = isolation(databases, 500)
            clone = clones(databases, args.runs * 4 + 1)
        finally:
            databases.close()
    in_process, cli, statements = build_times(args.project, args.runs * 2)

    clone_ratio = statistics.median(clone.fixture) / statistics.median(clone.bare)
    used_ratio = statistics.median(clone.fixture_used) / statistics.median(clone.bare_used)
    figures = [
        Figure(
            "cold start: session server (lookup + cluster + start)",
            median_ms(starts),
            len(starts),
            "<= 1500 ms",
            median_ms(starts) <= 1500,
        ),
        Figure(
            "  the same with a real initdb (no cluster cache)",
            median_ms(initdb_starts),
            len(initdb_starts),
            "",
            None,
            f"cache saves {median_ms(initdb_starts) - median_ms(starts):.0f} ms",
        ),
        Figure("  stop and delete it", median_ms(stops), len(stops), "", None),
        Figure(
            "template database (stand-in + build + seeds)", round(template_s * 1000, 3), 1, "", None
        ),
        Figure(
            "db fixture: per-test isolation (begin, rollback, discard all)",
            median_ms(cycles),
            len(cycles),
            "<= 10 ms",
            median_ms(cycles) <= 10,
        ),
        Figure("  the same around one `select 1`", median_ms(queries), len(queries), "", None),
        Figure(
            "committed_db: fresh clone ready",
            median_ms(clone.fixture),
            len(clone.fixture),
            "<= 1.2x bare",
            clone_ratio <= 1.2,
            f"ratio {clone_ratio:.3f}",
        ),
        Figure(
            "  bare CREATE DATABASE ... TEMPLATE", median_ms(clone.bare), len(clone.bare), "", None
        ),
        Figure(
            "committed_db + first query on .connection",
            median_ms(clone.fixture_used),
            len(clone.fixture_used),
            "",
            None,
            f"ratio {used_ratio:.3f}",
        ),
        Figure(
            "  bare clone + connect + first query",
            median_ms(clone.bare_used),
            len(clone.bare_used),
            "",
            None,
        ),
        Figure(
            "  committed_db teardown (close + drop)",
            median_ms(clone.teardown),
            len(clone.teardown),
            "",
            None,
        ),
        Figure(
            f"schemactl build, in process ({statements} statements)",
            median_ms(in_process),
            len(in_process),
            "",
            None,
        ),
        Figure(
            "schemactl build, command line (with Python start-up)",
            median_ms(cli),
            len(cli),
            "",
            None,
        ),
    ]
    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    report: dict[str, object] = {
        "benchmark": "harness",
        "machine": {
            "python": platform.python_version(),
            "cpus": _cpus(),
            "load_average_1min_before_after": load,
            "postgres": f"{binaries.version} ({binaries.origin}: {binaries.bindir})",
        },
        "project": str(args.project),
        "figures": [asdict(f) for f in figures],
        "ratios": {
            "cold_start_cache_vs_initdb": round(
                statistics.median(starts) / statistics.median(initdb_starts), 3
            ),
            "committed_db_vs_bare_clone": round(clone_ratio, 3),
            "committed_db_used_vs_bare_clone_used": round(used_ratio, 3),
        },
    }
    _print_table(figures)
    print(
        f"\n{_cpus()} CPUs; 1-minute load average {load[0]} before, {load[1]} after "
        "(figures scale with it: other work on the machine slows every step)"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    return report


def _cpus() -> int:
    return len(os.sched_getaffinity(0))


def _print_table(figures: list[Figure]) -> None:
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'median ms':>10}  {'runs':>4}  {'target':<13}  result")
    for f in figures:
        verdict = "" if f.ok is None else ("ok" if f.ok else "OVER TARGET")
        result = " ".join(part for part in (verdict, f.note) if part)
        print(f"{f.name:<{width}}  {f.median_ms:>10.2f}  {f.runs:>4}  {f.target:<13}  {result}")


if __name__ == "__main__":
    main()
