"""dual-write: with the triggers on, what the old app writes to V1 (as its own role, with
no right on V2) shows up in V2 in the same transaction, through migrate-v1's mapping, and
parity stays clean; disable removes the triggers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from schemactl_v1 import commands
from schemactl_v1.dual_write import DualWriteState

from .databases import V1_APP_ROLE, V1Database, run_cli
from .generator import DEFAULT_OWNER

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


@pytest.fixture
def mirrored(small_v1: V1Database) -> V1Database:
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    assert enable(small_v1) == DualWriteState(TRIGGERS)
    return small_v1


def test_enable_installs_triggers_and_disable_removes_them(mirrored: V1Database) -> None:
    assert enable(mirrored).triggers == TRIGGERS  # idempotent
    assert commands.dual_write(mirrored.project, False, mirrored.url) == DualWriteState(())
    assert commands.dual_write(mirrored.project, False, mirrored.url) == DualWriteState(())
    assert mirrored.value("select count(*) from pg_trigger where tgname like 'schemactl%%'") == 0
    assert (
        mirrored.value(
            "select to_regclass('v1.opportunity_products_opportunity_id_dual_write_idx')"
        )
        is None
    )


def test_new_client_and_duplicate_become_one_organization_with_contacts(
    mirrored: V1Database,
) -> None:
    ((first,),) = mirrored.as_v1_app("""
        insert into v1.clients (name, email, cnpj, city, created_at)
        values ('Palco Certo Eventos', 'Compras@PalcoCerto.com.br; invalido',
                '11.222.333/0001-81', 'Campinas', '2025-03-01 09:00') returning id""")
    ((second,),) = mirrored.as_v1_app("""
        insert into v1.clients (name, email, cnpj, phone)
        values ('PALCO CERTO LTDA', 'diretoria@palcocerto.com.br, compras@palcocerto.com.br',
                '11222333000181', '(19) 3333-4444') returning id""")
    org = organization_of(mirrored, first)
    assert organization_of(mirrored, second)["id"] == org["id"]
    assert organization_of(mirrored, second)["merged"] is True
    assert (org["name"], org["cnpj"], org["address"]) == (
        "Palco Certo Eventos",
        "11222333000181",
        {"city": "Campinas"},
    )
    assert org["custom_fields"]["v1"]["invalid_emails"] == ["invalido"]
    assert org["custom_fields"]["v1"]["merged"][str(second)]["name"] == "PALCO CERTO LTDA"
    emails = [
        r["email"]
        for r in mirrored.rows(
            """
        select x.email from migration.v1_contact_map as x
        join public.organization_contacts as oc on oc.contact_id = x.contact_id
        where oc.organization_id = %s order by x.client_id, x.email""",
            [org["id"]],
        )
    ]
    assert emails == [
        "compras@palcocerto.com.br",
        "compras@palcocerto.com.br",
        "diretoria@palcocerto.com.br",
    ]
    assert (
        mirrored.value("""select count(distinct contact_id) from migration.v1_contact_map
        where email = 'compras@palcocerto.com.br'""")
        == 1
    )
    assert_parity_clean(mirrored)


def test_opportunity_lifecycle_is_mirrored_and_revenue_follows(mirrored: V1Database) -> None:
    ((client,),) = mirrored.as_v1_app("""
        insert into v1.clients (name, cnpj) values ('Festas Sul', '12ABC34501DE35')
        returning id""")
    org = organization_of(mirrored, client)["id"]
    ((opportunity,),) = mirrored.as_v1_app(
        """
        insert into v1.opportunities (client_id, title, value, stage, status, owner_email)
        values (%s, 'Formatura Medicina', 1000, 'proposta enviada', 'Aberto',
                'Ana.Souza@stagetek.test') returning id""",
        [client],
    )
    deal = deal_of(mirrored, opportunity)
    assert (
        deal["title"],
        deal["value"],
        deal["status"],
        deal["stage"],
        deal["owner"],
        deal["organization_id"],
    ) == (
        "Formatura Medicina",
        Decimal("1000.00"),
        "open",
        "Proposta enviada",
        "ana.souza@stagetek.test",
        org,
    )

    mirrored.as_v1_app(
        """
        insert into v1.opportunity_products (opportunity_id, product_name, quantity, unit_price)
        values (%s, 'Palco 10x8', 1, 600), (%s, 'Som line array', 2, 200)""",
        [opportunity, opportunity],
    )
    lines = mirrored.rows(
        """select pr.name, p.quantity, p.total from public.deal_products p
        join public.products pr on pr.id = p.product_id where p.deal_id = %s
        order by pr.name""",
        [deal["id"]],
    )
    assert [(r["name"], r["quantity"], r["total"]) for r in lines] == [
        ("Palco 10x8", Decimal("1"), Decimal("600.00")),
        ("Som line array", Decimal("2"), Decimal("400.00")),
    ]
    assert quarantine(mirrored, "opportunity_product", opportunity) == {}

    mirrored.as_v1_app("update v1.opportunities set status = 'Ganho' where id = %s", [opportunity])
    deal = deal_of(mirrored, opportunity)
    assert (deal["status"], deal["closed_at"] is not None) == ("won", True)
    assert mirrored.rows(
        "select total_revenue, won_deals_count from public.organizations where id = %s", [org]
    ) == [{"total_revenue": Decimal("1000.00"), "won_deals_count": 1}]
    assert (
        mirrored.value(
            """select count(*) from public.webhook_events
        where event_type = 'deal.won' and aggregate_id = %s""",
            [deal["id"]],
        )
        == 1
    )
    assert_parity_clean(mirrored)

    # The value changes while the lines do not: V2 cannot hold both (a deal's value is the
    # sum of its lines), so the lines wait in quarantine and the deal keeps the V1 value.
    mirrored.as_v1_app("update v1.opportunities set value = 1500 where id = %s", [opportunity])
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1500.00")
    assert (
        mirrored.value("select count(*) from public.deal_products where deal_id = %s", [deal["id"]])
        == 0
    )
    assert set(quarantine(mirrored, "opportunity_product", opportunity).values()) == {
        f"lines of opportunity {opportunity} total 1000.00 but its value is 1500.00 "
        "(a V2 deal's value is the sum of its lines)"
    }
    assert mirrored.value(
        "select total_revenue from public.organizations where id = %s", [org]
    ) == Decimal("1500.00")
    assert_parity_clean(mirrored)

    # The app then fixes a line: the lines add up again and come back.
    mirrored.as_v1_app(
        """update v1.opportunity_products set unit_price = 450
        where opportunity_id = %s and product_name = 'Som line array'""",
        [opportunity],
    )
    assert quarantine(mirrored, "opportunity_product", opportunity) == {}
    assert mirrored.value(
        "select sum(total) from public.deal_products where deal_id = %s", [deal["id"]]
    ) == Decimal("1500.00")
    assert deal_of(mirrored, opportunity)["value"] == Decimal("1500.00")
    assert_parity_clean(mirrored)

    mirrored.as_v1_app(
        "update v1.opportunities set status = 'perdido', lost_reason = 'preco alto' where id = %s",
        [opportunity],
    )
    deal = deal_of(mirrored, opportunity)
    assert (deal["status"], deal["loss_reason_id"] is not None) == ("lost", True)
    assert mirrored.value(
        "select total_revenue from public.organizations where id = %s", [org]
    ) == Decimal("0.00")
    assert_parity_clean(mirrored)

    mirrored.as_v1_app(
        "delete from v1.opportunity_products where opportunity_id = %s", [opportunity]
    )
    mirrored.as_v1_app("delete from v1.opportunities where id = %s", [opportunity])
    assert (
        mirrored.value(
            "select deleted_at is not null from public.deals where id = %s", [deal["id"]]
        )
        is True
    )
    assert (
        mirrored.value(
            """select count(*) from migration.v1_id_map
        where kind = 'opportunity' and v1_id = %s""",
            [opportunity],
        )
        == 0
    )
    assert_parity_clean(mirrored)


def test_updates_of_migrated_rows_and_client_changes_are_mirrored(mirrored: V1Database) -> None:
    opportunity = mirrored.value("""
        select o.id from v1.opportunities as o
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
        where o.client_id is not null and migration.normalize_status(o.status) = 'open'
            and not exists (select from v1.opportunity_products l where l.opportunity_id = o.id)
        order by o.id limit 1""")
    client = mirrored.value("select client_id from v1.opportunities where id = %s", [opportunity])
    org = organization_of(mirrored, client)["id"]
    before = mirrored.value("select total_revenue from public.organizations where id = %s", [org])
    mirrored.as_v1_app(
        "update v1.opportunities set status = 'won', value = 2500.5, "
        "stage = 'NEGOCIACAO' where id = %s",
        [opportunity],
    )
    deal = deal_of(mirrored, opportunity)
    assert (deal["status"], deal["value"], deal["stage"]) == (
        "won",
        Decimal("2500.50"),
        "Negociação",
    )
    assert mirrored.value(
        "select total_revenue from public.organizations where id = %s", [org]
    ) == before + Decimal("2500.50")

    was = organization_of(mirrored, client)
    mirrored.as_v1_app(
        "update v1.clients set email = 'novo@cliente.com.br', name = 'Renomeado' where id = %s",
        [client],
    )
    now = organization_of(mirrored, client)
    if was["merged"]:  # a merged client's row lives under v1.merged; the name is the creator's
        assert now["name"] == was["name"]
        assert now["custom_fields"]["v1"]["merged"][str(client)]["name"] == "Renomeado"
    else:
        assert now["name"] == "Renomeado"
    assert [
        r["email"]
        for r in mirrored.rows(
            "select email from migration.v1_contact_map where client_id = %s", [client]
        )
    ] == ["novo@cliente.com.br"]
    assert_parity_clean(mirrored)


def test_unknown_owner_without_default_goes_to_quarantine_then_migrates_when_known(
    empty_v1: V1Database,
) -> None:
    empty_v1.migrate()
    enable(empty_v1)
    ((opportunity,),) = empty_v1.as_v1_app("""
        insert into v1.opportunities (title, value, status, owner_email)
        values ('Show de Verão', 800, 'open', 'nova.vendedora@stagetek.test') returning id""")
    assert quarantine(empty_v1, "opportunity") == {
        opportunity: "unknown owner nova.vendedora@stagetek.test and no --default-owner"
    }
    empty_v1.conn.execute("insert into auth.users (email) values ('nova.vendedora@stagetek.test')")
    empty_v1.as_v1_app("update v1.opportunities set value = 900 where id = %s", [opportunity])
    assert quarantine(empty_v1, "opportunity") == {}
    assert deal_of(empty_v1, opportunity)["owner"] == "nova.vendedora@stagetek.test"
    assert_parity_clean(empty_v1)


def test_deleting_the_client_that_created_an_organization_hands_it_to_the_next(
    mirrored: V1Database,
) -> None:
    ((first,),) = mirrored.as_v1_app(
        "insert into v1.clients (name, cnpj) values ('Primeiro', '11222333000181') returning id"
    )
    ((second,),) = mirrored.as_v1_app(
        "insert into v1.clients (name, cnpj) values ('Segundo', '11.222.333/0001-81') returning id"
    )
    org = organization_of(mirrored, first)["id"]
    mirrored.as_v1_app("delete from v1.clients where id = %s", [first])
    after = organization_of(mirrored, second)
    assert (after["id"], after["name"], after["merged"], after["deleted_at"]) == (
        org,
        "Segundo",
        False,
        None,
    )
    assert (
        "merged" not in after["custom_fields"]["v1"] or after["custom_fields"]["v1"]["merged"] == {}
    )
    mirrored.as_v1_app("delete from v1.clients where id = %s", [second])
    assert (
        mirrored.value(
            "select deleted_at is not null from public.organizations where id = %s", [org]
        )
        is True
    )
    assert_parity_clean(mirrored)


def test_truncate_is_refused_while_dual_write_is_on(mirrored: V1Database) -> None:
    with pytest.raises(psycopg.errors.RaiseException, match="not mirrored into V2"):
        mirrored.as_v1_app("truncate v1.opportunity_products")


def test_writes_after_disable_are_not_mirrored_and_parity_says_so(mirrored: V1Database) -> None:
    commands.dual_write(mirrored.project, False, mirrored.url)
    ((client,),) = mirrored.as_v1_app(
        "insert into v1.clients (name) values ('Depois do desligamento') returning id"
    )
    mismatches = mirrored.parity().mismatches
    assert [(m.check, m.subject, m.field, m.expected, m.actual) for m in mismatches] == [
        ("count", "client", "rows", f"{client} (V1)", f"{client - 1} migrated + 0 quarantined"),
        ("coverage", f"client {client}", "state", "migrated or quarantined", "neither"),
    ]


def test_the_v1_app_role_needs_no_right_on_v2(mirrored: V1Database) -> None:
    assert (
        mirrored.value("select has_schema_privilege(%s, 'migration', 'USAGE')", [V1_APP_ROLE])
        is False
    )
    assert (
        mirrored.value("select has_table_privilege(%s, 'public.deals', 'INSERT')", [V1_APP_ROLE])
        is False
    )


def test_cli_enable_and_disable(mirrored: V1Database) -> None:
    enabled = run_cli(["dual-write", "enable", "--db-url", mirrored.url])
    assert enabled.exit_code == 0, enabled.stderr
    assert "dual-write: enabled" in enabled.stdout
    assert "v1.opportunity_products" in enabled.stdout
    disabled = run_cli(["dual-write", "disable", "--db-url", mirrored.url])
    assert (disabled.exit_code, disabled.stdout.strip()) == (
        0,
        "dual-write: disabled (no trigger on the V1 tables)",
    )


def test_enabling_dual_write_before_the_migration_loses_nothing(small_v1: V1Database) -> None:
    """The order the docs recommend: writes between `enable` and `migrate-v1` wait in the
    quarantine (their client is not migrated yet) and the migration takes them in."""
    assert enable(small_v1) == DualWriteState(TRIGGERS)
    client = small_v1.value("select min(id) from v1.clients")
    ((opportunity,),) = small_v1.as_v1_app(
        """
        insert into v1.opportunities (client_id, title, value, status, owner_email)
        values (%s, 'Antes da migração', 1200, 'ganho', 'carla.dias@stagetek.test')
        returning id""",
        [client],
    )
    small_v1.as_v1_app(
        """insert into v1.opportunity_products
        (opportunity_id, product_name, quantity, unit_price) values (%s, 'Palco 10x8', 2, 600)""",
        [opportunity],
    )
    assert quarantine(small_v1, "opportunity") == {opportunity: f"client {client} is not migrated"}
    assert set(quarantine(small_v1, "opportunity_product", opportunity).values()) == {
        f"opportunity {opportunity} is quarantined"
    }

    small_v1.migrate(default_owner=DEFAULT_OWNER)
    assert opportunity not in quarantine(small_v1, "opportunity")
    assert quarantine(small_v1, "opportunity_product", opportunity) == {}
    deal = deal_of(small_v1, opportunity)
    assert (deal["status"], deal["value"], deal["organization_id"]) == (
        "won",
        Decimal("1200.00"),
        organization_of(small_v1, client)["id"],
    )
    assert_parity_clean(small_v1)


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
        "(remove its lines in V2 to take V1's lines again)"
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
