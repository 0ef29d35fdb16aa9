"""The bulk path of migrate-v1 (set-based) and the per-row path (dual-write triggers, re-runs)
apply one mapping: the same V1 rows give the same V2 rows and the same quarantine, whether
migrated at once or written one by one by the old app with dual-write on."""

from __future__ import annotations

from typing import Any

from schemactl.config import Project
from schemactl.testing.session import TestDatabases as SessionDatabases
from schemactl_v1 import commands

from .databases import SEED, V1Database, prepare
from .generator import DEFAULT_OWNER, V1Data, generate

# What the mapping decides, per V1 row; not timestamps (the per-row path is not a bulk
# import: the lifecycle triggers set created_at/closed_at to the time of the write) and
# not the spelling of a product's name (per row, a product is named after the lines that
# exist when it is created; in bulk after all of them).
PROJECTION = {
    "organizations": """
        select m.v1_id, m.merged, o.name, o.cnpj, o.address, o.phones, o.custom_fields,
            u.email as owner, o.total_revenue, o.won_deals_count,
            (select array_agg(c.emails -> 0 ->> 'value' order by c.emails -> 0 ->> 'value')
             from public.organization_contacts as oc
             join public.contacts as c on c.id = oc.contact_id
             where oc.organization_id = o.id) as contacts
        from migration.v1_id_map as m
        join public.organizations as o on o.id = m.v2_id
        left join public.users as u on u.id = o.owner_id
        where m.kind = 'client' order by m.v1_id""",
    "contacts": """
        select x.client_id, x.email, c.name, c.emails, c.custom_fields, c.deleted_at is null
            as live
        from migration.v1_contact_map as x join public.contacts as c on c.id = x.contact_id
        order by x.client_id, x.email""",
    "deals": """
        select m.v1_id, d.title, d.value, d.status, s.name as stage, u.email as owner,
            om.v1_id as client, d.probability, d.expected_close_date, r.name as loss_reason,
            d.loss_note, src.name as source, d.custom_fields, d.deleted_at is null as live,
            (select array_agg(c.emails -> 0 ->> 'value' order by k.n)
             from unnest(d.contact_ids) with ordinality as k (id, n)
             join public.contacts as c on c.id = k.id) as contacts,
            (select array_agg(c.emails -> 0 ->> 'value' order by c.emails -> 0 ->> 'value')
             from migration.v1_deal_contacts as x
             join public.contacts as c on c.id = x.contact_id
             where x.deal_id = d.id) as contacts_from_v1
        from migration.v1_id_map as m
        join public.deals as d on d.id = m.v2_id
        join public.stages as s on s.id = d.stage_id
        join public.users as u on u.id = d.owner_id
        left join migration.v1_id_map as om
            on om.kind = 'client' and om.v2_id = d.organization_id and not om.merged
        left join public.loss_reasons as r on r.id = d.loss_reason_id
        left join public.sources as src on src.id = d.source_id
        where m.kind = 'opportunity' order by m.v1_id""",
    "deal_products": """
        select m.v1_id, dm.v1_id as opportunity, migration.fold(pr.name) as product,
            p.quantity, p.unit_price, p.total
        from migration.v1_id_map as m
        join public.deal_products as p on p.id = m.v2_id
        join public.products as pr on pr.id = p.product_id
        join migration.v1_id_map as dm on dm.kind = 'opportunity' and dm.v2_id = p.deal_id
        where m.kind = 'opportunity_product' order by m.v1_id""",
    # (the ids of V2 rows a reason names differ between two databases)
    "quarantine": """
        select kind, v1_id, regexp_replace(reason, '[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}',
            '<uuid>', 'g') as reason, row
        from migration.v1_quarantine order by kind, v1_id""",
}


def projection(v1: V1Database) -> dict[str, list[dict[str, Any]]]:
    return {name: v1.rows(query) for name, query in PROJECTION.items()}


def test_bulk_and_per_row_paths_give_the_same_v2(
    schemactl_databases: SessionDatabases, crm_project: Project
) -> None:
    generated = generate(SEED + 2, clients=150, opportunities=500)
    with (
        schemactl_databases.committed("opt-in") as bulk_db,
        schemactl_databases.committed("opt-in") as row_db,
    ):
        bulk = prepare(bulk_db, crm_project, generated)
        bulk.migrate(default_owner=DEFAULT_OWNER)

        per_row = prepare(row_db, crm_project, None)
        per_row.migrate(default_owner=DEFAULT_OWNER)
        commands.dual_write(crm_project, True, per_row.url)
        # the old app writes the same rows, one statement per row, as its own role
        data = generated.data
        for table, rows in (
            ("clients", data.clients),
            ("opportunities", data.opportunities),
            ("opportunity_products", data.lines),
        ):
            for row in rows:
                values = vars(row)
                columns = ", ".join(values)
                marks = ", ".join(["%s"] * len(values))
                per_row.as_v1_app(
                    f"insert into v1.{table} ({columns}) values ({marks})", list(values.values())
                )

        # A V2 user adds a line to the same deal without V1 lines in both; then V1 gives
        # its opportunity a line: a re-run (bulk path) and dual-write (per row) agree.
        opportunity = bulk.value("""
            select min(m.v1_id) from migration.v1_id_map as m
            join public.deals as d on d.id = m.v2_id
            where m.kind = 'opportunity' and d.deleted_at is null
                and not exists (select from public.deal_products as p where p.deal_id = d.id)""")
        for v1 in (bulk, per_row):
            v1.conn.execute(
                """insert into public.deal_products (deal_id, product_id, quantity, unit_price)
                select m.v2_id, (select id from public.products order by name limit 1), 2, 75
                from migration.v1_id_map as m where m.kind = 'opportunity' and m.v1_id = %s""",
                [opportunity],
            )
        line = "insert into v1.opportunity_products (id, opportunity_id, product_name, "
        line += "quantity, unit_price) values (%s, %s, 'Gerador', 1, 10)"
        new_id = bulk.value("select max(id) + 1 from v1.opportunity_products")
        bulk.conn.execute(line, [new_id, opportunity])
        bulk.migrate()
        per_row.as_v1_app(line, [new_id, opportunity])

        expected, actual = projection(bulk), projection(per_row)
        for name in PROJECTION:
            assert actual[name] == expected[name], name
        assert len(expected["deals"]) > 400 and len(expected["quarantine"]) > 50
        assert sum(1 for deal in expected["deals"] if deal["contacts"]) > 300
        assert sum("lines added in V2" in q["reason"] for q in expected["quarantine"]) == 1
        assert per_row.parity().mismatches == ()


def test_generator_is_deterministic() -> None:
    first: V1Data = generate(SEED, clients=50, opportunities=100).data
    second: V1Data = generate(SEED, clients=50, opportunities=100).data
    assert first == second
