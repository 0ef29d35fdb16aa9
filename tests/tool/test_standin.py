"""The Supabase stand-in (docs/design.md: The Supabase stand-in): roles, `auth`, the request settings, and the two
grant modes that make a missing GRANT or a missing REVOKE show."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from schemactl.errors import SchemactlError
from schemactl.pg.databases import (
    GrantMode,
    Server,
    connect,
    create_database,
    drop_database,
    install_standin,
    unique_name,
)
from schemactl.testing import acting_as

OWNER = "postgres"


@pytest.fixture
def standin(pg_server: Server, empty_database: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection (superuser) to an empty database with the opt-in
    stand-in installed."""
    with connect(pg_server.url(empty_database), autocommit=True) as conn:
        with conn.transaction():
            install_standin(conn, OWNER, "opt-in")
        yield conn


def test_api_roles_have_supabase_attributes(standin: psycopg.Connection) -> None:
    rows = standin.execute(
        "select rolname, rolcanlogin, rolinherit, rolbypassrls, rolsuper from pg_roles "
        "where rolname in ('anon', 'authenticated', 'service_role', 'authenticator', %s) "
        "order by rolname",
        [OWNER],
    ).fetchall()
    assert rows == [
        ("anon", False, False, False, False),
        ("authenticated", False, False, False, False),
        ("authenticator", True, False, False, False),
        ("postgres", True, True, True, False),
        ("service_role", False, False, True, False),
    ]


def test_authenticator_and_owner_are_members_of_the_api_roles(standin: psycopg.Connection) -> None:
    rows = standin.execute(
        "select member::regrole::text, array_agg(roleid::regrole::text order by "
        "roleid::regrole::text) from pg_auth_members "
        "where member::regrole::text in ('authenticator', %s) "
        "and roleid::regrole::text in ('anon', 'authenticated', 'service_role') "
        "group by 1 order by 1",
        [OWNER],
    ).fetchall()
    assert rows == [
        ("authenticator", ["anon", "authenticated", "service_role"]),
        ("postgres", ["anon", "authenticated", "service_role"]),
    ]


def test_installs_into_two_databases_of_one_server(
    pg_server: Server, standin: psycopg.Connection
) -> None:
    second = unique_name("tooltest")
    create_database(pg_server, second)
    try:
        with connect(pg_server.url(second)) as conn, conn.transaction():
            install_standin(conn, OWNER, "legacy")
            row = conn.execute(
                "select count(*) from pg_roles where rolname in "
                "('anon', 'authenticated', 'service_role', 'authenticator')"
            ).fetchone()
            assert row == (4,)
    finally:
        drop_database(pg_server, second)


def test_auth_schema_has_users_and_owner_may_reference_and_trigger_it(
    standin: psycopg.Connection,
) -> None:
    columns = standin.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'auth' and table_name = 'users' order by ordinal_position"
    ).fetchall()
    assert [c[0] for c in columns][:2] == ["id", "email"]
    assert {"raw_user_meta_data", "created_at"} <= {c[0] for c in columns}
    row = standin.execute(
        "select has_table_privilege(%(o)s, 'auth.users', 'references'), "
        "has_table_privilege(%(o)s, 'auth.users', 'trigger')",
        {"o": OWNER},
    ).fetchone()
    assert row == (True, True)


def test_api_roles_may_use_schema_public_and_extensions_exists(standin: psycopg.Connection) -> None:
    rows = standin.execute(
        "select r, has_schema_privilege(r, 'public', 'usage'), "
        "has_schema_privilege(r, 'extensions', 'usage') "
        "from unnest(array['anon', 'authenticated', 'service_role']) as r"
    ).fetchall()
    assert rows == [
        ("anon", True, True),
        ("authenticated", True, True),
        ("service_role", True, True),
    ]


def test_publication_supabase_realtime_exists(standin: psycopg.Connection) -> None:
    row = standin.execute("select pubname, pubowner::regrole::text from pg_publication").fetchone()
    assert row == ("supabase_realtime", OWNER)


def test_auth_functions_read_request_jwt_claims(standin: psycopg.Connection) -> None:
    user = uuid.uuid4()
    claims = {
        "sub": str(user),
        "role": "authenticated",
        "email": "ana@example.test",
        "app_metadata": {"tier": "gold"},
    }
    with acting_as(standin, "authenticated", claims):
        row = standin.execute(
            "select auth.uid(), auth.role(), auth.email(), auth.jwt() -> 'app_metadata' ->> 'tier'"
        ).fetchone()
    assert row == (user, "authenticated", "ana@example.test", "gold")


def test_auth_uid_reads_the_legacy_claim_setting(standin: psycopg.Connection) -> None:
    user = uuid.uuid4()
    with standin.transaction():
        standin.execute("select set_config('request.jwt.claim.sub', %s, true)", [str(user)])
        row = standin.execute("select auth.uid()").fetchone()
    assert row == (user,)


def test_auth_functions_are_null_outside_a_request(standin: psycopg.Connection) -> None:
    row = standin.execute("select auth.uid(), auth.role(), auth.email(), auth.jwt()").fetchone()
    assert row == (None, None, None, None)


def test_refuses_a_database_that_already_has_auth(pg_server: Server, empty_database: str) -> None:
    with connect(pg_server.url(empty_database)) as conn:
        conn.execute("create schema auth")
        with pytest.raises(SchemactlError) as caught:
            install_standin(conn, OWNER, "opt-in")
    assert str(caught.value) == (
        "this database already has an `auth` schema: the Supabase stand-in is only "
        "installed into empty local databases (point --db-url at an empty database, or "
        "use the real Supabase project as is)"
    )


def _read_ungranted_table(
    pg_server: Server, database: str, mode: GrantMode, role: str
) -> list[tuple[int]]:
    """As the owner, create a table and grant nothing; read it as ``role``."""
    with connect(pg_server.url(database)) as conn:
        install_standin(conn, OWNER, mode)
        with acting_as(conn, OWNER):
            conn.execute("create table public.forgotten (id int)")
            conn.execute("insert into public.forgotten values (1)")
        with acting_as(conn, role):
            return conn.execute("select id from public.forgotten").fetchall()


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_opt_in_mode_shows_a_missing_grant(
    pg_server: Server, empty_database: str, role: str
) -> None:
    with pytest.raises(
        psycopg.errors.InsufficientPrivilege, match="permission denied for table forgotten"
    ):
        _read_ungranted_table(pg_server, empty_database, "opt-in", role)


@pytest.mark.parametrize("role", ["anon", "authenticated"])
def test_legacy_mode_shows_a_missing_revoke(
    pg_server: Server, empty_database: str, role: str
) -> None:
    assert _read_ungranted_table(pg_server, empty_database, "legacy", role) == [(1,)]


def test_unknown_grant_mode_is_refused(standin: psycopg.Connection) -> None:
    with pytest.raises(
        SchemactlError,
        match=r"^unknown grant mode 'open' \(use one of "
        r"opt-in, legacy\)$",
    ):
        install_standin(standin, OWNER, "open")  # type: ignore[arg-type]
