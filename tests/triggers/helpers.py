"""Helpers of the trigger tests: a small sales world, and readers for what triggers
write (audit rows, outbox events, stage history, organization totals)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tests.support.factories import Crm, Pipeline

Row = dict[str, Any]


@dataclass(frozen=True)
class Sales:
    """An active admin, a seller (both in one team), a pipeline of three stages, two
    organizations and a seeded loss reason."""

    admin: uuid.UUID
    seller: uuid.UUID
    team: uuid.UUID
    pipeline: Pipeline
    org_a: uuid.UUID
    org_b: uuid.UUID
    loss_reason: uuid.UUID


def make_sales(crm: Crm) -> Sales:
    team = crm.team()
    admin = crm.user("admin", team=team)
    seller = crm.user("seller", team=team)
    loss_reason = rows(
        crm.conn, "select id from public.loss_reasons where name = %s", ["Preço alto"]
    )[0]["id"]
    return Sales(
        admin=admin,
        seller=seller,
        team=team,
        pipeline=crm.pipeline(),
        org_a=crm.organization(seller),
        org_b=crm.organization(seller),
        loss_reason=loss_reason,
    )


def rows(conn: psycopg.Connection, query: Any, params: Any = None) -> list[Row]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query, params).fetchall()


def one(conn: psycopg.Connection, query: Any, params: Any = None) -> Row:
    found = rows(conn, query, params)
    assert len(found) == 1, f"expected one row, got {len(found)}"
    return found[0]


def revenue(conn: psycopg.Connection, organization: uuid.UUID) -> tuple[Decimal, int]:
    """(total_revenue, won_deals_count) of an organization."""
    row = one(
        conn,
        "select total_revenue, won_deals_count from public.organizations where id = %s",
        [organization],
    )
    return row["total_revenue"], row["won_deals_count"]


def events(conn: psycopg.Connection, aggregate_id: uuid.UUID | None = None) -> list[Row]:
    """Outbox events (of one deal or task), in the order consumers receive them."""
    return rows(
        conn,
        "select * from public.webhook_events "
        "where %(id)s::uuid is null or aggregate_id = %(id)s "
        "order by occurred_at, created_at, id",
        {"id": aggregate_id},
    )


def event_types(conn: psycopg.Connection, aggregate_id: uuid.UUID | None = None) -> list[str]:
    return [e["event_type"] for e in events(conn, aggregate_id)]


def audit_rows(conn: psycopg.Connection, record_id: uuid.UUID) -> list[Row]:
    return rows(
        conn, "select * from public.audit_log where record_id = %s order by id", [record_id]
    )


def history(conn: psycopg.Connection, deal: uuid.UUID) -> list[Row]:
    return rows(
        conn, "select * from public.deal_stage_history where deal_id = %s order by id", [deal]
    )


def revenue_mismatches(conn: psycopg.Connection) -> list[Row]:
    """Organizations whose totals differ from a recomputation over their deals."""
    return rows(
        conn,
        """
        select o.id, o.total_revenue, o.won_deals_count,
            coalesce(sum(d.value), 0) as expected_revenue,
            count(d.id) as expected_count
        from public.organizations as o
        left join public.deals as d
            on d.organization_id = o.id and d.status = 'won' and d.deleted_at is null
        group by o.id
        having o.total_revenue <> coalesce(sum(d.value), 0)
            or o.won_deals_count <> count(d.id)
    """,
    )


def value_mismatches(conn: psycopg.Connection) -> list[Row]:
    """Deals with product lines whose value is not the sum of their totals."""
    return rows(
        conn,
        """
        select d.id, d.value, sum(p.total) as lines_total
        from public.deals as d
        inner join public.deal_products as p on p.deal_id = d.id
        group by d.id
        having d.value <> sum(p.total)
    """,
    )
