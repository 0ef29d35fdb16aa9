"""pytest plugin `schemactl.testing.plugin` (entry point `pytest11`), docs/design.md: Tests.

Fixtures: `db` (rolled back after each test; milliseconds), `committed_db` (a fresh
template clone for tests that commit), `grant_mode` (mark a test with
`@pytest.mark.grant_modes` to run it under both stand-in modes), `as_user`,
`as_service_role`, `as_anon`, `make_auth_user`, `schemactl_databases`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from schemactl.errors import SchemactlError
from schemactl.pg.databases import GRANT_MODES, GrantMode
from schemactl.pg.roles import acting_as
from schemactl.testing.claims import anon_claims, service_role_claims, user_claims
from schemactl.testing.session import STASH_KEY, CommittedDatabase, TestDatabases, databases_for
from schemactl.testing.sqlfile import SqlFile

RequestFactory = Callable[..., AbstractContextManager[psycopg.Connection]]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("schemactl")
    group.addoption(
        "--schemactl-db-url",
        default=os.environ.get("SCHEMACTL_TEST_DB_URL"),
        help="Run test databases inside this server instead of a throwaway one.",
    )
    group.addoption(
        "--schemactl-docker",
        action="store_true",
        default=False,
        help="Run test databases in a supabase/postgres container (needs Docker).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "grant_modes: run the test under both stand-in grant modes (opt-in and legacy)"
    )
    config.stash[STASH_KEY] = TestDatabases(
        config.rootpath,
        config.getoption("--schemactl-db-url"),
        config.getoption("--schemactl-docker"),
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    databases = config.stash.get(STASH_KEY, None)
    if databases is not None:
        databases.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("grant_modes") and (
        "grant_mode" in metafunc.fixturenames
    ):
        metafunc.parametrize("grant_mode", GRANT_MODES, indirect=True, ids=GRANT_MODES)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SqlFile | None:
    if file_path.suffix == ".sql" and file_path.name.startswith("test_"):
        return SqlFile.from_parent(parent, path=file_path)
    return None


@contextmanager
def user_errors() -> Iterator[None]:
    """A schema that does not build or apply (or a server that does not start) fails
    the test with the tool's one-line message (file:line:col), not a traceback through
    the plugin."""
    try:
        yield
    except SchemactlError as exc:
        # `from None`: the message is the whole story, also where pytest shows chains (CI).
        raise pytest.fail.Exception(f"schemactl: {exc}", pytrace=False) from None


@pytest.fixture(scope="session")
def schemactl_databases(pytestconfig: pytest.Config) -> TestDatabases:
    return databases_for(pytestconfig)


@pytest.fixture
def grant_mode(request: pytest.FixtureRequest) -> GrantMode:
    return getattr(request, "param", "opt-in")


@pytest.fixture
def db(schemactl_databases: TestDatabases, grant_mode: GrantMode) -> Iterator[psycopg.Connection]:
    """A connection (superuser) inside a transaction that is rolled back after the test.
    Use `with db.transaction():` for a savepoint around an expected error."""
    with user_errors(), schemactl_databases.rolled_back(grant_mode) as conn:
        yield conn


@pytest.fixture
def committed_db(
    schemactl_databases: TestDatabases, grant_mode: GrantMode
) -> Iterator[CommittedDatabase]:
    """A fresh database cloned from the template, dropped after the test."""
    with user_errors(), schemactl_databases.committed(grant_mode) as database:
        yield database


@pytest.fixture
def as_user(db: psycopg.Connection) -> RequestFactory:
    """`with as_user(user_id, **extra_claims):` — a request of an authenticated user.
    Pass `conn=` to act on another connection (e.g. of `committed_db`)."""

    def factory(
        user_id: uuid.UUID | str, *, conn: psycopg.Connection | None = None, **claims: Any
    ) -> AbstractContextManager[psycopg.Connection]:
        return acting_as(conn or db, "authenticated", user_claims(user_id, **claims))

    return factory


@pytest.fixture
def as_service_role(db: psycopg.Connection) -> RequestFactory:
    def factory(
        *, conn: psycopg.Connection | None = None
    ) -> AbstractContextManager[psycopg.Connection]:
        return acting_as(conn or db, "service_role", service_role_claims())

    return factory


@pytest.fixture
def as_anon(db: psycopg.Connection) -> RequestFactory:
    def factory(
        *, conn: psycopg.Connection | None = None
    ) -> AbstractContextManager[psycopg.Connection]:
        return acting_as(conn or db, "anon", anon_claims())

    return factory


@pytest.fixture
def make_auth_user(db: psycopg.Connection) -> Callable[..., uuid.UUID]:
    """Insert a row into auth.users (as Supabase Auth would) and return its id."""

    def factory(
        email: str | None = None,
        *,
        phone: str | None = None,
        meta: dict[str, Any] | None = None,
        conn: psycopg.Connection | None = None,
    ) -> uuid.UUID:
        row = (
            (conn or db)
            .execute(
                "insert into auth.users (email, phone, raw_user_meta_data) "
                "values (%s, %s, %s) returning id",
                [email, phone, Jsonb(meta or {})],
            )
            .fetchone()
        )
        assert row is not None
        return uuid.UUID(str(row[0]))

    return factory
