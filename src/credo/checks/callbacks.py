"""Where webhooks may go: ``https://`` to a public address, never into the registry's own
network (SSRF). A callback URL is checked when it is registered, and every delivery connects
through `GuardedBackend`, which resolves the host, refuses the connection if any address is
not public, and connects to the address it checked (so a name that resolves elsewhere later
cannot slip through). Redirects are never followed.

``allow_private`` (``Settings.webhook_allow_private``, env ``CREDO_WEBHOOK_ALLOW_PRIVATE``) is a
per-deployment switch for tests and closed test networks: it admits ``http://`` and private,
loopback and link-local addresses. It is off by default.

A relying party may also be held to an allowlist of callback hosts
(`RelyingParty.callback_hosts` in the catalogue), checked at registration and at every
delivery. A delivery refused for where it would go (`CallbackRefused`) is permanent: the
subscription stops instead of retrying (credo.checks.subscriptions); a host that does not
resolve (`CallbackUnresolved`) or a receiver that fails is retried with back-off."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import typing
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpcore
import httpx

from credo.errors import ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix, embeds IPv4


class CallbackRefused(httpcore.ConnectError):
    """A delivery refused before connecting because of where it would go (httpx reports it
    as a ConnectError, with this as its cause). Permanent: the event is not retried."""


class CallbackUnresolved(httpcore.ConnectError):
    """The host does not resolve now: a transient failure, retried with back-off."""


def refusal_of(exc: BaseException) -> str | None:
    """The reason when ``exc`` (an httpx error) is a `CallbackRefused`, else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, CallbackRefused):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def host_allowed(host: str, patterns: Sequence[str] | None) -> bool:
    """Whether ``host`` matches the relying party's allowlist (None: no allowlist). A
    pattern is a host name, or ``*.`` and a domain for any host under that domain."""
    if patterns is None:
        return True
    name = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if name.endswith(pattern[1:]) and len(name) > len(pattern) - 1:
                return True
        elif name == pattern:
            return True
    return False


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public address a webhook may go to, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_problem(embedded)
            return None if inner is None else f"{inner} (embedded in {ip})"
    checks: list[tuple[bool, str]] = [
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local (cloud metadata lives here)"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in SHARED, "shared address space"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "not globally routable"),
    ]
    for failed, why in checks:
        if failed:
            return f"{ip} is a {why} address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def url_problem(
    url: str, allow_private: bool, allowed_hosts: Sequence[str] | None = None
) -> str | None:
    """Why ``url`` may not receive webhooks, or None. ``allowed_hosts``: the relying party's
    allowlist (`RelyingParty.callback_hosts`). Resolves the host (blocking)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        return "must be an https:// URL"
    if not host:
        return "has no host"
    if parts.username is not None or parts.password is not None:
        return "must not carry user information"
    if not host_allowed(host, allowed_hosts):
        listed = ", ".join(allowed_hosts or [])
        return f"its host {host!r} is not on your callback allowlist ({listed})"
    if allow_private:
        return None
    try:
        addresses = resolve(host, port or 443)
    except (OSError, UnicodeError, ValueError) as exc:
        return f"its host {host!r} does not resolve ({exc})"
    if not addresses:
        return f"its host {host!r} does not resolve"
    for ip in addresses:
        why = address_problem(ip)
        if why is not None:
            return f"its host {host!r} resolves to a non-public address: {why}"
    return None


def check_callback_url(
    url: str, allow_private: bool, allowed_hosts: Sequence[str] | None = None
) -> None:
    """Raise a 422 problem naming ``callback_url`` and the reason when ``url`` is refused."""
    why = url_problem(url, allow_private, allowed_hosts)
    if why is not None:
        raise ValidationFailed(
            f"callback_url refused: {why}",
            code="callback_url_refused",
            errors=[{"where": "body.callback_url", "problem": why}],
        )


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, and connects to the checked one (TLS still verifies
    and sends SNI for the URL's host name, which httpcore takes from the request)."""

    def __init__(self, allow_private: bool, inner: httpcore.AsyncNetworkBackend | None = None):
        self.allow_private = allow_private
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self.allow_private:  # a test deployment: connect as any client would
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = await asyncio.to_thread(resolve, host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise CallbackUnresolved(f"{host!r} does not resolve ({exc})") from exc
        if not addresses:
            raise CallbackUnresolved(f"{host!r} does not resolve")
        for ip in addresses:
            why = address_problem(ip)
            if why is not None:
                raise CallbackRefused(f"refused: {host!r} resolves to a non-public address: {why}")
        return await self.inner.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise CallbackRefused("refused: webhooks never go to a local socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on a `GuardedBackend` and no proxy from
    the environment (a proxy would connect on our behalf, unchecked)."""

    def __init__(self, allow_private: bool) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            network_backend=GuardedBackend(allow_private),
        )


def webhook_client(timeout_s: float, allow_private: bool) -> httpx.AsyncClient:
    """The one HTTP client that delivers webhooks: guarded, no redirects, no proxies."""
    return httpx.AsyncClient(
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
        transport=GuardedTransport(allow_private),
    )
