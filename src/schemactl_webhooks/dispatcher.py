"""The dispatcher: claims due deliveries, POSTs them concurrently, records the outcome.

One loop per process: it claims as many deliveries as it has free slots (--concurrency),
starts a task per delivery, and waits for a slot to free up, a NOTIFY from a committed
event, or the poll interval (retries that became due). Leases make several processes
safe together; at-least-once holds only across crashes (an expired lease is claimed
again)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import psycopg

from schemactl_webhooks import signing, ssrf
from schemactl_webhooks.backoff import retry_delay
from schemactl_webhooks.store import Claim, DeliveryStore

EXCERPT_BYTES = 512
# A body up to this size is read to its end so that the connection can be reused.
DRAIN_BYTES = 64 * 1024
POLL_SECONDS = 1.0
CHANNEL = "webhook_deliveries"
# Connections that record outcomes in parallel (one round trip each per delivery).
STORE_CONNECTIONS = 4


@dataclass(frozen=True)
class Options:
    concurrency: int = 16
    max_attempts: int = 8
    backoff: float = 30.0
    timeout: float = 10.0
    allow_private: bool = False
    once: bool = False

    @property
    def lease(self) -> timedelta:
        """Long enough for a request and its bookkeeping; a crashed process's claims are
        taken over after it."""
        return timedelta(seconds=2 * self.timeout + 30)


@dataclass
class Summary:
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    disabled_endpoints: set[str] = field(default_factory=set)

    def line(self) -> str:
        return f"{self.delivered} delivered, {self.retrying} to retry, {self.dead} dead"


@dataclass(frozen=True)
class Outcome:
    status: int | None
    excerpt: str | None
    error: str | None


async def post(client: httpx.AsyncClient, claim: Claim, options: Options) -> Outcome:
    """One attempt. Only the first EXCERPT_BYTES of the response body are kept."""
    body = claim.body.encode()
    try:
        ssrf.check_url(claim.url, allow_private=options.allow_private)
        headers = signing.headers(claim.secret, str(claim.event_id), int(time.time()), body)
        async with client.stream("POST", claim.url, content=body, headers=headers) as response:
            head, read = b"", 0
            async for chunk in response.aiter_raw():
                if len(head) < EXCERPT_BYTES:
                    head += chunk[: EXCERPT_BYTES - len(head)]
                read += len(chunk)
                if read > DRAIN_BYTES:
                    break  # a long body is not read to its end: the connection is dropped
    except httpx.TimeoutException:
        return Outcome(None, None, f"timed out after {options.timeout:g} s")
    except (httpx.HTTPError, ssrf.ForbiddenDestination) as exc:
        return Outcome(None, None, f"{type(exc).__name__}: {exc}")
    excerpt = head[:EXCERPT_BYTES].decode("utf-8", "replace")
    if 200 <= response.status_code < 300:
        return Outcome(response.status_code, excerpt, None)
    return Outcome(response.status_code, excerpt, f"HTTP {response.status_code}")


class Dispatcher:
    def __init__(self, store: DeliveryStore, client: httpx.AsyncClient, options: Options) -> None:
        self.store = store
        self.client = client
        self.options = options
        self.summary = Summary()
        self.stopping = asyncio.Event()
        self.wake = asyncio.Event()
        self.in_flight: set[asyncio.Task[None]] = set()
        self.batch = max(1, options.concurrency // 4)

    async def deliver(self, claim: Claim) -> None:
        outcome = await post(self.client, claim, self.options)
        if outcome.error is None:
            assert outcome.status is not None
            await self.store.complete(claim, outcome.status, outcome.excerpt or "")
            self.summary.delivered += 1
            return
        if outcome.status == 410:
            await self.store.disable_endpoint(claim, "410 Gone from the receiver")
            self.summary.disabled_endpoints.add(str(claim.endpoint_id))
        delay = retry_delay(claim.attempts, self.options.backoff, self.options.max_attempts)
        await self.store.fail(claim, outcome.error, outcome.status, outcome.excerpt, delay)
        if delay is None:
            self.summary.dead += 1
        else:
            self.summary.retrying += 1

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self.wake.set()

    async def run(self) -> Summary:
        while not self.stopping.is_set():
            self.wake.clear()
            free = self.options.concurrency - len(self.in_flight)
            claims = []
            # Claim in batches (a quarter of the slots) rather than one per freed slot:
            # a round trip per claim would cap the rate.
            if free >= self.batch or (free > 0 and not self.in_flight):
                claims = await self.store.claim(free, self.options.lease, self.options.max_attempts)
            for claim in claims:
                task = asyncio.create_task(self.deliver(claim))
                self.in_flight.add(task)
                task.add_done_callback(self._done)
            if (claims and len(claims) == free) or 0 < free < self.batch:
                await self._wait(self.wake, None)
            elif claims:
                continue
            elif self.options.once and not self.in_flight:
                break
            else:
                await self._wait(self.wake, None if self.options.once else POLL_SECONDS)
        await self.finish()
        return self.summary

    async def _wait(self, event: asyncio.Event, timeout: float | None) -> None:
        stop = asyncio.create_task(self.stopping.wait())
        woken = asyncio.create_task(event.wait())
        await asyncio.wait({stop, woken}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        woken.cancel()

    async def finish(self) -> None:
        """In-flight requests end within --timeout: let them finish and be recorded."""
        if self.in_flight:
            await asyncio.wait(set(self.in_flight))


async def listen(conninfo: str, wake: asyncio.Event) -> None:
    """Sets wake on every NOTIFY of a committed event (fan-out trigger)."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute(f"listen {CHANNEL}")
        async for _ in conn.notifies():
            wake.set()


async def dispatch(
    conninfo: str, options: Options, on_ready: Callable[[], Any] | None = None
) -> Summary:
    loop = asyncio.get_running_loop()
    async with (
        contextlib.AsyncExitStack() as stack,
        ssrf.client(
            allow_private=options.allow_private,
            timeout=options.timeout,
            connections=options.concurrency,
        ) as client,
    ):
        connections = [
            await stack.enter_async_context(
                await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
            )
            for _ in range(STORE_CONNECTIONS)
        ]
        dispatcher = Dispatcher(DeliveryStore(connections), client, options)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, dispatcher.stopping.set)
        listener = None if options.once else asyncio.create_task(listen(conninfo, dispatcher.wake))
        try:
            if on_ready is not None:
                on_ready()
            return await dispatcher.run()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError, psycopg.Error):
                    await listener
