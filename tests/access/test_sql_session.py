"""Boundary (b) of docs/security.md: a login role granted `authenticated` (a BI tool, a
member of staff, an injection into dynamic SQL) with its own SQL session. It sets its own
JWT claims, so it can act as any app user — that is documented, and shown here — but it
never gains the owner's rights: no other role, no private schema, no DDL, no way around
row level security."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.support.factories import Crm

DENIED = "42501"


@pytest.fixture
def sql_session(committed_db: Any) -> Iterator[tuple[psycopg.Connection, Crm]]:
    """A fresh login role, member of authenticated only, connected to a clone."""
    admin = committed_db.connection
    login = f"bi_tool_{uuid.uuid4().hex[:8]}"
    admin.execute(
        sql.SQL("create role {} login in role authenticated").format(sql.Identifier(login))
    )
    url = committed_db.url.replace("supabase_admin@", f"{login}@", 1)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            # literal SET ROLE: the attacker's own session statement is what is tested here
            conn.execute("set role authenticated")
            yield conn, Crm(admin)
    finally:
        admin.execute(sql.SQL("drop role {}").format(sql.Identifier(login)))


def outcome(conn: psycopg.Connection, statement: str, args: Any = None) -> str:
    """`ok`, or the SQLSTATE the statement failed with (its transaction rolled back)."""
    try:
        with conn.transaction():
            conn.execute(statement, args)
    except psycopg.Error as error:
        return error.sqlstate or "?"
    return "ok"


def claim(conn: psycopg.Connection, claims: dict[str, Any]) -> None:
    conn.execute("select set_config('request.jwt.claims', %s, false)", [json.dumps(claims)])


# The literal role switches below are the attacks under test, not a way to act as a role.
OWNER_RIGHTS = {
    "set role service_role": "set role service_role",
    "set role postgres": "set role postgres",
    "set_config role": "select set_config('role', 'service_role', false)",
    "read key hashes": "select * from private.api_key_secrets",
    "read rate limits": "select * from private.rate_limits",
    "read the metrics view": "select * from reporting.mv_pipeline_metrics",
    "create a table": "create table public.planted (id int)",
    "create a function": "create function public.planted() returns int language sql as 'select 1'",
    "create in private": "create table private.planted (id int)",
    "disable RLS": "alter table public.deals disable row level security",
    "drop a policy": "drop policy deals_select on public.deals",
    "grant itself a table": "grant select on private.api_key_secrets to authenticated",
    "truncate the audit": "truncate public.audit_log",
    "call a service function": "select public.refresh_pipeline_metrics()",
    "read a server file": "select pg_read_file('postgresql.conf')",
    "run a program": "copy (select 1) to program 'true'",
}


@pytest.mark.grant_modes
@pytest.mark.parametrize("attack", sorted(OWNER_RIGHTS))
def test_a_sql_session_never_gains_the_owners_rights(sql_session, attack):
    conn, _crm = sql_session
    claim(conn, {"role": "service_role"})
    assert outcome(conn, OWNER_RIGHTS[attack]) == DENIED


@pytest.mark.grant_modes
def test_row_security_cannot_be_switched_off(sql_session):
    conn, crm = sql_session
    seller = crm.user("seller")
    other_seller = crm.user("seller")
    pipeline = crm.pipeline("Funil")
    crm.deal(other_seller, pipeline)
    claim(conn, {"sub": str(seller), "role": "authenticated"})
    conn.execute("set row_security = off")
    assert outcome(conn, "select * from public.deals") == DENIED
    conn.execute("set row_security = on")
    assert conn.execute("select count(*) from public.deals").fetchone() == (0,)


@pytest.mark.grant_modes
def test_a_sql_session_acts_as_any_app_user_it_names(sql_session):
    """The documented part of boundary (b): claims are the session's own."""
    conn, crm = sql_session
    admin = crm.user("admin")
    seller = crm.user("seller")
    pipeline = crm.pipeline("Funil")
    deal = crm.deal(seller, pipeline)
    claim(conn, {"sub": str(admin), "role": "authenticated"})
    assert conn.execute("select id from public.deals").fetchall() == [(deal,)]
    # Temporary objects are allowed (TEMP is not revoked), and harmless elsewhere.
    assert outcome(conn, "create temporary table scratch (id int)") == "ok"
    assert conn.execute("select current_user, session_user <> 'postgres'").fetchone() == (
        "authenticated",
        True,
    )
