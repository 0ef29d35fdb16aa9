"""Re-runs of migrate-v1: the quarantine is retried, V1 rows changed or deleted since the
last run (without dual-write) are re-applied, and nothing else is touched."""

from __future__ import annotations

from decimal import Decimal

from .databases import V1Database, snapshot
from .generator import DEFAULT_OWNER
from .mirroring import quarantined


def test_unknown_owners_are_quarantined_then_migrate_once_a_default_owner_is_given(
    small_v1: V1Database,
) -> None:
    assert small_v1.generated is not None
    without = small_v1.generated.oracle(default_owner=False)
    with_default = small_v1.generated.oracle(default_owner=True)
    first = small_v1.migrate()
    assert first.default_owner is None
    assert quarantined(small_v1) == without.quarantine
    assert any("no --default-owner" in reason for reason in without.quarantine.values())
    assert small_v1.parity().mismatches == ()

    second = small_v1.migrate(default_owner=DEFAULT_OWNER)
    assert quarantined(small_v1) == with_default.quarantine
    released = sum(
        1
        for kind, _ in set(without.quarantine) - set(with_default.quarantine)
        if kind == "opportunity"
    )
    assert released > 0
    assert second.kind("opportunity").change == released
    assert small_v1.parity().mismatches == ()


def test_v1_changes_made_without_dual_write_are_applied_by_the_next_run(
    small_v1: V1Database,
) -> None:
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    conn = small_v1.conn
    won = small_v1.value("""
        select o.id from v1.opportunities o
        join migration.v1_id_map m on m.kind = 'opportunity' and m.v1_id = o.id
        where o.client_id is not null and migration.normalize_status(o.status) = 'open'
            and not exists (select from v1.opportunity_products l where l.opportunity_id = o.id)
        order by o.id limit 1""")
    with_lines = small_v1.value("""
        select o.id from v1.opportunities o
        join migration.v1_id_map m on m.kind = 'opportunity' and m.v1_id = o.id
        where exists (select from migration.v1_id_map x join v1.opportunity_products l
                      on l.id = x.v1_id
                      where x.kind = 'opportunity_product' and l.opportunity_id = o.id)
        order by o.id limit 1""")
    deleted_deal = small_v1.value(
        "select v2_id from migration.v1_id_map where kind = 'opportunity' and v1_id = %s",
        [with_lines],
    )
    client = small_v1.value("select client_id from v1.opportunities where id = %s", [won])
    conn.execute(
        "update v1.opportunities set status = 'GANHA', value = 777.77 where id = %s", [won]
    )
    conn.execute("delete from v1.opportunity_products where opportunity_id = %s", [with_lines])
    conn.execute("delete from v1.opportunities where id = %s", [with_lines])
    conn.execute("update v1.clients set email = 'mudou@cliente.com.br' where id = %s", [client])
    new_client = small_v1.value(
        "insert into v1.clients (name, cnpj) values ('Cliente novo', '11222333000181') returning id"
    )
    new_opportunity = small_v1.value(
        """
        insert into v1.opportunities (client_id, title, value, status, owner_email)
        values (%s, 'Casamento novo', 5000, 'won', 'bruno.lima@stagetek.test') returning id""",
        [new_client],
    )
    report = small_v1.migrate()
    assert {b.kind: (b.change, b.reapplied) for b in report.books}["opportunity"] == (0, 2)
    assert report.kind("client").reapplied == 1
    assert report.kind("client").change == 1
    assert small_v1.rows(
        """select d.status, d.value from migration.v1_id_map m
        join public.deals d on d.id = m.v2_id where m.kind = 'opportunity' and m.v1_id = %s""",
        [won],
    ) == [{"status": "won", "value": Decimal("777.77")}]
    assert (
        small_v1.value(
            "select deleted_at is not null from public.deals where id = %s", [deleted_deal]
        )
        is True
    )
    assert small_v1.value(
        """select total_revenue from public.organizations o
        join migration.v1_id_map m on m.v2_id = o.id
        where m.kind = 'client' and m.v1_id = %s""",
        [new_client],
    ) == Decimal("5000.00")
    assert [
        r["email"]
        for r in small_v1.rows(
            "select email from migration.v1_contact_map where client_id = %s", [client]
        )
    ] == ["mudou@cliente.com.br"]
    assert (
        small_v1.value(
            """select count(*) from migration.v1_id_map
        where kind = 'opportunity' and v1_id = %s""",
            [new_opportunity],
        )
        == 1
    )
    assert small_v1.parity().mismatches == ()

    before = snapshot(conn)
    again = small_v1.migrate()
    assert snapshot(conn) == before
    assert all((b.change, b.reapplied) == (0, 0) for b in again.books)


def test_a_line_added_in_v1_to_a_migrated_deal_is_applied_or_quarantined_with_its_set(
    small_v1: V1Database,
) -> None:
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    opportunity = small_v1.value("""
        select o.id from v1.opportunities o
        where exists (select from migration.v1_id_map x join v1.opportunity_products l
                      on l.id = x.v1_id
                      where x.kind = 'opportunity_product' and l.opportunity_id = o.id)
        order by o.id limit 1""")
    deal = small_v1.value(
        "select v2_id from migration.v1_id_map where kind = 'opportunity' and v1_id = %s",
        [opportunity],
    )
    value = small_v1.value("select value from public.deals where id = %s", [deal])
    # a line that breaks the sum: all lines of the opportunity go to quarantine
    line = small_v1.value(
        """insert into v1.opportunity_products
        (opportunity_id, product_name, quantity, unit_price) values (%s, 'Gerador extra', 1, 100)
        returning id""",
        [opportunity],
    )
    small_v1.migrate()
    lines = small_v1.value(
        "select count(*) from v1.opportunity_products where opportunity_id = %s", [opportunity]
    )
    assert (
        small_v1.value(
            """select count(*) from migration.v1_quarantine
        where kind = 'opportunity_product' and (row ->> 'opportunity_id')::int = %s""",
            [opportunity],
        )
        == lines
    )
    assert (
        small_v1.value("select count(*) from public.deal_products where deal_id = %s", [deal]) == 0
    )
    assert small_v1.value("select value from public.deals where id = %s", [deal]) == value
    assert small_v1.parity().mismatches == ()
    # the opportunity's value follows in V1: the lines come back
    small_v1.conn.execute(
        "update v1.opportunities set value = value + 100 where id = %s", [opportunity]
    )
    small_v1.migrate()
    assert (
        small_v1.value(
            """select count(*) from migration.v1_id_map m
        join public.deal_products p on p.id = m.v2_id
        where m.kind = 'opportunity_product' and p.deal_id = %s""",
            [deal],
        )
        == lines
    )
    assert small_v1.value(
        "select value from public.deals where id = %s", [deal]
    ) == value + Decimal("100.00")
    assert (
        small_v1.value(
            """select count(*) from migration.v1_quarantine
        where kind = 'opportunity_product' and v1_id = %s""",
            [line],
        )
        == 0
    )
    assert small_v1.parity().mismatches == ()


def test_a_rerun_keeps_lines_added_in_v2_and_quarantines_v1_lines_for_that_deal(
    small_v1: V1Database,
) -> None:
    """Without dual-write: a V2 user adds a line to a migrated deal without V1 lines; V1
    then gives the opportunity lines and a new value. The next run leaves the deal as V2
    has it and puts V1's new lines in the quarantine (the set-based path), saying why."""
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    opportunity, deal, value = small_v1.rows("""
        select o.id, m.v2_id, d.value from v1.opportunities o
        join migration.v1_id_map m on m.kind = 'opportunity' and m.v1_id = o.id
        join public.deals d on d.id = m.v2_id
        where not exists (select from v1.opportunity_products l where l.opportunity_id = o.id)
            and d.deleted_at is null and migration.normalize_status(o.status) = 'open'
        order by o.id limit 1""")[0].values()
    conn = small_v1.conn
    conn.execute(
        """insert into public.deal_products (deal_id, product_id, quantity, unit_price)
        select %s, id, 3, 100 from public.products order by name limit 1""",
        [deal],
    )
    ((line,),) = conn.execute(
        """insert into v1.opportunity_products (opportunity_id, product_name, quantity, unit_price)
        values (%s, 'Gerador', 1, 250) returning id""",
        [opportunity],
    ).fetchall()
    conn.execute("update v1.opportunities set value = 250 where id = %s", [opportunity])
    assert value != Decimal("300.00")

    small_v1.migrate()
    assert small_v1.rows(
        "select value, (select count(*) from public.deal_products where deal_id = d.id) as lines "
        "from public.deals as d where id = %s",
        [deal],
    ) == [{"value": Decimal("300.00"), "lines": 1}]
    assert quarantined(small_v1)[("opportunity_product", line)] == (
        f"deal {deal} has lines added in V2: it keeps its V2 lines and value "
        "(delete all its lines in V2, V1's included, to take V1's lines again)"
    )
    assert small_v1.parity().mismatches == ()
    before = snapshot(conn)
    small_v1.migrate()
    assert snapshot(conn) == before


def test_a_line_moved_to_another_opportunity_is_applied_by_one_rerun(
    small_v1: V1Database,
) -> None:
    """Without dual-write, V1 moves a line to an opportunity whose deal already has V1
    lines: one re-run brings both opportunities' lines in line."""
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    conn = small_v1.conn
    source, target = [
        row["v1_id"]
        for row in small_v1.rows("""
            select om.v1_id from migration.v1_id_map as om
            where om.kind = 'opportunity'
                and exists (select from migration.v1_id_map as m
                            join v1.opportunity_products as l on l.id = m.v1_id
                            where m.kind = 'opportunity_product' and l.opportunity_id = om.v1_id)
            order by om.v1_id limit 2""")
    ]
    line = small_v1.value(
        "select min(id) from v1.opportunity_products where opportunity_id = %s", [source]
    )
    conn.execute(
        "update v1.opportunity_products set opportunity_id = %s where id = %s", [target, line]
    )
    small_v1.migrate()
    assert small_v1.parity().mismatches == ()
    assert small_v1.rows(
        """select coalesce(
               (select om.v1_id from migration.v1_id_map as m
                join public.deal_products as p on p.id = m.v2_id
                join migration.v1_id_map as om on om.kind = 'opportunity' and om.v2_id = p.deal_id
                where m.kind = 'opportunity_product' and m.v1_id = %(line)s),
               (select (q.row ->> 'opportunity_id')::int from migration.v1_quarantine as q
                where q.kind = 'opportunity_product' and q.v1_id = %(line)s)) as opportunity""",
        {"line": line},
    ) == [{"opportunity": target}]
