"""Lines V2 users add to, or delete from, a deal that came from V1, while dual-write
mirrors the old app's writes: the deal keeps the lines V2 added and its value; V1's lines
wait in the quarantine saying why; a V1 line deleted in V2 comes back with V1's next
write; deleting all the deal's lines in V2 hands them back to V1."""

from __future__ import annotations

from decimal import Decimal

from .databases import V1Database
from .mirroring import (
    add_v2_line,
    assert_parity_clean,
    deal_of,
    lines_of,
    opportunity_with_lines,
    organization_of,
    quarantine,
)


def test_lines_added_in_v2_stay_and_the_deal_keeps_their_value(mirrored: V1Database) -> None:
    """A V2 user adds a line to a deal that came from V1: V1's later writes to the
    opportunity and its lines keep that line and the deal's value (the sum of its lines);
    V1's lines wait in the quarantine saying why; the other fields still follow V1."""
    ((client,),) = mirrored.as_v1_app(
        "insert into v1.clients (name, email) values ('Eventos Norte', 'compras@norte.test') "
        "returning id"
    )
    org = organization_of(mirrored, client)["id"]
    opportunity, deal = opportunity_with_lines(
        mirrored, "Feira Agro", 1000, [("Palco 10x8", 1, 600), ("Som line array", 2, 200)], client
    )
    add_v2_line(mirrored, deal, "Palco 10x8", 1, 300)
    in_v2 = [
        ("Palco 10x8", Decimal("1"), Decimal("300.00")),
        ("Palco 10x8", Decimal("1"), Decimal("600.00")),
        ("Som line array", Decimal("2"), Decimal("400.00")),
    ]
    assert lines_of(mirrored, deal) == in_v2
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1300.00")
    assert_parity_clean(mirrored)

    taken = (
        f"deal {deal} has lines added in V2: it keeps its V2 lines and value "
        "(delete all its lines in V2, V1's included, to take V1's lines again)"
    )
    mirrored.as_v1_app(
        "update v1.opportunities set title = 'Feira Agro 2027' where id = %s", [opportunity]
    )
    after = deal_of(mirrored, opportunity)
    assert (after["title"], after["value"]) == ("Feira Agro 2027", Decimal("1300.00"))
    assert lines_of(mirrored, deal) == in_v2
    assert set(quarantine(mirrored, "opportunity_product", opportunity).values()) == {taken}
    assert_parity_clean(mirrored)

    # V1 changes its value and a line, adds a line: none of it reaches the deal's lines.
    mirrored.as_v1_app("update v1.opportunities set value = 1700 where id = %s", [opportunity])
    mirrored.as_v1_app(
        """update v1.opportunity_products set unit_price = 450
        where opportunity_id = %s and product_name = 'Som line array'""",
        [opportunity],
    )
    ((added,),) = mirrored.as_v1_app(
        """insert into v1.opportunity_products
        (opportunity_id, product_name, quantity, unit_price) values (%s, 'Gerador', 1, 200)
        returning id""",
        [opportunity],
    )
    assert lines_of(mirrored, deal) == in_v2
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1300.00")
    assert len(quarantine(mirrored, "opportunity_product", opportunity)) == 3
    assert quarantine(mirrored, "opportunity_product", opportunity)[added] == taken
    assert_parity_clean(mirrored)

    # Won in V1: the organization's revenue counts the deal's V2 value.
    before = mirrored.value("select total_revenue from public.organizations where id = %s", [org])
    mirrored.as_v1_app("update v1.opportunities set status = 'Ganho' where id = %s", [opportunity])
    assert deal_of(mirrored, opportunity)["status"] == "won"
    assert mirrored.value(
        "select total_revenue from public.organizations where id = %s", [org]
    ) == before + Decimal("1300.00")
    assert_parity_clean(mirrored)

    # The opportunity goes: the deal is retired with its lines, V1's lines leave the books.
    mirrored.as_v1_app(
        "delete from v1.opportunity_products where opportunity_id = %s", [opportunity]
    )
    mirrored.as_v1_app("delete from v1.opportunities where id = %s", [opportunity])
    assert (
        mirrored.value("select deleted_at is not null from public.deals where id = %s", [deal])
        is True
    )
    assert lines_of(mirrored, deal) == in_v2
    assert quarantine(mirrored, "opportunity_product", opportunity) == {}
    assert_parity_clean(mirrored)


def test_a_v1_line_removed_in_v2_comes_back_with_the_next_v1_write(
    mirrored: V1Database,
) -> None:
    """Deleting a line V1 brought is an edit of V1's data, as changing a title is: parity
    reports it, and V1's next write to the opportunity or its lines brings it back."""
    opportunity, deal = opportunity_with_lines(
        mirrored, "Congresso", 500, [("Palco 10x8", 1, 300), ("Som line array", 1, 200)]
    )
    mirrored.conn.execute(
        """delete from public.deal_products as p using public.products as pr
        where pr.id = p.product_id and p.deal_id = %s and pr.name = 'Som line array'""",
        [deal],
    )
    removed, line = mirrored.rows(
        """select l.id, m.v2_id from v1.opportunity_products as l
        join migration.v1_id_map as m on m.kind = 'opportunity_product' and m.v1_id = l.id
        where l.opportunity_id = %s and l.product_name = 'Som line array'""",
        [opportunity],
    )[0].values()
    product = mirrored.value("select id from public.products where name = 'Som line array'")
    mismatches = mirrored.parity().mismatches
    assert [(m.check, m.subject, m.field) for m in mismatches] == [
        ("coverage", f"opportunity_product {removed} -> deal_product {line}", "V2 row"),
        ("deal", f"opportunity {opportunity} -> deal {deal}", "value"),
        ("status", "status open", "Σ value"),
        ("product", f"product {product} 'Som line array'", "lines"),
        ("product", f"product {product} 'Som line array'", "Σ line total"),
    ]
    assert (mismatches[1].expected, mismatches[1].actual) == ("500.00", "300.00")
    mirrored.as_v1_app(
        "update v1.opportunities set title = 'Congresso 2027' where id = %s", [opportunity]
    )
    assert lines_of(mirrored, deal) == [
        ("Palco 10x8", Decimal("1"), Decimal("300.00")),
        ("Som line array", Decimal("1"), Decimal("200.00")),
    ]
    assert deal_of(mirrored, opportunity)["value"] == Decimal("500.00")
    assert quarantine(mirrored, "opportunity_product", opportunity) == {}
    assert_parity_clean(mirrored)


def test_removing_the_v2_lines_hands_the_lines_back_to_v1(mirrored: V1Database) -> None:
    opportunity, deal = opportunity_with_lines(mirrored, "Casamento", 900, [("Palco 10x8", 1, 900)])
    add_v2_line(mirrored, deal, "Palco 10x8", 2, 50)
    mirrored.as_v1_app("update v1.opportunities set value = 1000 where id = %s", [opportunity])
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1000.00")  # 900 + 2 × 50
    assert len(quarantine(mirrored, "opportunity_product", opportunity)) == 1

    mirrored.conn.execute("delete from public.deal_products where deal_id = %s", [deal])
    mirrored.as_v1_app(
        "update v1.opportunity_products set unit_price = 1000 where opportunity_id = %s",
        [opportunity],
    )
    assert lines_of(mirrored, deal) == [("Palco 10x8", Decimal("1"), Decimal("1000.00"))]
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1000.00")
    assert quarantine(mirrored, "opportunity_product", opportunity) == {}
    assert_parity_clean(mirrored)
