"""The rich helpers the CLI shares (progress, summaries, result tables) and their use in
`up`: progress goes to stderr on a terminal only, the URL stays the last line of stdout."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from schemactl import api
from schemactl.build.builder import build
from schemactl.cli import local_commands
from schemactl.cli.output import progress, results_table, summary
from schemactl.config import Project, load_project
from schemactl.migrations.files import read_migrations
from schemactl.pg.databases import Server, create_database, drop_database, unique_name
from schemactl.progress import NO_PROGRESS
from schemactl.source.seeds import seed_statements
from schemactl.testing import session


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=100, color_system=None), buffer


def test_progress_is_silent_when_not_on_a_terminal() -> None:
    console, buffer = _console(terminal=False)
    with progress(console) as report:
        report.phase("applying schema/", total=3)
        report.advance()

    assert report is NO_PROGRESS
    assert buffer.getvalue() == ""


def test_progress_shows_each_phase_with_its_count_on_a_terminal() -> None:
    console, buffer = _console(terminal=True)
    with progress(console) as report:
        report.phase("starting the server")
        report.phase("applying schema/", total=4)
        report.advance(4)

    shown = buffer.getvalue()
    assert "starting the server" in shown
    assert "applying schema/" in shown
    assert "4/4" in shown


def test_summary_and_results_tables_print_cells_literally() -> None:
    console, buffer = _console(terminal=False)
    console.print(summary("local database", [("schema", "[bold]12[/bold] statements")]))
    console.print(results_table(["file", "state"], [["docs/[x].md", "written"]], title="files"))

    assert [line.rstrip() for line in buffer.getvalue().splitlines()] == [
        "local database",
        "schema  [bold]12[/bold] statements",
        "files",
        "┏━━━━━━━━━━━━━┳━━━━━━━━━┓",
        "┃ file        ┃ state   ┃",
        "┡━━━━━━━━━━━━━╇━━━━━━━━━┩",
        "│ docs/[x].md │ written │",
        "└─────────────┴─────────┘",
    ]


def test_up_prints_a_summary_and_the_url_last() -> None:
    result = api.UpResult(
        "postgresql://postgres@127.0.0.1:54322/postgres", "PATH (PostgreSQL 15)", True, True, 120, 4
    )
    with CliRunner().isolation() as (stdout, _, _):
        local_commands.print_up(result)
        lines = [line.rstrip() for line in stdout.getvalue().decode().splitlines()]

    assert lines == [
        "local database",
        "server    created, PATH (PostgreSQL 15)",
        "stand-in  installed",
        "schema    120 statements applied",
        "seeds     4 statements",
        "postgresql://postgres@127.0.0.1:54322/postgres",
    ]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    def phase(self, description: str, total: int | None = None) -> None:
        self.events.append((description, total))

    def advance(self, steps: int = 1) -> None:
        self.events.append(("advance", steps))


@pytest.fixture
def empty_database(schemactl_databases: session.TestDatabases) -> Iterator[tuple[Server, str]]:
    server = schemactl_databases.server
    name = unique_name("ecosystem_up")
    create_database(server, name)
    try:
        yield server, name
    finally:
        drop_database(server, name)


def test_up_reports_its_phases_and_one_step_per_statement(
    shop: Path, empty_database: tuple[Server, str]
) -> None:
    """A project without migrations: schema/ is applied statement by statement."""
    server, name = empty_database
    project = load_project(shop)
    statements = len(build(project).statements)
    recorder = Recorder()
    result = api.up(project, server.url(name), "opt-in", recorder)

    assert (result.statements_applied, result.seed_statements) == (statements, 1)
    assert [e for e in recorder.events if e[0] != "advance"] == [
        ("installing the Supabase stand-in", None),
        ("applying schema/", statements),
        ("running seeds/", 1),
    ]
    assert recorder.events.count(("advance", 1)) == statements + 1


def test_up_of_a_project_with_migrations_reports_applying_them(
    crm_project: Project, empty_database: tuple[Server, str]
) -> None:
    server, name = empty_database
    migrations = tuple(m.filename for m in read_migrations(crm_project))
    seeds = len(seed_statements(crm_project))
    recorder = Recorder()
    result = api.up(crm_project, server.url(name), "opt-in", recorder)

    assert migrations, "the CRM schema ships its migrations"
    assert (result.migrations_applied, result.seed_statements) == (migrations, seeds)
    assert [e for e in recorder.events if e[0] != "advance"] == [
        ("installing the Supabase stand-in", None),
        ("applying supabase/migrations/", None),
        ("running seeds/", seeds),
    ]
    assert recorder.events.count(("advance", 1)) == seeds
