"""deals (docs/design.md: Access control): a seller reads their own deals and their team's, managers and admins
read all; a seller inserts/updates deals they own, a manager deals owned in their team
(their own when they have no team), an admin any; only admins hard-delete and see
soft-deleted deals. Inactive users and JWTs without a profile read and write nothing;
anon is refused every command."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

RENAME = "update public.deals set title = 'Novo título' where id = %s"

ALL_DEALS = {
    "deal:a",
    "deal:a2",
    "deal:m_a",
    "deal:b",
    "deal:m_b",
    "deal:none",
    "deal:m_none",
    "deal:inactive",
    "deal:deleted_a",
}
NOT_DELETED = ALL_DEALS - {"deal:deleted_a"}
TEAM_A = {"deal:a", "deal:a2", "deal:m_a", "deal:inactive"}
TEAM_B = {"deal:b", "deal:m_b"}
NOTHING: set[str] = set()

READABLE = {
    "admin": ALL_DEALS,
    "manager_a": NOT_DELETED,
    "manager_b": NOT_DELETED,
    "manager_none": NOT_DELETED,
    "seller_a": TEAM_A,
    "seller_a2": TEAM_A,
    "seller_b": TEAM_B,
    "seller_none": {"deal:none"},
    "inactive": NOTHING,
    "inactive_admin": NOTHING,
    "ghost": NOTHING,
}
WRITABLE = {
    "admin": ALL_DEALS,
    "manager_a": TEAM_A,
    "manager_b": TEAM_B,
    "manager_none": {"deal:m_none"},
    "seller_a": {"deal:a"},
    "seller_a2": {"deal:a2"},
    "seller_b": {"deal:b"},
    "seller_none": {"deal:none"},
    "inactive": NOTHING,
    "inactive_admin": NOTHING,
    "ghost": NOTHING,
}
# Owners an actor may give a deal it inserts or updates.
OWNERS = (
    "admin",
    "manager_a",
    "seller_a",
    "seller_a2",
    "inactive",
    "seller_b",
    "manager_b",
    "seller_none",
    "manager_none",
)
ASSIGNABLE = {
    "admin": set(OWNERS),
    "manager_a": {"manager_a", "seller_a", "seller_a2", "inactive"},
    "manager_b": {"seller_b", "manager_b"},
    "manager_none": {"manager_none"},
    "seller_a": {"seller_a"},
    "seller_a2": {"seller_a2"},
    "seller_b": {"seller_b"},
    "seller_none": {"seller_none"},
    "inactive": NOTHING,
    "inactive_admin": NOTHING,
    "ghost": NOTHING,
}
INSERT_DEAL = (
    "insert into public.deals (title, pipeline_id, stage_id, owner_id) "
    "values ('Casamento novo', %s, %s, %s)"
)


def test_each_role_reads_exactly_its_deals(access: Access) -> None:
    assert (
        access.each(AUTHENTICATED, lambda actor: access.names(actor, "select id from public.deals"))
        == READABLE
    )


def test_each_role_updates_exactly_the_deals_it_may_write(access: Access) -> None:
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.changed(
                actor,
                "update public.deals set title = title || ' (editado)'",
                "select id from public.deals where title like '%(editado)'",
            ),
        )
        == WRITABLE
    )


def test_each_role_inserts_deals_only_for_owners_it_may_write(
    access: Access, sales_org: SalesOrg
) -> None:
    def owners_accepted(actor: str) -> set[str]:
        outcomes = {
            owner: access.attempt(
                actor,
                INSERT_DEAL,
                [sales_org["pipeline:eventos"], sales_org["stage:0"], sales_org[owner]],
            )
            for owner in OWNERS
        }
        assert set(outcomes.values()) <= {1, DENIED}
        return {owner for owner, outcome in outcomes.items() if outcome == 1}

    assert access.each(AUTHENTICATED, owners_accepted) == ASSIGNABLE


def test_each_role_moves_a_deal_only_to_owners_it_may_write(
    access: Access, sales_org: SalesOrg
) -> None:
    def owners_accepted(actor: str) -> set[str]:
        deal = sales_org[min(WRITABLE[actor])] if WRITABLE[actor] else sales_org["deal:a"]
        outcomes = {
            owner: access.attempt(
                actor,
                "update public.deals set owner_id = %s where id = %s",
                [sales_org[owner], deal],
            )
            for owner in OWNERS
        }
        # A deal the actor cannot write is filtered out (0 rows); a new owner the actor
        # may not write is refused (42501).
        assert set(outcomes.values()) <= ({0} if not WRITABLE[actor] else {1, DENIED})
        return {owner for owner, outcome in outcomes.items() if outcome == 1}

    assert access.each(AUTHENTICATED, owners_accepted) == ASSIGNABLE


def test_seller_cannot_give_own_deal_to_a_team_mate(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.attempt(
            "seller_a",
            "update public.deals set owner_id = %s where id = %s",
            [sales_org["seller_a2"], sales_org["deal:a"]],
        )
        == DENIED
    )


def test_seller_cannot_insert_deal_owned_by_someone_else(
    access: Access, sales_org: SalesOrg
) -> None:
    for owner in ("seller_a2", "seller_b", "admin"):
        assert (
            access.attempt(
                "seller_a",
                INSERT_DEAL,
                [sales_org["pipeline:eventos"], sales_org["stage:0"], sales_org[owner]],
            )
            == DENIED
        )


def test_seller_cannot_update_a_team_mates_deal_it_can_read(
    access: Access, sales_org: SalesOrg
) -> None:
    assert access.names(
        "seller_a", "select id from public.deals where id = %s", [sales_org["deal:a2"]]
    ) == {"deal:a2"}
    assert access.attempt("seller_a", RENAME, [sales_org["deal:a2"]]) == 0


def test_manager_without_team_writes_only_own_deals(access: Access, sales_org: SalesOrg) -> None:
    assert access.attempt("manager_none", RENAME, [sales_org["deal:none"]]) == 0
    assert access.attempt("manager_none", RENAME, [sales_org["deal:m_none"]]) == 1


def test_new_deal_is_owned_by_the_caller_by_default(access: Access, sales_org: SalesOrg) -> None:
    rows = access.rows(
        "seller_a",
        "insert into public.deals (title, pipeline_id, stage_id) "
        "values ('Aniversário', %s, %s) returning owner_id",
        [sales_org["pipeline:eventos"], sales_org["stage:0"]],
    )
    assert rows == [(sales_org["seller_a"],)]


def test_only_admins_hard_delete_deals(access: Access) -> None:
    def deleted(actor: str) -> tuple[int | str, set[str]]:
        outcome = access.attempt(actor, "delete from public.deals")
        left = access.sales_org.names(
            r[0] for r in access.db.execute("select id from public.deals")
        )
        return outcome, ALL_DEALS - left

    expected = {actor: (0, NOTHING) for actor in AUTHENTICATED}
    expected["admin"] = (len(ALL_DEALS), ALL_DEALS)
    assert access.each(AUTHENTICATED, deleted) == expected


def test_non_admins_cannot_soft_delete_through_a_plain_update(access: Access) -> None:
    def outcome(actor: str) -> int | str:
        deal = min(WRITABLE[actor])
        return access.attempt(
            actor,
            "update public.deals set deleted_at = now() where id = %s",
            [access.sales_org[deal]],
        )

    actors = [a for a in AUTHENTICATED if WRITABLE[a] and a != "admin"]
    assert access.each(actors, outcome) == {actor: DENIED for actor in actors}


def test_admin_soft_deletes_and_restores_through_a_plain_update(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.attempt(
            "admin",
            "update public.deals set deleted_at = now() where id = %s",
            [sales_org["deal:b"]],
        )
        == 1
    )
    assert (
        access.attempt(
            "admin",
            "update public.deals set deleted_at = null where id = %s",
            [sales_org["deal:deleted_a"]],
        )
        == 1
    )


def test_anon_is_refused_every_command_on_deals(access: Access) -> None:
    statements = {
        "select": "select * from public.deals",
        "insert": "insert into public.deals (title, pipeline_id, stage_id, owner_id) "
        "values ('x y z', gen_random_uuid(), gen_random_uuid(), gen_random_uuid())",
        "update": "update public.deals set title = 'x y z'",
        "delete": "delete from public.deals",
    }
    assert {
        command: access.attempt("anon", statement) for command, statement in statements.items()
    } == dict.fromkeys(statements, DENIED)


def test_service_role_reads_and_writes_every_deal(access: Access) -> None:
    assert access.names("service_role", "select id from public.deals") == ALL_DEALS
    assert access.attempt("service_role", "update public.deals set title = title || '!'") == len(
        ALL_DEALS
    )
