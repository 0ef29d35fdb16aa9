"""updated_at (SPEC §6, §7): kept by trigger on every table that has it, bumped only when
another column changed."""

from __future__ import annotations

from datetime import UTC, datetime

from .helpers import one, rows

PAST = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


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
    team = crm.insert("teams", name="Equipe Norte", updated_at=PAST)["id"]
    db.execute("update public.teams set name = 'Equipe Nordeste' where id = %s", [team])
    assert updated_at(db, "teams", team) == db.execute("select now()").fetchone()[0]


def test_update_that_changes_nothing_keeps_updated_at(db, crm, sales):
    team = crm.insert("teams", name="Equipe Norte", updated_at=PAST)["id"]
    db.execute("update public.teams set name = name where id = %s", [team])
    assert updated_at(db, "teams", team) == PAST


def test_writing_only_updated_at_is_not_a_change(db, crm, sales):
    team = crm.insert("teams", name="Equipe Norte", updated_at=PAST)["id"]
    db.execute("update public.teams set updated_at = now() where id = %s", [team])
    assert updated_at(db, "teams", team) == PAST


def test_table_with_a_generated_column_compares_the_other_columns(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline)
    line = crm.insert(
        "deal_products",
        deal_id=deal,
        product_id=crm.product(),
        quantity=1,
        unit_price=100,
        updated_at=PAST,
    )["id"]
    db.execute(
        "update public.deal_products set quantity = 1, unit_price = 100 where id = %s", [line]
    )
    assert updated_at(db, "deal_products", line) == PAST
    db.execute("update public.deal_products set quantity = 2 where id = %s", [line])
    assert updated_at(db, "deal_products", line) == db.execute("select now()").fetchone()[0]


def test_given_updated_at_ignored_outside_bulk_import(db, crm, sales):
    team = crm.insert("teams", name="Equipe Norte", updated_at=PAST)["id"]
    db.execute(
        "update public.teams set name = 'Equipe Sul', updated_at = '2020-01-01' where id = %s",
        [team],
    )
    assert updated_at(db, "teams", team) == db.execute("select now()").fetchone()[0]
