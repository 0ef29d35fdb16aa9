"""audit_log and webhook_events are read by admins only and written by no API role;
the `private` and `reporting` schemas are reachable only through functions (docs/design.md: Access control)."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, Access

pytestmark = pytest.mark.grant_modes


@pytest.mark.parametrize("table", ["audit_log", "webhook_events"])
def test_only_admins_read_audit_log_and_webhook_events(access: Access, table: str) -> None:
    total = access.db.execute(f"select count(*) from public.{table}").fetchone()[0]
    assert total > 0  # the sales organization's inserts were audited and deal events written
    expected = {actor: 0 for actor in AUTHENTICATED}
    expected["admin"] = total
    assert (
        access.each(
            AUTHENTICATED, lambda actor: len(access.rows(actor, f"select * from public.{table}"))
        )
        == expected
    )


WRITES = {
    "audit insert": "insert into public.audit_log (table_name, action, new_data) "
    "values ('deals', 'INSERT', '{}')",
    "audit update": "update public.audit_log set actor_id = null",
    "audit delete": "delete from public.audit_log",
    "event insert": "insert into public.webhook_events (event_type, aggregate_type, "
    "aggregate_id, payload) "
    "values ('deal.created', 'deal', gen_random_uuid(), '{}')",
    "event update": "update public.webhook_events set status = 'delivered'",
    "event delete": "delete from public.webhook_events",
}
PRIVATE = ("reporting.mv_pipeline_metrics", "private.rate_limits", "private.api_key_secrets")


def test_no_user_writes_audit_log_or_webhook_events(access: Access) -> None:
    outcomes = {
        (actor, write): access.attempt(actor, statement)
        for actor in ("admin", "manager_a", "seller_a", "anon")
        for write, statement in WRITES.items()
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)


def test_private_and_reporting_relations_are_out_of_reach_of_every_api_role(access: Access) -> None:
    # service_role too: it reaches them only through functions.
    outcomes = {
        (actor, relation): access.attempt(actor, f"select * from {relation}")
        for actor in ("admin", "manager_a", "seller_a", "anon", "service_role")
        for relation in PRIVATE
    }
    assert outcomes == dict.fromkeys(outcomes, DENIED)
