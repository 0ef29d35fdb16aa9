"""The api_scopes claim of an API-key request (docs/design.md: Access control): exactly what the scopes grant
(read for SELECT, write for INSERT/UPDATE, delete for DELETE; delete ⊃ write ⊃ read) on
deals, contacts, organizations, tasks and products, within the owner's own rights;
deal_products and deal_stage_history follow deals, organization_contacts follows
organizations; every other table is closed. Requests without the claim are unaffected
(the rest of the suite)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.access.sales_org import DENIED, Access, SalesOrg

pytestmark = pytest.mark.grant_modes

RENAME = "update public.deals set title = 'Novo título' where id = %s"

RESOURCES = ("deals", "contacts", "organizations", "tasks", "products")
ALL_SCOPES = [
    f"{action}:{resource}" for resource in RESOURCES for action in ("read", "write", "delete")
]


def statements(sales_org: SalesOrg, resource: str, fresh: Any) -> dict[str, tuple[str, list]]:
    """select / insert / update / delete of one row of ``resource``, as an admin may."""
    insert = {
        "deals": (
            "insert into public.deals (title, pipeline_id, stage_id, owner_id) "
            "values ('Via API', %s, %s, %s)",
            [sales_org["pipeline:eventos"], sales_org["stage:0"], sales_org["admin"]],
        ),
        "contacts": ("insert into public.contacts (name) values ('Via API')", []),
        "organizations": ("insert into public.organizations (name) values ('Via API')", []),
        "tasks": ("insert into public.tasks (subject) values ('Via API')", []),
        "products": ("insert into public.products (name) values ('Via API')", []),
    }[resource]
    column = {"tasks": "subject"}.get(resource, "title" if resource == "deals" else "name")
    return {
        "select": (f"select id from public.{resource} where id = %s", [fresh]),
        "insert": insert,
        "update": (
            f"update public.{resource} set {column} = {column} || '!' where id = %s",
            [fresh],
        ),
        "delete": (f"delete from public.{resource} where id = %s", [fresh]),
    }


def fresh_row(access: Access, sales_org: SalesOrg, resource: str) -> Any:
    """A row nothing refers to, so a delete can only be stopped by a policy."""
    crm = {
        "deals": lambda: access.db.execute(
            "insert into public.deals (title, pipeline_id, stage_id, owner_id) "
            "values ('Solto', %s, %s, %s) returning id",
            [sales_org["pipeline:eventos"], sales_org["stage:0"], sales_org["admin"]],
        ),
        "tasks": lambda: access.db.execute(
            "insert into public.tasks (subject, owner_id, created_by) "
            "values ('Solta', %s, %s) returning id",
            [sales_org["admin"], sales_org["admin"]],
        ),
    }.get(
        resource,
        lambda: access.db.execute(
            f"insert into public.{resource} (name) values ('Solto') returning id"
        ),
    )
    return crm().fetchone()[0]


GRANTED = {
    "read": {"select": 1, "insert": DENIED, "update": 0, "delete": 0},
    "write": {"select": 1, "insert": 1, "update": 1, "delete": 0},
    "delete": {"select": 1, "insert": 1, "update": 1, "delete": 1},
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_scope_grants_exactly_its_commands(
    access: Access, sales_org: SalesOrg, resource: str
) -> None:
    fresh = fresh_row(access, sales_org, resource)
    commands = statements(sales_org, resource, fresh)

    def outcomes(level: str) -> dict[str, int | str]:
        result = {}
        for command, (query, params) in commands.items():
            with access.db.transaction(force_rollback=True):
                outcome = access.attempt("admin", query, params, api_scopes=[f"{level}:{resource}"])
                result[command] = outcome
        return result

    assert access.each(GRANTED, outcomes) == GRANTED


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_scope_on_another_resource_grants_nothing(
    access: Access, sales_org: SalesOrg, resource: str
) -> None:
    fresh = fresh_row(access, sales_org, resource)
    others = [s for s in ALL_SCOPES if not s.endswith(":" + resource)]
    outcomes = {}
    for command, (query, params) in statements(sales_org, resource, fresh).items():
        with access.db.transaction(force_rollback=True):
            outcomes[command] = access.attempt("admin", query, params, api_scopes=others)
    assert outcomes == {"select": 0, "insert": DENIED, "update": 0, "delete": 0}


CLOSED = (
    "teams",
    "pipelines",
    "stages",
    "sources",
    "loss_reasons",
    "users",
    "api_keys",
    "audit_log",
    "webhook_events",
)


def test_tables_outside_the_scopes_are_closed_to_any_key(access: Access) -> None:
    scoped = {"api_scopes": ALL_SCOPES}
    outcomes, expected = {}, {}
    for table in CLOSED:
        assert access.db.execute(f"select count(*) from public.{table}").fetchone()[0] > 0
        outcomes[table, "select"] = len(
            access.rows("admin", f"select * from public.{table}", **scoped)
        )
        expected[table, "select"] = 0
        if table in ("teams", "pipelines", "sources", "loss_reasons"):
            outcomes[table, "insert"] = access.attempt(
                "admin", f"insert into public.{table} (name) values ('Via API')", **scoped
            )
            expected[table, "insert"] = DENIED
        if table not in ("audit_log", "webhook_events"):
            outcomes[table, "update"] = access.attempt(
                "admin", f"update public.{table} set name = name", **scoped
            )
            expected[table, "update"] = 0
    assert outcomes == expected


def test_deal_children_follow_the_deals_scope(access: Access, sales_org: SalesOrg) -> None:
    lines = "select id from public.deal_products"
    history = "select deal_id from public.deal_stage_history"
    assert access.names("seller_a", lines, api_scopes=["read:deals"]) == {"line:a", "line:a2"}
    assert access.names("seller_a", history, api_scopes=["read:deals"]) == {
        "deal:a",
        "deal:a2",
        "deal:m_a",
        "deal:inactive",
    }
    for other in (["read:tasks"], ["delete:products"]):
        assert access.names("seller_a", lines, api_scopes=other) == set()
        assert access.names("seller_a", history, api_scopes=other) == set()
    add_line = (
        "insert into public.deal_products (deal_id, product_id, quantity, unit_price) "
        "values (%s, %s, 1, 10)"
    )
    params = [sales_org["deal:a"], sales_org["product:palco"]]
    assert access.attempt("seller_a", add_line, params, api_scopes=["read:deals"]) == DENIED
    assert access.attempt("seller_a", add_line, params, api_scopes=["write:deals"]) == 1


def test_organization_links_follow_the_organizations_scope(
    access: Access, sales_org: SalesOrg
) -> None:
    links = "select contact_id from public.organization_contacts"
    assert access.names("seller_a", links, api_scopes=["read:organizations"]) == {
        "contact:a",
        "contact:b",
    }
    assert access.names("seller_a", links, api_scopes=["delete:contacts"]) == set()
    link = "insert into public.organization_contacts (organization_id, contact_id) values (%s, %s)"
    params = [sales_org["org:a"], sales_org["contact:none"]]
    assert access.attempt("seller_a", link, params, api_scopes=["read:organizations"]) == DENIED
    assert access.attempt("seller_a", link, params, api_scopes=["write:organizations"]) == 1


def test_scopes_never_exceed_the_owners_rights(access: Access, sales_org: SalesOrg) -> None:
    scopes = {"api_scopes": ["delete:deals"]}
    assert access.names("seller_a", "select id from public.deals", **scopes) == {
        "deal:a",
        "deal:a2",
        "deal:m_a",
        "deal:inactive",
    }
    assert access.attempt("seller_a", RENAME, [sales_org["deal:a2"]], **scopes) == 0
    # Sellers never hard-delete, whatever the key says.
    assert (
        access.attempt(
            "seller_a", "delete from public.deals where id = %s", [sales_org["deal:a"]], **scopes
        )
        == 0
    )


def test_read_deals_key_cannot_update_a_deal(access: Access, sales_org: SalesOrg) -> None:
    assert access.attempt("seller_a", RENAME, [sales_org["deal:a"]], api_scopes=["read:deals"]) == 0
    assert access.attempt("seller_a", RENAME, [sales_org["deal:a"]]) == 1


def test_a_malformed_or_empty_scopes_claim_grants_nothing(access: Access) -> None:
    claims = {
        "empty": [],
        "string": "read:deals",
        "null": None,
        "object": {"read": "deals"},
        "null element": [None],
        "upper case": ["READ:DEALS"],
        "padded": [" read:deals"],
    }
    outcomes = {
        (name, table): access.names("admin", f"select id from public.{table}", api_scopes=claim)
        for name, claim in claims.items()
        for table in ("deals", "organizations")
    }
    assert outcomes == {key: set() for key in outcomes}


def test_writing_functions_refuse_api_keys_without_the_scope(
    access: Access, sales_org: SalesOrg
) -> None:
    calls = (
        "select public.create_api_key('x', '{read:deals}')",
        "select public.soft_delete('deals', %(deal)s)",
        "select public.restore('deals', %(deleted)s)",
        "select public.reassign_owner(%(from)s, %(to)s)",
    )
    params = {
        "deal": sales_org["deal:a"],
        "deleted": sales_org["deal:deleted_a"],
        "from": sales_org["seller_a"],
        "to": sales_org["seller_a2"],
    }
    assert {
        call: access.attempt("admin", call, params, api_scopes=["write:deals"]) for call in calls
    } == dict.fromkeys(calls, DENIED)
