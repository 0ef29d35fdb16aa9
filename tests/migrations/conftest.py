"""Fixtures for the migration tests: the session's Postgres server (shadow databases and
target databases are created inside it) and small projects written on the fly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from schemactl.config import Project
from schemactl.pg.databases import Server, create_database, drop_database, unique_name
from schemactl.testing.session import TestDatabases

from .helpers import migrations_project


@pytest.fixture(scope="session")
def server(schemactl_databases: TestDatabases) -> Server:
    return schemactl_databases.server


@pytest.fixture(scope="session")
def server_url(server: Server) -> str:
    """A superuser URL of the session server: where shadow databases go."""
    return server.url()


@pytest.fixture
def target_db(server: Server) -> Iterator[str]:
    """An empty database on the session server (a stand-in for a Supabase project's
    database once `with_standin` ran on it); its superuser URL. Dropped after."""
    name = unique_name("migrations_target")
    create_database(server, name)
    try:
        yield server.url(name)
    finally:
        drop_database(server, name)


@pytest.fixture
def project_with_history(request: pytest.FixtureRequest, tmp_path: Path) -> Project:
    """A project written under ``tmp_path`` from the test module's ``SCHEMA`` (schema/)
    and ``HISTORY`` (file name → SQL: supabase/migrations/, not yet applied anywhere)."""
    module = request.module
    return migrations_project(tmp_path / "project", module.SCHEMA, module.HISTORY)
