"""Row helpers for the CRM schema tests (imported by the tests and conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb


def insert(conn: psycopg.Connection, table: str, **values: Any) -> dict[str, Any]:
    """`insert into <table> (...) values (...) returning *`; dicts are sent as jsonb."""
    schema, _, name = table.rpartition(".")
    columns = list(values)
    params = [Jsonb(v) if isinstance(v, dict) else v for v in values.values()]
    query = sql.SQL("insert into {} ({}) values ({}) returning *").format(
        sql.Identifier(schema or "public", name),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    if not columns:
        query = sql.SQL("insert into {} default values returning *").format(
            sql.Identifier(schema or "public", name)
        )
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, params).fetchone()
    assert row is not None
    return row


def fetch_one(conn: psycopg.Connection, query: str, params: Any = None) -> dict[str, Any]:
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(query, params).fetchone()
    assert row is not None
    return row


def sign_up(
    conn: psycopg.Connection,
    email: str | None = None,
    *,
    phone: str | None = None,
    meta: dict[str, Any] | None = None,
) -> uuid.UUID:
    """An auth.users row as Supabase Auth writes it (the profile follows by trigger)."""
    return insert(conn, "auth.users", email=email, phone=phone, raw_user_meta_data=meta or {})["id"]
