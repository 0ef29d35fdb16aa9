"""public.hit_rate_limit (docs/design.md: Access control): a fixed-window counter per key for the Edge Function
(service role only), exact under concurrency; expired windows are deleted."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest

from schemactl.testing import acting_as
from schemactl.testing.session import CommittedDatabase

HIT = "select public.hit_rate_limit(%s, %s, %s::interval)"


class Limiter:
    """Calls hit_rate_limit as the Edge Function does (service_role)."""

    def __init__(self, db: psycopg.Connection, as_service_role: Any) -> None:
        self.db = db
        self._as_service_role = as_service_role

    def hit(self, key: str | None, limit: int | None, window: str | None) -> bool:
        with self._as_service_role():
            return self.db.execute(HIT, [key, limit, window]).fetchone()[0]


@pytest.fixture
def access(db: psycopg.Connection, as_service_role: Any) -> Limiter:
    return Limiter(db, as_service_role)


def hits(access: Limiter, key: str, limit: int, window: str, times: int) -> list[bool]:
    return [access.hit(key, limit, window) for _ in range(times)]


def test_the_first_hits_up_to_the_limit_pass_and_the_rest_are_refused(access: Limiter) -> None:
    assert hits(access, "user:ana", 3, "1 hour", 5) == [True, True, True, False, False]


def test_keys_and_window_lengths_are_counted_apart(access: Limiter) -> None:
    assert hits(access, "api_key:1", 1, "1 minute", 2) == [True, False]
    assert hits(access, "api_key:2", 1, "1 minute", 1) == [True]
    assert hits(access, "api_key:1", 1, "1 hour", 1) == [True]


def test_a_new_window_starts_from_zero(access: Limiter) -> None:
    assert hits(access, "user:bia", 2, "1 hour", 3) == [True, True, False]
    # The stored window becomes the previous one, as if an hour had passed.
    access.db.execute(
        "update private.rate_limits set window_start = window_start - "
        "interval '1 hour', expires_at = expires_at - interval '1 hour' "
        "where key = 'user:bia'"
    )
    assert hits(access, "user:bia", 2, "1 hour", 3) == [True, True, False]


def test_windows_are_aligned_to_their_length(access: Limiter) -> None:
    hits(access, "user:caio", 10, "15 minutes", 1)
    start, expires = access.db.execute(
        "select window_start, expires_at from private.rate_limits where key = 'user:caio'"
    ).fetchone()
    assert int(start.timestamp()) % 900 == 0 and (expires - start).total_seconds() == 900
    now = access.db.execute("select now()").fetchone()[0]
    assert start <= now < expires


def test_opening_a_window_deletes_expired_windows(access: Limiter) -> None:
    access.db.execute("""
        insert into private.rate_limits (key, window_length, window_start, expires_at, hits)
        values
            ('stale:1', '1 minute', now() - interval '2 hours',
             now() - interval '119 minutes', 7),
            ('stale:2', '1 hour', now() - interval '3 hours', now() - interval '2 hours', 1),
            ('current', '1 day', date_trunc('day', now()),
             date_trunc('day', now()) + interval '1 day', 1)
    """)
    keys = "select key from private.rate_limits order by key"
    hits(access, "user:duda", 5, "1 hour", 1)
    assert access.db.execute(keys).fetchall() == [("current",), ("user:duda",)]


def test_a_hit_inside_an_open_window_does_not_clean_up(access: Limiter) -> None:
    hits(access, "user:edu", 5, "1 hour", 1)
    access.db.execute(
        "insert into private.rate_limits values ('stale', '1 minute', "
        "now() - interval '1 hour', now() - interval '59 minutes', 1)"
    )
    hits(access, "user:edu", 5, "1 hour", 1)
    assert (
        access.db.execute(
            "select count(*) from private.rate_limits where key = 'stale'"
        ).fetchone()[0]
        == 1
    )


def test_invalid_arguments_are_refused(access: Limiter) -> None:
    for key, limit, window in (
        (None, 1, "1 hour"),
        ("k", None, "1 hour"),
        ("k", -1, "1 hour"),
        ("k", 1, None),
        ("k", 1, "0 seconds"),
        ("k", 1, "-1 hour"),
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue):
            access.hit(key, limit, window)


def test_absurd_windows_are_refused_with_a_clear_error(access: Limiter) -> None:
    """A window the counter cannot hold used to fail with 22008 (datetime overflow)."""
    for window, shown in (
        ("1000000 years", "1000000 years"),
        ("32 days", "32 days"),
        ("0.5 seconds", "00:00:00.5"),
        ("1.5 seconds", "00:00:01.5"),
    ):
        with pytest.raises(psycopg.errors.InvalidParameterValue) as refused:
            access.hit("k", 1, window)
        assert refused.value.diag.message_primary == (
            f"hit_rate_limit: window {shown} is not whole seconds between 1 second and 31 days"
        )
    assert hits(access, "k", 1, "31 days", 2) == [True, False]
    assert hits(access, "k", 1, "1 second", 1) == [True]


@pytest.mark.grant_modes
def test_only_the_service_role_counts_hits(
    db: psycopg.Connection, make_auth_user: Any, as_user: Any, as_anon: Any
) -> None:
    user = make_auth_user("vendedor@stagetek.test")
    db.execute("update public.users set is_active = true, role = 'admin' where id = %s", [user])
    for request in (lambda: as_user(user), as_anon):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), request():
            db.execute(HIT, ["user:x", 10, "1 hour"])


def test_concurrent_hits_are_counted_exactly(committed_db: CommittedDatabase) -> None:
    threads, per_thread, limit = 8, 25, 100
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    connections = [committed_db.connect() for _ in range(threads)]

    def hammer(conn: psycopg.Connection) -> None:
        # one API request per statement: the role for the session, each hit its own commit
        with acting_as(conn, "service_role", session=True):
            barrier.wait()
            mine = [
                conn.execute(HIT, ["api_key:hot", limit, "1 hour"]).fetchone()[0]
                for _ in range(per_thread)
            ]
        with lock:
            results.extend(mine)

    workers = [threading.Thread(target=hammer, args=(conn,)) for conn in connections]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert (results.count(True), results.count(False)) == (limit, threads * per_thread - limit)
    stored = committed_db.connection.execute(
        "select hits from private.rate_limits where key = 'api_key:hot'"
    ).fetchone()
    assert stored == (threads * per_thread,)
