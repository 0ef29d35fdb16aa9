"""public.soft_delete / public.restore (docs/design.md: Access control): anyone soft-deletes the deals,
organizations and contacts they may update; only admins restore; soft-deleted rows are
then hidden from everyone but admins."""

from __future__ import annotations

import psycopg
import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

DEALS = (
    "deal:a",
    "deal:a2",
    "deal:m_a",
    "deal:b",
    "deal:m_b",
    "deal:none",
    "deal:m_none",
    "deal:inactive",
    "deal:deleted_a",
)
ORGANIZATIONS = ("org:a", "org:b", "org:none", "org:deleted")
CONTACTS = ("contact:a", "contact:b", "contact:none", "contact:deleted")

TEAM_A = {"deal:a", "deal:a2", "deal:m_a", "deal:inactive"}
SOFT_DELETABLE_DEALS = {
    "admin": set(DEALS) - {"deal:deleted_a"},
    "manager_a": TEAM_A,
    "manager_b": {"deal:b", "deal:m_b"},
    "manager_none": {"deal:m_none"},
    "seller_a": {"deal:a"},
    "seller_a2": {"deal:a2"},
    "seller_b": {"deal:b"},
    "seller_none": {"deal:none"},
}
MANAGER_OWNED = {"admin", "manager_a", "manager_b", "manager_none"}


def soft_deletable_shared(kind: str) -> dict[str, set[str]]:
    everything = {f"{kind}:a", f"{kind}:b", f"{kind}:none"}
    return {
        **{actor: everything for actor in MANAGER_OWNED},
        "seller_a": {f"{kind}:a"},
        "seller_a2": set(),
        "seller_b": {f"{kind}:b"},
        "seller_none": set(),
    }


def expected_outcomes(
    rows: tuple[str, ...], allowed: dict[str, set[str]], already_deleted: str
) -> dict[str, dict[str, object]]:
    """True where the actor may soft-delete, False for the admin on the row that is
    already deleted, 42501 everywhere else (inactive users and ghosts included)."""
    expected = {}
    for actor in AUTHENTICATED:
        mine = allowed.get(actor, set())
        expected[actor] = {row: True if row in mine else DENIED for row in rows}
    expected["admin"][already_deleted] = False
    return expected


@pytest.mark.parametrize(
    ("table", "rows", "allowed", "already_deleted"),
    [
        ("deals", DEALS, SOFT_DELETABLE_DEALS, "deal:deleted_a"),
        ("organizations", ORGANIZATIONS, soft_deletable_shared("org"), "org:deleted"),
        ("contacts", CONTACTS, soft_deletable_shared("contact"), "contact:deleted"),
    ],
    ids=["deals", "organizations", "contacts"],
)
def test_each_role_soft_deletes_exactly_what_it_may_update(
    access: Access,
    sales_org: SalesOrg,
    table: str,
    rows: tuple[str, ...],
    allowed: dict[str, set[str]],
    already_deleted: str,
) -> None:
    def outcomes(actor: str) -> dict[str, object]:
        result = {}
        for row in rows:
            with access.db.transaction(force_rollback=True):
                result[row] = access.scalar(
                    actor, "select public.soft_delete(%s, %s)", [table, sales_org[row]]
                )
        return result

    assert access.each(AUTHENTICATED, outcomes) == expected_outcomes(rows, allowed, already_deleted)


@pytest.mark.parametrize(
    ("table", "deleted", "live"),
    [
        ("deals", "deal:deleted_a", "deal:a"),
        ("organizations", "org:deleted", "org:a"),
        ("contacts", "contact:deleted", "contact:a"),
    ],
)
def test_only_admins_restore(
    access: Access, sales_org: SalesOrg, table: str, deleted: str, live: str
) -> None:
    def outcome(actor: str) -> tuple[object, object]:
        return (
            access.scalar(actor, "select public.restore(%s, %s)", [table, sales_org[deleted]]),
            access.scalar(actor, "select public.restore(%s, %s)", [table, sales_org[live]]),
        )

    expected = {actor: (DENIED, DENIED) for actor in AUTHENTICATED}
    expected["admin"] = (True, False)
    assert access.each(AUTHENTICATED, outcome) == expected


def test_soft_deleted_deal_disappears_for_seller_and_manager_but_not_admin(
    access: Access, sales_org: SalesOrg
) -> None:
    assert (
        access.scalar("seller_a", "select public.soft_delete('deals', %s)", [sales_org["deal:a"]])
        is True
    )
    query = "select id from public.deals where id = %s"
    assert {
        actor: access.names(actor, query, [sales_org["deal:a"]])
        for actor in ("seller_a", "seller_a2", "manager_a", "admin")
    } == {"seller_a": set(), "seller_a2": set(), "manager_a": set(), "admin": {"deal:a"}}
    deleted_at = access.db.execute(
        "select deleted_at from public.deals where id = %s", [sales_org["deal:a"]]
    ).fetchone()
    assert deleted_at is not None and deleted_at[0] is not None


def test_restored_deal_is_visible_to_its_team_again(access: Access, sales_org: SalesOrg) -> None:
    assert (
        access.scalar("admin", "select public.restore('deals', %s)", [sales_org["deal:deleted_a"]])
        is True
    )
    assert access.names(
        "seller_a2", "select id from public.deals where id = %s", [sales_org["deal:deleted_a"]]
    ) == {"deal:deleted_a"}


@pytest.mark.parametrize("function", ["soft_delete", "restore"])
def test_soft_delete_and_restore_refuse_other_tables(
    access: Access, sales_org: SalesOrg, function: str
) -> None:
    for table in ("tasks", "users", "deals; drop table public.deals", None):
        with pytest.raises(psycopg.errors.InvalidParameterValue), access.request("admin"):
            access.db.execute(f"select public.{function}(%s, %s)", [table, sales_org["task:a"]])


@pytest.mark.parametrize("function", ["soft_delete", "restore"])
def test_anon_and_service_role_cannot_call_soft_delete_or_restore(
    access: Access, sales_org: SalesOrg, function: str
) -> None:
    query = f"select public.{function}('deals', %s)"
    assert access.scalar("anon", query, [sales_org["deal:a"]]) == DENIED
    # service_role writes deleted_at directly; the functions act for users only.
    assert access.scalar("service_role", query, [sales_org["deal:a"]]) == DENIED


def test_soft_delete_with_an_api_key_needs_the_delete_scope(
    access: Access, sales_org: SalesOrg
) -> None:
    query = "select public.soft_delete('deals', %s)"
    for scopes in (["read:deals"], ["write:deals"], ["delete:contacts"]):
        assert access.scalar("seller_a", query, [sales_org["deal:a"]], api_scopes=scopes) == DENIED
    assert (
        access.scalar("seller_a", query, [sales_org["deal:a"]], api_scopes=["delete:deals"]) is True
    )


def test_restore_with_an_api_key_needs_the_delete_scope(
    access: Access, sales_org: SalesOrg
) -> None:
    query = "select public.restore('organizations', %s)"
    assert (
        access.scalar(
            "admin", query, [sales_org["org:deleted"]], api_scopes=["write:organizations"]
        )
        == DENIED
    )
    assert (
        access.scalar(
            "admin", query, [sales_org["org:deleted"]], api_scopes=["delete:organizations"]
        )
        is True
    )
