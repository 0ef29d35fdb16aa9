"""users (docs/design.md: Access control): active users read the active users, admins read everyone; a user
updates their own name, avatar and phone, admins update every profile; nobody inserts or
deletes profiles through the API; nobody but an active admin changes a role, team or
active flag, their own included."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, USERS, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

ACTIVE = set(USERS) - set(NOBODY)  # admin, managers and sellers with or without a team
NOTHING: set[str] = set()


def test_each_role_reads_exactly_the_profiles_it_may(access: Access) -> None:
    expected = {actor: ACTIVE for actor in AUTHENTICATED}
    expected["admin"] = set(USERS)
    for nobody in NOBODY:
        expected[nobody] = NOTHING
    assert (
        access.each(AUTHENTICATED, lambda actor: access.names(actor, "select id from public.users"))
        == expected
    )


def test_each_role_updates_its_own_profile_and_admins_every_profile(access: Access) -> None:
    expected = {actor: {actor} for actor in ACTIVE}
    expected["admin"] = set(USERS)
    for nobody in NOBODY:
        expected[nobody] = NOTHING
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.changed(
                actor,
                "update public.users set phone = '+55 11 90000-0000', name = name || ' (editado)'",
                "select id from public.users where phone = '+55 11 90000-0000'",
            ),
        )
        == expected
    )


CHANGES = {
    "promote to admin": "role = 'admin'",
    "change team": "team_id = %(team_b)s",
    "leave team": "team_id = null",
    "deactivate": "is_active = false",
}


def test_non_admins_cannot_change_their_own_role_team_or_active_flag(
    access: Access, sales_org: SalesOrg
) -> None:
    outcomes = {
        (actor, change): access.attempt(
            actor,
            f"update public.users set {assignment} where id = %(me)s",
            {"me": sales_org[actor], "team_b": sales_org["team:b"]},
        )
        for actor in ("seller_a", "manager_a")
        for change, assignment in CHANGES.items()
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)


def test_manager_cannot_move_a_seller_into_their_team(access: Access, sales_org: SalesOrg) -> None:
    # The seller's row is not the manager's to update: filtered, nothing changes.
    assert (
        access.attempt(
            "manager_a",
            "update public.users set team_id = %s where id = %s",
            [sales_org["team:a"], sales_org["seller_b"]],
        )
        == 0
    )


def test_admin_changes_roles_teams_and_activation(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.attempt(
            "admin",
            "update public.users set role = 'manager', team_id = %s where id = %s",
            [sales_org["team:b"], sales_org["seller_a"]],
        )
        == 1
    )
    assert (
        access.attempt(
            "admin",
            "update public.users set is_active = true where id = %s",
            [sales_org["inactive"]],
        )
        == 1
    )
    assert access.names(
        "seller_b", "select id from public.users where id = %s", [sales_org["inactive"]]
    ) == {"inactive"}


def test_inactive_admin_is_not_an_admin(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.attempt(
            "inactive_admin",
            "update public.users set is_active = true where id = %s",
            [sales_org["inactive_admin"]],
        )
        == 0
    )


def test_nobody_inserts_or_deletes_profiles_through_the_api(
    access: Access, sales_org: SalesOrg
) -> None:
    new_auth_user = access.db.execute(
        "insert into auth.users (email) values ('novo@stagetek.test') returning id"
    ).fetchone()[0]
    access.db.execute("delete from public.users where id = %s", [new_auth_user])
    for actor in ("admin", "manager_a", "seller_a", "anon"):
        assert (
            access.attempt(
                actor, "insert into public.users (id, name) values (%s, 'Novo')", [new_auth_user]
            )
            == DENIED
        )
        assert (
            access.attempt(actor, "delete from public.users where id = %s", [sales_org["seller_b"]])
            == DENIED
        )


def test_no_user_writes_a_profile_email_through_the_api(
    access: Access, sales_org: SalesOrg
) -> None:
    assert {
        actor: access.attempt(
            actor, "update public.users set email = 'x@y.test' where id = %s", [sales_org[actor]]
        )
        for actor in ("seller_a", "admin")
    } == {"seller_a": DENIED, "admin": DENIED}


def test_update_policy_alone_refuses_role_team_and_active_changes(
    access: Access, sales_org: SalesOrg
) -> None:
    # Defence in depth: without the privilege guard trigger, RLS still refuses.
    access.db.execute("alter table public.users disable trigger users_privilege_guard")
    outcomes = {
        change: access.attempt(
            "seller_a",
            f"update public.users set {assignment} where id = %(me)s",
            {"me": sales_org["seller_a"], "team_b": sales_org["team:b"]},
        )
        for change, assignment in CHANGES.items()
    }
    assert outcomes == dict.fromkeys(CHANGES, DENIED)
    # ... while the columns the user may change still go through.
    assert (
        access.attempt(
            "seller_a",
            "update public.users set avatar_url = 'https://x.test/a.png' where id = %s",
            [sales_org["seller_a"]],
        )
        == 1
    )
