"""Revenue rollup (docs/design.md: Triggers and functions): after every operation on deals and deal_products, each
organization's total_revenue / won_deals_count equal the sum / count of its won,
non-deleted deals. Every test asserts both organizations."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from tests.support.factories import Crm

from .helpers import Sales, revenue, revenue_mismatches, value_mismatches

MIGRATIONS = Path(__file__).parents[2] / "supabase" / "migrations"

ZERO = (Decimal("0.00"), 0)


def won_deal(crm: Crm, sales: Sales, value: int, org=None, **values) -> object:
    return crm.deal(
        sales.seller,
        sales.pipeline,
        organization_id=org or sales.org_a,
        value=value,
        status="won",
        **values,
    )


def test_deal_inserted_won_counts(db, crm, sales):
    won_deal(crm, sales, 1000)
    assert revenue(db, sales.org_a) == (Decimal("1000.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_deal_inserted_open_or_lost_counts_nothing(db, crm, sales):
    crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000)
    crm.deal(
        sales.seller,
        sales.pipeline,
        organization_id=sales.org_a,
        value=500,
        status="lost",
        loss_reason_id=sales.loss_reason,
    )
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


def test_deal_won_adds_its_value(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000)
    db.execute("update public.deals set status = 'won' where id = %s", [deal])
    assert revenue(db, sales.org_a) == (Decimal("1000.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_won_deal_reopened_is_subtracted(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    won_deal(crm, sales, 250)
    db.execute("update public.deals set status = 'open' where id = %s", [deal])
    assert revenue(db, sales.org_a) == (Decimal("250.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_won_deal_lost_is_subtracted(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    db.execute(
        "update public.deals set status = 'lost', loss_reason_id = %s where id = %s",
        [sales.loss_reason, deal],
    )
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


def test_value_change_of_won_deal_is_followed(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    db.execute("update public.deals set value = 1500.50 where id = %s", [deal])
    assert revenue(db, sales.org_a) == (Decimal("1500.50"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_value_change_of_open_deal_counts_nothing(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000)
    db.execute("update public.deals set value = 2000 where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


def test_revenue_follows_deal_moved_between_organizations(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    won_deal(crm, sales, 300, org=sales.org_b)
    db.execute("update public.deals set organization_id = %s where id = %s", [sales.org_b, deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == (Decimal("1300.00"), 2)


def test_move_and_value_change_in_one_update(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    db.execute(
        "update public.deals set organization_id = %s, value = 700 where id = %s",
        [sales.org_b, deal],
    )
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == (Decimal("700.00"), 1)


def test_won_deal_detached_from_its_organization_is_subtracted(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    db.execute("update public.deals set organization_id = null where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


def test_soft_deleted_won_deal_is_subtracted_and_restored(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    db.execute("update public.deals set deleted_at = now() where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO
    db.execute("update public.deals set deleted_at = null where id = %s", [deal])
    assert revenue(db, sales.org_a) == (Decimal("1000.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_soft_deleted_deal_won_counts_nothing(db, crm, sales):
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000)
    db.execute("update public.deals set deleted_at = now() where id = %s", [deal])
    db.execute("update public.deals set status = 'won' where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


def test_hard_deleted_won_deal_is_subtracted(db, crm, sales):
    deal = won_deal(crm, sales, 1000)
    won_deal(crm, sales, 40, org=sales.org_b)
    db.execute("delete from public.deals where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == (Decimal("40.00"), 1)


def test_one_statement_over_many_deals_and_organizations(db, crm, sales):
    for value in (100, 200):
        crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=value)
    for value in (1000, 2000, 4000):
        crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_b, value=value)
    db.execute(
        "update public.deals set status = 'won' where organization_id in (%s, %s)",
        [sales.org_a, sales.org_b],
    )
    assert revenue(db, sales.org_a) == (Decimal("300.00"), 2)
    assert revenue(db, sales.org_b) == (Decimal("7000.00"), 3)
    db.execute(
        "update public.deals set organization_id = case organization_id "
        "when %(a)s then %(b)s::uuid else %(a)s::uuid end",
        {"a": sales.org_a, "b": sales.org_b},
    )
    assert revenue(db, sales.org_a) == (Decimal("7000.00"), 3)
    assert revenue(db, sales.org_b) == (Decimal("300.00"), 2)
    db.execute("delete from public.deals where organization_id = %s", [sales.org_a])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == (Decimal("300.00"), 2)


def test_truncating_deals_zeroes_every_organization(db, crm, sales):
    won_deal(crm, sales, 1000)
    won_deal(crm, sales, 300, org=sales.org_b)
    db.execute("truncate public.deals cascade")
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO


# -- through deal_products --------------------------------------------------------------


def test_product_lines_set_the_value_of_a_won_deal_and_its_revenue(db, crm, sales):
    deal = won_deal(crm, sales, 5000)
    product = crm.product()
    line = crm.deal_product(deal, product, quantity=2, unit_price=300)
    assert revenue(db, sales.org_a) == (Decimal("600.00"), 1)
    crm.deal_product(
        deal, product, quantity=1, unit_price=1000, discount=10, discount_type="percentage"
    )
    assert revenue(db, sales.org_a) == (Decimal("1500.00"), 1)
    db.execute("update public.deal_products set quantity = 3 where id = %s", [line])
    assert revenue(db, sales.org_a) == (Decimal("1800.00"), 1)
    db.execute("delete from public.deal_products where id = %s", [line])
    assert revenue(db, sales.org_a) == (Decimal("900.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_last_product_deleted_sets_value_to_zero(db, crm, sales):
    deal = won_deal(crm, sales, 5000)
    line = crm.deal_product(deal, crm.product(), quantity=1, unit_price=800)
    db.execute("delete from public.deal_products where id = %s", [line])
    assert db.execute("select value from public.deals where id = %s", [deal]).fetchone() == (
        Decimal("0.00"),
    )
    assert revenue(db, sales.org_a) == (Decimal("0.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


def test_line_moved_to_another_deal_updates_both_deals(db, crm, sales):
    first = won_deal(crm, sales, 0)
    second = won_deal(crm, sales, 0, org=sales.org_b)
    line = crm.deal_product(first, crm.product(), quantity=1, unit_price=800)
    crm.deal_product(second, crm.product(), quantity=1, unit_price=100)
    db.execute("update public.deal_products set deal_id = %s where id = %s", [second, line])
    assert revenue(db, sales.org_a) == (Decimal("0.00"), 1)
    assert revenue(db, sales.org_b) == (Decimal("900.00"), 1)


def test_direct_value_write_refused_while_deal_has_products(db, crm, sales):
    deal = won_deal(crm, sales, 0)
    line = crm.deal_product(deal, crm.product(), quantity=1, unit_price=800)
    with pytest.raises(psycopg.errors.CheckViolation) as failure, db.transaction():
        db.execute("update public.deals set value = 5 where id = %s", [deal])
    assert failure.value.diag.message_primary == (
        f"deal {deal} has products: its value is the sum of their totals (800.00), not 5.00"
    )
    assert failure.value.diag.message_hint == (
        "change the deal's lines in deal_products; deals.value follows them"
    )
    db.execute("delete from public.deal_products where id = %s", [line])
    db.execute("update public.deals set value = 5 where id = %s", [deal])
    assert revenue(db, sales.org_a) == (Decimal("5.00"), 1)


def test_deleting_a_deal_with_products_subtracts_it_once(db, crm, sales):
    deal = won_deal(crm, sales, 0)
    crm.deal_product(deal, crm.product(), quantity=4, unit_price=250)
    assert revenue(db, sales.org_a) == (Decimal("1000.00"), 1)
    db.execute("delete from public.deals where id = %s", [deal])
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == ZERO
    assert value_mismatches(db) == []


# -- recompute_organization_revenue ----------------------------------------------------


def test_recompute_corrects_wrong_totals_and_says_how_many(db, crm, sales, as_service_role):
    won_deal(crm, sales, 1000)
    db.execute(
        "update public.organizations set total_revenue = 1, won_deals_count = 7 "
        "where id in (%s, %s)",
        [sales.org_a, sales.org_b],
    )
    with as_service_role():
        assert db.execute("select public.recompute_organization_revenue()").fetchone() == (2,)
        assert db.execute("select public.recompute_organization_revenue()").fetchone() == (0,)
    assert revenue(db, sales.org_a) == (Decimal("1000.00"), 1)
    assert revenue(db, sales.org_b) == ZERO
    assert revenue_mismatches(db) == []


def test_recompute_of_one_organization_leaves_the_others(db, crm, sales, as_service_role):
    db.execute(
        "update public.organizations set total_revenue = 9 where id in (%s, %s)",
        [sales.org_a, sales.org_b],
    )
    with as_service_role():
        assert db.execute(
            "select public.recompute_organization_revenue(%s)", [sales.org_a]
        ).fetchone() == (1,)
    assert revenue(db, sales.org_a) == ZERO
    assert revenue(db, sales.org_b) == (Decimal("9.00"), 0)


def test_recompute_is_for_service_role_only(db, sales, as_user):
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_user(sales.admin):
        db.execute("select public.recompute_organization_revenue()")


def test_seller_winning_their_deal_updates_revenue_they_cannot_write(db, crm, sales, as_user):
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=800)
    product = crm.product()  # the catalog is written by admins
    with as_user(sales.seller):
        db.execute("update public.deals set status = 'won' where id = %s", [deal])
        assert revenue(db, sales.org_a) == (Decimal("800.00"), 1)
        crm.deal_product(deal, product, quantity=3, unit_price=100)
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
            db.execute(
                "update public.organizations set total_revenue = 0 where id = %s", [sales.org_a]
            )
    assert revenue(db, sales.org_a) == (Decimal("300.00"), 1)
    assert revenue(db, sales.org_b) == ZERO


MAX_DEAL_VALUE = Decimal("999999999999.99")  # the largest numeric(14, 2)


@pytest.mark.grant_modes
def test_deals_at_the_maximum_value_cannot_block_later_wins(db, crm, sales, as_user):
    """A seller wins deals at the largest value a deal may hold on an organization it
    may write: the rollup holds any sum of permitted values (total_revenue is an
    unconstrained numeric), so another user's later win still succeeds."""
    with as_user(sales.seller):
        for _ in range(3):
            db.execute(
                """
                insert into public.deals (title, pipeline_id, stage_id, organization_id,
                    value, status)
                values ('Negócio máximo', %s, %s, %s, %s, 'won')
                """,
                [sales.pipeline.id, sales.pipeline.stages[0], sales.org_a, MAX_DEAL_VALUE],
            )
    assert revenue(db, sales.org_a) == (MAX_DEAL_VALUE * 3, 3)
    deal = crm.deal(sales.admin, sales.pipeline, organization_id=sales.org_a, value=1500)
    with as_user(sales.admin):
        db.execute("update public.deals set status = 'won' where id = %s", [deal])
    assert revenue(db, sales.org_a) == (MAX_DEAL_VALUE * 3 + 1500, 4)
    assert revenue(db, sales.org_b) == ZERO
    assert revenue_mismatches(db) == []


def test_a_deal_value_beyond_numeric_14_2_fails_only_its_own_statement(db, crm, sales):
    """The per-deal bound stays: one deal over 999,999,999,999.99 is refused at write
    time (22003, the writer's own statement), never later for someone else."""
    with pytest.raises(psycopg.errors.NumericValueOutOfRange), db.transaction():
        won_deal(crm, sales, 10**12)
    assert revenue(db, sales.org_a) == ZERO


def test_the_migration_to_an_unconstrained_revenue_does_not_rewrite_organizations(db):
    """numeric(14,2) -> numeric is binary coercible: the migration's ALTER holds its
    ACCESS EXCLUSIVE lock for a catalog change only — the table and its indexes keep
    their files (no rewrite, no index rebuild)."""
    [migration] = MIGRATIONS.glob("*_security_hardening.sql")
    [statement] = [
        line
        for line in migration.read_text().splitlines()
        if line.startswith('alter table "public"."organizations" alter column "total_revenue"')
    ]
    db.execute("alter table public.organizations alter column total_revenue type numeric(14, 2)")
    files = (
        "select pg_relation_filenode('public.organizations'),"
        " pg_relation_filenode('public.organizations_pkey')"
    )
    before = db.execute(files).fetchone()
    db.execute(statement)
    assert db.execute(files).fetchone() == before
    assert db.execute(
        "select format_type(atttypid, atttypmod) from pg_attribute"
        " where attrelid = 'public.organizations'::regclass and attname = 'total_revenue'"
    ).fetchone() == ("numeric",)
