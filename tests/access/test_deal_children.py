"""deal_products and deal_stage_history follow their deal (docs/design.md: Access control): read where the
caller can read the deal, write product lines where they can write it; the history is
written by triggers only. Joins and the rotten_deals view leak nothing."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

LINES = {"line:a", "line:a2", "line:b", "line:deleted_a"}
NOTHING: set[str] = set()
TEAM_A_LINES = {"line:a", "line:a2"}
READABLE_LINES = {
    "admin": LINES,
    **{m: {"line:a", "line:a2", "line:b"} for m in ("manager_a", "manager_b", "manager_none")},
    "seller_a": TEAM_A_LINES,
    "seller_a2": TEAM_A_LINES,
    "seller_b": {"line:b"},
    "seller_none": NOTHING,
    **{nobody: NOTHING for nobody in NOBODY},
}
WRITABLE_LINES = {
    "admin": LINES,
    "manager_a": TEAM_A_LINES,
    "manager_b": {"line:b"},
    "manager_none": NOTHING,
    "seller_a": {"line:a"},
    "seller_a2": {"line:a2"},
    "seller_b": {"line:b"},
    "seller_none": NOTHING,
    **{nobody: NOTHING for nobody in NOBODY},
}
# Deals each actor may add product lines to.
DEALS = ("deal:a", "deal:a2", "deal:b", "deal:deleted_a")
LINE_TARGETS = {
    actor: {line.replace("line:", "deal:") for line in lines}
    for actor, lines in WRITABLE_LINES.items()
}


def test_each_role_reads_the_product_lines_of_the_deals_it_reads(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED, lambda actor: access.names(actor, "select id from public.deal_products")
        )
        == READABLE_LINES
    )


def test_each_role_updates_only_lines_of_deals_it_may_write(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.changed(
                actor,
                "update public.deal_products set quantity = quantity + 1",
                "select id from public.deal_products where quantity > 1",
            ),
        )
        == WRITABLE_LINES
    )


def test_each_role_deletes_only_lines_of_deals_it_may_write(access: Access) -> None:
    def deleted(actor: str) -> set[str]:
        access.attempt(actor, "delete from public.deal_products")
        return LINES - access.sales_org.names(
            r[0] for r in access.db.execute("select id from public.deal_products")
        )

    assert access.each(AUTHENTICATED, deleted) == WRITABLE_LINES


def test_each_role_adds_lines_only_to_deals_it_may_write(
    access: Access, sales_org: SalesOrg
) -> None:
    def accepted(actor: str) -> set[str]:
        outcomes = {
            deal: access.attempt(
                actor,
                "insert into public.deal_products (deal_id, product_id, quantity, unit_price) "
                "values (%s, %s, 2, 500)",
                [sales_org[deal], sales_org["product:palco"]],
            )
            for deal in DEALS
        }
        assert set(outcomes.values()) <= {1, DENIED}
        return {deal for deal, outcome in outcomes.items() if outcome == 1}

    assert access.each(AUTHENTICATED, accepted) == LINE_TARGETS


def test_seller_cannot_add_lines_to_a_team_mates_deal_it_can_read(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.attempt(
            "seller_a",
            "insert into public.deal_products (deal_id, product_id, quantity, unit_price) "
            "values (%s, %s, 1, 100)",
            [sales_org["deal:a2"], sales_org["product:palco"]],
        )
        == DENIED
    )


def test_seller_cannot_move_a_line_to_another_deal(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.attempt(
            "seller_a",
            "update public.deal_products set deal_id = %s where id = %s",
            [sales_org["deal:a2"], sales_org["line:a"]],
        )
        == DENIED
    )


def test_each_role_reads_the_stage_history_of_the_deals_it_reads(access: Access) -> None:
    from tests.access.test_deals import READABLE

    def deals_with_history(actor: str) -> set[str]:
        return access.names(actor, "select deal_id from public.deal_stage_history")

    assert access.each(AUTHENTICATED, deals_with_history) == READABLE


def test_nobody_writes_stage_history_through_the_api(access: Access, sales_org: SalesOrg) -> None:
    statements = {
        "insert": "insert into public.deal_stage_history (deal_id, to_stage_id) "
        "values (%(deal)s, %(stage)s)",
        "update": "update public.deal_stage_history set changed_at = now()",
        "delete": "delete from public.deal_stage_history",
    }
    params = {"deal": sales_org["deal:a"], "stage": sales_org["stage:1"]}
    outcomes = {
        (actor, command): access.attempt(actor, statement, params)
        for actor in ("seller_a", "manager_a", "admin", "anon")
        for command, statement in statements.items()
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)


def test_seller_cannot_reach_another_teams_rows_through_joins(
    access: Access, sales_org: SalesOrg
) -> None:
    rows = access.rows(
        "seller_b",
        """
        select d.id, dp.id, h.id, t.id
        from public.deal_products as dp
        full join public.deals as d on d.id = dp.deal_id
        full join public.deal_stage_history as h on h.deal_id = coalesce(d.id, dp.deal_id)
        full join public.tasks as t on t.deal_id = coalesce(d.id, dp.deal_id, h.deal_id)
    """,
    )
    ids = {value for row in rows for value in row if value is not None}
    team_a = {
        sales_org[k]
        for k in (
            "deal:a",
            "deal:a2",
            "deal:m_a",
            "deal:inactive",
            "line:a",
            "line:a2",
            "task:a2_deal",
        )
    }
    assert ids & team_a == set()
    assert sales_org["deal:b"] in ids and sales_org["line:b"] in ids


def test_rotten_deals_view_shows_only_deals_the_caller_reads(
    access: Access, sales_org: SalesOrg
) -> None:
    # Every deal sat in the last stage (rotten after 3 days) for 10 days (bulk-import
    # mode keeps the given stage_entered_at).
    access.db.execute("set local schemactl.bulk_import = on")
    access.db.execute(
        "update public.deals set stage_id = %s, stage_entered_at = now() - interval '10 days'",
        [sales_org["stage:2"]],
    )
    access.db.execute("set local schemactl.bulk_import = off")
    from tests.access.test_deals import READABLE

    expected = {actor: deals - {"deal:deleted_a"} for actor, deals in READABLE.items()}
    assert (
        access.each(
            AUTHENTICATED, lambda actor: access.names(actor, "select id from public.rotten_deals")
        )
        == expected
    )
    assert access.attempt("anon", "select * from public.rotten_deals") == DENIED
