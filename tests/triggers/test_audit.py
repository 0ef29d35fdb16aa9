"""Audit trail (docs/design.md: The CRM data model, Triggers and functions): exact audit_log rows for insert, update and delete; no row
for an update that changes nothing or only system-maintained columns; secrets never
copied; audit_log append-only for every role."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.types.json import Jsonb

from schemactl.testing import acting_as

from .helpers import audit_rows, one, rows

AUDITED = {
    "api_keys",
    "contacts",
    "deal_products",
    "deals",
    "organizations",
    "pipelines",
    "stages",
    "users",
}


def row_json(conn: psycopg.Connection, table: str, record_id: object) -> dict:
    return one(
        conn, f"select to_jsonb(t) as data from public.{table} as t where id = %s", [record_id]
    )["data"]


def test_exactly_the_spec_tables_are_audited(db):
    audited = rows(
        db,
        """
        select distinct c.relname
        from pg_trigger as t
        inner join pg_class as c on c.oid = t.tgrelid
        where t.tgfoid = 'private.audit_changes()'::regprocedure
    """,
    )
    assert {r["relname"] for r in audited} == AUDITED


def test_insert_update_delete_write_exact_rows(db, crm, sales, as_user):
    with as_user(sales.admin):
        org = crm.organization(sales.seller, name="Acme Eventos")
        inserted = row_json(db, "organizations", org)
        db.execute(
            "update public.organizations set name = 'Acme Festas', segment = 'Festas' "
            "where id = %s",
            [org],
        )
        updated = row_json(db, "organizations", org)
        db.execute("delete from public.organizations where id = %s", [org])

    log = audit_rows(db, org)
    common = {
        "table_name": "organizations",
        "record_id": org,
        "actor_id": sales.admin,
        "actor_role": "authenticated",
        "claimed_role": "authenticated",
    }
    assert [
        {k: r[k] for k in (*common, "action", "old_data", "new_data", "changed_fields")}
        for r in log
    ] == [
        {
            **common,
            "action": "INSERT",
            "old_data": None,
            "new_data": inserted,
            "changed_fields": None,
        },
        {
            **common,
            "action": "UPDATE",
            "old_data": inserted,
            "new_data": updated,
            "changed_fields": ["name", "segment"],
        },
        {
            **common,
            "action": "DELETE",
            "old_data": updated,
            "new_data": None,
            "changed_fields": None,
        },
    ]
    assert inserted["name"] == "Acme Eventos" and updated["name"] == "Acme Festas"
    assert {r["occurred_at"] for r in log} == {db.execute("select now()").fetchone()[0]}


def test_service_role_and_database_roles_are_recorded_as_actors(db, crm, sales, as_service_role):
    with as_service_role():
        pipeline = crm.insert("pipelines", name="Locação")["id"]
    with acting_as(db, "postgres"):
        db.execute("update public.pipelines set display_order = 7 where id = %s", [pipeline])
    db.execute("update public.pipelines set is_active = false where id = %s", [pipeline])
    assert [
        (r["action"], r["actor_id"], r["actor_role"], r["claimed_role"])
        for r in audit_rows(db, pipeline)
    ] == [
        ("INSERT", None, "service_role", "service_role"),
        ("UPDATE", None, "postgres", None),
        ("UPDATE", None, "supabase_admin", None),
    ]


def test_a_claimed_service_role_is_recorded_beside_the_real_database_role(db, crm, sales, as_user):
    """A SQL session of `authenticated` can put any role in its JWT claims: the audit
    keeps the claim, but actor_role is the database role it really has."""
    with as_user(sales.admin, role="service_role"):
        org = crm.organization(sales.seller, name="Forjada")
    assert [
        (r["action"], r["actor_id"], r["actor_role"], r["claimed_role"])
        for r in audit_rows(db, org)
    ] == [("INSERT", sales.admin, "authenticated", "service_role")]


def test_update_that_changes_nothing_writes_nothing(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=10)
    before = len(audit_rows(db, deal))
    db.execute("update public.deals set title = title, value = value where id = %s", [deal])
    assert len(audit_rows(db, deal)) == before == 1


def test_system_maintained_columns_alone_write_nothing(db, crm, sales):
    key = crm.api_key(sales.seller, ["read:deals"])
    db.execute(
        "update public.api_keys set last_used_at = now() - interval '1 hour', "
        "updated_at = now() - interval '1 day' where id = %s",
        [key],
    )
    db.execute(
        "update public.organizations set total_revenue = 5, won_deals_count = 1 where id = %s",
        [sales.org_a],
    )
    assert [r["action"] for r in audit_rows(db, key)] == ["INSERT"]
    assert [r["action"] for r in audit_rows(db, sales.org_a)] == ["INSERT"]


def test_system_maintained_columns_are_not_listed_beside_a_real_change(db, crm, sales):
    key = crm.api_key(sales.seller, ["read:deals"])
    db.execute("update public.api_keys set last_used_at = now(), name = 'n8n' where id = %s", [key])
    assert audit_rows(db, key)[-1]["changed_fields"] == ["name"]


def test_revenue_rollup_writes_no_organization_audit_row(db, crm, sales):
    crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=10, status="won")
    assert [r["action"] for r in audit_rows(db, sales.org_a)] == ["INSERT"]


def test_product_line_audit_lists_the_generated_total(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    line = crm.deal_product(deal, crm.product(), quantity=1, unit_price=100)
    db.execute("update public.deal_products set quantity = 2 where id = %s", [line])
    update = audit_rows(db, line)[-1]
    assert update["changed_fields"] == ["quantity", "total"]
    assert (update["old_data"]["total"], update["new_data"]["total"]) == (100, 200)


def test_api_key_secrets_never_reach_the_audit_log(db, crm, sales):
    key = crm.api_key(sales.seller, ["read:deals"])
    secret = "ab" * 32
    db.execute(
        "insert into private.api_key_secrets (api_key_id, key_hash) values (%s, %s)", [key, secret]
    )
    db.execute("update public.api_keys set revoked_at = now() where id = %s", [key])
    db.execute("delete from public.api_keys where id = %s", [key])
    assert [r["action"] for r in audit_rows(db, key)] == ["INSERT", "UPDATE", "DELETE"]
    leaked = db.execute(
        "select count(*) from public.audit_log where "
        "coalesce(old_data::text, '') || coalesce(new_data::text, '') like %s",
        [f"%{secret}%"],
    ).fetchone()
    assert leaked == (0,)
    assert db.execute(
        "select count(*) from pg_trigger where tgrelid = "
        "'private.api_key_secrets'::regclass and not tgisinternal"
    ).fetchone() == (0,)


def test_changing_the_id_of_an_audited_row_is_refused(db, crm, sales):
    pipeline = crm.insert("pipelines", name="Locação")["id"]
    with pytest.raises(psycopg.errors.RestrictViolation) as failure, db.transaction():
        db.execute("update public.pipelines set id = gen_random_uuid() where id = %s", [pipeline])
    assert failure.value.diag.message_primary == "the id of a row of public.pipelines cannot change"


def test_one_statement_over_many_rows_writes_one_row_each(db, crm, sales):
    deals = [crm.deal(sales.seller, sales.pipeline, value=v) for v in (1, 2, 3)]
    db.execute("update public.deals set probability = 40 where id = any(%s)", [deals])
    updates = rows(
        db,
        "select record_id, changed_fields from public.audit_log "
        "where action = 'UPDATE' and record_id = any(%s)",
        [deals],
    )
    assert sorted((r["record_id"], r["changed_fields"]) for r in updates) == sorted(
        (deal, ["probability"]) for deal in deals
    )


# -- append-only --------------------------------------------------------------------------

STATEMENTS = {
    "UPDATE": "update public.audit_log set actor_role = 'x'",
    "DELETE": "delete from public.audit_log",
    "TRUNCATE": "truncate public.audit_log",
}


@pytest.mark.parametrize("command", list(STATEMENTS))
def test_api_roles_cannot_change_the_audit_log(db, sales, as_user, as_service_role, command):
    for request in (lambda: as_user(sales.admin), as_service_role):
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as failure, request():
            db.execute(STATEMENTS[command])
        assert failure.value.diag.message_primary == "permission denied for table audit_log"


@pytest.mark.parametrize("role", ["postgres", None], ids=["schema owner", "superuser"])
@pytest.mark.parametrize("command", list(STATEMENTS))
def test_owner_and_superuser_cannot_change_the_audit_log(db, crm, sales, role, command):
    before = db.execute("select count(*) from public.audit_log").fetchone()
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege) as failure,
        acting_as(db, role) if role else db.transaction(),
    ):
        db.execute(STATEMENTS[command])
    assert (
        failure.value.diag.message_primary == f"audit_log is append-only: {command} is not allowed"
    )
    assert db.execute("select count(*) from public.audit_log").fetchone() == before


def test_audit_log_refuses_even_an_update_that_matches_no_row(db):
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
        db.execute("update public.audit_log set actor_role = 'x' where false")


def test_audit_rows_carry_custom_fields_as_json(db, crm, sales):
    deal = crm.deal(
        sales.seller,
        sales.pipeline,
        custom_fields=Jsonb({"tipo_evento": "Casamento", "num_convidados": 200}),
    )
    assert audit_rows(db, deal)[0]["new_data"]["custom_fields"] == {
        "tipo_evento": "Casamento",
        "num_convidados": 200,
    }
