"""Delivery end to end: signed requests, fan-out, retries, dead letters, 410, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from .conftest import Webhooks
from .receiver import Receiver


def test_each_event_reaches_each_subscribed_endpoint_signed(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    a = webhooks.add(receiver.url("/a"), "deal.won,deal.lost")
    b = webhooks.add(receiver.url("/b"), "deal.won")
    won = webhooks.events(3)
    lost = webhooks.event("deal.lost")
    out = webhooks.dispatch_once()
    assert out.strip() == "dispatch: 7 delivered, 0 to retry, 0 dead"
    expected = {(e, "/a") for e in [*won, lost]} | {(e, "/b") for e in won}
    assert receiver.per_delivery() == {key: 1 for key in expected}
    secrets = {"/a": a["secret"], "/b": b["secret"]}
    for request in receiver.requests:
        payload = Webhook(secrets[request.path]).verify(request.body, request.headers)
        assert payload == {"event_id": request.headers["webhook-id"]}
        assert request.headers["content-type"] == "application/json"
    status = webhooks.status()
    assert {k: status[a["id"]][k] for k in ("pending", "retrying", "delivered", "dead")} == {
        "pending": 0,
        "retrying": 0,
        "delivered": 4,
        "dead": 0,
    }
    assert webhooks.delivery(won[0], a["id"])["response_excerpt"] == "ok" * 256


def test_a_wrong_secret_fails_verification(webhooks: Webhooks, receiver: Receiver) -> None:
    webhooks.add(receiver.url())
    webhooks.event()
    webhooks.dispatch_once()
    other = webhooks.add(receiver.url("/other"))
    [request] = receiver.requests
    with pytest.raises(Exception, match="No matching signature found"):
        Webhook(other["secret"]).verify(request.body, request.headers)


def test_failures_are_retried_then_dead_and_others_are_not_held_up(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    receiver.status["/down"] = 500
    down = webhooks.add(receiver.url("/down"))
    up = webhooks.add(receiver.url("/up"))
    event_id = webhooks.event()
    out = webhooks.dispatch_once("--max-attempts", "3", "--backoff", "0")
    assert out.strip() == "dispatch: 1 delivered, 2 to retry, 1 dead"
    assert receiver.per_delivery() == {(event_id, "/down"): 3, (event_id, "/up"): 1}
    dead = webhooks.delivery(event_id, down["id"])
    assert (dead["status"], dead["attempts"], dead["last_error"], dead["response_status"]) == (
        "dead",
        3,
        "HTTP 500",
        500,
    )
    assert webhooks.delivery(event_id, up["id"])["status"] == "delivered"
    assert webhooks.status()[down["id"]]["dead"] == 1


def test_a_failure_waits_for_its_backoff(webhooks: Webhooks, receiver: Receiver) -> None:
    receiver.status["/hook"] = 503
    endpoint = webhooks.add(receiver.url())
    event_id = webhooks.event()
    out = webhooks.dispatch_once("--backoff", "60")
    assert out.strip() == "dispatch: 0 delivered, 1 to retry, 0 dead"
    row = webhooks.delivery(event_id, endpoint["id"])
    delay = row["next_attempt_at"] - row["updated_at"]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert timedelta(seconds=29) < delay <= timedelta(seconds=61)
    assert webhooks.status()[endpoint["id"]]["retrying"] == 1
    webhooks.dispatch_once()
    assert len(receiver.requests) == 1


def test_410_gone_disables_the_endpoint(webhooks: Webhooks, receiver: Receiver) -> None:
    receiver.status["/gone"] = 410
    gone = webhooks.add(receiver.url("/gone"))
    webhooks.events(2)
    webhooks.dispatch_once("--concurrency", "1")
    assert len(receiver.requests) == 1
    [endpoint] = webhooks.db.execute(
        "select enabled, disabled_reason from public.webhook_endpoints where id = %s",
        [gone["id"]],
    ).fetchall()
    assert endpoint == (False, "410 Gone from the receiver")


def test_replay_sends_the_same_event_id_again_to_one_endpoint(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    a = webhooks.add(receiver.url("/a"))
    webhooks.add(receiver.url("/b"))
    start = datetime.now(UTC) - timedelta(minutes=1)
    event_id = webhooks.event()
    webhooks.dispatch_once()
    end = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z")
    out = webhooks.run(
        "replay",
        "--from",
        start.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "--to",
        end,
        "--endpoint",
        a["id"],
    ).stdout
    assert out.strip() == "replay: 1 deliveries queued"
    webhooks.dispatch_once()
    assert receiver.per_delivery() == {(event_id, "/a"): 2, (event_id, "/b"): 1}


def test_endpoint_management(webhooks: Webhooks, receiver: Receiver) -> None:
    added = webhooks.add(receiver.url(), "deal.won", "--description", "CRM sync")
    assert added["secret"].startswith("whsec_") and added["events"] == ["deal.won"]
    listed = webhooks.run("list").stdout
    assert added["id"] in listed and "whsec_" not in listed
    rotated = webhooks.run("rotate-secret", added["id"]).stdout
    new_secret = rotated.split()[1]
    assert new_secret.startswith("whsec_") and new_secret != added["secret"]
    webhooks.event()
    webhooks.dispatch_once()
    [request] = receiver.requests
    Webhook(new_secret).verify(request.body, request.headers)
    assert webhooks.run("disable", added["id"]).stdout.strip() == f"disabled {added['id']}"
    webhooks.event()
    webhooks.dispatch_once()
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["disable", "nope"], "error: webhook endpoint id: 'nope' is not a UUID"),
        (
            ["disable", "00000000-0000-0000-0000-000000000000"],
            "error: no webhook endpoint 00000000-0000-0000-0000-000000000000",
        ),
        (["dispatch", "--concurrency", "0"], "error: --concurrency: must be positive, not 0"),
        (
            ["replay", "--from", "2026-01-02", "--to", "2026-01-01"],
            "error: replay: replay needs a window p_from <= p_to",
        ),
        (["add", "https://x.example", "--events", ","], "error: --events: name at least one"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    webhooks: Webhooks, args: list[str], message: str
) -> None:
    result = webhooks.run(*args, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
