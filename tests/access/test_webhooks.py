"""Webhook endpoints and deliveries are the operator's: service_role (and the owner, the
CLI) use them; no API role reads them or calls the delivery protocol, whatever its
claims (anon, every user, an admin, an API-key holder). Signing secrets are read only
by the owner and by claim_webhook_deliveries (for service_role's dispatcher)."""

from __future__ import annotations

import pytest

from tests.access.sales_org import AUTHENTICATED, DENIED, Access

pytestmark = pytest.mark.grant_modes

API_ACTORS = ("anon", *AUTHENTICATED)
STATEMENTS = {
    "endpoints": "select count(*) from public.webhook_endpoints",
    "deliveries": "select count(*) from public.webhook_deliveries",
    "secrets": "select count(*) from private.webhook_endpoint_secrets",
    "claim": "select count(*) from public.claim_webhook_deliveries(10)",
    "add": "insert into public.webhook_endpoints (url, event_types) "
    "values ('https://attacker.example/x', '{deal.won}') returning 1",
    "replay": "select public.replay_webhook_deliveries('-infinity', 'infinity')",
}


@pytest.fixture
def endpoint(access: Access) -> None:
    access.db.execute(
        "with e as (insert into public.webhook_endpoints (url, event_types) "
        "values ('https://hooks.example/in', '{deal.won}') returning id) "
        "insert into private.webhook_endpoint_secrets (endpoint_id, secret) "
        "select id, 'whsec_' || repeat('A', 43) || '=' from e"
    )


@pytest.mark.parametrize("statement", sorted(STATEMENTS))
def test_no_api_role_reaches_webhooks(access: Access, endpoint: None, statement: str) -> None:
    query = STATEMENTS[statement]
    assert access.each(API_ACTORS, lambda actor: access.scalar(actor, query)) == {
        actor: DENIED for actor in API_ACTORS
    }


def test_an_api_key_holder_does_not_reach_secrets(access: Access, endpoint: None) -> None:
    query = STATEMENTS["secrets"]
    assert access.scalar("admin", query, api_scopes=["read:deals", "write:deals"]) == DENIED


def test_service_role_manages_endpoints_and_claims_but_reads_no_secret_table(
    access: Access, endpoint: None
) -> None:
    assert access.scalar("service_role", STATEMENTS["endpoints"]) == 1
    assert access.scalar("service_role", STATEMENTS["secrets"]) == DENIED
    assert access.scalar("service_role", STATEMENTS["claim"]) == 0
    assert access.scalar("service_role", STATEMENTS["add"]) == 1
