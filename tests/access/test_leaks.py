"""What a signed-in user learns beyond the rows the policies show them: helper functions
callable by any user, organizations' revenue across teams, Realtime broadcasts."""

from __future__ import annotations

import pytest

from access.world import DENIED, Access, World
from factories import Crm

pytestmark = pytest.mark.grant_modes


def test_helpers_list_no_inactive_user_who_owns_nothing(
    access: Access, world: World, crm: Crm
) -> None:
    """private.team_user_ids() and private.deal_owner_ids() are executable by every user
    (the policies call them): they return an inactive user's id only while that user
    still owns rows the caller sees anyway (world "inactive" owns deal:inactive)."""
    gone = crm.user("seller", team=world["team:a"], active=False)
    for actor, helper in (
        ("seller_a", "team_user_ids"),
        ("seller_a", "deal_owner_ids"),
        ("manager_a", "deal_owner_ids"),
        ("manager_b", "deal_owner_ids"),
    ):
        ids = {r[0] for r in access.rows(actor, f"select private.{helper}()")}
        assert gone not in ids, (actor, helper)
        assert world["inactive"] in ids, (actor, helper)
    admin_ids = {r[0] for r in access.rows("admin", "select private.deal_owner_ids()")}
    assert {gone, world["inactive"]} <= admin_ids  # admins read every profile anyway


def test_only_admins_read_inactive_profiles(access: Access, world: World, crm: Crm) -> None:
    gone = crm.user("seller", team=world["team:a"], active=False)
    query = "select count(*) from public.users where id = %s"
    assert {
        actor: access.scalar(actor, query, [gone])
        for actor in ("seller_a", "manager_a", "admin", "anon")
    } == {"seller_a": 0, "manager_a": 0, "admin": 1, "anon": DENIED}


def test_organization_revenue_is_read_across_teams_by_active_users_only(
    access: Access, world: World
) -> None:
    """Decision: an organization's total_revenue and won_deals_count are read by every
    active user, like the organization itself (a shared client record: any seller may
    work with the client and should know its history with the company). Writing them is
    the rollup's only (column grants), and deals move them only for users who may write
    the organization (tests/access/test_record_links.py)."""
    access.db.execute(
        "update public.organizations set total_revenue = 1234.50, won_deals_count = 2 "
        "where id = %s",
        [world["org:a"]],
    )
    query = "select total_revenue::text from public.organizations where id = %s"
    assert {
        actor: access.scalar(actor, query, [world["org:a"]])
        if actor != "inactive"
        else access.rows(actor, query, [world["org:a"]])
        for actor in ("seller_b", "manager_b", "seller_none", "inactive", "anon")
    } == {
        "seller_b": "1234.50",
        "manager_b": "1234.50",
        "seller_none": "1234.50",
        "inactive": [],
        "anon": DENIED,
    }
    write = "update public.organizations set total_revenue = 0 where id = %s"
    assert access.attempt("seller_a", write, [world["org:a"]]) == DENIED


def test_realtime_broadcasts_carry_only_what_a_subscriber_may_select(access: Access) -> None:
    """Realtime sends an INSERT/UPDATE event to a subscriber only if the subscriber's
    SELECT policies pass on the new row, with the columns it may select; on a table with
    RLS a DELETE event (and an UPDATE's old record) carries only the primary key. So:
    every published table has RLS, the subscriber roles may select every published
    column, and nothing else is published."""
    published = access.db.execute(
        """
        select c.oid::regclass::text, c.relrowsecurity, c.relreplident,
            bool_and(has_column_privilege('authenticated', c.oid, a.attname, 'select')),
            bool_or(has_column_privilege('anon', c.oid, a.attname, 'select'))
        from pg_publication_tables as pt
        join pg_class c on c.oid = format('%I.%I', pt.schemaname, pt.tablename)::regclass
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where pt.pubname = 'supabase_realtime'
        group by 1, 2, 3
        order by 1
        """
    ).fetchall()
    assert published == [
        ("deals", True, "f", True, False),
        ("tasks", True, "f", True, False),
    ]
