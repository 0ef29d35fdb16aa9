"""parity: a V2 that disagrees with V1 is reported row by row, and the CLI exits 1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemactl_v1.parity import check_parity

from .databases import V1Database, run_cli
from .generator import DEFAULT_OWNER


@pytest.fixture
def migrated(small_v1: V1Database) -> V1Database:
    small_v1.migrate(default_owner=DEFAULT_OWNER)
    return small_v1


def test_clean_parity_exits_0(migrated: V1Database) -> None:
    result = run_cli(["parity", "--db-url", migrated.url])
    assert result.exit_code == 0, result.stderr
    assert "parity: V1 and V2 agree" in result.stdout
    assert "opportunity_product" in result.stdout  # the books per kind


def test_an_altered_deal_value_fails_parity_naming_the_rows(migrated: V1Database) -> None:
    row = migrated.rows("""
        select o.id as opportunity, m.v2_id as deal, d.value, cm.v2_id as organization,
            org.name, org.total_revenue
        from v1.opportunities as o
        join migration.v1_id_map as m on m.kind = 'opportunity' and m.v1_id = o.id
        join public.deals as d on d.id = m.v2_id
        join migration.v1_id_map as cm on cm.kind = 'client' and cm.v1_id = o.client_id
        join public.organizations as org on org.id = cm.v2_id
        where d.status = 'won'
            and not exists (select from public.deal_products as p where p.deal_id = d.id)
        order by o.id limit 1""")[0]
    clients = migrated.value(
        """select string_agg(v1_id::text, ', ' order by v1_id)
        from migration.v1_id_map where kind = 'client' and v2_id = %s""",
        [row["organization"]],
    )
    won_total = migrated.value("select sum(value) from public.deals where status = 'won'")
    migrated.conn.execute("update public.deals set value = value + 1 where id = %s", [row["deal"]])

    mismatches = migrated.parity().mismatches
    assert [(m.check, m.subject, m.field, m.expected, m.actual) for m in mismatches] == [
        (
            "deal",
            f"opportunity {row['opportunity']} -> deal {row['deal']}",
            "value",
            str(row["value"]),
            str(row["value"] + 1),
        ),
        ("status", "status won", "Σ value", str(won_total), str(won_total + 1)),
        (
            "revenue",
            f"organization {row['organization']} '{row['name']}' <- V1 clients {clients}",
            "total_revenue",
            str(row["total_revenue"]),
            str(row["total_revenue"] + 1),
        ),
    ]

    result = run_cli(["parity", "--db-url", migrated.url])
    assert result.exit_code == 1
    assert f"opportunity {row['opportunity']} -> deal {row['deal']}" in result.stdout
    assert result.stderr.strip() == "error: parity: 3 mismatch(es) between V1 and V2"


def test_each_kind_of_damage_is_named(migrated: V1Database) -> None:
    conn = migrated.conn
    with conn.transaction(force_rollback=True):
        line = migrated.rows("""select m.v1_id, m.v2_id from migration.v1_id_map m
            where kind = 'opportunity_product' order by v1_id limit 1""")[0]
        client = migrated.rows("""select m.v1_id, m.v2_id from migration.v1_id_map m
            where kind = 'client' and not merged order by v1_id limit 1""")[0]
        link = migrated.rows("""select x.client_id, x.email, x.contact_id, m.v2_id
            from migration.v1_contact_map x
            join migration.v1_id_map m on m.kind = 'client' and m.v1_id = x.client_id
            order by x.client_id, x.email limit 1""")[0]
        conn.execute("delete from public.deal_products where id = %s", [line["v2_id"]])
        conn.execute(
            "update public.organizations set deleted_at = now() where id = %s", [client["v2_id"]]
        )
        conn.execute(
            "delete from public.organization_contacts "
            "where organization_id = %s and contact_id = %s",
            [link["v2_id"], link["contact_id"]],
        )
        conn.execute(
            "insert into migration.v1_quarantine (kind, v1_id, reason, row) "
            "select 'client', %s, 'test', '{}'",
            [client["v1_id"]],
        )
        found = {(m.check, m.subject, m.field, m.actual) for m in check_parity(conn).mismatches}
    assert (
        "coverage",
        f"opportunity_product {line['v1_id']} -> deal_product {line['v2_id']}",
        "V2 row",
        "missing",
    ) in found
    assert (
        "coverage",
        f"client {client['v1_id']} -> organization {client['v2_id']}",
        "V2 row",
        "soft-deleted",
    ) in found
    assert (
        "coverage",
        f"client {client['v1_id']} -> {client['v2_id']}",
        "state",
        "both (quarantined: test)",
    ) in found
    assert (
        "contact",
        f"client {link['client_id']} email {link['email']}",
        "contact",
        f"contact {link['contact_id']} not linked",
    ) in found
    counts = {(m.subject, m.actual) for m in check_parity(conn).mismatches if m.check == "count"}
    assert counts == set()  # rolled back: clean again


def test_parity_before_any_migration_is_a_usage_error(small_v1: V1Database) -> None:
    result = run_cli(["parity", "--db-url", small_v1.url])
    assert (result.exit_code, result.stderr.strip()) == (
        2,
        "error: V1 has not been migrated into this database (no schema `migration`) "
        "(run `schemactl migrate-v1` first)",
    )


def test_revenue_of_v2_made_deals_counts_on_top_of_v1(migrated: V1Database) -> None:
    organization, owner, pipeline, stage = migrated.rows(
        """
        select m.v2_id as organization, u.id as owner, s.pipeline_id, s.id as stage
        from migration.v1_id_map m, public.users u, public.stages s
        where m.kind = 'client' and not m.merged and u.email = %s and s.name = 'Lead'
        order by m.v1_id limit 1""",
        [DEFAULT_OWNER],
    )[0].values()
    migrated.conn.execute(
        """insert into public.deals
        (title, pipeline_id, stage_id, owner_id, organization_id, value, status)
        values ('Feito no V2', %s, %s, %s, %s, 300, 'won')""",
        [pipeline, stage, owner, organization],
    )
    assert migrated.parity().mismatches == ()
    assert (
        migrated.value(
            "select total_revenue >= 300 from public.organizations where id = %s", [organization]
        )
        is True
    )
    assert Decimal(300) > 0
