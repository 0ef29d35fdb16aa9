"""Concurrency with real connections and commits (`committed_db`): the revenue rollup
and the deal value under concurrent transactions, and the outbox consumer protocol
between concurrent consumers.

Blocking is made certain, not hoped for: the second transaction runs in a thread, the
test waits until PostgreSQL reports it waiting on a lock, then lets the first commit."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from decimal import Decimal

import psycopg
import pytest

from schemactl.testing import acting_as
from tests.support.factories import Crm

from .helpers import make_sales, revenue, revenue_mismatches, rows, value_mismatches


@pytest.fixture
def committed_sales(committed_db):
    """(crm, sales): committed users, pipeline and organizations; crm writes in autocommit."""
    crm = Crm(committed_db.connection)
    return crm, make_sales(crm)


def connect(committed_db, *, autocommit: bool = True) -> psycopg.Connection:
    """Another connection; a regression that blocks fails the test instead of hanging."""
    conn = committed_db.connect(autocommit=autocommit)
    conn.execute("set statement_timeout = '20s'")
    if not autocommit:
        conn.commit()
    return conn


def wait_until_blocked(observer: psycopg.Connection, pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = observer.execute(
            "select wait_event_type from pg_stat_activity where pid = %s", [pid]
        ).fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited on a lock")


def run_blocked(
    committed_db,
    first: Callable[[psycopg.Connection], None],
    second: Callable[[psycopg.Connection], None],
) -> None:
    """`first` in an open transaction, then `second` in another connection (a thread)
    until it waits on `first`'s lock; then `first` commits and `second` finishes."""
    one, two = connect(committed_db, autocommit=False), connect(committed_db, autocommit=False)
    first(one)
    commit_first_while_second_waits(committed_db, one, two, second)


def commit_first_while_second_waits(
    committed_db,
    one: psycopg.Connection,
    two: psycopg.Connection,
    second: Callable[[psycopg.Connection], None],
) -> None:
    """`second` on `two` in a thread until it waits on a lock of `one`'s open
    transaction; then `one` commits, and `second` must finish (and commit) cleanly."""
    waiter = two.info.backend_pid
    errors: list[BaseException] = []

    def run_second() -> None:
        try:
            second(two)
            two.commit()
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=run_second, daemon=True)
    thread.start()
    try:
        wait_until_blocked(committed_db.connection, waiter)
    finally:
        one.commit()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert errors == []


# -- revenue rollup --------------------------------------------------------------------


def test_two_transactions_winning_deals_of_one_organization_both_count(
    committed_db, committed_sales
):
    crm, sales = committed_sales
    a = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000)
    b = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=250)
    win = "update public.deals set status = 'won' where id = %s"
    run_blocked(committed_db, lambda c: c.execute(win, [a]), lambda c: c.execute(win, [b]))
    assert revenue(committed_db.connection, sales.org_a) == (Decimal("1250.00"), 2)


def test_two_transactions_inserting_won_deals_of_one_organization_both_count(
    committed_db, committed_sales
):
    """Inserting a deal takes FOR KEY SHARE on its organization (foreign key): the
    rollup's FOR NO KEY UPDATE does not conflict with it, so no deadlock."""
    _, sales = committed_sales
    insert = (
        "insert into public.deals (title, pipeline_id, stage_id, owner_id, "
        "organization_id, value, status) values ('Ganho', %s, %s, %s, %s, %s, 'won')"
    )

    def params(value: int) -> list[object]:
        return [sales.pipeline.id, sales.pipeline.stages[0], sales.seller, sales.org_a, value]

    run_blocked(
        committed_db,
        lambda c: c.execute(insert, params(300)),
        lambda c: c.execute(insert, params(700)),
    )
    assert revenue(committed_db.connection, sales.org_a) == (Decimal("1000.00"), 2)


def test_create_then_win_in_two_transactions_of_one_organization(committed_db, committed_sales):
    """Both transactions first insert a deal (each holds FOR KEY SHARE on the
    organization through the foreign key), then win it. A rollup that locked the
    organization FOR UPDATE would wait on the other's key-share lock both ways: a
    deadlock. FOR NO KEY UPDATE lets the first go on and the second wait."""
    _, sales = committed_sales
    insert = (
        "insert into public.deals (title, pipeline_id, stage_id, owner_id, "
        "organization_id, value) values ('Novo', %s, %s, %s, %s, %s) returning id"
    )
    one, two = connect(committed_db, autocommit=False), connect(committed_db, autocommit=False)
    one.execute("set lock_timeout = '5s'")
    params = [sales.pipeline.id, sales.pipeline.stages[0], sales.seller, sales.org_a]
    (a,) = one.execute(insert, [*params, 600]).fetchone()
    (b,) = two.execute(insert, [*params, 60]).fetchone()
    one.execute("update public.deals set status = 'won' where id = %s", [a])  # no wait
    commit_first_while_second_waits(
        committed_db,
        one,
        two,
        lambda c: c.execute("update public.deals set status = 'won' where id = %s", [b]),
    )
    assert revenue(committed_db.connection, sales.org_a) == (Decimal("660.00"), 2)


def test_reopen_and_win_of_one_organization_concurrently(committed_db, committed_sales):
    crm, sales = committed_sales
    a = crm.deal(
        sales.seller, sales.pipeline, organization_id=sales.org_a, value=1000, status="won"
    )
    b = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=40)
    run_blocked(
        committed_db,
        lambda c: c.execute("update public.deals set status = 'open' where id = %s", [a]),
        lambda c: c.execute("update public.deals set status = 'won' where id = %s", [b]),
    )
    assert revenue(committed_db.connection, sales.org_a) == (Decimal("40.00"), 1)


def test_opposite_moves_between_two_organizations_do_not_deadlock(committed_db, committed_sales):
    """One transaction moves a won deal A -> B while another moves one B -> A: both lock
    the two organizations in id order, so the second waits instead of deadlocking."""
    crm, sales = committed_sales
    ab = crm.deal(
        sales.seller, sales.pipeline, organization_id=sales.org_a, value=100, status="won"
    )
    ba = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_b, value=7, status="won")
    move = "update public.deals set organization_id = %s where id = %s"
    run_blocked(
        committed_db,
        lambda c: c.execute(move, [sales.org_b, ab]),
        lambda c: c.execute(move, [sales.org_a, ba]),
    )
    conn = committed_db.connection
    assert revenue(conn, sales.org_a) == (Decimal("7.00"), 1)
    assert revenue(conn, sales.org_b) == (Decimal("100.00"), 1)


def test_two_transactions_adding_lines_to_one_deal_both_count(committed_db, committed_sales):
    crm, sales = committed_sales
    deal = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, status="won")
    product = crm.product()
    add = (
        "insert into public.deal_products (deal_id, product_id, quantity, unit_price) "
        "values (%s, %s, 1, %s)"
    )
    run_blocked(
        committed_db,
        lambda c: c.execute(add, [deal, product, 600]),
        lambda c: c.execute(add, [deal, product, 150]),
    )
    conn = committed_db.connection
    assert conn.execute("select value from public.deals where id = %s", [deal]).fetchone() == (
        Decimal("750.00"),
    )
    assert revenue(conn, sales.org_a) == (Decimal("750.00"), 1)


def test_recompute_during_a_concurrent_win_keeps_the_total(committed_db, committed_sales):
    crm, sales = committed_sales
    a = crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, value=500)
    run_blocked(
        committed_db,
        lambda c: c.execute("update public.deals set status = 'won' where id = %s", [a]),
        lambda c: c.execute("select public.recompute_organization_revenue()"),
    )
    assert revenue(committed_db.connection, sales.org_a) == (Decimal("500.00"), 1)


def test_many_concurrent_writers_keep_every_total_without_deadlock(committed_db, committed_sales):
    """Four connections, each running short transactions that change several deals of
    several organizations in one statement. The statements lock their deals in id order
    (a multi-row UPDATE that meets its rows in different orders can deadlock on the
    deals themselves, triggers or not); the rollup then locks the organizations in id
    order, and must add no deadlock of its own."""
    crm, sales = committed_sales
    organizations = [sales.org_a, sales.org_b, *(crm.organization(sales.seller) for _ in range(2))]
    deals = [
        crm.deal(sales.seller, sales.pipeline, organization_id=org, value=10)
        for org in organizations
        for _ in range(5)
    ]
    locked = (
        "id in (select id from public.deals where id = any(%(ids)s) order by id for no key update)"
    )
    statements = [
        f"update public.deals set status = 'won' where {locked}",
        f"update public.deals set status = 'open' where {locked}",
        f"update public.deals set value = value + 1 where {locked}",
        f"update public.deals set organization_id = %(org)s where {locked}",
    ]

    def writer(seed: int) -> int:
        rng = random.Random(seed)
        conn = connect(committed_db, autocommit=False)
        for _ in range(25):
            ids = rng.sample(deals, 3)
            conn.execute(rng.choice(statements), {"ids": ids, "org": rng.choice(organizations)})
            conn.commit()
        return 25

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(writer, range(4))) == [25] * 4
    conn = committed_db.connection
    assert revenue_mismatches(conn) == []
    assert rows(conn, "select count(*) as won from public.deals where status = 'won'")[0][
        "won"
    ] == sum(revenue(conn, org)[1] for org in organizations)


def test_value_guard_and_sync_hold_after_concurrent_line_changes(committed_db, committed_sales):
    crm, sales = committed_sales
    deals = [
        crm.deal(sales.seller, sales.pipeline, organization_id=sales.org_a, status="won")
        for _ in range(3)
    ]
    product = crm.product()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        conn = connect(committed_db, autocommit=False)
        for _ in range(20):
            deal = rng.choice(deals)
            if rng.random() < 0.7:
                conn.execute(
                    "insert into public.deal_products (deal_id, product_id, "
                    "quantity, unit_price) values (%s, %s, %s, 10)",
                    [deal, product, rng.randint(1, 5)],
                )
            else:
                conn.execute(
                    "delete from public.deal_products where id = (select id from "
                    "public.deal_products where deal_id = %s limit 1)",
                    [deal],
                )
            conn.commit()

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(writer, range(3)))
    conn = committed_db.connection
    assert value_mismatches(conn) == []
    assert revenue_mismatches(conn) == []


# -- outbox ----------------------------------------------------------------------------

CLAIM = "select id, lease_token from public.claim_webhook_events(%s, %s)"


def service_role(
    committed_db, *, autocommit: bool = True
) -> AbstractContextManager[psycopg.Connection]:
    """Another connection acting as service_role for the session: on an autocommit
    connection each statement is its own API request."""
    return acting_as(connect(committed_db, autocommit=autocommit), "service_role", session=True)


def make_events(committed_sales, count: int) -> list[uuid.UUID]:
    crm, sales = committed_sales
    for _ in range(count):
        crm.deal(sales.seller, sales.pipeline)
    return [r["id"] for r in rows(crm.conn, "select id from public.webhook_events")]


def test_two_concurrent_claimers_never_get_the_same_event(committed_db, committed_sales):
    events = make_events(committed_sales, 10)
    with (
        service_role(committed_db, autocommit=False) as first,
        service_role(committed_db) as second,
    ):
        held = first.execute(CLAIM, [4, "5 minutes"]).fetchall()  # not committed yet
        other = second.execute(CLAIM, [50, "5 minutes"]).fetchall()
        first.commit()
        assert len(held) == 4 and len(other) == 6
        assert {e[0] for e in held} | {e[0] for e in other} == set(events)
        assert second.execute(CLAIM, [50, "5 minutes"]).fetchall() == []


def test_claimers_racing_in_threads_deliver_each_event_exactly_once(committed_db, committed_sales):
    events = make_events(committed_sales, 60)

    def consumer(_: int) -> list[uuid.UUID]:
        with service_role(committed_db) as conn:
            delivered = []
            while claimed := conn.execute(CLAIM, [3, "5 minutes"]).fetchall():
                for event_id, token in claimed:
                    assert conn.execute(
                        "select public.complete_webhook_event(%s, %s)", [event_id, token]
                    ).fetchone() == (True,)
                    delivered.append(event_id)
            return delivered

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(consumer, range(4)))
    delivered = [event_id for result in results for event_id in result]
    assert sorted(delivered) == sorted(events)
    assert rows(
        committed_db.connection,
        "select status, count(*) as n, max(attempts) as a "
        "from public.webhook_events group by status",
    ) == [{"status": "delivered", "n": 60, "a": 1}]


def test_stalled_consumer_loses_its_lease_to_another(committed_db, committed_sales):
    (event_id,) = make_events(committed_sales, 1)
    with service_role(committed_db) as stalled, service_role(committed_db) as healthy:
        ((_, old_token),) = stalled.execute(CLAIM, [1, "200 milliseconds"]).fetchall()
        assert healthy.execute(CLAIM, [1, "5 minutes"]).fetchall() == []  # lease still held
        time.sleep(0.3)
        ((reclaimed, new_token),) = healthy.execute(CLAIM, [1, "5 minutes"]).fetchall()
        assert reclaimed == event_id and new_token != old_token
        assert stalled.execute(
            "select public.complete_webhook_event(%s, %s)", [event_id, old_token]
        ).fetchone() == (False,)
        assert stalled.execute(
            "select public.fail_webhook_event(%s, %s, 'timeout')", [event_id, old_token]
        ).fetchone() == (False,)
        assert healthy.execute(
            "select public.complete_webhook_event(%s, %s)", [event_id, new_token]
        ).fetchone() == (True,)
    assert rows(
        committed_db.connection,
        "select status, attempts, last_error from public.webhook_events where id = %s",
        [event_id],
    ) == [{"status": "delivered", "attempts": 2, "last_error": None}]


def test_failed_event_returns_after_its_backoff_and_replay_requeues(committed_db, committed_sales):
    (event_id,) = make_events(committed_sales, 1)
    with service_role(committed_db) as conn:
        ((_, token),) = conn.execute(CLAIM, [1, "5 minutes"]).fetchall()
        assert conn.execute(
            "select public.fail_webhook_event(%s, %s, 'HTTP 503')", [event_id, token]
        ).fetchone() == (True,)
        assert conn.execute(CLAIM, [1, "5 minutes"]).fetchall() == []  # backing off (30 s)
        admin = committed_db.connection
        due_in = admin.execute(
            "select next_attempt_at - clock_timestamp() from public.webhook_events where id = %s",
            [event_id],
        ).fetchone()[0]
        assert 25 < due_in.total_seconds() <= 30
        admin.execute(
            "update public.webhook_events set status = 'dead', attempts = 8 where id = %s",
            [event_id],
        )
        assert conn.execute(
            "select public.replay_webhook_events(now() - interval '1 hour', now() + interval '1 hour')"
        ).fetchone() == (1,)
        ((replayed, _),) = conn.execute(CLAIM, [1, "5 minutes"]).fetchall()
        assert replayed == event_id
