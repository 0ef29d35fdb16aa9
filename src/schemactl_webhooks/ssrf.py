"""Where the dispatcher may send requests: https only and public addresses only, unless
allow_private (then http:// and loopback/private/link-local addresses are allowed too).
Addresses are vetted when the connection is made, and the connection goes to the vetted
address, so a host name that re-resolves elsewhere (DNS rebinding) gains nothing."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import anyio
import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenDestination(httpcore.ConnectError):
    """A URL or address the dispatcher refuses to reach."""


def is_forbidden(address: Address) -> bool:
    """Loopback, private, link-local (cloud metadata 169.254.169.254), shared, reserved,
    multicast and unspecified addresses: anything that is not globally routable."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuses a URL whose scheme is not https (http too with allow_private), or whose
    host is an IP literal in a forbidden range."""
    parsed = httpx.URL(url)
    allowed = {"https", "http"} if allow_private else {"https"}
    if parsed.scheme not in allowed:
        raise ForbiddenDestination(
            f"{url}: only https:// URLs are delivered to (http:// needs --allow-private)"
        )
    if not allow_private:
        try:
            literal = ipaddress.ip_address(parsed.host)
        except ValueError:
            return
        if is_forbidden(literal):
            raise ForbiddenDestination(
                f"{url}: {literal} is a private or reserved address (needs --allow-private)"
            )


async def resolve(host: str, port: int) -> list[Address]:
    """Every address of host, in the resolver's order."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, Address] = {}
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]
        seen.setdefault(text, ipaddress.ip_address(text))
    return list(seen.values())


class VettingBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that connects only to vetted addresses. TLS is layered on
    top by httpcore with the URL's host name, so SNI and certificate checks are unchanged."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not self._allow_private:
            forbidden = [a for a in addresses if is_forbidden(a)]
            if forbidden:
                raise ForbiddenDestination(
                    f"{host} resolves to {forbidden[0]}, a private or reserved address "
                    "(needs --allow-private)"
                )
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._backend.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise ForbiddenDestination("unix sockets are not webhook destinations")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def client(*, allow_private: bool, timeout: float, connections: int) -> httpx.AsyncClient:
    """An HTTP client whose every connection goes through VettingBackend; no redirects
    are followed (a 3xx is a failed delivery) and no proxy from the environment is used."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=connections,
        max_keepalive_connections=connections,
        network_backend=VettingBackend(allow_private=allow_private),
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
