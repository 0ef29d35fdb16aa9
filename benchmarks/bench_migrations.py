"""Migrations benchmark (docs/design.md: Benchmarks): `schemactl diff` and `apply` on this
project's CRM schema, measured side by side in one run.

    .venv/bin/python -m benchmarks.bench_migrations [--runs N] [--json PATH]

Figures (median of N runs; the CLI ones run `schemactl` as a subprocess, interpreter
start included):
- diff --check, cold: shadow databases on a throwaway server started for the command
  (what CI does with no Postgres service) — target ≤ 2 s;
- diff --check and diff NAME (a one-table change, review header included) with the
  local server of `schemactl up` running: `diff` uses it and keeps its shadow databases
  between runs (the everyday loop) — target ≤ 2 s;
- the same with `--db-url` (a CI service): shadows are made per command and dropped;
- diff of the whole schema against no migrations (the initial migration);
- apply of the initial migration to a fresh stand-in database (in-process);
- apply and status with nothing pending (history read and compared).

Prints a table and writes the figures to benchmarks/results/migrations.json.
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
from pathlib import Path

from schemactl import api as commands
from schemactl.config import load_project
from schemactl.migrations.files import read_migrations
from schemactl.pg import local_database as local_db
from schemactl.pg.databases import connect, create_database, drop_database, install_standin
from schemactl.pg.server import find_binaries, throwaway_server

ROOT = Path(__file__).resolve().parent.parent
SCHEMACTL = str(Path(sys.executable).parent / "schemactl")
CHANGE = """create table public.bench_notes (
    id bigint generated always as identity primary key,
    deal_id uuid not null references public.deals (id) on delete cascade,
    body text not null
);

create index bench_notes_deal_id_idx on public.bench_notes (deal_id);

alter table public.bench_notes enable row level security;

create policy bench_notes_read on public.bench_notes for select to authenticated
using ((select private.is_active_user()));

revoke all on public.bench_notes from anon, authenticated, service_role;
grant select on public.bench_notes to authenticated;
"""


@dataclass(frozen=True)
class Figure:
    name: str
    median_s: float
    runs: int
    target: str
    ok: bool | None
    note: str = ""


def median(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def cli(project: Path, *args: str) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "SCHEMACTL_DB_URL"}
    result = subprocess.run(
        [SCHEMACTL, "--project", str(project), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"schemactl {' '.join(args)} failed: {result.stderr.strip()}")


def copy_project(destination: Path, *, migrations: bool = True) -> Path:
    """This project's committed schema, seeds and (optionally) migrations, at
    ``destination`` (the committed state, so work in progress does not skew a run)."""
    destination.mkdir(parents=True)
    paths = ["pyproject.toml", "schema", "seeds"] + (["supabase/migrations"] if migrations else [])
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "HEAD", *paths], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    (destination / "supabase" / "migrations").mkdir(parents=True, exist_ok=True)
    return destination


def run(runs: int) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-migrations-") as temp:
        base = Path(temp)
        project = copy_project(base / "crm")
        # schema/ committed ahead of its migration: write it, as a developer would.
        cli(project, "diff", "bench_sync")
        statements = sum(len(m.statements) for m in read_migrations(load_project(project)))

        startup = [timed(lambda: cli(project, "--help")) for _ in range(runs)]
        figures.append(
            Figure(
                "CLI start-up alone (schemactl --help)",
                median(startup),
                runs,
                "",
                None,
                "imports of every command; part of each figure below",
            )
        )
        cold = [timed(lambda: cli(project, "diff", "--check")) for _ in range(runs)]
        figures.append(
            Figure(
                "diff --check, cold (throwaway server)",
                median(cold),
                runs,
                "≤ 2 s",
                median(cold) <= 2.0,
                f"{statements} migration statements replayed",
            )
        )
        cli(project, "up")
        try:
            cli(project, "diff", "--check")  # the first prepares the shadows it keeps
            local = [timed(lambda: cli(project, "diff", "--check")) for _ in range(runs)]
            changed = []
            for index in range(runs):
                (project / "schema" / "tables" / "bench_notes.sql").write_text(CHANGE)
                changed.append(timed(lambda i=index: cli(project, "diff", f"bench_local_{i}")))
                (project / "schema" / "tables" / "bench_notes.sql").unlink()
                for written in project.glob("supabase/migrations/*_bench_local_*.sql"):
                    written.unlink()
        finally:
            cli(project, "down")
            local_db.remove(load_project(project))
        figures.append(
            Figure(
                "diff --check, `up` server running",
                median(local),
                runs,
                "≤ 2 s",
                median(local) <= 2.0,
                "shadows kept between runs",
            )
        )
        figures.append(
            Figure(
                "diff NAME, one new table, `up` server running",
                median(changed),
                runs,
                "≤ 2 s",
                median(changed) <= 2.0,
                "header, squawk included",
            )
        )
        with throwaway_server() as server:
            url = server.url()
            warm = [
                timed(lambda: cli(project, "diff", "--check", "--db-url", url)) for _ in range(runs)
            ]
            figures.append(
                Figure(
                    "diff --check, --db-url server",
                    median(warm),
                    runs,
                    "≤ 2 s",
                    median(warm) <= 2.0,
                    "shadows made per command",
                )
            )

            change = []
            for index in range(runs):
                (project / "schema" / "tables" / "bench_notes.sql").write_text(CHANGE)
                change.append(
                    timed(
                        lambda i=index: cli(project, "diff", f"bench_change_{i}", "--db-url", url)
                    )
                )
                (project / "schema" / "tables" / "bench_notes.sql").unlink()
                for written in project.glob("supabase/migrations/*_bench_change_*.sql"):
                    written.unlink()
            figures.append(
                Figure(
                    "diff NAME, one new table, --db-url server",
                    median(change),
                    runs,
                    "",
                    None,
                    "header, squawk included",
                )
            )

            empty = copy_project(base / "empty", migrations=False)
            initial = []
            for index in range(runs):
                initial.append(
                    timed(lambda i=index: cli(empty, "diff", f"initial_{i}", "--db-url", url))
                )
                for written in empty.glob("supabase/migrations/*.sql"):
                    written.unlink()
            figures.append(
                Figure(
                    "diff of the whole schema (initial), --db-url server",
                    median(initial),
                    runs,
                    "",
                    None,
                    "writes the initial migration",
                )
            )

            loaded = load_project(project)
            applies, noop, status = [], [], []
            for index in range(runs):
                name = f"bench_apply_{index}"
                create_database(server, name)
                with connect(server.url(name)) as conn, conn.transaction():
                    install_standin(conn, loaded.owner_role, "legacy")
                url_of_target = server.url(name)
                applies.append(timed(lambda u=url_of_target: commands.apply(loaded, u)))
                noop.append(timed(lambda u=url_of_target: commands.apply(loaded, u)))
                status.append(timed(lambda u=url_of_target: commands.status(loaded, u)))
                drop_database(server, name)
            figures.append(
                Figure(
                    "apply the initial migration (fresh database)",
                    median(applies),
                    runs,
                    "",
                    None,
                    f"{statements} statements, one transaction",
                )
            )
            figures.append(
                Figure(
                    "apply with nothing pending",
                    median(noop),
                    runs,
                    "",
                    None,
                    "history read, statements compared",
                )
            )
            figures.append(Figure("status", median(status), runs, "", None))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "migrations.json"
    )
    arguments = parser.parse_args()
    figures = run(arguments.runs)
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'median':>8}  {'target':>7}  ok")
    for figure in figures:
        ok = "" if figure.ok is None else ("yes" if figure.ok else "NO")
        note = f"  ({figure.note})" if figure.note else ""
        print(f"{figure.name:<{width}}  {figure.median_s:>7.3f}s  {figure.target:>7}  {ok}{note}")
    binaries = find_binaries()
    arguments.json.parent.mkdir(parents=True, exist_ok=True)
    arguments.json.write_text(
        json.dumps(
            {
                "benchmark": "migrations",
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "postgres": binaries.version,
                    "load_average": os.getloadavg(),
                },
                "figures": [asdict(f) for f in figures],
            },
            indent=2,
        )
        + "\n"
    )
    shown = (
        arguments.json.relative_to(ROOT) if arguments.json.is_relative_to(ROOT) else arguments.json
    )
    print(f"wrote {shown}")


if __name__ == "__main__":
    main()
