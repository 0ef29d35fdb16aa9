"""Foreign keys and their ON DELETE rules (docs/design.md: The CRM data model): people and reference data are
RESTRICT (deactivate them instead), children of a deal or an API key go with it."""

from __future__ import annotations

import psycopg
import pytest

from .helpers import fetch_one, insert, sign_up

RESTRICT, CASCADE, SET_NULL = "r", "c", "n"

# (table, constraint) -> (referenced table, ON DELETE)
EXPECTED = {
    ("public.users", "users_id_fkey"): ("auth.users", CASCADE),
    ("public.users", "users_team_id_fkey"): ("public.teams", RESTRICT),
    ("public.stages", "stages_pipeline_id_fkey"): ("public.pipelines", CASCADE),
    ("public.organizations", "organizations_owner_id_fkey"): ("public.users", RESTRICT),
    ("public.organizations", "organizations_source_id_fkey"): ("public.sources", RESTRICT),
    ("public.contacts", "contacts_owner_id_fkey"): ("public.users", RESTRICT),
    ("public.organization_contacts", "organization_contacts_organization_id_fkey"): (
        "public.organizations",
        RESTRICT,
    ),
    ("public.organization_contacts", "organization_contacts_contact_id_fkey"): (
        "public.contacts",
        CASCADE,
    ),
    ("public.deals", "deals_stage_in_pipeline_fkey"): ("public.stages", RESTRICT),
    ("public.deals", "deals_organization_id_fkey"): ("public.organizations", RESTRICT),
    ("public.deals", "deals_owner_id_fkey"): ("public.users", RESTRICT),
    ("public.deals", "deals_loss_reason_id_fkey"): ("public.loss_reasons", RESTRICT),
    ("public.deals", "deals_source_id_fkey"): ("public.sources", RESTRICT),
    ("public.deal_products", "deal_products_deal_id_fkey"): ("public.deals", CASCADE),
    ("public.deal_products", "deal_products_product_id_fkey"): ("public.products", RESTRICT),
    ("public.tasks", "tasks_deal_id_fkey"): ("public.deals", CASCADE),
    ("public.tasks", "tasks_contact_id_fkey"): ("public.contacts", SET_NULL),
    ("public.tasks", "tasks_organization_id_fkey"): ("public.organizations", RESTRICT),
    ("public.tasks", "tasks_owner_id_fkey"): ("public.users", RESTRICT),
    ("public.tasks", "tasks_created_by_fkey"): ("public.users", RESTRICT),
    ("public.deal_stage_history", "deal_stage_history_deal_id_fkey"): ("public.deals", CASCADE),
    ("public.deal_stage_history", "deal_stage_history_from_stage_id_fkey"): (
        "public.stages",
        RESTRICT,
    ),
    ("public.deal_stage_history", "deal_stage_history_to_stage_id_fkey"): (
        "public.stages",
        RESTRICT,
    ),
    ("public.api_keys", "api_keys_owner_id_fkey"): ("public.users", RESTRICT),
    ("private.api_key_secrets", "api_key_secrets_api_key_id_fkey"): ("public.api_keys", CASCADE),
}


def test_foreign_keys_and_on_delete_rules_are_exactly_as_specified(db):
    rows = db.execute(
        """
        select c.conrelid::regclass::text, c.conname, c.confrelid::regclass::text,
               c.confdeltype::text
        from pg_constraint c
        join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and c.conrelid = any(%s::regclass[])
        """,
        [sorted({table for table, _ in EXPECTED})],
    ).fetchall()
    found = {
        (t if "." in t else f"public.{t}", name): (ref if "." in ref else f"public.{ref}", rule)
        for t, name, ref, rule in rows
    }
    assert found == EXPECTED


def test_every_foreign_key_is_covered_by_an_index(db):
    uncovered = db.execute(
        """
        select c.conrelid::regclass::text, c.conname
        from pg_constraint c
        join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname in ('public', 'private')
            and not exists (
                select from pg_index i
                where i.indrelid = c.conrelid
                    and i.indpred is null
                    and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1]
                        @> c.conkey and array_length(c.conkey, 1) <= i.indnkeyatts
                    and (i.indkey::int2[])[0:array_length(c.conkey, 1) - 1]
                        <@ c.conkey
            )
        order by 1, 2
        """
    ).fetchall()
    assert uncovered == []


def refused(db: psycopg.Connection, statement: str, params: list) -> psycopg.Error:
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as caught, db.transaction():
        db.execute(statement, params)
    return caught.value


def test_auth_user_who_owns_deals_cannot_be_deleted_but_one_without_rows_can(db, linked_rows):
    seller = sign_up(db, "seller@stagetek.test")
    insert(
        db,
        "deals",
        title="Aniversário 15 anos",
        pipeline_id=linked_rows.pipeline,
        stage_id=linked_rows.stage,
        owner_id=seller,
    )
    error = refused(db, "delete from auth.users where id = %s", [seller])
    assert error.diag.constraint_name == "deals_owner_id_fkey"

    newcomer = sign_up(db, "newcomer@stagetek.test")
    db.execute("delete from auth.users where id = %s", [newcomer])
    assert db.execute("select count(*) from public.users where id = %s", [newcomer]).fetchone() == (
        0,
    )


def test_pipeline_with_deals_cannot_be_deleted_and_empty_one_takes_its_stages(db, linked_rows):
    error = refused(db, "delete from public.pipelines where id = %s", [linked_rows.pipeline])
    assert error.diag.constraint_name == "deals_stage_in_pipeline_fkey"

    db.execute("delete from public.pipelines where id = %s", [linked_rows.other_pipeline])
    assert db.execute(
        "select count(*) from public.stages where pipeline_id = %s", [linked_rows.other_pipeline]
    ).fetchone() == (0,)


def test_stage_with_deals_cannot_be_deleted(db, linked_rows):
    error = refused(db, "delete from public.stages where id = %s", [linked_rows.stage])
    assert error.diag.constraint_name == "deals_stage_in_pipeline_fkey"


@pytest.mark.parametrize(
    ("table", "attribute", "constraint"),
    [
        ("public.teams", "team", "users_team_id_fkey"),
        ("public.organizations", "organization", "deals_organization_id_fkey"),
        ("public.loss_reasons", "loss_reason", "deals_loss_reason_id_fkey"),
        ("public.sources", "source", "deals_source_id_fkey"),
        ("public.products", "product", "deal_products_product_id_fkey"),
    ],
)
def test_referenced_reference_data_cannot_be_deleted(db, linked_rows, table, attribute, constraint):
    deal = insert(
        db,
        "deals",
        title="Festival de Inverno",
        pipeline_id=linked_rows.pipeline,
        stage_id=linked_rows.stage,
        owner_id=linked_rows.owner,
        status="lost",
        closed_at="2025-10-01T12:00:00Z",
        loss_reason_id=linked_rows.loss_reason,
        source_id=linked_rows.source,
        organization_id=linked_rows.organization,
    )
    insert(db, "deal_products", deal_id=deal["id"], product_id=linked_rows.product, unit_price=10)
    error = refused(db, f"delete from {table} where id = %s", [getattr(linked_rows, attribute)])
    assert error.diag.constraint_name == constraint


def test_organization_linked_to_contacts_cannot_be_hard_deleted(db, linked_rows):
    organization = insert(db, "organizations", name="Sem negócios")
    insert(
        db,
        "organization_contacts",
        organization_id=organization["id"],
        contact_id=linked_rows.contact,
    )
    error = refused(db, "delete from public.organizations where id = %s", [organization["id"]])
    assert error.diag.constraint_name == "organization_contacts_organization_id_fkey"


def test_deleting_a_deal_deletes_its_products_tasks_and_history(db, linked_rows):
    insert(
        db, "deal_products", deal_id=linked_rows.deal, product_id=linked_rows.product, unit_price=10
    )
    insert(
        db,
        "tasks",
        deal_id=linked_rows.deal,
        subject="Follow-up",
        owner_id=linked_rows.owner,
        created_by=linked_rows.owner,
    )
    insert(
        db,
        "deal_stage_history",
        deal_id=linked_rows.deal,
        from_stage_id=linked_rows.stage,
        to_stage_id=linked_rows.stage2,
    )
    db.execute("delete from public.deals where id = %s", [linked_rows.deal])
    counts = fetch_one(
        db,
        """
        select (select count(*) from public.deal_products where deal_id = %(d)s) as products,
               (select count(*) from public.tasks where deal_id = %(d)s) as tasks,
               (select count(*) from public.deal_stage_history where deal_id = %(d)s)
                   as history
        """,
        {"d": linked_rows.deal},
    )
    assert counts == {"products": 0, "tasks": 0, "history": 0}


def test_erasing_a_contact_unlinks_it_and_keeps_its_tasks(db, linked_rows):
    insert(
        db,
        "organization_contacts",
        organization_id=linked_rows.organization,
        contact_id=linked_rows.contact,
        is_primary=True,
    )
    task = insert(
        db,
        "tasks",
        contact_id=linked_rows.contact,
        subject="Ligar",
        owner_id=linked_rows.owner,
        created_by=linked_rows.owner,
    )
    db.execute("delete from public.contacts where id = %s", [linked_rows.contact])
    assert db.execute(
        "select count(*) from public.organization_contacts where contact_id = %s",
        [linked_rows.contact],
    ).fetchone() == (0,)
    assert fetch_one(db, "select contact_id from public.tasks where id = %s", [task["id"]]) == {
        "contact_id": None
    }


def test_deleting_an_api_key_deletes_its_secret(db, linked_rows):
    insert(db, "private.api_key_secrets", api_key_id=linked_rows.api_key, key_hash="c" * 64)
    db.execute("delete from public.api_keys where id = %s", [linked_rows.api_key])
    assert db.execute("select count(*) from private.api_key_secrets").fetchone() == (0,)


def test_deal_stage_must_belong_to_the_deal_pipeline(db, linked_rows):
    error = refused(
        db,
        "update public.deals set stage_id = %s where id = %s",
        [linked_rows.other_stage, linked_rows.deal],
    )
    assert error.diag.constraint_name == "deals_stage_in_pipeline_fkey"
    # Moving the deal to the other pipeline together with one of its stages is fine.
    db.execute(
        "update public.deals set pipeline_id = %s, stage_id = %s where id = %s",
        [linked_rows.other_pipeline, linked_rows.other_stage, linked_rows.deal],
    )
    assert fetch_one(
        db, "select pipeline_id, stage_id from public.deals where id = %s", [linked_rows.deal]
    ) == {"pipeline_id": linked_rows.other_pipeline, "stage_id": linked_rows.other_stage}
