"""organizations, contacts and organization_contacts (docs/design.md: Access control): every active user reads
them (soft-deleted rows: admins only); sellers insert rows they own and update their own,
managers insert and update all, admins do everything; links follow the organization.
total_revenue and won_deals_count are written by triggers only."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, NOBODY, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

MANAGERS_AND_ADMIN = ("admin", "manager_a", "manager_b", "manager_none")
SELLERS = ("seller_a", "seller_a2", "seller_b", "seller_none")


def by_role(
    *, admin: set[str], manager: set[str], seller: dict[str, set[str]]
) -> dict[str, set[str]]:
    return {
        "admin": admin,
        **{m: manager for m in MANAGERS_AND_ADMIN if m != "admin"},
        **seller,
        **{nobody: set() for nobody in NOBODY},
    }


def live(kind: str) -> set[str]:
    return {f"{kind}:a", f"{kind}:b", f"{kind}:none"}


def readable(kind: str) -> dict[str, set[str]]:
    return by_role(
        admin=live(kind) | {f"{kind}:deleted"},
        manager=live(kind),
        seller={s: live(kind) for s in SELLERS},
    )


def writable(kind: str) -> dict[str, set[str]]:
    return by_role(
        admin=live(kind) | {f"{kind}:deleted"},
        manager=live(kind),
        seller={
            "seller_a": {f"{kind}:a"},
            "seller_a2": set(),
            "seller_b": {f"{kind}:b"},
            "seller_none": set(),
        },
    )


TABLES = [("organizations", "org"), ("contacts", "contact")]


@pytest.mark.parametrize(("table", "kind"), TABLES, ids=[t for t, _ in TABLES])
def test_each_role_reads_every_live_row(access: Access, table: str, kind: str) -> None:
    assert access.each(
        AUTHENTICATED, lambda actor: access.names(actor, f"select id from public.{table}")
    ) == readable(kind)


@pytest.mark.parametrize(("table", "kind"), TABLES, ids=[t for t, _ in TABLES])
def test_each_role_updates_exactly_the_rows_it_may_write(
    access: Access, table: str, kind: str
) -> None:
    assert access.each(
        AUTHENTICATED,
        lambda actor: access.changed(
            actor,
            f"update public.{table} set name = name || ' (editado)'",
            f"select id from public.{table} where name like '%(editado)'",
        ),
    ) == writable(kind)


@pytest.mark.parametrize(("table", "kind"), TABLES, ids=[t for t, _ in TABLES])
def test_each_role_inserts_rows_for_the_owners_it_may_write(
    access: Access, sales_org: SalesOrg, table: str, kind: str
) -> None:
    owners = ("self", "someone else", "nobody")

    def accepted(actor: str) -> set[str]:
        someone_else = sales_org["seller_a" if actor == "seller_b" else "seller_b"]
        result = set()
        for owner in owners:
            owner_id = {"self": sales_org[actor], "someone else": someone_else, "nobody": None}[
                owner
            ]
            outcome = access.attempt(
                actor,
                f"insert into public.{table} (name, owner_id) values ('Novo', %s)",
                [owner_id],
            )
            assert outcome in (1, DENIED)
            if outcome == 1:
                result.add(owner)
        return result

    expected = {actor: set() for actor in AUTHENTICATED}
    for actor in MANAGERS_AND_ADMIN:
        expected[actor] = set(owners)
    for seller in SELLERS:
        expected[seller] = {"self"}
    assert access.each(AUTHENTICATED, accepted) == expected


@pytest.mark.parametrize(("table", "kind"), TABLES, ids=[t for t, _ in TABLES])
def test_seller_cannot_give_own_row_to_someone_else(
    access: Access, sales_org: SalesOrg, table: str, kind: str
) -> None:
    assert (
        access.attempt(
            "seller_a",
            f"update public.{table} set owner_id = %s where id = %s",
            [sales_org["seller_a2"], sales_org[f"{kind}:a"]],
        )
        == DENIED
    )


@pytest.mark.parametrize(("table", "kind"), TABLES, ids=[t for t, _ in TABLES])
def test_only_admins_hard_delete(
    access: Access, sales_org: SalesOrg, table: str, kind: str
) -> None:
    # Rows without deals, tasks or links, so nothing but the policy stands in the way.
    row = access.db.execute(
        f"insert into public.{table} (name) values ('Avulso') returning id"
    ).fetchone()[0]
    expected = {actor: 0 for actor in AUTHENTICATED}
    expected["admin"] = 1
    assert (
        access.each(
            AUTHENTICATED,
            lambda actor: access.attempt(actor, f"delete from public.{table} where id = %s", [row]),
        )
        == expected
    )


def test_no_user_writes_organization_rollups(access: Access, sales_org: SalesOrg) -> None:
    outcomes = {}
    for actor in ("seller_a", "manager_a", "admin"):
        for column in ("total_revenue", "won_deals_count"):
            outcomes[actor, column, "update"] = access.attempt(
                actor,
                f"update public.organizations set {column} = 999 where id = %s",
                [sales_org["org:a"]],
            )
            outcomes[actor, column, "insert"] = access.attempt(
                actor,
                f"insert into public.organizations (name, owner_id, {column}) "
                "values ('Inflada', %s, 999)",
                [sales_org[actor]],
            )
    assert outcomes == dict.fromkeys(outcomes, DENIED) and len(outcomes) == 12


def test_select_star_on_organizations_works_despite_column_grants(access: Access) -> None:
    rows = access.rows("seller_a", "select * from public.organizations order by name")
    assert [row[1] for row in rows] == ["Organização a", "Organização b", "Organização none"]


LINKS = {
    "link:a": ("org:a", "contact:a"),
    "link:b": ("org:b", "contact:b"),
    "link:deleted": ("org:deleted", "contact:a"),
}


def link_names(sales_org: SalesOrg, rows: list[tuple]) -> set[str]:
    pairs = {(sales_org[o], sales_org[c]): name for name, (o, c) in LINKS.items()}
    return {pairs[(row[0], row[1])] for row in rows if (row[0], row[1]) in pairs}


def test_each_role_reads_the_links_of_organizations_it_reads(
    access: Access, sales_org: SalesOrg
) -> None:
    def links(actor: str) -> set[str]:
        return link_names(
            sales_org,
            access.rows(
                actor, "select organization_id, contact_id from public.organization_contacts"
            ),
        )

    expected = {actor: {"link:a", "link:b"} for actor in AUTHENTICATED}
    expected["admin"] = set(LINKS)
    for nobody in NOBODY:
        expected[nobody] = set()
    assert access.each(AUTHENTICATED, links) == expected


def test_each_role_changes_links_only_of_organizations_it_may_update(
    access: Access, sales_org: SalesOrg
) -> None:
    def changed(actor: str) -> set[str]:
        access.attempt(actor, "update public.organization_contacts set role = 'Compras'")
        return link_names(
            sales_org,
            access.db.execute(
                "select organization_id, contact_id from public.organization_contacts "
                "where role = 'Compras'"
            ).fetchall(),
        )

    expected = {
        "admin": set(LINKS),
        "seller_a": {"link:a"},
        "seller_b": {"link:b"},
        **{m: {"link:a", "link:b"} for m in ("manager_a", "manager_b", "manager_none")},
    }
    assert access.each(AUTHENTICATED, changed) == {
        actor: expected.get(actor, set()) for actor in AUTHENTICATED
    }


def test_each_role_unlinks_only_contacts_of_organizations_it_may_update(
    access: Access, sales_org: SalesOrg
) -> None:
    def unlinked(actor: str) -> set[str]:
        access.attempt(actor, "delete from public.organization_contacts")
        left = link_names(
            sales_org,
            access.db.execute(
                "select organization_id, contact_id from public.organization_contacts"
            ).fetchall(),
        )
        return set(LINKS) - left

    expected = {
        "admin": set(LINKS),
        "seller_a": {"link:a"},
        "seller_b": {"link:b"},
        **{m: {"link:a", "link:b"} for m in ("manager_a", "manager_b", "manager_none")},
    }
    assert access.each(AUTHENTICATED, unlinked) == {
        actor: expected.get(actor, set()) for actor in AUTHENTICATED
    }


def test_each_role_links_contacts_only_to_organizations_it_may_update(
    access: Access, sales_org: SalesOrg
) -> None:
    def linked(actor: str) -> set[str]:
        result = set()
        for org in ("org:a", "org:b", "org:none"):
            outcome = access.attempt(
                actor,
                "insert into public.organization_contacts (organization_id, contact_id) "
                "values (%s, %s)",
                [sales_org[org], sales_org["contact:none"]],
            )
            assert outcome in (1, DENIED)
            if outcome == 1:
                result.add(org)
        return result

    everything = {"org:a", "org:b", "org:none"}
    expected = {actor: set() for actor in AUTHENTICATED}
    expected.update(
        {
            "admin": everything,
            "manager_a": everything,
            "manager_b": everything,
            "manager_none": everything,
            "seller_a": {"org:a"},
            "seller_b": {"org:b"},
        }
    )
    assert access.each(AUTHENTICATED, linked) == expected


def test_anon_is_refused_shared_records(access: Access) -> None:
    outcomes = {
        (table, command): access.attempt("anon", f"{command} from public.{table}")
        for table in ("organizations", "contacts", "organization_contacts")
        for command in ("select *", "delete")
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)
