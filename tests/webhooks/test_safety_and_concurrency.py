"""SSRF refusals (at add and at connect time), several dispatch processes at once, and
graceful shutdown of a running dispatcher."""

from __future__ import annotations

import ipaddress
import signal
import subprocess
import time

import pytest

from schemactl_webhooks.ssrf import is_forbidden

from .conftest import Webhooks
from .receiver import Receiver, running_receiver


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_private_and_reserved_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::1111", "8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert not is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example/in", "only https:// URLs are delivered to"),
        ("https://169.254.169.254/latest", "169.254.169.254 is a private or reserved address"),
        ("https://127.0.0.1:8443/x", "127.0.0.1 is a private or reserved address"),
    ],
)
def test_add_refuses_unsafe_urls_without_allow_private(
    webhooks: Webhooks, url: str, message: str
) -> None:
    result = webhooks.run("add", url, "--events", "deal.won", check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr.splitlines()[0]
    assert webhooks.db.execute("select count(*) from public.webhook_endpoints").fetchone() == (0,)


def insert_endpoint(webhooks: Webhooks, url: str) -> str:
    """An endpoint written straight into the table (as an earlier, laxer tool might)."""
    [(endpoint_id,)] = webhooks.db.execute(
        "with e as (insert into public.webhook_endpoints (url, event_types) "
        "values (%s, '{deal.won}') returning id) "
        "insert into private.webhook_endpoint_secrets (endpoint_id, secret) "
        "select id, 'whsec_' || repeat('A', 43) || '=' from e returning endpoint_id",
        [url],
    ).fetchall()
    return str(endpoint_id)


@pytest.mark.parametrize(
    ("host", "error"),
    [
        ("localhost", "localhost resolves to 127.0.0.1, a private or reserved address"),
        ("127.0.0.1", "127.0.0.1 is a private or reserved address"),
    ],
)
def test_dispatch_refuses_loopback_at_connect_time(
    webhooks: Webhooks, receiver: Receiver, host: str, error: str
) -> None:
    endpoint = insert_endpoint(webhooks, f"https://{host}:{receiver.port}/hook")
    event_id = webhooks.event()
    result = webhooks.run("dispatch", "--once", "--max-attempts", "1")
    assert result.stdout.strip() == "dispatch: 0 delivered, 0 to retry, 1 dead"
    assert error in webhooks.delivery(event_id, endpoint)["last_error"]
    assert receiver.requests == []


def test_allow_private_lets_a_loopback_host_name_through(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    webhooks.add(receiver.url(host="localhost"))
    event_id = webhooks.event()
    assert webhooks.dispatch_once().strip() == "dispatch: 1 delivered, 0 to retry, 0 dead"
    assert receiver.per_delivery() == {(event_id, "/hook"): 1}


def test_several_dispatch_processes_deliver_each_pair_exactly_once(
    webhooks: Webhooks, receiver: Receiver
) -> None:
    receiver.delay = 0.01
    webhooks.add(receiver.url("/a"))
    webhooks.add(receiver.url("/b"))
    events = webhooks.events(150)
    processes = [
        subprocess.Popen(
            webhooks.command("dispatch", "--once", "--allow-private", "--concurrency", "8"),
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0]
    expected = {(e, path): 1 for e in events for path in ("/a", "/b")}
    if len(receiver.requests) < len(expected):  # a process may finish before others
        webhooks.dispatch_once()
    assert receiver.per_delivery() == expected
    delivered = sum(int(out.split()[1]) for out in outputs)
    assert delivered <= 300
    assert webhooks.db.execute(
        "select status, count(*) from public.webhook_deliveries group by status"
    ).fetchall() == [("delivered", 300)]


def test_sigterm_lets_in_flight_requests_finish_and_exits_0(webhooks: Webhooks) -> None:
    with running_receiver(delay=1.5) as slow:
        endpoint = webhooks.add(slow.url())
        process = subprocess.Popen(
            webhooks.command("dispatch", "--allow-private"), stdout=subprocess.PIPE, text=True
        )
        try:
            time.sleep(1.0)  # the dispatcher is running and listening
            event_id = webhooks.event()
            slow.wait_for(1)
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        assert process.returncode == 0
        assert time.monotonic() - started < 10
        assert out.strip() == "dispatch: 1 delivered, 0 to retry, 0 dead"
        assert webhooks.delivery(event_id, endpoint["id"])["status"] == "delivered"
