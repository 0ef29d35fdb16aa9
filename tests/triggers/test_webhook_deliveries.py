"""Per-(event, endpoint) deliveries: fan-out when an event is written, claim with leases,
complete, fail with the dispatcher's backoff or dead, release, replay. Time is
clock_timestamp(), so leases expire inside the rolled-back `db` transaction."""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest

from .helpers import one, rows

SECRET = "whsec_" + "A" * 43 + "="


def add_endpoint(db, event_types, *, enabled=True, url="https://hooks.example/in") -> uuid.UUID:
    endpoint = one(
        db,
        "insert into public.webhook_endpoints (url, event_types, enabled) "
        "values (%s, %s, %s) returning id",
        [url, event_types, enabled],
    )["id"]
    db.execute(
        "insert into private.webhook_endpoint_secrets (endpoint_id, secret) values (%s, %s)",
        [endpoint, SECRET],
    )
    return endpoint


def add_event(db, event_type="deal.won") -> uuid.UUID:
    event_id = uuid.uuid4()
    db.execute(
        "insert into public.webhook_events (id, event_type, aggregate_type, aggregate_id, "
        "payload) values (%s, %s, 'deal', gen_random_uuid(), %s)",
        [event_id, event_type, psycopg.types.json.Jsonb({"event_id": str(event_id)})],
    )
    return event_id


def deliveries(db, event_id) -> dict[uuid.UUID, dict]:
    return {
        r["endpoint_id"]: r
        for r in rows(db, "select * from public.webhook_deliveries where event_id = %s", [event_id])
    }


@pytest.fixture
def service(db, as_service_role):
    class Service:
        def call(self, sql: str, params=None):
            with as_service_role():
                return rows(db, sql, params)

        def claim(self, limit=50, lease="5 minutes", max_attempts=8) -> list[dict]:
            return self.call(
                "select * from public.claim_webhook_deliveries(%s, %s, %s)",
                [limit, lease, max_attempts],
            )

        def scalar(self, sql: str, params=None):
            return next(iter(self.call(sql, params)[0].values()))

    return Service()


def test_an_event_fans_out_to_each_enabled_subscribed_endpoint(db):
    won_a = add_endpoint(db, ["deal.won"])
    won_b = add_endpoint(db, ["deal.lost", "deal.won"])
    add_endpoint(db, ["task.assigned"])
    add_endpoint(db, ["deal.won"], enabled=False)
    event_id = add_event(db, "deal.won")
    made = deliveries(db, event_id)
    assert set(made) == {won_a, won_b}
    assert {(d["status"], d["attempts"]) for d in made.values()} == {("pending", 0)}


def test_a_committed_deal_fans_out_through_the_outbox_trigger(db, crm, sales):
    endpoint = add_endpoint(db, ["deal.created"])
    deal = crm.deal(sales.seller, sales.pipeline)
    event_id = one(db, "select id from public.webhook_events where aggregate_id = %s", [deal])["id"]
    assert set(deliveries(db, event_id)) == {endpoint}


def test_claim_returns_what_the_request_needs_once(db, service):
    endpoint = add_endpoint(db, ["deal.won"])
    event_id = add_event(db)
    [claim] = service.claim()
    assert (claim["event_id"], claim["endpoint_id"], claim["attempts"]) == (event_id, endpoint, 1)
    assert (claim["url"], claim["secret"]) == ("https://hooks.example/in", SECRET)
    assert claim["payload"] == {"event_id": str(event_id)}
    assert service.claim() == []


def test_a_failing_endpoint_delays_no_other(db, service):
    failing = add_endpoint(db, ["deal.won"])
    healthy = add_endpoint(db, ["deal.won"])
    event_id = add_event(db)
    claims = {c["endpoint_id"]: c for c in service.claim()}
    bad = claims[failing]
    assert service.scalar(
        "select public.fail_webhook_delivery(%s, %s, 'HTTP 500', 500, 'oops', '1 hour')",
        [bad["delivery_id"], bad["lease_token"]],
    )
    good = claims[healthy]
    assert service.scalar(
        "select public.complete_webhook_delivery(%s, %s, 204, '')",
        [good["delivery_id"], good["lease_token"]],
    )
    made = deliveries(db, event_id)
    assert (made[failing]["status"], made[failing]["last_error"]) == ("pending", "HTTP 500")
    assert made[failing]["next_attempt_at"] > made[failing]["updated_at"] + timedelta(minutes=59)
    assert (made[healthy]["status"], made[healthy]["response_status"]) == ("delivered", 204)


def test_fail_without_retry_is_dead_and_a_stale_token_changes_nothing(db, service):
    add_endpoint(db, ["deal.won"])
    event_id = add_event(db)
    [claim] = service.claim()
    assert not service.scalar(
        "select public.complete_webhook_delivery(%s, gen_random_uuid(), 200, '')",
        [claim["delivery_id"]],
    )
    assert service.scalar(
        "select public.fail_webhook_delivery(%s, %s, 'timeout', null, null, null)",
        [claim["delivery_id"], claim["lease_token"]],
    )
    [made] = deliveries(db, event_id).values()
    assert (made["status"], made["last_error"], made["lease_token"]) == ("dead", "timeout", None)


def test_release_hands_a_claim_back_uncounted(db, service):
    add_endpoint(db, ["deal.won"])
    add_event(db)
    [claim] = service.claim()
    assert service.scalar(
        "select public.release_webhook_delivery(%s, %s)",
        [claim["delivery_id"], claim["lease_token"]],
    )
    [again] = service.claim()
    assert (again["delivery_id"], again["attempts"]) == (claim["delivery_id"], 1)


def test_an_expired_lease_is_claimed_again_until_the_last_attempt(db, service):
    add_endpoint(db, ["deal.won"])
    event_id = add_event(db)
    [first] = service.claim(lease="1 millisecond", max_attempts=2)
    db.execute("select pg_sleep(0.01)")
    [second] = service.claim(lease="1 millisecond", max_attempts=2)
    assert (second["delivery_id"], second["attempts"]) == (first["delivery_id"], 2)
    assert second["lease_token"] != first["lease_token"]
    db.execute("select pg_sleep(0.01)")
    assert service.claim(max_attempts=2) == []
    [made] = deliveries(db, event_id).values()
    assert (made["status"], made["last_error"]) == ("dead", "lease expired after the last attempt")


def test_a_disabled_endpoints_deliveries_wait(db, service):
    endpoint = add_endpoint(db, ["deal.won"])
    add_event(db)
    db.execute("update public.webhook_endpoints set enabled = false where id = %s", [endpoint])
    assert service.claim() == []
    db.execute("update public.webhook_endpoints set enabled = true where id = %s", [endpoint])
    assert len(service.claim()) == 1


def test_replay_requeues_for_one_endpoint_and_reaches_endpoints_added_later(db, service):
    first = add_endpoint(db, ["deal.won"])
    event_id = add_event(db)
    [claim] = service.claim()
    service.scalar(
        "select public.complete_webhook_delivery(%s, %s, 200, '')",
        [claim["delivery_id"], claim["lease_token"]],
    )
    later = add_endpoint(db, ["deal.won"])
    replay = "select public.replay_webhook_deliveries('-infinity', 'infinity', %s, %s)"
    assert service.scalar(replay, [later, "deal.lost"]) == 0
    assert service.scalar(replay, [later, None]) == 1
    made = deliveries(db, event_id)
    assert (made[first]["status"], made[later]["status"]) == ("delivered", "pending")
    assert service.scalar(replay, [first, None]) == 1
    assert (deliveries(db, event_id)[first]["status"]) == "pending"
    # Pending deliveries are left alone.
    assert service.scalar(replay, [None, None]) == 0


def test_replay_of_an_unknown_endpoint_or_a_reversed_window_is_refused(db, service):
    with pytest.raises(psycopg.errors.NoDataFound, match="no webhook endpoint"):
        service.scalar(
            "select public.replay_webhook_deliveries(now(), now(), gen_random_uuid(), null)"
        )
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="p_from <= p_to"):
        service.scalar(
            "select public.replay_webhook_deliveries(now(), now() - interval '1 s', null, null)"
        )
