"""updated_at (docs/design.md: The CRM data model, Triggers and functions): kept by trigger on every table that has it, bumped only when
another column changed."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from .helpers import one, rows

PAST = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def inserted_long_ago(db, crm, table: str, **values) -> object:
    """A row written in bulk-import mode (the only way to give created_at/updated_at),
    last updated at PAST."""
    db.execute("set local schemactl.bulk_import = on")
    row_id = crm.insert(table, updated_at=PAST, **values)["id"]
    db.execute("set local schemactl.bulk_import = off")
    return row_id


def updated_at(db, table: str, record_id) -> datetime:
    return one(db, f"select updated_at from public.{table} where id = %s", [record_id])[
        "updated_at"
    ]


def test_every_table_with_updated_at_has_the_trigger(db):
    missing = rows(
        db,
        """
        select c.table_schema, c.table_name
        from information_schema.columns as c
        inner join information_schema.tables as t using (table_schema, table_name)
        where c.column_name = 'updated_at'
            and t.table_type = 'BASE TABLE'
            and c.table_schema in ('public', 'private', 'reporting')
            and not exists (
                select from pg_trigger as tr
                where tr.tgrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                    and tr.tgfoid = 'private.set_updated_at()'::regprocedure
            )
    """,
    )
    assert missing == []


def test_changed_row_gets_the_time_of_the_change(db, crm, sales):
    team = inserted_long_ago(db, crm, "teams", name="Equipe Norte")
    db.execute("update public.teams set name = 'Equipe Nordeste' where id = %s", [team])
    assert updated_at(db, "teams", team) == db.execute("select now()").fetchone()[0]


def test_update_that_changes_nothing_keeps_updated_at(db, crm, sales):
    team = inserted_long_ago(db, crm, "teams", name="Equipe Norte")
    db.execute("update public.teams set name = name where id = %s", [team])
    assert updated_at(db, "teams", team) == PAST


def test_writing_only_updated_at_is_not_a_change(db, crm, sales):
    team = inserted_long_ago(db, crm, "teams", name="Equipe Norte")
    db.execute("update public.teams set updated_at = now() where id = %s", [team])
    assert updated_at(db, "teams", team) == PAST


def test_table_with_a_generated_column_compares_the_other_columns(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    line = inserted_long_ago(
        db, crm, "deal_products", deal_id=deal, product_id=crm.product(), quantity=1, unit_price=100
    )
    db.execute(
        "update public.deal_products set quantity = 1, unit_price = 100 where id = %s", [line]
    )
    assert updated_at(db, "deal_products", line) == PAST
    db.execute("update public.deal_products set quantity = 2 where id = %s", [line])
    assert updated_at(db, "deal_products", line) == db.execute("select now()").fetchone()[0]


def test_given_updated_at_ignored_outside_bulk_import(db, crm, sales):
    team = inserted_long_ago(db, crm, "teams", name="Equipe Norte")
    db.execute(
        "update public.teams set name = 'Equipe Sul', updated_at = '2020-01-01' where id = %s",
        [team],
    )
    assert updated_at(db, "teams", team) == db.execute("select now()").fetchone()[0]


SERVER_TIMESTAMP_TABLES = {
    "contacts": "insert into public.contacts (name, owner_id, created_at, updated_at) "
    "values ('Contato Antigo', %(me)s, %(past)s, %(past)s) returning id",
    "tasks": "insert into public.tasks (subject, owner_id, created_by, created_at, updated_at) "
    "values ('Ligar de volta', %(me)s, %(me)s, %(past)s, %(past)s) returning id",
    "organizations": "insert into public.organizations (name, owner_id, created_at, updated_at) "
    "values ('Org Antiga', %(me)s, %(past)s, %(past)s) returning id",
    "deal_products": "insert into public.deal_products "
    "(deal_id, product_id, quantity, unit_price, created_at, updated_at) "
    "values (%(deal)s, %(product)s, 1, 10, %(past)s, %(past)s) returning id",
    "deals": "insert into public.deals "
    "(title, owner_id, pipeline_id, stage_id, created_at, updated_at) "
    "values ('Negócio antigo', %(me)s, %(pipeline)s, %(stage)s, %(past)s, %(past)s) "
    "returning id",
}


@pytest.mark.grant_modes
@pytest.mark.parametrize("actor", ["seller", "service_role"])
@pytest.mark.parametrize("table", sorted(SERVER_TIMESTAMP_TABLES))
def test_api_roles_cannot_write_created_at_or_updated_at(
    db, crm, sales, as_user, as_service_role, actor, table
):
    """created_at and updated_at are the server's: a client's values are replaced on
    INSERT, and created_at cannot be moved by UPDATE (updated_at then is the change's)."""
    deal = crm.deal(sales.seller, sales.pipeline)
    params = {
        "me": sales.seller,
        "past": PAST,
        "deal": deal,
        "product": crm.product(),
        "pipeline": sales.pipeline.id,
        "stage": sales.pipeline.stages[0],
    }

    def request():
        return as_user(sales.seller) if actor == "seller" else as_service_role()

    if (table, actor) == ("organizations", "seller"):
        # Its INSERT/UPDATE grants are column-level and leave the timestamps out.
        with pytest.raises(psycopg.errors.InsufficientPrivilege), request():
            db.execute(SERVER_TIMESTAMP_TABLES[table], params)
        return
    with request():
        row_id = db.execute(SERVER_TIMESTAMP_TABLES[table], params).fetchone()[0]
    move = f"update public.{table} set created_at = %s where id = %s"
    if (table, actor) == ("tasks", "seller"):
        # Its UPDATE grant is column-level and leaves the timestamps out.
        with pytest.raises(psycopg.errors.InsufficientPrivilege), request():
            db.execute(move, [PAST, row_id])
    else:
        with request():
            assert db.execute(move, [PAST, row_id]).rowcount == 1
    now = db.execute("select now()").fetchone()[0]
    assert one(
        db, f"select created_at, updated_at from public.{table} where id = %s", [row_id]
    ) == {"created_at": now, "updated_at": now}
