"""The database side of webhooks: endpoint management (sync) and the delivery protocol
(async), each statement from sql/*.sql."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import psycopg
from psycopg.rows import dict_row

from schemactl.api import SchemactlError, database_error
from schemactl_webhooks.signing import generate_secret


@cache
def query(name: str) -> str:
    return files("schemactl_webhooks").joinpath("sql", f"{name}.sql").read_text()


@dataclass(frozen=True)
class Endpoint:
    id: uuid.UUID
    url: str
    events: list[str]
    secret: str


@dataclass(frozen=True)
class Claim:
    delivery_id: uuid.UUID
    lease_token: uuid.UUID
    attempts: int
    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    secret: str
    body: str


def add_endpoint(
    conn: psycopg.Connection, url: str, events: list[str], description: str | None
) -> Endpoint:
    secret = generate_secret()
    with conn.transaction():
        row = conn.execute(
            query("add_endpoint"),
            {"url": url, "events": events, "description": description, "secret": secret},
        ).fetchone()
    assert row is not None
    return Endpoint(row[0], row[1], list(row[2]), secret)


def _endpoint_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise SchemactlError(
            f"webhook endpoint id: {text!r} is not a UUID",
            hint="see `schemactl webhooks list`",
        ) from None


def _missing(endpoint_id: uuid.UUID) -> SchemactlError:
    return SchemactlError(
        f"no webhook endpoint {endpoint_id}", hint="see `schemactl webhooks list`"
    )


def disable_endpoint(conn: psycopg.Connection, endpoint: str, reason: str) -> uuid.UUID:
    endpoint_id = _endpoint_id(endpoint)
    with conn.transaction():
        if (
            conn.execute(
                query("disable_endpoint"), {"id": endpoint_id, "reason": reason}
            ).fetchone()
            is None
        ):
            raise _missing(endpoint_id)
    return endpoint_id


def rotate_secret(conn: psycopg.Connection, endpoint: str) -> tuple[uuid.UUID, str]:
    endpoint_id = _endpoint_id(endpoint)
    secret = generate_secret()
    with conn.transaction():
        if (
            conn.execute(query("rotate_secret"), {"id": endpoint_id, "secret": secret}).fetchone()
            is None
        ):
            raise _missing(endpoint_id)
    return endpoint_id, secret


def list_endpoints(conn: psycopg.Connection) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query("list_endpoints")).fetchall()


def status(conn: psycopg.Connection) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query("status")).fetchall()


def replay(
    conn: psycopg.Connection,
    start: datetime,
    end: datetime,
    endpoint: str | None,
    event_type: str | None,
) -> int:
    endpoint_id = _endpoint_id(endpoint) if endpoint else None
    try:
        with conn.transaction():
            row = conn.execute(
                query("replay"),
                {"from": start, "to": end, "endpoint": endpoint_id, "event_type": event_type},
            ).fetchone()
    except (psycopg.errors.NoDataFound, psycopg.errors.InvalidParameterValue) as exc:
        raise database_error(exc, "replay") from None
    assert row is not None
    return int(row[0])


class DeliveryStore:
    """The dispatcher's calls, on one autocommit async connection."""

    def __init__(self, connections: list[psycopg.AsyncConnection[Any]]) -> None:
        self._conn = connections[0]
        self._connections = connections
        self._next = 0

    def _outcome_connection(self) -> psycopg.AsyncConnection[Any]:
        """Outcomes are recorded round robin over the connections, in parallel."""
        self._next = (self._next + 1) % len(self._connections)
        return self._connections[self._next]

    async def claim(self, limit: int, lease: timedelta, max_attempts: int) -> list[Claim]:
        cur = await self._conn.execute(
            query("claim"), {"limit": limit, "lease": lease, "max_attempts": max_attempts}
        )
        return [Claim(*row) for row in await cur.fetchall()]

    async def _call(self, name: str, params: dict[str, Any]) -> bool:
        cur = await self._outcome_connection().execute(query(name), params)
        row = await cur.fetchone()
        return bool(row and row[0])

    async def complete(self, claim: Claim, status: int, excerpt: str) -> bool:
        return await self._call(
            "complete",
            {
                "id": claim.delivery_id,
                "token": claim.lease_token,
                "status": status,
                "excerpt": excerpt,
            },
        )

    async def fail(
        self,
        claim: Claim,
        error: str,
        status: int | None,
        excerpt: str | None,
        retry_in: timedelta | None,
    ) -> bool:
        return await self._call(
            "fail",
            {
                "id": claim.delivery_id,
                "token": claim.lease_token,
                "error": error,
                "status": status,
                "excerpt": excerpt,
                "retry_in": retry_in,
            },
        )

    async def release(self, claim: Claim) -> bool:
        return await self._call("release", {"id": claim.delivery_id, "token": claim.lease_token})

    async def disable_endpoint(self, claim: Claim, reason: str) -> None:
        await self._outcome_connection().execute(
            query("disable_endpoint"), {"id": claim.endpoint_id, "reason": reason}
        )
