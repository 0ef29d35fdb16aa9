"""The command line's contract: database URLs refused with one line when empty or
malformed, Ctrl-C as exit 130 without a traceback, an interrupted first `up` recovered,
and source files with a byte-order mark accepted."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from schemactl.config import load_project
from schemactl.pg import local_database as local_db
from schemactl.pg.databases import Server, connect, install_standin
from tests.support.cli import run_cli
from tests.support.projects import copy_fixture_project, write_project

SCHEMACTL = str(Path(sys.executable).parent / "schemactl")


@pytest.fixture
def tiny_project_dir(tmp_path: Path) -> Path:
    return write_project(tmp_path / "p", {"schema/t.sql": "create table public.t (id int);\n"})


@pytest.mark.parametrize("command", ["apply", "status", "drift", "seed", "up"])
def test_an_empty_db_url_is_refused_not_taken_for_the_local_database(
    tiny_project_dir: Path, command: str
) -> None:
    result = run_cli(["--project", str(tiny_project_dir), command, "--db-url", ""])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: --db-url is empty (give a database URL such as "
        "postgresql://user@host:5432/dbname, or leave the option out)\n"
    )


def test_an_empty_environment_variable_is_refused_by_name(
    tiny_project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEMACTL_DB_URL", "")
    result = run_cli(["--project", str(tiny_project_dir), "apply"])
    assert (result.exit_code, result.stderr) == (
        2,
        "error: SCHEMACTL_DB_URL is empty (give a database URL such as "
        "postgresql://user@host:5432/dbname, or leave the option out)\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["apply", "--db-url", "not a url"],
            'error: --db-url is not a database URL: missing "=" after "not" in connection '
            "info string",
        ),
        (
            ["status", "--db-url", "postgresql://u@h:notaport/db"],
            "error: --db-url: port 'notaport' is not a number",
        ),
        (
            ["docs", "--dev-url", "http//example"],
            'error: --dev-url is not a database URL: missing "=" after "http//example" in '
            "connection info string",
        ),
    ],
)
def test_a_malformed_url_is_one_line_and_exit_2(
    tiny_project_dir: Path, args: list[str], message: str
) -> None:
    result = run_cli(["--project", str(tiny_project_dir), *args])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(message + " ("), line


def test_the_dev_server_is_read_from_schemactl_dev_url_not_schemactl_db_url(
    tiny_project_dir: Path, pg_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scratch server is SCHEMACTL_DEV_URL; SCHEMACTL_DB_URL (a target database) is
    never used to create and drop scratch databases."""
    monkeypatch.setenv("SCHEMACTL_DB_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SCHEMACTL_DEV_URL", "postgresql://nobody@127.0.0.1:1/none")
    refused = run_cli(["--project", str(tiny_project_dir), "types", "--check"])
    assert refused.exit_code == 2
    assert refused.stderr.startswith("error: cannot connect to the database: "), refused.stderr
    monkeypatch.setenv("SCHEMACTL_DEV_URL", pg_server.url())
    written = run_cli(["--project", str(tiny_project_dir), "types"])
    assert (written.exit_code, written.stderr) == (0, "")


def test_ctrl_c_while_apply_waits_for_a_lock_exits_130_with_one_line(
    tmp_path: Path, pg_server: Server, empty_database: str
) -> None:
    url = pg_server.url(empty_database)
    with connect(url) as setup, setup.transaction():
        install_standin(setup, "postgres", "legacy")
        setup.execute("create table public.busy (id int)")
        setup.execute("alter table public.busy owner to postgres")
    root = write_project(
        tmp_path / "p",
        {
            "schema/t.sql": "create table public.busy (id int);\n",
            "supabase/migrations/20250101000000_lock.sql": "lock table public.busy;\n",
        },
    )
    with psycopg.connect(url) as holder:
        holder.execute("lock table public.busy")
        process = subprocess.Popen(
            [SCHEMACTL, "--project", str(root), "apply", "--db-url", url, "--lock-timeout", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with psycopg.connect(url, autocommit=True) as observer:
            _wait_until_waiting(observer, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    # click ends the terminal's `^C` line first; then one line
    assert (process.returncode, stderr.lstrip("\n")) == (130, "interrupted\n")


def _wait_until_waiting(conn: psycopg.Connection, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock'"
            " and datname = current_database()"
        ).fetchone()
        if waiting and waiting[0]:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("apply never waited for the lock")


def test_ctrl_c_while_the_cli_loads_prints_no_traceback(tiny_project_dir: Path) -> None:
    """SIGINT as soon as the process has begun loading psycopg (inside schemactl's own
    imports, before any command runs): exit 130 and one line."""
    process = subprocess.Popen(
        [SCHEMACTL, "--project", str(tiny_project_dir), "lint"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if "psycopg" in maps.read_text() or "libpq" in maps.read_text():
            break
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    # click ends the terminal's `^C` line first; then one line
    assert (process.returncode, stderr.lstrip("\n")) == (130, "interrupted\n")


def test_up_and_reset_recover_from_a_half_written_data_directory(tmp_path: Path) -> None:
    """What an interrupted first `up` left before it recorded its server (a data
    directory without server.json, a staging directory) is started afresh."""
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    project = load_project(root)
    data_dir = local_db.new_data_dir(project)
    staging = data_dir.with_name("data.initdb")
    for partial in (data_dir, staging):
        partial.mkdir(parents=True)
        (partial / "PG_VERSION").write_text("15\n")
    try:
        first = run_cli(["--project", str(root), "up"])
        assert first.exit_code == 0, first.stderr
        (project.state_dir / "server.json").unlink()  # as if interrupted before recording
        reset = run_cli(["--project", str(root), "reset"])
        assert reset.exit_code == 0, reset.stderr
        assert not staging.exists()
        assert (data_dir / "postmaster.pid").is_file()
    finally:
        local_db.remove(project)


def test_an_interrupted_first_up_is_recovered_by_the_next(tmp_path: Path) -> None:
    root = copy_fixture_project("tiny", tmp_path / "tiny")
    project = load_project(root)
    try:
        process = subprocess.Popen(
            [SCHEMACTL, "--project", str(root), "up"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(project.state_dir.glob("data*")):
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr
        again = run_cli(["--project", str(root), "up"])
        assert again.exit_code == 0, again.stderr
    finally:
        local_db.remove(project)


def test_a_file_starting_with_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {})
    (root / "schema" / "t.sql").write_bytes("\ufeffcreate table public.t (id int);\n".encode())
    result = run_cli(["--project", str(root), "build"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert "create table public.t (id int);" in result.stdout
