"""Databases of one test session: the server, a template per grant mode (stand-in +
build + seeds), a long-lived database per mode for the rolled-back `db` fixture, and
template clones for tests that commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from schemactl.build.builder import build
from schemactl.config import Project, load_project
from schemactl.errors import SchemactlError
from schemactl.pg.built_database import build_statements, install_built_schema
from schemactl.pg.databases import (
    GrantMode,
    Server,
    clone_database,
    connect,
    create_database,
    drop_database,
    unique_name,
)
from schemactl.pg.server import ExternalServer, given_or_throwaway_server
from schemactl.source.seeds import seed_statements

STASH_KEY = pytest.StashKey["TestDatabases"]()


@dataclass
class CommittedDatabase:
    """A fresh database cloned from the template. `connection` (autocommit, superuser)
    is opened on first use, so a test that only uses `connect()` or the URLs does not
    pay for it."""

    name: str
    url: str
    owner_url: str
    _connection: psycopg.Connection | None = field(default=None, repr=False)
    _extra: list[psycopg.Connection] = field(default_factory=list, repr=False)

    @property
    def connection(self) -> psycopg.Connection:
        if self._connection is None:
            self._connection = connect(self.url, autocommit=True)
        return self._connection

    def connect(self, *, autocommit: bool = True) -> psycopg.Connection:
        """Another connection (as the superuser), e.g. for concurrency tests."""
        conn = connect(self.url, autocommit=autocommit)
        self._extra.append(conn)
        return conn

    def close(self) -> None:
        for conn in [*self._extra, *([self._connection] if self._connection else [])]:
            conn.close()


class TestDatabases:
    """Created on first use, closed at the end of the session."""

    def __init__(self, root: Path, db_url: str | None, docker: bool) -> None:
        self.root = root
        self.db_url = db_url
        self.docker = docker
        self._stack = ExitStack()
        self._server: Server | None = None
        self._project: Project | None = None
        self._templates: dict[GrantMode, str] = {}
        self._sessions: dict[GrantMode, psycopg.Connection] = {}
        self._created: list[str] = []
        self._admin: psycopg.Connection | None = None
        self._failures: dict[GrantMode, SchemactlError] = {}

    @property
    def project(self) -> Project:
        if self._project is None:
            self._project = load_project(self.root)
        return self._project

    @property
    def server(self) -> Server:
        if self._server is None:
            if self.docker and not self.db_url:
                from schemactl.pg.containers import supabase_container

                self._server = self._stack.enter_context(supabase_container())
            else:
                self._server = self._stack.enter_context(given_or_throwaway_server(self.db_url))
        return self._server

    @property
    def admin(self) -> psycopg.Connection:
        """An autocommit connection to the server for CREATE/DROP DATABASE, kept open:
        a connection costs milliseconds, which a clone per test should not pay twice."""
        if self._admin is None or self._admin.closed or self._admin.broken:
            self._admin = connect(self.server.url(), autocommit=True)
        return self._admin

    def template(self, mode: GrantMode) -> str:
        """The template database of ``mode``: stand-in, schema and seeds, committed.
        A schema that does not build or apply fails every test that needs it with the
        same error, without trying again for each one."""
        if mode in self._failures:
            raise self._failures[mode]
        if mode not in self._templates:
            try:
                self._templates[mode] = self._make_template(mode)
            except SchemactlError as exc:
                self._failures[mode] = exc
                raise
        return self._templates[mode]

    def _make_template(self, mode: GrantMode) -> str:
        schema = build(self.project)
        seeds = seed_statements(self.project)
        name = unique_name(f"schemactl_tpl_{mode.replace('-', '_')}")
        create_database(self.server, name, admin=self.admin)
        self._created.append(name)
        try:
            with connect(self.server.url(name)) as conn, conn.transaction():
                install_built_schema(
                    conn,
                    [*build_statements(schema), *seeds],
                    owner_role=self.project.owner_role,
                    grant_mode=mode,
                    role=self.project.owner_role,
                )
        except BaseException:
            drop_database(self.server, name, admin=self.admin)
            self._created.remove(name)
            raise
        return name

    def clone(self, mode: GrantMode) -> str:
        name = unique_name("schemactl_test")
        clone_database(
            self.server, name, self.template(mode), self.project.owner_role, admin=self.admin
        )
        self._created.append(name)
        return name

    def session_connection(self, mode: GrantMode) -> psycopg.Connection:
        """The connection the `db` fixture wraps in a rolled-back transaction."""
        conn = self._sessions.get(mode)
        if conn is None or conn.closed or conn.broken:
            conn = connect(self.server.url(self.clone(mode)), autocommit=True)
            conn.prepare_threshold = None
            self._sessions[mode] = conn
        return conn

    @contextmanager
    def rolled_back(self, mode: GrantMode) -> Iterator[psycopg.Connection]:
        """The `db` fixture's isolation: the session connection inside a transaction
        that is rolled back at the end, then session state (settings, roles, prepared
        statements, temp tables) discarded."""
        conn = self.session_connection(mode)
        with conn.transaction(force_rollback=True):
            yield conn
        if not conn.broken:
            conn.execute("discard all")

    @contextmanager
    def committed(self, mode: GrantMode) -> Iterator[CommittedDatabase]:
        name = self.clone(mode)
        url = self.server.url(name)
        database = CommittedDatabase(name, url, self.server.url(name, self.project.owner_role))
        try:
            yield database
        finally:
            database.close()
            drop_database(self.server, name, admin=self.admin)
            self._created.remove(name)

    def close(self) -> None:
        for conn in self._sessions.values():
            conn.close()
        if self._server is not None and isinstance(self._server, ExternalServer):
            for name in reversed(self._created):
                drop_database(self._server, name, admin=self.admin)
        if self._admin is not None:
            self._admin.close()
        self._stack.close()


def databases_for(config: pytest.Config) -> TestDatabases:
    return config.stash[STASH_KEY]
