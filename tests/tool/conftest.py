"""Fixtures for the tool's own tests: the session's Postgres server and empty databases
on it. Plain helpers live in `helpers.py`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from schemactl.pg.databases import Server, create_database, drop_database, unique_name
from schemactl.testing.session import TestDatabases


@pytest.fixture(scope="session")
def pg_server(schemactl_databases: TestDatabases) -> Server:
    """The test session's Postgres server (bare: no template is built for it)."""
    return schemactl_databases.server


@pytest.fixture
def empty_database(pg_server: Server) -> Iterator[str]:
    """A new, empty database on the session server; its name. Dropped after."""
    name = unique_name("tooltest")
    create_database(pg_server, name)
    try:
        yield name
    finally:
        drop_database(pg_server, name)
