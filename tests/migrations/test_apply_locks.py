"""`schemactl apply` behind other sessions' locks: lock_timeout and retries with real
concurrent connections, statement_timeout, and the target it names before applying."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemactl import api
from schemactl.config import Project
from schemactl.errors import SchemactlError
from schemactl.migrations.timeouts import ApplyTimeouts, resolve_timeouts

from .helpers import history, relation_exists, rows, run_cli, with_standin

SCHEMA = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null,
    pinned boolean not null default false
);
"""
FIRST = """
create table public.notes (
    id bigint generated always as identity primary key,
    body text not null
);
"""
SECOND = """
create table public.note_log (entry text not null);

alter table public.notes add column pinned boolean not null default false;
"""
FAST = ["--lock-timeout", "200ms", "--lock-retries", "2", "--lock-retry-delay", "100ms"]


HISTORY = {"20250101000000_first.sql": FIRST, "20250102000000_second.sql": SECOND}


@pytest.fixture
def first_applied(project_with_history: Project, target_db: str) -> str:
    with_standin(target_db)
    api.apply(project_with_history, target_db, target="20250101000000")
    return target_db


@pytest.fixture
def reader(first_applied: str) -> Iterator[psycopg.Connection]:
    """A session that read public.notes and keeps its transaction open: it holds ACCESS
    SHARE, which the ALTER TABLE's ACCESS EXCLUSIVE must wait for."""
    with psycopg.connect(first_applied, application_name="nightly-report") as conn:
        conn.execute("select count(*) from public.notes")
        yield conn


def apply_cli(project: Project, url: str, *options: str):  # type: ignore[no-untyped-def]
    return run_cli("--project", str(project.root), "apply", "--db-url", url, *options)


def test_apply_behind_a_held_lock_retries_names_the_blocker_and_applies_nothing(
    project_with_history: Project, first_applied: str, reader: psycopg.Connection
) -> None:
    result = apply_cli(project_with_history, first_applied, *FAST)

    assert result.exit_code == 2
    pid = reader.info.backend_pid
    blocker = f"blocked by pid {pid} (application_name 'nightly-report', idle in transaction, "
    retries = [line for line in result.stdout.splitlines() if "lock_timeout" in line]
    assert len(retries) == 2
    for number, (line, delay) in enumerate(zip(retries, ("100ms", "200ms"), strict=True), 1):
        assert line.startswith(
            "20250102000000_second.sql: lock_timeout (200ms) at statement 2, rolled back; "
            + blocker
        ), line
        assert line.endswith(f"retry {number} of 2 in {delay}"), line
    [error] = result.stderr.splitlines()
    assert error.startswith(
        "error: supabase/migrations/20250102000000_second.sql:3:1: migration "
        "20250102000000_second.sql could not take its locks: statement 2 "
        "(`alter table public.notes add column pinned boolean not null default false`) "
        "waited longer than lock_timeout (200ms) 3 time(s); " + blocker
    ), error
    assert "it was rolled back (nothing applied)" in error
    assert history(first_applied) == [("20250101000000", "first")]
    assert not relation_exists(first_applied, "public.note_log")
    assert rows(
        first_applied,
        "select count(*) from information_schema.columns where column_name = 'pinned'",
    ) == [(0,)]


def test_apply_succeeds_when_the_blocker_commits_during_the_retries(
    project_with_history: Project, first_applied: str, reader: psycopg.Connection
) -> None:
    heard: list[str] = []

    def release_on_first_timeout(message: str) -> None:
        heard.append(message)
        if "lock_timeout" in message:
            reader.commit()

    result = api.apply(
        project_with_history,
        first_applied,
        timeouts=ApplyTimeouts(lock_timeout_ms=200, lock_retries=3, retry_delay_ms=50),
        notify=release_on_first_timeout,
    )

    assert [m.filename for m in result.applied] == ["20250102000000_second.sql"]
    assert len([m for m in heard if "lock_timeout" in m]) == 1
    assert f"blocked by pid {reader.info.backend_pid} " in heard[-1]
    assert history(first_applied) == [("20250101000000", "first"), ("20250102000000", "second")]
    assert relation_exists(first_applied, "public.note_log")


def test_a_statement_longer_than_statement_timeout_fails_and_is_rolled_back(
    project_with_history: Project, first_applied: str
) -> None:
    (project_with_history.migrations_dir / "20250102000000_second.sql").write_text(
        "create table public.note_log (entry text not null);\n\nselect pg_sleep(2);\n"
    )
    result = apply_cli(project_with_history, first_applied, "--statement-timeout", "100ms")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: supabase/migrations/20250102000000_second.sql:3:1: migration "
        "20250102000000_second.sql failed at statement 2 (`select pg_sleep(2)`): "
        "canceling statement due to statement timeout [57014]; it was rolled back, nothing "
        "of it is applied (fix the migration (if no database has applied it yet) or add a "
        "new one, then run `schemactl apply` again)\n"
    )
    assert not relation_exists(first_applied, "public.note_log")


def test_apply_names_its_target_first_without_the_password(
    project_with_history: Project, target_db: str
) -> None:
    with_standin(target_db)
    params = conninfo_to_dict(target_db)
    with_password = make_conninfo(target_db, password="s3cret-pw")

    result = apply_cli(project_with_history, with_password)

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        f"applying to {params['host']}:{params['port']}/{params['dbname']} as {params['user']}"
    )
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_timeouts_come_from_option_then_environment_then_project_config() -> None:
    config = {"lock_timeout": "3s", "lock_retries": 7, "statement_timeout": "1min"}
    environ = {"SCHEMACTL_LOCK_TIMEOUT": "2s", "SCHEMACTL_LOCK_RETRIES": "1"}

    assert resolve_timeouts({}, {}, {}) == ApplyTimeouts(5_000, 0, 3, 1_000)
    assert resolve_timeouts({}, config, {}) == ApplyTimeouts(3_000, 60_000, 7, 1_000)
    assert resolve_timeouts({}, config, environ) == ApplyTimeouts(2_000, 60_000, 1, 1_000)
    assert resolve_timeouts({"lock_timeout": "750ms"}, config, environ) == ApplyTimeouts(
        750, 60_000, 1, 1_000
    )
    assert ApplyTimeouts().give_up_after_ms == 4 * 5_000 + 1_000 + 2_000 + 4_000


@pytest.mark.parametrize(
    ("options", "config", "message"),
    [
        (
            {"lock_timeout": "soon"},
            {},
            "--lock-timeout: 'soon' is not a duration (write e.g. 500ms, 5s or 2min "
            "(0 for no limit))",
        ),
        (
            {"lock_retries": "-1"},
            {},
            "--lock-retries: '-1' is not a whole number (e.g. 3 (0: no retry))",
        ),
        (
            {},
            {"lock_timout": "1s"},
            "[tool.schemactl.apply] has unknown setting(s): lock_timout (known: lock_timeout, "
            "statement_timeout, lock_retries, retry_delay)",
        ),
    ],
)
def test_bad_timeout_settings_are_refused(
    options: dict[str, str], config: dict[str, object], message: str
) -> None:
    with pytest.raises(SchemactlError) as caught:
        resolve_timeouts(options, config, {})
    assert str(caught.value) == message


def test_project_config_sets_the_lock_timeout(
    project_with_history: Project, first_applied: str, reader: psycopg.Connection
) -> None:
    pyproject = project_with_history.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.schemactl.apply]\nlock_timeout = "150ms"\n'
        "lock_retries = 0\n"
    )
    result = apply_cli(project_with_history, first_applied)

    assert result.exit_code == 2
    assert "waited longer than lock_timeout (150ms) 1 time(s)" in result.stderr
    assert history(first_applied) == [("20250101000000", "first")]
