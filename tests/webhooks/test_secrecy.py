"""What the dispatcher and the commands print or store never holds a signing secret, and
of a response only a short excerpt is kept."""

from __future__ import annotations

from .conftest import Webhooks
from .receiver import Receiver


def test_no_output_and_no_stored_row_holds_a_secret(webhooks: Webhooks, receiver: Receiver) -> None:
    receiver.status["/down"] = 500
    secrets = [webhooks.add(receiver.url(path))["secret"] for path in ("/up", "/down")]
    webhooks.event()

    outputs = [
        webhooks.run("dispatch", "--once", "--allow-private", "--backoff", "0"),
        webhooks.run("list"),
        webhooks.run("list", "--json"),
        webhooks.run("status", "--json"),
    ]
    [(deliveries,)] = webhooks.db.execute(
        "select jsonb_agg(d)::text from public.webhook_deliveries as d"
    ).fetchall()
    [(endpoints,)] = webhooks.db.execute(
        "select jsonb_agg(e)::text from public.webhook_endpoints as e"
    ).fetchall()

    texts = [*(r.stdout + r.stderr for r in outputs), deliveries, endpoints]
    for secret in secrets:
        key = secret.removeprefix("whsec_")
        assert [t for t in texts if secret in t or key in t] == []


def test_only_a_short_excerpt_of_a_response_is_stored(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    endpoint = webhooks.add(receiver.url("/hook"))
    event_id = webhooks.event()
    assert webhooks.dispatch_once().strip() == "dispatch: 1 delivered, 0 to retry, 0 dead"

    delivery = webhooks.delivery(event_id, endpoint["id"])
    # The receiver answers "ok" * 1000 (2,000 bytes).
    assert (delivery["response_status"], delivery["response_excerpt"]) == (200, "ok" * 256)
