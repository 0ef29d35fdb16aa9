"""public.reassign_owner(p_from, p_to) (docs/design.md: The CRM data model): an admin hands a leaving seller's
deals, tasks, organizations and contacts to someone else."""

from __future__ import annotations

import psycopg
import pytest

from .helpers import audit_rows, event_types, one


@pytest.fixture
def leaver(crm, sales):
    """A seller who owns a bit of everything, some of it closed or soft-deleted."""
    user = crm.user("seller", team=sales.team)
    owned = {
        "deals": [
            crm.deal(user, sales.pipeline, organization_id=sales.org_a),
            crm.deal(user, sales.pipeline, status="won", value=900),
            crm.deal(user, sales.pipeline, deleted_at="2025-01-01"),
        ],
        "tasks": [crm.task(user, created_by=sales.admin), crm.task(user, created_by=user)],
        "organizations": [crm.organization(user)],
        "contacts": [crm.contact(user), crm.contact(user)],
    }
    return user, owned


def owners(db, table: str, ids: list) -> set:
    return {
        r[0]
        for r in db.execute(
            f"select owner_id from public.{table} where id = any(%s)", [ids]
        ).fetchall()
    }


def test_admin_moves_everything_the_leaver_owns(db, sales, as_user, leaver):
    user, owned = leaver
    with as_user(sales.admin):
        moved = db.execute("select public.reassign_owner(%s, %s)", [user, sales.seller]).fetchone()[
            0
        ]
    assert moved == {"deals": 3, "tasks": 2, "organizations": 1, "contacts": 2}
    for table, ids in owned.items():
        assert owners(db, table, ids) == {sales.seller}, table
    # The task the leaver created keeps its creator: history is not rewritten.
    assert (
        one(db, "select created_by from public.tasks where id = %s", [owned["tasks"][1]])[
            "created_by"
        ]
        == user
    )


def test_reassignment_is_audited_as_the_admin_and_notifies_new_assignees(
    db, sales, as_user, leaver
):
    user, owned = leaver
    with as_user(sales.admin):
        db.execute("select public.reassign_owner(%s, %s)", [user, sales.seller])
    last = audit_rows(db, owned["deals"][0])[-1]
    assert (last["action"], last["changed_fields"], last["actor_id"]) == (
        "UPDATE",
        ["owner_id"],
        sales.admin,
    )
    # Both tasks now belong to someone other than their creator.
    assert event_types(db, owned["tasks"][0]) == ["task.assigned", "task.assigned"]
    assert event_types(db, owned["tasks"][1]) == ["task.assigned"]


def test_service_role_may_reassign(db, sales, as_service_role, leaver):
    user, owned = leaver
    with as_service_role():
        db.execute("select public.reassign_owner(%s, %s)", [user, sales.admin])
    assert owners(db, "deals", owned["deals"]) == {sales.admin}


@pytest.mark.parametrize("role", ["seller", "manager"])
def test_only_admins_reassign(db, crm, sales, as_user, leaver, role):
    user, owned = leaver
    caller = crm.user(role, team=sales.team)
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as failure, as_user(caller):
        db.execute("select public.reassign_owner(%s, %s)", [user, caller])
    assert (
        failure.value.diag.message_primary == "only an active admin can reassign a user's records"
    )
    assert owners(db, "deals", owned["deals"]) == {user}


@pytest.mark.grant_modes
def test_a_claimed_service_role_does_not_authorise_a_seller(db, crm, sales, as_user, leaver):
    """A SQL session of `authenticated` sets its own claims: `role: service_role` in them
    changes nothing, the database role decides."""
    user, owned = leaver
    caller = crm.user("seller", team=sales.team)
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege) as failure,
        as_user(caller, role="service_role"),
    ):
        db.execute("select public.reassign_owner(%s, %s)", [user, caller])
    assert (
        failure.value.diag.message_primary == "only an active admin can reassign a user's records"
    )
    assert owners(db, "deals", owned["deals"]) == {user}


def test_an_api_key_request_cannot_reassign(db, sales, as_user, leaver):
    user, _ = leaver
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege) as failure,
        as_user(sales.admin, api_key_id="k", api_scopes=["write:deals"]),
    ):
        db.execute("select public.reassign_owner(%s, %s)", [user, sales.seller])
    assert failure.value.diag.message_primary == "an API key cannot reassign records"


def test_records_go_only_to_an_active_user(db, crm, sales, as_user, leaver):
    user, _ = leaver
    inactive = crm.user("seller", active=False)
    with pytest.raises(psycopg.errors.InvalidParameterValue) as failure, as_user(sales.admin):
        db.execute("select public.reassign_owner(%s, %s)", [user, inactive])
    assert failure.value.diag.message_primary == f"user {inactive} is not an active user"
    with pytest.raises(psycopg.errors.InvalidParameterValue), as_user(sales.admin):
        db.execute("select public.reassign_owner(%s, %s)", [user, user])


def test_anon_cannot_call_it(db, sales, as_anon, leaver):
    user, _ = leaver
    with pytest.raises(psycopg.errors.InsufficientPrivilege), as_anon():
        db.execute("select public.reassign_owner(%s, %s)", [user, sales.seller])
    assert one(db, "select count(*) as n from public.deals where owner_id = %s", [user])["n"] == 3
