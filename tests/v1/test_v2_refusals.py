"""What V2 users do to the rows V1 made (soft-delete a contact or an organization,
deactivate a stage or the pipeline) never makes the old app's writes fail: the mapping
avoids what V2 would refuse, and a refusal it does not foresee puts the V1 row in the
quarantine with V2's message, which parity reports."""

from __future__ import annotations

import pytest

from schemactl_v1 import commands

from .databases import V1Database
from .generator import DEFAULT_OWNER
from .mirroring import organization_of, quarantined


@pytest.fixture
def mirrored_empty(empty_v1: V1Database) -> V1Database:
    """No V1 rows, migrated, dual-write on."""
    empty_v1.migrate(default_owner=DEFAULT_OWNER)
    commands.dual_write(empty_v1.project, True, empty_v1.url)
    return empty_v1


def new_client(v1: V1Database, name: str, email: str) -> int:
    ((client,),) = v1.as_v1_app(
        "insert into v1.clients (name, email) values (%s, %s) returning id", [name, email]
    )
    return int(client)


def new_opportunity(v1: V1Database, client: int | None, stage: str = "Qualificação") -> int:
    ((opportunity,),) = v1.as_v1_app(
        """insert into v1.opportunities (client_id, title, value, stage, status, owner_email)
        values (%s, 'Show', 100, %s, 'Aberto', 'ana.souza@stagetek.test') returning id""",
        [client, stage],
    )
    return int(opportunity)


def test_an_address_whose_contact_was_deleted_in_v2_gets_a_live_contact(
    mirrored_empty: V1Database,
) -> None:
    v1 = mirrored_empty
    first = new_client(v1, "Primeiro", "eventos@festa.test")
    deleted = v1.value(
        "select contact_id from migration.v1_contact_map where client_id = %s", [first]
    )
    v1.conn.execute("update public.contacts set deleted_at = now() where id = %s", [deleted])
    second = new_client(v1, "Segundo", "eventos@festa.test")
    contact = v1.rows(
        """select c.id, c.deleted_at, c.emails -> 0 ->> 'value' as email
        from migration.v1_contact_map as m join public.contacts as c on c.id = m.contact_id
        where m.client_id = %s""",
        [second],
    )
    assert len(contact) == 1
    assert contact[0]["id"] != deleted
    assert (contact[0]["deleted_at"], contact[0]["email"]) == (None, "eventos@festa.test")
    assert quarantined(v1) == {}
    # the first client's address still names the deleted contact: parity says so
    assert [(m.check, m.field, m.actual) for m in v1.parity().mismatches] == [
        ("contact", "contact", f"contact {deleted} soft-deleted")
    ]


def test_a_new_opportunity_of_an_organization_deleted_in_v2_waits_in_the_quarantine(
    mirrored_empty: V1Database,
) -> None:
    v1 = mirrored_empty
    client = new_client(v1, "Festas Sul", "compras@sul.test")
    organization = organization_of(v1, client)["id"]
    kept = new_opportunity(v1, client)
    v1.conn.execute(
        "update public.organizations set deleted_at = now() where id = %s", [organization]
    )
    opportunity = new_opportunity(v1, client)
    assert quarantined(v1) == {
        ("opportunity", opportunity): f"organization {organization} of client {client} was "
        "deleted in V2 (restore it to migrate this)"
    }
    # a deal already on it stays there when V1 changes it; the client's writes go on
    v1.as_v1_app("update v1.opportunities set title = 'Show 2027' where id = %s", [kept])
    v1.as_v1_app("update v1.clients set email = 'novo@sul.test' where id = %s", [client])
    assert (
        v1.value(
            """select d.title from migration.v1_id_map as m join public.deals as d on d.id = m.v2_id
        where m.kind = 'opportunity' and m.v1_id = %s""",
            [kept],
        )
        == "Show 2027"
    )
    assert list(quarantined(v1)) == [("opportunity", opportunity)]

    v1.conn.execute(
        "update public.organizations set deleted_at = null where id = %s", [organization]
    )
    v1.as_v1_app("update v1.opportunities set value = 150 where id = %s", [opportunity])
    assert quarantined(v1) == {}


def test_an_inactive_stage_sends_the_deal_to_the_first_active_stage(
    mirrored_empty: V1Database,
) -> None:
    v1 = mirrored_empty
    v1.conn.execute("update public.stages set is_active = false where name = 'Fechamento'")
    opportunity = new_opportunity(v1, None, stage="fechamento")
    deal = v1.rows(
        """select s.name as stage, d.custom_fields -> 'v1' ->> 'stage' as kept
        from migration.v1_id_map as m join public.deals as d on d.id = m.v2_id
        join public.stages as s on s.id = d.stage_id
        where m.kind = 'opportunity' and m.v1_id = %s""",
        [opportunity],
    )
    first = v1.value(
        """select s.name from public.stages as s join public.pipelines as p on p.id = s.pipeline_id
        where p.is_default and s.is_active order by s.display_order limit 1"""
    )
    assert deal == [{"stage": first, "kept": "fechamento"}]
    assert quarantined(v1) == {}


def test_a_refusal_the_mapping_does_not_foresee_quarantines_the_row_with_v2s_message(
    mirrored_empty: V1Database,
) -> None:
    """The default pipeline deactivated in V2: V2 refuses any new deal in it. The old
    app's insert still commits; its row waits in the quarantine, and parity reports it."""
    v1 = mirrored_empty
    pipeline = v1.value("select id from public.pipelines where is_default")
    v1.conn.execute("update public.pipelines set is_active = false where id = %s", [pipeline])
    opportunity = new_opportunity(v1, None)
    assert v1.value("select count(*) from v1.opportunities where id = %s", [opportunity]) == 1
    lead = v1.value(
        "select id from public.stages where pipeline_id = %s and name = 'Lead'", [pipeline]
    )
    assert quarantined(v1) == {
        ("opportunity", opportunity): (
            f"V2 refused it: stage {lead} is not an active stage of an active pipeline [23503]"
        )
    }
    assert v1.parity().mismatches == ()  # quarantined: accounted for, not lost

    v1.conn.execute("update public.pipelines set is_active = true where id = %s", [pipeline])
    v1.as_v1_app("update v1.opportunities set value = 120 where id = %s", [opportunity])
    assert quarantined(v1) == {}
    assert v1.parity().mismatches == ()
