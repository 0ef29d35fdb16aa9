"""deals.contact_ids from V1: V1 links an opportunity to a client only, so a deal's
contacts are its client's contacts (in the order of the client's addresses), on the first
run, on re-runs and under dual-write; contacts V2 users add to the deal stay."""

from __future__ import annotations

from typing import Any

import pytest

from schemactl_v1 import commands

from .databases import V1Database
from .generator import DEFAULT_OWNER


def contact(v1: V1Database, email: str) -> Any:
    return v1.value(
        "select id from public.contacts where emails @> jsonb_build_array("
        "jsonb_build_object('value', %s::text))",
        [email],
    )


def contacts_of_deal(v1: V1Database, opportunity: int) -> list[Any]:
    return list(
        v1.value(
            """select d.contact_ids from migration.v1_id_map as m
            join public.deals as d on d.id = m.v2_id
            where m.kind = 'opportunity' and m.v1_id = %s""",
            [opportunity],
        )
    )


@pytest.fixture
def two_clients(empty_v1: V1Database) -> dict[str, int]:
    """Two clients sharing an address, a client without a valid one, an opportunity each."""
    conn = empty_v1.conn
    ids: dict[str, int] = {}
    for name, emails in (
        ("Som & Luz", "Compras@somluz.test; maria.souza@somluz.test, compras@somluz.test"),
        ("Luz Filial", "compras@somluz.test"),
        ("Sem Email", "não tem"),
    ):
        ((client,),) = conn.execute(
            "insert into v1.clients (name, email) values (%s, %s) returning id", [name, emails]
        ).fetchall()
        ((opportunity,),) = conn.execute(
            """insert into v1.opportunities (client_id, title, value, status, owner_email)
            values (%s, %s, 100, 'Aberto', 'ana.souza@stagetek.test') returning id""",
            [client, f"Evento {name}"],
        ).fetchall()
        ids[name] = client
        ids[f"deal of {name}"] = opportunity
    return ids


def test_the_first_run_gives_each_deal_its_clients_contacts_in_v1_order(
    empty_v1: V1Database, two_clients: dict[str, int]
) -> None:
    empty_v1.migrate(default_owner=DEFAULT_OWNER)
    compras, maria = (
        contact(empty_v1, "compras@somluz.test"),
        contact(empty_v1, "maria.souza@somluz.test"),
    )
    assert contacts_of_deal(empty_v1, two_clients["deal of Som & Luz"]) == [compras, maria]
    assert contacts_of_deal(empty_v1, two_clients["deal of Luz Filial"]) == [compras]
    assert contacts_of_deal(empty_v1, two_clients["deal of Sem Email"]) == []
    assert empty_v1.parity().mismatches == ()


def test_dual_write_follows_the_client_and_keeps_contacts_added_in_v2(
    empty_v1: V1Database, two_clients: dict[str, int]
) -> None:
    empty_v1.migrate(default_owner=DEFAULT_OWNER)
    commands.dual_write(empty_v1.project, True, empty_v1.url)
    deal = two_clients["deal of Som & Luz"]
    compras, maria = (
        contact(empty_v1, "compras@somluz.test"),
        contact(empty_v1, "maria.souza@somluz.test"),
    )
    ((added,),) = empty_v1.conn.execute(
        "insert into public.contacts (name, owner_id) "
        "select 'Convidado V2', id from public.users order by email limit 1 returning id"
    ).fetchall()
    empty_v1.conn.execute(
        """update public.deals set contact_ids = contact_ids || %s::uuid
        where id = (select v2_id from migration.v1_id_map
                    where kind = 'opportunity' and v1_id = %s)""",
        [added, deal],
    )
    assert empty_v1.parity().mismatches == ()

    # The client's addresses change: maria goes, a new address comes first.
    empty_v1.as_v1_app(
        "update v1.clients set email = 'eventos@somluz.test; compras@somluz.test' where id = %s",
        [two_clients["Som & Luz"]],
    )
    eventos = contact(empty_v1, "eventos@somluz.test")
    assert contacts_of_deal(empty_v1, deal) == [eventos, compras, added]
    assert maria not in contacts_of_deal(empty_v1, deal)
    assert empty_v1.parity().mismatches == ()

    # The opportunity moves to the other client: its contacts replace the old client's.
    empty_v1.as_v1_app(
        "update v1.opportunities set client_id = %s where id = %s",
        [two_clients["Sem Email"], deal],
    )
    assert contacts_of_deal(empty_v1, deal) == [added]
    empty_v1.as_v1_app(
        "update v1.opportunities set client_id = %s where id = %s",
        [two_clients["Luz Filial"], deal],
    )
    assert contacts_of_deal(empty_v1, deal) == [compras, added]
    assert empty_v1.parity().mismatches == ()


def test_parity_reports_a_client_contact_missing_from_the_deal(
    empty_v1: V1Database, two_clients: dict[str, int]
) -> None:
    empty_v1.migrate(default_owner=DEFAULT_OWNER)
    opportunity = two_clients["deal of Luz Filial"]
    deal = empty_v1.value(
        "select v2_id from migration.v1_id_map where kind = 'opportunity' and v1_id = %s",
        [opportunity],
    )
    empty_v1.conn.execute("update public.deals set contact_ids = '{}' where id = %s", [deal])
    compras = contact(empty_v1, "compras@somluz.test")
    assert [
        (m.check, m.subject, m.field, m.expected, m.actual) for m in empty_v1.parity().mismatches
    ] == [("deal", f"opportunity {opportunity} -> deal {deal}", "contacts", str(compras), None)]


def test_a_rerun_fills_the_contacts_of_deals_migrated_without_them(
    empty_v1: V1Database, two_clients: dict[str, int]
) -> None:
    """Deals migrated by a version that left contact_ids empty get them on the next run."""
    empty_v1.migrate(default_owner=DEFAULT_OWNER)
    conn = empty_v1.conn
    conn.execute("delete from migration.v1_deal_contacts")
    conn.execute("update public.deals set contact_ids = '{}'")
    empty_v1.migrate()
    compras, maria = (
        contact(empty_v1, "compras@somluz.test"),
        contact(empty_v1, "maria.souza@somluz.test"),
    )
    assert contacts_of_deal(empty_v1, two_clients["deal of Som & Luz"]) == [compras, maria]
    assert contacts_of_deal(empty_v1, two_clients["deal of Luz Filial"]) == [compras]
    assert empty_v1.parity().mismatches == ()
