"""Webhook dispatcher benchmark: deliveries per second to a receiver that answers in
50 ms, with one `schemactl webhooks dispatch --once` process and with several at once,
duplicates seen by the receiver (goal 0), and the time from an event's commit to its
arrival with a running dispatcher.

    .venv/bin/python -m benchmarks.bench_webhooks [--events 400] [--processes 3]

Prints each figure with its target and ratio; writes benchmarks/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.webhooks.receiver import Receiver, running_receiver

from schemactl.pg.server import find_binaries, throwaway_server
from schemactl.testing.session import CommittedDatabase, TestDatabases

ROOT = Path(__file__).resolve().parents[1]

SCHEMACTL = str(Path(sys.executable).parent / "schemactl")
MODE = "opt-in"


def command(database: CommittedDatabase, *args: str) -> list[str]:
    return [SCHEMACTL, "webhooks", *args, "--allow-private", "--db-url", database.url]


def add_endpoint(database: CommittedDatabase, receiver: Receiver, path: str) -> None:
    subprocess.run(
        command(database, "add", receiver.url(path), "--events", "deal.won", "--json"),
        check=True,
        capture_output=True,
    )


def insert_events(database: CommittedDatabase, count: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(count)]
    database.connection.execute(
        "insert into public.webhook_events (id, event_type, aggregate_type, aggregate_id, "
        "payload) select i, 'deal.won', 'deal', gen_random_uuid(), "
        "jsonb_build_object('event_id', i) from unnest(%s::uuid[]) as i",
        [ids],
    )
    return ids


def throughput(databases: TestDatabases, events: int, processes: int) -> dict[str, float]:
    """Seconds for `processes` dispatchers (--once, concurrency 32) to deliver `events`
    events to a 50 ms receiver, counted from the first request to the last."""
    with databases.committed(MODE) as database, running_receiver(delay=0.05) as receiver:
        add_endpoint(database, receiver, "/hook")
        insert_events(database, events)
        started = time.monotonic()
        running = [
            subprocess.Popen(
                command(database, "dispatch", "--once", "--concurrency", "32"),
                stdout=subprocess.DEVNULL,
            )
            for _ in range(processes)
        ]
        for process in running:
            process.wait(timeout=300)
        wall = time.monotonic() - started
        counts = receiver.per_delivery()
        arrivals = [r.at for r in receiver.requests]
        span = max(arrivals) - min(arrivals) + 0.05
        return {
            "deliveries": float(len(counts)),
            "duplicates": float(sum(n - 1 for n in counts.values())),
            "seconds_first_to_last": span,
            "seconds_wall_with_startup": wall,
            "per_second": len(counts) / span,
        }


def latency(databases: TestDatabases, samples: int) -> dict[str, float]:
    """Commit → arrival of single events with a running dispatcher (LISTEN/NOTIFY)."""
    with databases.committed(MODE) as database, running_receiver() as receiver:
        add_endpoint(database, receiver, "/hook")
        process = subprocess.Popen(command(database, "dispatch"), stdout=subprocess.DEVNULL)
        try:
            time.sleep(2.0)
            committed: dict[str, float] = {}
            for _ in range(samples):
                [event_id] = insert_events(database, 1)  # autocommit: committed on return
                committed[event_id] = time.monotonic()
                receiver.wait_for(len(committed))
                time.sleep(0.02)
        finally:
            process.terminate()
            process.wait(timeout=30)
        delays = sorted(
            (r.at - committed[r.headers["webhook-id"]]) * 1000 for r in receiver.requests
        )
        return {
            "median_ms": statistics.median(delays),
            "p95_ms": delays[int(len(delays) * 0.95) - 1],
            "max_ms": delays[-1],
        }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "webhooks.json"
    )
    args = parser.parse_args(argv)
    with throwaway_server(find_binaries()) as server:
        databases = TestDatabases(ROOT, server.url(), docker=False)
        try:
            databases.template(MODE)
            one = throughput(databases, args.events, 1)
            several = throughput(databases, args.events, args.processes)
            commit_to_delivery = latency(databases, args.samples)
        finally:
            databases.close()
    report: dict[str, object] = {
        "one_process": one,
        f"{args.processes}_processes": several,
        "commit_to_delivery": commit_to_delivery,
    }
    target = 200 / 2.0  # ≥ 200 deliveries in ≤ 2 s with one process
    print(
        f"one process:   {one['per_second']:7.0f} deliveries/s  target {target:.0f}  "
        f"ratio {one['per_second'] / target:.2f}  duplicates {one['duplicates']:.0f}"
    )
    print(
        f"{args.processes} processes:   {several['per_second']:7.0f} deliveries/s  "
        f"duplicates {several['duplicates']:.0f}"
    )
    print(
        f"commit→delivery: median {commit_to_delivery['median_ms']:.1f} ms, "
        f"p95 {commit_to_delivery['p95_ms']:.1f} ms, max {commit_to_delivery['max_ms']:.1f} ms"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
