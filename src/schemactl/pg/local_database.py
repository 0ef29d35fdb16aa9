"""The project's persistent local database under `.schemactl/` (`up`, `down`, `reset`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from schemactl.config import Project
from schemactl.errors import SchemactlError
from schemactl.pg.run_as import RunAs
from schemactl.pg.server import DEFAULT_PORT, Binaries, LocalServer, find_binaries, free_port

STATE_FILE = "server.json"
LOCAL_DBNAME = "postgres"
STAGING_SUFFIX = ".initdb"


@dataclass(frozen=True)
class LocalState:
    data_dir: Path
    port: int
    bindir: Path
    origin: str
    version: int


def _state_path(project: Project) -> Path:
    return project.state_dir / STATE_FILE


def _recorded_state(project: Project) -> LocalState | None:
    path = _state_path(project)
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return LocalState(
        Path(data["data_dir"]),
        int(data["port"]),
        Path(data["bindir"]),
        data["origin"],
        int(data["version"]),
    )


def read_state(project: Project) -> LocalState | None:
    """The recorded local server; binaries that moved since (e.g. a recreated
    virtualenv) are found again, with the same major version as the data directory."""
    state = _recorded_state(project)
    if state is None or (state.bindir / "pg_ctl").is_file():
        return state
    try:
        binaries = find_binaries(major=state.version)
    except SchemactlError as exc:
        raise SchemactlError(
            f"the local database was created with PostgreSQL {state.version}, whose "
            f"binaries are gone from {state.bindir}",
            hint="install that version again, or run `schemactl reset` to start over",
        ) from exc
    state = replace(state, bindir=binaries.bindir, origin=binaries.origin)
    _write_state(project, state)
    return state


def _write_state(project: Project, state: LocalState) -> None:
    project.state_dir.mkdir(exist_ok=True)
    _state_path(project).write_text(
        json.dumps(
            {
                "data_dir": str(state.data_dir),
                "port": state.port,
                "bindir": str(state.bindir),
                "origin": state.origin,
                "version": state.version,
            },
            indent=2,
        )
        + "\n"
    )


def _data_dir(project: Project, run_as: RunAs) -> Path:
    """`.schemactl/data`, unless the server's OS user cannot reach the project (e.g. a
    checkout under /root): then a directory in the temp dir named after the project."""
    preferred = project.state_dir / "data"
    if run_as.can_reach(project.state_dir):
        return preferred
    digest = hashlib.sha256(str(project.root).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"schemactl-{digest}" / "data"


def new_data_dir(project: Project) -> Path:
    """Where the first `up` puts the data directory (see `_data_dir`)."""
    return _data_dir(project, RunAs.for_current_process())


def _server(state: LocalState) -> LocalServer:
    binaries = Binaries(state.bindir, state.version, state.origin)
    return LocalServer(state.data_dir, binaries, port=state.port)


def start(project: Project) -> tuple[LocalServer, bool]:
    """Start (or reuse) the local server; second item: whether it was created now."""
    state = read_state(project)
    if state is not None and (state.data_dir / "PG_VERSION").is_file():
        server = _server(state)
        if not server.is_running():
            port = free_port(state.port)
            if port != state.port:
                state = LocalState(state.data_dir, port, state.bindir, state.origin, state.version)
                _write_state(project, state)
                server = _server(state)
            server.start_detached(state.data_dir.parent / "postgres.log")
        return server, False
    binaries: Binaries = find_binaries()
    run_as = RunAs.for_current_process()
    project.state_dir.mkdir(exist_ok=True)
    data_dir = _data_dir(project, run_as)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    run_as.own(data_dir.parent)
    state = LocalState(
        data_dir, free_port(DEFAULT_PORT), binaries.bindir, binaries.origin, binaries.version
    )
    _initdb_atomically(state)
    _write_state(project, state)
    server = _server(state)
    server.start_detached(data_dir.parent / "postgres.log")
    return server, True


def _staging_dir(data_dir: Path) -> Path:
    return data_dir.with_name(data_dir.name + STAGING_SUFFIX)


def _initdb_atomically(state: LocalState) -> None:
    """initdb into a staging directory renamed into place once complete: an interrupted
    first `up` leaves no half-written data directory (what one left before, without a
    recorded state, is deleted here, as `reset` does)."""
    staging = _staging_dir(state.data_dir)
    for leftover in (staging, state.data_dir):
        shutil.rmtree(leftover, ignore_errors=True)
    _server(replace(state, data_dir=staging)).initdb()
    staging.rename(state.data_dir)


def running_server(project: Project) -> LocalServer:
    """The local server started by `schemactl up`, or an error saying to start it."""
    state = read_state(project)
    server = _server(state) if state else None
    if server is None or not server.is_running():
        raise SchemactlError(
            "no local database is running",
            hint="run `schemactl up` first, or pass --db-url",
        )
    return server


def stop(project: Project) -> bool:
    state = read_state(project)
    if state is None:
        return False
    server = _server(state)
    if not server.is_running():
        return False
    server.stop()
    return True


def remove(project: Project) -> None:
    """Stop the local server (if its binaries are still there) and delete its data."""
    state = _recorded_state(project)
    if state is not None and (state.bindir / "pg_ctl").is_file():
        stop(project)
    if state is not None:
        shutil.rmtree(
            state.data_dir.parent if state.data_dir.parent != project.state_dir else state.data_dir,
            ignore_errors=True,
        )
        _state_path(project).unlink(missing_ok=True)
    else:  # an interrupted first `up`: no state yet, maybe a partial data directory
        data_dir = new_data_dir(project)
        for leftover in (data_dir, _staging_dir(data_dir)):
            shutil.rmtree(leftover, ignore_errors=True)
