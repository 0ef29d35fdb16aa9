"""Helpers of the dual-write tests: reading what a V1 row became in V2 (its organization,
deal, lines, quarantine), writing V1 rows as the old app and V2 lines as a V2 user."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from schemactl_v1 import commands
from schemactl_v1.dual_write import DualWriteState

from .databases import V1Database

TRIGGERS = (
    ("clients", "schemactl_dual_write"),
    ("clients", "schemactl_dual_write_truncate"),
    ("opportunities", "schemactl_dual_write"),
    ("opportunities", "schemactl_dual_write_truncate"),
    ("opportunity_products", "schemactl_dual_write"),
    ("opportunity_products", "schemactl_dual_write_truncate"),
)


def enable(v1: V1Database) -> DualWriteState:
    return commands.dual_write(v1.project, True, v1.url)


def organization_of(v1: V1Database, client_id: int) -> dict[str, Any]:
    rows = v1.rows(
        """
        select o.*, m.merged from migration.v1_id_map as m
        join public.organizations as o on o.id = m.v2_id
        where m.kind = 'client' and m.v1_id = %s""",
        [client_id],
    )
    assert len(rows) == 1
    return rows[0]


def deal_of(v1: V1Database, opportunity_id: int) -> dict[str, Any]:
    rows = v1.rows(
        """
        select d.*, s.name as stage, u.email as owner from migration.v1_id_map as m
        join public.deals as d on d.id = m.v2_id
        join public.stages as s on s.id = d.stage_id
        join public.users as u on u.id = d.owner_id
        where m.kind = 'opportunity' and m.v1_id = %s""",
        [opportunity_id],
    )
    assert len(rows) == 1
    return rows[0]


def quarantine(v1: V1Database, kind: str, opportunity: int | None = None) -> dict[int, str]:
    """Quarantined rows of `kind` (lines: of `opportunity` only)."""
    return {
        r["v1_id"]: r["reason"]
        for r in v1.rows(
            """
        select v1_id, reason from migration.v1_quarantine
        where kind = %s and (%s::int is null or (row ->> 'opportunity_id')::int = %s)""",
            [kind, opportunity, opportunity],
        )
    }


def assert_parity_clean(v1: V1Database) -> None:
    assert v1.parity().mismatches == ()


def lines_of(v1: V1Database, deal: Any) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (r["name"], r["quantity"], r["total"])
        for r in v1.rows(
            """select pr.name, p.quantity, p.total from public.deal_products p
            join public.products pr on pr.id = p.product_id where p.deal_id = %s
            order by pr.name, p.total""",
            [deal],
        )
    ]


def opportunity_with_lines(
    v1: V1Database,
    title: str,
    value: int,
    lines: list[tuple[str, int, int]],
    client: int | None = None,
) -> tuple[int, Any]:
    """An opportunity written by the V1 app, then its lines in one statement: (its id, its deal)."""
    ((opportunity,),) = v1.as_v1_app(
        """
        insert into v1.opportunities (client_id, title, value, status, owner_email)
        values (%s, %s, %s, 'Aberto', 'ana.souza@stagetek.test') returning id""",
        [client, title, value],
    )
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(lines))
    v1.as_v1_app(
        "insert into v1.opportunity_products (opportunity_id, product_name, quantity, unit_price) "
        f"values {rows}",
        [value for line in lines for value in (opportunity, *line)],
    )
    return opportunity, deal_of(v1, opportunity)["id"]


def add_v2_line(v1: V1Database, deal: Any, product: str, quantity: int, unit_price: int) -> None:
    """A line a V2 user adds to the deal."""
    v1.conn.execute(
        """insert into public.deal_products (deal_id, product_id, quantity, unit_price)
        select %s, id, %s, %s from public.products where name = %s""",
        [deal, quantity, unit_price, product],
    )


def quarantined(v1: V1Database) -> dict[tuple[str, int], str]:
    """The whole quarantine: (kind, V1 id) -> reason."""
    return {
        (r["kind"], r["v1_id"]): r["reason"]
        for r in v1.rows("select kind, v1_id, reason from migration.v1_quarantine")
    }
