"""What a signed-in user learns beyond the rows the policies show them: helper functions
callable by any user, organizations' revenue across teams, Realtime broadcasts."""

from __future__ import annotations

import pytest

from tests.access import realtime
from tests.access.sales_org import DENIED, Access, SalesOrg
from tests.support.factories import Crm

pytestmark = pytest.mark.grant_modes


def test_helpers_list_no_inactive_user_who_owns_nothing(
    access: Access, sales_org: SalesOrg, crm: Crm
) -> None:
    """private.team_user_ids() and private.deal_owner_ids() are executable by every user
    (the policies call them): they return an inactive user's id only while that user
    still owns rows the caller sees anyway (sales_org "inactive" owns deal:inactive)."""
    gone = crm.user("seller", team=sales_org["team:a"], active=False)
    for actor, helper in (
        ("seller_a", "team_user_ids"),
        ("seller_a", "deal_owner_ids"),
        ("manager_a", "deal_owner_ids"),
        ("manager_b", "deal_owner_ids"),
    ):
        ids = {r[0] for r in access.rows(actor, f"select private.{helper}()")}
        assert gone not in ids, (actor, helper)
        assert sales_org["inactive"] in ids, (actor, helper)
    admin_ids = {r[0] for r in access.rows("admin", "select private.deal_owner_ids()")}
    assert {gone, sales_org["inactive"]} <= admin_ids  # admins read every profile anyway


def test_only_admins_read_inactive_profiles(access: Access, sales_org: SalesOrg, crm: Crm) -> None:
    gone = crm.user("seller", team=sales_org["team:a"], active=False)
    query = "select count(*) from public.users where id = %s"
    assert {
        actor: access.scalar(actor, query, [gone])
        for actor in ("seller_a", "manager_a", "admin", "anon")
    } == {"seller_a": 0, "manager_a": 0, "admin": 1, "anon": DENIED}


def test_organization_revenue_is_read_across_teams_by_active_users_only(
    access: Access, sales_org: SalesOrg
) -> None:
    """Decision: an organization's total_revenue and won_deals_count are read by every
    active user, like the organization itself (a shared client record: any seller may
    work with the client and should know its history with the company). Writing them is
    the rollup's only (column grants), and deals move them only for users who may write
    the organization (tests/access/test_record_links.py)."""
    access.db.execute(
        "update public.organizations set total_revenue = 1234.50, won_deals_count = 2 "
        "where id = %s",
        [sales_org["org:a"]],
    )
    query = "select total_revenue::text from public.organizations where id = %s"
    assert {
        actor: access.scalar(actor, query, [sales_org["org:a"]])
        if actor != "inactive"
        else access.rows(actor, query, [sales_org["org:a"]])
        for actor in ("seller_b", "manager_b", "seller_none", "inactive", "anon")
    } == {
        "seller_b": "1234.50",
        "manager_b": "1234.50",
        "seller_none": "1234.50",
        "inactive": [],
        "anon": DENIED,
    }
    write = "update public.organizations set total_revenue = 0 where id = %s"
    assert access.attempt("seller_a", write, [sales_org["org:a"]]) == DENIED


def test_realtime_publishes_only_rls_tables_whose_columns_subscribers_may_select(
    access: Access,
) -> None:
    """Every published table has RLS (so UPDATE events are checked against the
    subscriber's SELECT policies and DELETE events carry only the primary key), the
    replica identity is the primary key (DEFAULT: an UPDATE's old_record is the id),
    every published column is selectable by authenticated and none by anon, and nothing
    else is published."""
    published = access.db.execute(
        """
        select c.oid::regclass::text, c.relrowsecurity, c.relreplident,
            bool_and(has_column_privilege('authenticated', c.oid, a.attname, 'select')),
            bool_or(has_column_privilege('anon', c.oid, a.attname, 'select'))
        from pg_publication_tables as pt
        join pg_class c on c.oid = format('%I.%I', pt.schemaname, pt.tablename)::regclass
        join pg_attribute a on a.attrelid = c.oid and a.attname = any(pt.attnames)
        where pt.pubname = 'supabase_realtime'
        group by 1, 2, 3
        order by 1
        """
    ).fetchall()
    assert published == [
        ("deals", True, "d", True, False),
        ("tasks", True, "d", True, False),
    ]


SUBSCRIBERS = ("seller_a", "seller_a2", "seller_b", "manager_b", "inactive", "ghost", "anon")


def reassign(access: Access, table: str, key: str, to: str) -> tuple[dict, dict]:
    """Give a row of another team to `to` (as an admin or reassign_owner would): the row
    before and after, as the WAL carries them."""
    row_id = access.sales_org[key]
    old = realtime.row(access.db, f"public.{table}", row_id)
    access.db.execute(
        f"update public.{table} set owner_id = %s where id = %s", [access.sales_org[to], row_id]
    )
    new = realtime.row(access.db, f"public.{table}", row_id)
    assert old is not None and new is not None
    return old, new


@pytest.mark.parametrize(
    ("table", "key", "receivers"),
    [
        # seller_a gains the deal, team A reads team deals, managers read every deal;
        # seller_b lost it.
        ("deals", "deal:b", {"seller_a", "seller_a2", "manager_b"}),
        # seller_a is its owner now, seller_b still its creator, managers read every task.
        ("tasks", "task:b", {"seller_a", "seller_b", "manager_b"}),
    ],
)
def test_an_update_reaches_only_readers_of_the_new_row_and_its_old_record_is_the_id(
    access: Access, sales_org: SalesOrg, table: str, key: str, receivers: set[str]
) -> None:
    """A row of team B reassigned to seller_a: the UPDATE event reaches exactly the
    subscribers whose SELECT policies find the new row, `record` is what each of them
    selects, and `old_record` is only the id, so the previous owner and values never
    reach the team that gains the row."""
    old, new = reassign(access, table, key, "seller_a")
    sent = {
        s: realtime.broadcast(access, s, f"public.{table}", "UPDATE", old, new) for s in SUBSCRIBERS
    }
    assert {s for s, payload in sent.items() if isinstance(payload, dict)} == receivers
    assert sent["anon"] == realtime.UNAUTHORIZED
    for subscriber in receivers:
        payload = sent[subscriber]
        assert isinstance(payload, dict)
        readable = access.scalar(
            subscriber, f"select to_jsonb(t) from public.{table} as t where id = %s", [new["id"]]
        )
        assert payload == {"record": readable, "old_record": {"id": str(sales_org[key])}}


def test_control_with_full_replica_identity_an_update_leaks_the_previous_owner(
    access: Access, sales_org: SalesOrg
) -> None:
    """The trap the DEFAULT replica identity closes: with FULL, the team that gains a
    deal receives its whole previous row, which it could never select."""
    readable = "select count(*) from public.deals where id = %s"
    assert access.scalar("seller_a", readable, [sales_org["deal:b"]]) == 0
    access.db.execute("alter table public.deals replica identity full")
    old, new = reassign(access, "deals", "deal:b", "seller_a")
    payload = realtime.broadcast(access, "seller_a", "public.deals", "UPDATE", old, new)
    assert isinstance(payload, dict)
    assert payload["old_record"]["owner_id"] == str(sales_org["seller_b"])


def test_a_soft_deleted_row_reaches_admins_only(access: Access, sales_org: SalesOrg) -> None:
    row_id = sales_org["deal:a"]
    old = realtime.row(access.db, "public.deals", row_id)
    assert access.scalar("seller_a", "select public.soft_delete('deals', %s)", [row_id]) is True
    new = realtime.row(access.db, "public.deals", row_id)
    sent = {
        s: realtime.broadcast(access, s, "public.deals", "UPDATE", old, new)
        for s in (*SUBSCRIBERS, "manager_a", "admin")
    }
    assert {s for s, payload in sent.items() if isinstance(payload, dict)} == {"admin"}


def test_a_delete_reaches_every_subscriber_with_the_id_only(
    access: Access, sales_org: SalesOrg
) -> None:
    """What remains: RLS cannot be checked on a row that is gone, so a DELETE event
    reaches every subscriber of the table, users with the id alone, anon with nothing
    (docs/security.md, Realtime)."""
    row_id = sales_org["task:b"]
    old = realtime.row(access.db, "public.tasks", row_id)
    assert access.attempt("seller_b", "delete from public.tasks where id = %s", [row_id]) == 1
    sent = {
        s: realtime.broadcast(access, s, "public.tasks", "DELETE", old, None) for s in SUBSCRIBERS
    }
    expected = {s: {"old_record": {"id": str(row_id)}} for s in SUBSCRIBERS}
    expected["anon"] = {"old_record": {}}
    assert sent == expected
