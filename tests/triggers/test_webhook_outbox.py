"""Outbox consumer protocol (docs/design.md: The webhook outbox): claim with leases, complete, fail with backoff,
dead after 8 attempts, replay. Time is clock_timestamp(), so leases expire inside the
rolled-back `db` transaction; the concurrent cases are in test_concurrency.py."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from .helpers import one, rows

CONSUMER_FUNCTIONS = [
    "public.claim_webhook_events(int, interval)",
    "public.complete_webhook_event(uuid, uuid)",
    "public.fail_webhook_event(uuid, uuid, text)",
    "public.replay_webhook_events(timestamptz, timestamptz, text)",
]


@pytest.fixture
def outbox(db, crm, sales):
    """Three deal.created events, oldest first (clock order of their writes)."""
    deals = [crm.deal(sales.seller, sales.pipeline) for _ in range(3)]
    return [
        one(db, "select id from public.webhook_events where aggregate_id = %s", [deal])["id"]
        for deal in deals
    ]


@pytest.fixture
def consumer(db, as_service_role):
    """Calls the consumer functions as the delivering Edge Function would."""

    class Consumer:
        def claim(self, limit: int = 50, lease: str = "5 minutes") -> list[dict]:
            with as_service_role():
                return rows(db, "select * from public.claim_webhook_events(%s, %s)", [limit, lease])

        def complete(self, event_id, token) -> bool:
            with as_service_role():
                return db.execute(
                    "select public.complete_webhook_event(%s, %s)", [event_id, token]
                ).fetchone()[0]

        def fail(self, event_id, token, error: str = "HTTP 500") -> bool:
            with as_service_role():
                return db.execute(
                    "select public.fail_webhook_event(%s, %s, %s)", [event_id, token, error]
                ).fetchone()[0]

        def replay(self, start, end, event_type=None) -> int:
            with as_service_role():
                return db.execute(
                    "select public.replay_webhook_events(%s, %s, %s)", [start, end, event_type]
                ).fetchone()[0]

    return Consumer()


def event(db, event_id) -> dict:
    return one(db, "select * from public.webhook_events where id = %s", [event_id])


def clock(db):
    return db.execute("select clock_timestamp()").fetchone()[0]


def make_due(db, event_id) -> None:
    """Time passes: the event's backoff is over."""
    db.execute(
        "update public.webhook_events set next_attempt_at = clock_timestamp() where id = %s",
        [event_id],
    )


def test_claim_takes_due_events_oldest_first_with_a_lease(db, consumer, outbox):
    before = clock(db)
    claimed = consumer.claim(limit=2, lease="2 minutes")
    after = clock(db)
    assert [e["id"] for e in claimed] == outbox[:2]
    for e in claimed:
        assert (e["status"], e["attempts"]) == ("processing", 1)
        assert e["lease_token"] is not None
        assert before + timedelta(minutes=2) <= e["locked_until"] <= after + timedelta(minutes=2)
        assert e["payload"]["event_id"] == str(e["id"])
    assert claimed[0]["lease_token"] != claimed[1]["lease_token"]
    assert [e["id"] for e in consumer.claim()] == outbox[2:]
    assert consumer.claim() == []


def test_claim_skips_events_not_yet_due(db, consumer, outbox):
    db.execute(
        "update public.webhook_events set next_attempt_at = clock_timestamp() + "
        "interval '1 minute' where id = %s",
        [outbox[0]],
    )
    assert [e["id"] for e in consumer.claim()] == outbox[1:]


def test_complete_marks_delivered_only_with_the_current_token(db, consumer, outbox):
    (claimed,) = consumer.claim(limit=1)
    assert consumer.complete(claimed["id"], outbox[1]) is False  # not its token
    assert event(db, claimed["id"])["status"] == "processing"
    assert consumer.complete(claimed["id"], claimed["lease_token"]) is True
    delivered = event(db, claimed["id"])
    assert (delivered["status"], delivered["lease_token"], delivered["locked_until"]) == (
        "delivered",
        None,
        None,
    )
    assert delivered["delivered_at"] is not None
    assert consumer.complete(claimed["id"], claimed["lease_token"]) is False


def test_fail_backs_off_exponentially(db, consumer, outbox):
    delays = []
    for attempt in (1, 2, 3):
        (claimed,) = consumer.claim(limit=1)
        assert (claimed["id"], claimed["attempts"]) == (outbox[0], attempt)
        before = clock(db)
        assert consumer.fail(claimed["id"], claimed["lease_token"], f"HTTP 50{attempt}")
        after = clock(db)
        failed = event(db, claimed["id"])
        assert (failed["status"], failed["last_error"], failed["lease_token"]) == (
            "pending",
            f"HTTP 50{attempt}",
            None,
        )
        assert (
            before
            <= failed["next_attempt_at"] - timedelta(seconds=30 * 2 ** (attempt - 1))
            <= after
        )
        delays.append(30 * 2 ** (attempt - 1))
        make_due(db, outbox[0])
        db.execute(
            "update public.webhook_events set status = 'delivered', "
            "delivered_at = now() where id = any(%s)",
            [outbox[1:]],
        )
    assert delays == [30, 60, 120]


def test_backoff_is_30_seconds_doubling_capped_at_one_hour(db):
    delays = rows(
        db, "select n, private.webhook_retry_delay(n) as delay from generate_series(1, 10) as n"
    )
    assert [d["delay"] for d in delays] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600)
    ]
    assert db.execute("select private.webhook_retry_delay(1000)").fetchone() == (
        timedelta(hours=1),
    )


def test_expired_lease_is_reclaimed_and_the_old_token_changes_nothing(db, consumer, outbox):
    (first,) = consumer.claim(limit=1, lease="10 milliseconds")
    db.execute("select pg_sleep(0.05)")
    (second,) = consumer.claim(limit=1)
    assert second["id"] == first["id"]
    assert second["attempts"] == 2
    assert second["lease_token"] != first["lease_token"]
    assert consumer.complete(first["id"], first["lease_token"]) is False
    assert consumer.fail(first["id"], first["lease_token"], "late") is False
    unchanged = event(db, first["id"])
    assert (unchanged["status"], unchanged["lease_token"], unchanged["last_error"]) == (
        "processing",
        second["lease_token"],
        None,
    )
    assert consumer.complete(second["id"], second["lease_token"]) is True


def test_unexpired_lease_is_not_claimed_again(db, consumer, outbox):
    consumer.claim(limit=1, lease="1 hour")
    assert [e["id"] for e in consumer.claim()] == outbox[1:]


def test_dead_after_the_eighth_failed_attempt(db, consumer, outbox):
    for attempt in range(1, 9):
        (claimed,) = consumer.claim(limit=1)
        assert claimed["attempts"] == attempt
        assert consumer.fail(claimed["id"], claimed["lease_token"], f"attempt {attempt}")
        if attempt < 8:
            assert event(db, outbox[0])["status"] == "pending"
            make_due(db, outbox[0])
            db.execute(
                "update public.webhook_events set status = 'delivered', "
                "delivered_at = now() where id = any(%s)",
                [outbox[1:]],
            )
    dead = event(db, outbox[0])
    assert (dead["status"], dead["attempts"], dead["last_error"], dead["lease_token"]) == (
        "dead",
        8,
        "attempt 8",
        None,
    )
    make_due(db, outbox[0])
    assert consumer.claim() == []


def test_lease_expired_after_the_eighth_attempt_makes_it_dead(db, consumer, outbox):
    db.execute("update public.webhook_events set attempts = 7 where id = %s", [outbox[0]])
    (claimed,) = consumer.claim(limit=1, lease="10 milliseconds")
    assert claimed["attempts"] == 8
    db.execute("select pg_sleep(0.05)")
    assert [e["id"] for e in consumer.claim()] == outbox[1:]
    dead = event(db, outbox[0])
    assert (dead["status"], dead["last_error"], dead["lease_token"]) == (
        "dead",
        "lease expired after the last attempt",
        None,
    )
    assert consumer.complete(claimed["id"], claimed["lease_token"]) is False


def test_replay_requeues_delivered_and_dead_events_of_the_window(db, consumer, outbox):
    db.execute(
        "update public.webhook_events set status = 'delivered', delivered_at = now(), "
        "attempts = 1 where id = %s",
        [outbox[0]],
    )
    db.execute(
        "update public.webhook_events set status = 'dead', attempts = 8, "
        "last_error = 'HTTP 410' where id = %s",
        [outbox[1]],
    )
    db.execute(
        "update public.webhook_events set occurred_at = now() - interval '2 days', "
        "status = 'delivered', delivered_at = now() where id = %s",
        [outbox[2]],
    )
    start, end = db.execute(
        "select now() - interval '1 hour', now() + interval '1 hour'"
    ).fetchone()
    assert consumer.replay(start, end, "deal.won") == 0
    assert consumer.replay(start, end) == 2
    for event_id in outbox[:2]:
        replayed = event(db, event_id)
        assert (
            replayed["status"],
            replayed["attempts"],
            replayed["delivered_at"],
            replayed["last_error"],
        ) == ("pending", 0, None, None)
    assert event(db, outbox[2])["status"] == "delivered"
    assert [e["id"] for e in consumer.claim()] == outbox[:2]
    assert consumer.replay(start, end) == 0  # processing and pending are left alone


def test_replay_filters_by_event_type(db, consumer, outbox):
    db.execute("update public.webhook_events set status = 'delivered', delivered_at = now()")
    start, end = db.execute(
        "select now() - interval '1 hour', now() + interval '1 hour'"
    ).fetchone()
    assert consumer.replay(start, end, "deal.created") == 3


def test_bad_arguments_are_refused(db, consumer):
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        consumer.claim(limit=0)
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        consumer.claim(lease="0 seconds")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        consumer.replay("2025-02-01", "2025-01-01")


@pytest.mark.grant_modes
@pytest.mark.parametrize("function", CONSUMER_FUNCTIONS)
def test_consumer_functions_are_for_service_role_only(db, function):
    grantees = rows(
        db,
        """
        select coalesce(r.rolname, 'PUBLIC') as grantee
        from pg_proc as p
        cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) as a
        left join pg_roles as r on r.oid = a.grantee
        where p.oid = %s::regprocedure and a.privilege_type = 'EXECUTE'
            and a.grantee <> p.proowner
    """,
        [function],
    )
    assert [g["grantee"] for g in grantees] == ["service_role"]


@pytest.mark.grant_modes
def test_users_cannot_claim_events(db, sales, as_user, as_anon):
    for request in (lambda: as_user(sales.admin), as_anon):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), request():
            db.execute("select * from public.claim_webhook_events()")
