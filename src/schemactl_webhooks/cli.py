"""`schemactl webhooks …`: manage endpoints, run the dispatcher, inspect and replay.
Registered through the entry point group `schemactl.commands` (pyproject.toml); the
delivery modules are imported when a command runs, so `schemactl --help` stays fast."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from schemactl.api import SchemactlError, connect, target_url
from schemactl.cli.plugin_kit import Context, console, db_url_option, pass_context

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
allow_private_option = click.option(
    "--allow-private",
    is_flag=True,
    help="Also allow http:// URLs and loopback, private and link-local addresses.",
)


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, default=str, indent=2))


@click.group("webhooks")
def webhooks_group() -> None:
    """Deliver the outbox's events to subscribed URLs as signed requests (docs/webhooks.md).

    \b
    Example:
        schemactl webhooks add https://example.com/hooks --events deal.won,task.assigned
        schemactl webhooks dispatch
    """


@webhooks_group.command("add")
@click.argument("url")
@click.option("--events", required=True, metavar="TYPE[,TYPE…]", help="Event types.")
@click.option("--description", default=None, metavar="TEXT", help="What the endpoint is.")
@allow_private_option
@json_option
@db_url_option
@pass_context
def add_command(
    ctx: Context,
    url: str,
    events: str,
    description: str | None,
    allow_private: bool,
    as_json: bool,
    db_url: str | None,
) -> None:
    """Subscribe URL to event types; prints the endpoint's id and signing secret (once).

    \b
    Example:
        schemactl webhooks add https://example.com/hooks --events deal.won --json
    """
    from schemactl_webhooks import store
    from schemactl_webhooks.ssrf import ForbiddenDestination, check_url

    types = [t.strip() for t in events.split(",") if t.strip()]
    if not types:
        raise SchemactlError("--events: name at least one event type, e.g. deal.won")
    try:
        check_url(url, allow_private=allow_private)
    except ForbiddenDestination as exc:
        raise SchemactlError(f"webhooks add: {exc}") from None
    with connect(target_url(ctx.project, db_url)) as conn:
        endpoint = store.add_endpoint(conn, url, types, description)
    if as_json:
        _echo_json(
            {
                "id": endpoint.id,
                "url": endpoint.url,
                "events": endpoint.events,
                "secret": endpoint.secret,
            }
        )
    else:
        click.echo(f"endpoint {endpoint.id}")
        click.echo(f"secret {endpoint.secret}  (shown once: store it now)")


@webhooks_group.command("list")
@json_option
@db_url_option
@pass_context
def list_command(ctx: Context, as_json: bool, db_url: str | None) -> None:
    """List endpoints (never their secrets).

    \b
    Example:
        schemactl webhooks list --json
    """
    from schemactl_webhooks import store

    with connect(target_url(ctx.project, db_url)) as conn:
        endpoints = store.list_endpoints(conn)
    if as_json:
        _echo_json(endpoints)
        return
    for e in endpoints:
        state = "enabled" if e["enabled"] else f"disabled ({e['disabled_reason'] or 'by hand'})"
        click.echo(f"{e['id']}  {e['url']}  {','.join(e['event_types'])}  {state}")


@webhooks_group.command("disable")
@click.argument("endpoint_id", metavar="ID")
@db_url_option
@pass_context
def disable_command(ctx: Context, endpoint_id: str, db_url: str | None) -> None:
    """Stop delivering to an endpoint; its pending deliveries wait.

    \b
    Example:
        schemactl webhooks disable 6f1c…
    """
    from schemactl_webhooks import store

    with connect(target_url(ctx.project, db_url)) as conn:
        store.disable_endpoint(conn, endpoint_id, "disabled by hand")
    click.echo(f"disabled {endpoint_id}")


@webhooks_group.command("rotate-secret")
@click.argument("endpoint_id", metavar="ID")
@db_url_option
@pass_context
def rotate_secret_command(ctx: Context, endpoint_id: str, db_url: str | None) -> None:
    """Give an endpoint a new signing secret; prints it (once).

    \b
    Example:
        schemactl webhooks rotate-secret 6f1c…
    """
    from schemactl_webhooks import store

    with connect(target_url(ctx.project, db_url)) as conn:
        _, secret = store.rotate_secret(conn, endpoint_id)
    click.echo(f"secret {secret}  (shown once: store it now)")


def _positive(name: str, value: float) -> None:
    if value <= 0:
        raise SchemactlError(f"{name}: must be positive, not {value:g}")


@webhooks_group.command("dispatch")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--concurrency", type=int, default=16, show_default=True, metavar="N")
@click.option("--max-attempts", type=int, default=8, show_default=True, metavar="N")
@click.option("--backoff", type=float, default=30.0, show_default=True, metavar="SECONDS")
@click.option("--timeout", type=float, default=10.0, show_default=True, metavar="SECONDS")
@allow_private_option
@db_url_option
@pass_context
def dispatch_command(
    ctx: Context,
    once: bool,
    concurrency: int,
    max_attempts: int,
    backoff: float,
    timeout: float,
    allow_private: bool,
    db_url: str | None,
) -> None:
    """Deliver due events to their endpoints, until SIGTERM/SIGINT (or --once).

    Requests in flight are finished and recorded before exiting. A failed attempt is
    retried after --backoff * 2^(attempt - 1) seconds (capped at an hour, jittered); the
    delivery is dead after --max-attempts. 410 Gone disables the endpoint.

    \b
    Example:
        schemactl webhooks dispatch --concurrency 32
        schemactl webhooks dispatch --once
    """
    import asyncio

    from schemactl_webhooks.dispatcher import Options, dispatch

    _positive("--concurrency", concurrency)
    _positive("--max-attempts", max_attempts)
    _positive("--timeout", timeout)
    if backoff < 0:
        raise SchemactlError(f"--backoff: must not be negative, not {backoff:g}")
    options = Options(concurrency, max_attempts, backoff, timeout, allow_private, once)
    url = target_url(ctx.project, db_url)
    with connect(url):
        pass  # a clear error for an unreachable database before the loop starts
    summary = asyncio.run(dispatch(url, options))
    click.echo(f"dispatch: {summary.line()}")


@webhooks_group.command("status")
@json_option
@db_url_option
@pass_context
def status_command(ctx: Context, as_json: bool, db_url: str | None) -> None:
    """Per endpoint: pending, retrying, delivered and dead deliveries, oldest pending age.

    \b
    Example:
        schemactl webhooks status --json
    """
    from schemactl_webhooks import store

    with connect(target_url(ctx.project, db_url)) as conn:
        rows = store.status(conn)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        age = r["oldest_pending_seconds"]
        console.print(
            f"{r['id']}  {r['url']}  pending={r['pending']} retrying={r['retrying']} "
            f"delivered={r['delivered']} dead={r['dead']} "
            f"oldest_pending={'-' if age is None else f'{age:.0f}s'}",
            highlight=False,
            soft_wrap=True,
        )


@webhooks_group.command("replay")
@click.option(
    "--from",
    "start",
    required=True,
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    metavar="TS",
)
@click.option(
    "--to",
    "end",
    required=True,
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"]),
    metavar="TS",
)
@click.option("--endpoint", default=None, metavar="ID", help="Only this endpoint.")
@click.option("--event-type", default=None, metavar="TYPE", help="Only this event type.")
@db_url_option
@pass_context
def replay_command(
    ctx: Context,
    start: datetime,
    end: datetime,
    endpoint: str | None,
    event_type: str | None,
    db_url: str | None,
) -> None:
    """Queue again the events that occurred in [--from, --to) (times without a zone are
    UTC), for one endpoint or every enabled one subscribed to them.

    \b
    Example:
        schemactl webhooks replay --from 2026-01-01 --to 2026-01-02 --endpoint ID
    """
    from schemactl_webhooks import store

    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    with connect(target_url(ctx.project, db_url)) as conn:
        count = store.replay(conn, start, end, endpoint, event_type)
    click.echo(f"replay: {count} deliveries queued")
