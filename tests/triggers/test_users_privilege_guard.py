"""Privilege guard on users.role / team_id / is_active (docs/design.md: Triggers and functions): as `authenticated`,
only an active admin may change them (their own included); service_role, the schema
owner and superusers may."""

from __future__ import annotations

import psycopg
import pytest

from schemactl.testing import acting_as

from .helpers import one

MESSAGE = "only an active admin can change a user's role, team or active flag"
CHANGES = {
    "role": "role = 'admin'",
    "team_id": "team_id = null",
    "is_active": "is_active = false",
}


@pytest.fixture
def without_users_rls(db) -> None:
    """The update policy already hides other users' rows from non-admins (0 rows
    updated, no error); with RLS off for this test, the trigger is seen on its own."""
    db.execute("alter table public.users disable row level security")


def profile(db, user) -> dict:
    return one(db, "select role, team_id, is_active, name from public.users where id = %s", [user])


@pytest.mark.parametrize("column", list(CHANGES))
def test_seller_cannot_change_their_own_privileges(db, sales, as_user, column):
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as failure, as_user(sales.seller):
        db.execute(f"update public.users set {CHANGES[column]} where id = %s", [sales.seller])
    assert failure.value.diag.message_primary == MESSAGE
    assert failure.value.diag.message_hint == "ask an admin of the CRM to make the change"
    assert profile(db, sales.seller)["role"] == "seller"


def test_seller_may_change_their_own_name(db, sales, as_user):
    with as_user(sales.seller):
        db.execute(
            "update public.users set name = 'Vendedora Sul', role = role where id = %s",
            [sales.seller],
        )
    assert profile(db, sales.seller)["name"] == "Vendedora Sul"


@pytest.mark.parametrize("role", ["manager", "seller"])
def test_manager_cannot_promote_anyone(db, crm, sales, as_user, without_users_rls, role):
    manager = crm.user("manager", team=sales.team)
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as failure, as_user(manager):
        db.execute(
            "update public.users set role = %s where id = %s",
            ["admin" if role == "seller" else "manager", sales.seller],
        )
    assert failure.value.diag.message_primary == MESSAGE


def test_active_admin_changes_anyone_including_themselves(db, crm, sales, as_user):
    other_team = crm.team()
    with as_user(sales.admin):
        db.execute(
            "update public.users set role = 'manager', team_id = %s where id = %s",
            [other_team, sales.seller],
        )
        db.execute("update public.users set team_id = null where id = %s", [sales.admin])
    assert profile(db, sales.seller)["role"] == "manager"
    assert profile(db, sales.seller)["team_id"] == other_team
    assert profile(db, sales.admin)["team_id"] is None


def test_inactive_admin_is_refused(db, crm, sales, as_user, without_users_rls):
    former = crm.user("admin", active=False)
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as failure, as_user(former):
        db.execute("update public.users set is_active = true where id = %s", [former])
    assert failure.value.diag.message_primary == MESSAGE


def test_invited_user_is_activated_by_an_admin(db, crm, sales, as_user):
    invited = crm.user("seller", active=False)
    with as_user(sales.admin):
        db.execute("update public.users set is_active = true where id = %s", [invited])
    assert profile(db, invited)["is_active"] is True


def test_service_role_owner_and_superuser_may(db, sales, as_service_role):
    with as_service_role():
        db.execute("update public.users set role = 'manager' where id = %s", [sales.seller])
    with acting_as(db, "postgres"):
        db.execute("update public.users set is_active = false where id = %s", [sales.seller])
    db.execute("update public.users set team_id = null where id = %s", [sales.seller])
    assert profile(db, sales.seller) | {"name": None} == {
        "role": "manager",
        "team_id": None,
        "is_active": False,
        "name": None,
    }


def test_guard_keys_on_the_database_role_not_the_jwt(db, sales, without_users_rls):
    """A JWT that says service_role does not help a statement run as authenticated."""
    claims = {"sub": str(sales.seller), "role": "service_role"}
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege),
        acting_as(db, "authenticated", claims),
    ):
        db.execute("update public.users set role = 'admin' where id = %s", [sales.seller])
