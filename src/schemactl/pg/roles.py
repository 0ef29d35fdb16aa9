"""Acting as a database role on a connection: the one way the tool and the tests switch
roles (an API role with its request claims, as PostgREST does, or the schema owner)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import pq

from schemactl.sqlfiles import load_sql


@contextmanager
def acting_as(
    conn: psycopg.Connection,
    role: str,
    claims: Mapping[str, Any] | None = None,
    *,
    session: bool = False,
) -> Iterator[psycopg.Connection]:
    """Run the block as ``role`` with ``claims`` as `request.jwt.claims` (what `auth.uid()`
    and `auth.jwt()` read; None keeps the claims in force, e.g. acting as the owner inside
    a user's request).

    By default the block is a savepoint (a transaction on an autocommit connection) and the
    role is `SET LOCAL`: an error inside rolls it back, and the role and claims in force
    before are back afterwards either way. With ``session=True`` there is no savepoint:
    the role is set for the session (on an autocommit connection each statement of the
    block commits on its own, as separate API requests would) and put back at the end
    unless the connection failed.
    """
    if session:
        previous = _enter(conn, role, claims, is_local=False)
        try:
            yield conn
        finally:
            if not conn.closed and conn.info.transaction_status != pq.TransactionStatus.INERROR:
                _restore(conn, previous, is_local=False)
        return
    with conn.transaction():
        previous = _enter(conn, role, claims, is_local=True)
        yield conn
        _restore(conn, previous, is_local=True)


def _enter(
    conn: psycopg.Connection, role: str, claims: Mapping[str, Any] | None, *, is_local: bool
) -> tuple[str, str | None]:
    params = {
        "role": role,
        "claims": None if claims is None else json.dumps(claims),
        "is_local": is_local,
    }
    row = conn.execute(load_sql("roles/act_as"), params).fetchone()
    assert row is not None  # a select without FROM returns one row
    return row[0], row[1]


def _restore(conn: psycopg.Connection, previous: tuple[str, str | None], *, is_local: bool) -> None:
    role, claims = previous
    conn.execute(load_sql("roles/restore"), {"role": role, "claims": claims, "is_local": is_local})
