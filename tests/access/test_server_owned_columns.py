"""The deal lifecycle's timestamps (created_at, stage_entered_at, closed_at) are the
server's for every API role: given on INSERT or UPDATE they are replaced or kept as
they were; only bulk-import mode (owner, superuser or service_role as database role)
keeps given values. created_at/updated_at of the other tables:
tests/triggers/test_updated_at.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.access.sales_org import Access, SalesOrg

pytestmark = pytest.mark.grant_modes

PAST = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
TIMES = "select created_at, stage_entered_at, closed_at from public.deals where id = %s"
FORGED_DEAL = """
insert into public.deals
    (title, owner_id, pipeline_id, stage_id, created_at, stage_entered_at, closed_at)
values ('Show antigo', %(owner)s, %(pipeline)s, %(stage)s, %(past)s, %(past)s, %(past)s)
returning id
"""


def times(access: Access, deal: Any) -> tuple[Any, ...]:
    row = access.db.execute(TIMES, [deal]).fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("actor", ["seller_a", "manager_a", "admin", "service_role"])
def test_a_deal_inserted_with_forged_lifecycle_times_gets_the_servers(
    access: Access, sales_org: SalesOrg, actor: str
) -> None:
    owner = sales_org["manager_a"] if actor == "service_role" else sales_org[actor]
    params = {
        "owner": owner,
        "pipeline": sales_org["pipeline:eventos"],
        "stage": sales_org["stage:0"],
        "past": PAST,
    }
    with access.request(actor) as db:
        row = db.execute(FORGED_DEAL, params).fetchone()
    assert row is not None
    now = access.db.execute("select now()").fetchone()[0]  # type: ignore[index]
    assert times(access, row[0]) == (now, now, None)


@pytest.mark.parametrize("actor", ["seller_a", "manager_a", "admin", "service_role"])
def test_lifecycle_times_cannot_be_moved_by_update(
    access: Access, sales_org: SalesOrg, actor: str
) -> None:
    deal = sales_org["deal:a"]
    before = times(access, deal)
    moved = access.attempt(
        actor,
        "update public.deals set created_at = %s, stage_entered_at = %s, closed_at = %s "
        "where id = %s",
        [PAST, PAST, PAST, deal],
    )
    assert moved == 1
    assert times(access, deal) == before


def bulk_imported_deal(access: Access, sales_org: SalesOrg, actor: str) -> Any:
    """The id of a deal of seller_a that ``actor`` inserts with past times, in a request
    that turns the bulk-import switch on."""
    params = {
        "owner": sales_org["seller_a"],
        "pipeline": sales_org["pipeline:eventos"],
        "stage": sales_org["stage:0"],
        "past": PAST,
    }
    with access.request(actor) as db:
        db.execute("set local schemactl.bulk_import = on")
        row = db.execute(FORGED_DEAL, params).fetchone()
    assert row is not None
    return row[0]


def test_a_claimed_bulk_import_setting_does_not_keep_forged_times(
    access: Access, sales_org: SalesOrg
) -> None:
    """The denied side of bulk import: a seller's session that sets the switch itself."""
    assert PAST not in times(access, bulk_imported_deal(access, sales_org, "seller_a"))


def test_bulk_import_as_service_role_keeps_the_given_times(
    access: Access, sales_org: SalesOrg
) -> None:
    """The allowed side: a migration loading history as service_role."""
    deal = bulk_imported_deal(access, sales_org, "service_role")
    assert times(access, deal) == (PAST, PAST, None)
