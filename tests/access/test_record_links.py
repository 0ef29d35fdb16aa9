"""No new link to a deleted or inactive row, and no deal on an organization its user
cannot write (schema/triggers/record_links.sql), for each API role, both ways."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from tests.access.sales_org import Access, SalesOrg

pytestmark = pytest.mark.grant_modes

NEW_DEAL = """
insert into public.deals (title, owner_id, pipeline_id, stage_id, organization_id, contact_ids)
values ('Show novo', %(owner)s, %(pipeline)s, %(stage)s, %(organization)s, %(contacts)s)
"""


def outcome(access: Access, actor: str, query: str, params: Any) -> Any:
    """1 (rows written) or (SQLSTATE, message with ids shown as <id>)."""
    try:
        with access.request(actor):
            return access.db.execute(query, params).rowcount
    except psycopg.errors.Error as error:
        message = error.diag.message_primary or ""
        for value in params.values() if isinstance(params, dict) else params:
            for one in value if isinstance(value, list) else [value]:
                message = message.replace(str(one), "<id>")
        return (error.sqlstate, message)


def deal_params(sales_org: SalesOrg, actor: str, **overrides: Any) -> dict[str, Any]:
    return {
        "owner": sales_org[actor] if actor in sales_org.ids else None,
        "pipeline": sales_org["pipeline:eventos"],
        "stage": sales_org["stage:0"],
        "organization": None,
        "contacts": [],
        **overrides,
    }


GONE_ORGANIZATION = ("23503", "organization <id> does not exist or was deleted")
GONE_CONTACT = ("23503", "contact <id> does not exist or was deleted")


def test_a_deal_on_a_deleted_or_unknown_organization_is_refused_alike(
    access: Access, sales_org: SalesOrg
) -> None:
    for actor in ("admin", "seller_a", "service_role"):
        owner = "seller_a" if actor == "service_role" else actor
        results = {
            target: outcome(
                access,
                actor,
                NEW_DEAL,
                deal_params(sales_org, owner, organization=organization),
            )
            for target, organization in (
                ("live", sales_org["org:a"]),
                ("deleted", sales_org["org:deleted"]),
                ("unknown", uuid.uuid4()),
            )
        }
        assert results == {
            "live": 1,
            "deleted": GONE_ORGANIZATION,
            "unknown": GONE_ORGANIZATION,
        }, actor


def test_a_deal_goes_only_on_an_organization_its_user_may_write(
    access: Access, sales_org: SalesOrg
) -> None:
    """org:b is seller_b's: its owner, a manager of any team and an admin may attach
    deals to it; seller_a cannot move its revenue."""
    results = {
        actor: outcome(
            access, actor, NEW_DEAL, deal_params(sales_org, actor, organization=sales_org["org:b"])
        )
        for actor in ("seller_a", "seller_b", "manager_a", "admin")
    }
    assert results == {
        "seller_a": ("42501", "you cannot attach deals to organization <id>"),
        "seller_b": 1,
        "manager_a": 1,
        "admin": 1,
    }
    move = "update public.deals set organization_id = %(organization)s where id = %(deal)s"
    assert outcome(
        access, "seller_a", move, {"organization": sales_org["org:b"], "deal": sales_org["deal:a"]}
    ) == ("42501", "you cannot attach deals to organization <id>")
    assert (
        outcome(
            access,
            "seller_a",
            move,
            {"organization": sales_org["org:a"], "deal": sales_org["deal:a"]},
        )
        == 1
    )


def test_a_deal_enters_only_an_active_stage_of_an_active_pipeline(
    access: Access, sales_org: SalesOrg
) -> None:
    db = access.db
    inactive_stage = ("23503", "stage <id> is not an active stage of an active pipeline")
    assert outcome(access, "seller_a", NEW_DEAL, deal_params(sales_org, "seller_a")) == 1
    db.execute("update public.stages set is_active = false where id = %s", [sales_org["stage:1"]])
    move = "update public.deals set stage_id = %(stage)s where id = %(deal)s"
    params = {"stage": sales_org["stage:1"], "deal": sales_org["deal:a"]}
    assert outcome(access, "seller_a", move, params) == inactive_stage
    assert outcome(access, "service_role", move, params) == inactive_stage
    db.execute(
        "update public.pipelines set is_active = false where id = %s",
        [sales_org["pipeline:eventos"]],
    )
    assert (
        outcome(access, "seller_a", NEW_DEAL, deal_params(sales_org, "seller_a")) == inactive_stage
    )
    # A deal already in a stage keeps working there: only a new stage is checked.
    rename = "update public.deals set title = 'Renomeado' where id = %(deal)s"
    assert outcome(access, "seller_a", rename, {"deal": sales_org["deal:a"]}) == 1


def test_contact_ids_name_live_contacts_only(access: Access, sales_org: SalesOrg) -> None:
    results = {
        target: outcome(
            access, "seller_a", NEW_DEAL, deal_params(sales_org, "seller_a", contacts=contacts)
        )
        for target, contacts in (
            ("live", [sales_org["contact:a"], sales_org["contact:b"]]),
            ("deleted", [sales_org["contact:a"], sales_org["contact:deleted"]]),
            ("unknown", [uuid.uuid4()]),
        )
    }
    assert results == {"live": 1, "deleted": GONE_CONTACT, "unknown": GONE_CONTACT}
    add = "update public.deals set contact_ids = contact_ids || %(contact)s where id = %(deal)s"
    assert (
        outcome(
            access,
            "seller_a",
            add,
            {"contact": [sales_org["contact:deleted"]], "deal": sales_org["deal:a"]},
        )
        == GONE_CONTACT
    )


@pytest.mark.parametrize(
    ("column", "live", "gone", "message"),
    [
        ("deal_id", "deal:a", "deal:deleted_a", "deal <id> does not exist or was deleted"),
        (
            "contact_id",
            "contact:a",
            "contact:deleted",
            "contact <id> does not exist or was deleted",
        ),
        (
            "organization_id",
            "org:a",
            "org:deleted",
            "organization <id> does not exist or was deleted",
        ),
    ],
)
def test_a_task_links_to_live_rows_only(
    access: Access, sales_org: SalesOrg, column: str, live: str, gone: str, message: str
) -> None:
    insert = (
        f"insert into public.tasks (subject, owner_id, created_by, {column}) "
        "values ('Ligar', %(me)s, %(me)s, %(target)s)"
    )
    results = {
        target: outcome(access, "admin", insert, {"me": sales_org["admin"], "target": value})
        for target, value in (
            ("live", sales_org[live]),
            ("deleted", sales_org[gone]),
            ("unknown", uuid.uuid4()),
        )
    }
    assert results == {"live": 1, "deleted": ("23503", message), "unknown": ("23503", message)}


def test_an_existing_link_to_a_row_deleted_later_is_kept(
    access: Access, sales_org: SalesOrg
) -> None:
    """Deleting a deal does not lock its tasks: only a link made anew is checked."""
    access.db.execute(
        "update public.deals set deleted_at = now() where id = %s", [sales_org["deal:b"]]
    )
    rename = "update public.tasks set subject = 'Revisar' where id = %(task)s"
    assert outcome(access, "admin", rename, {"task": sales_org["task:b"]}) == 1
    # organization_contacts of org:deleted were linked before it was deleted.
    primary = (
        "update public.organization_contacts set is_primary = true where organization_id = %(org)s"
    )
    assert outcome(access, "admin", primary, {"org": sales_org["org:deleted"]}) == 1


def test_organization_contacts_link_live_rows_only(access: Access, sales_org: SalesOrg) -> None:
    link = (
        "insert into public.organization_contacts (organization_id, contact_id) "
        "values (%(org)s, %(contact)s)"
    )
    results = {
        target: outcome(access, "admin", link, {"org": org, "contact": contact})
        for target, org, contact in (
            ("live", sales_org["org:a"], sales_org["contact:b"]),
            ("deleted contact", sales_org["org:a"], sales_org["contact:deleted"]),
            ("deleted organization", sales_org["org:deleted"], sales_org["contact:b"]),
        )
    }
    assert results == {
        "live": 1,
        "deleted contact": GONE_CONTACT,
        "deleted organization": GONE_ORGANIZATION,
    }


def test_bulk_import_keeps_links_as_given(access: Access, sales_org: SalesOrg) -> None:
    """Migrations load history as it was: bulk-import mode (owner, service_role) skips
    the checks, never for a user."""
    db = access.db
    db.execute("set local schemactl.bulk_import = on")
    params = deal_params(sales_org, "seller_a", organization=sales_org["org:deleted"])
    assert outcome(access, "service_role", NEW_DEAL, params) == 1
    assert outcome(access, "admin", NEW_DEAL, params) == GONE_ORGANIZATION
    db.execute("set local schemactl.bulk_import = off")
