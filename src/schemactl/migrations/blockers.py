"""Who blocks `apply`: a second connection that, while a migration's transaction runs,
polls `pg_blocking_pids` of the applying backend and keeps the last sessions it saw, so a
lock timeout can name them (pid, application_name, state, how long)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType

import psycopg

from schemactl.migrations.timeouts import format_ms
from schemactl.sqlfiles import load_sql

WATCH_APPLICATION_NAME = "schemactl apply (lock watch)"


@dataclass(frozen=True)
class Blocker:
    pid: int
    application_name: str
    state: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"pid {self.pid} (application_name {self.application_name!r}, {self.state}, "
            f"transaction open {format_ms(self.seconds * 1000)})"
        )


def describe_blockers(blockers: tuple[Blocker, ...]) -> str:
    if not blockers:
        return "the blocking session was not seen (it may have ended)"
    return "blocked by " + "; ".join(str(b) for b in blockers)


class BlockerWatch:
    """Context manager: polls every ``interval`` seconds on its own connection."""

    def __init__(self, conn: psycopg.Connection, interval: float) -> None:
        self._pid = conn.info.backend_pid
        self._conninfo = conn.info.dsn
        self._password = conn.info.password
        self._interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._last: tuple[Blocker, ...] = ()
        self._watcher: psycopg.Connection | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BlockerWatch:
        self._watcher = psycopg.connect(
            self._conninfo,
            password=self._password,
            autocommit=True,
            application_name=WATCH_APPLICATION_NAME,
        )
        self._thread = threading.Thread(target=self._poll, name="apply-lock-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._watcher is not None:
            self._watcher.close()

    def forget(self) -> None:
        """Start afresh (a new attempt)."""
        with self._lock:
            self._last = ()

    @property
    def last_seen(self) -> tuple[Blocker, ...]:
        with self._lock:
            return self._last

    def _poll(self) -> None:
        assert self._watcher is not None
        query = load_sql("migrations/blockers")
        while not self._stop.is_set():
            try:
                rows = self._watcher.execute(query, {"pid": self._pid}).fetchall()
            except psycopg.Error:
                return  # the watch is a courtesy: apply goes on without it
            if rows:
                with self._lock:
                    self._last = tuple(Blocker(*row) for row in rows)
            self._stop.wait(self._interval)
