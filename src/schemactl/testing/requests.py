"""Simulating a Supabase API request on a connection (docs/design.md: The Supabase stand-in)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql


def user_claims(user_id: uuid.UUID | str, **extra: Any) -> dict[str, Any]:
    return {"sub": str(user_id), "role": "authenticated", "aud": "authenticated", **extra}


def service_role_claims() -> dict[str, Any]:
    return {"role": "service_role"}


def anon_claims() -> dict[str, Any]:
    return {"role": "anon"}


@contextmanager
def request_as(
    conn: psycopg.Connection, role: str, claims: dict[str, Any]
) -> Iterator[psycopg.Connection]:
    """Run the block as PostgREST would: `SET LOCAL ROLE` plus the JWT claims.

    The block is a savepoint (a transaction on an autocommit connection): an error
    inside rolls it back, and the role and claims are gone afterwards either way.
    """
    with conn.transaction():
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
        conn.execute("select set_config('request.jwt.claims', %s, true)", [json.dumps(claims)])
        yield conn
        conn.execute("reset role")
        conn.execute("select set_config('request.jwt.claims', '', true)")
