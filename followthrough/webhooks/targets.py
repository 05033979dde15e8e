"""Which webhook targets we may call: http(s) only, and never an address inside our network.

A webhook is a request our server makes to a URL someone typed, so an unchecked URL reaches
the cloud metadata service, the database or the admin port of a router (server-side request
forgery). The target's host is resolved and every address it resolves to must be public,
unless an administrator listed the host in FOLLOWTHROUGH_WEBHOOK_ALLOWED_HOSTS. No ORM here.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(Exception):
    """The URL may not be called; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    # Path and query, as sent in the request line.
    path: str
    # The addresses to connect to: already checked, so the connection cannot be re-pointed
    # by a second DNS answer between the check and the request.
    addresses: tuple[str, ...]


def parse_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL we could call, or TargetRefused."""
    text = (url or "").strip()
    if not text:
        raise TargetRefused("The target URL is required.")
    if len(text) > MAX_URL:
        raise TargetRefused(f"The target URL is longer than {MAX_URL} characters.")
    if any(c.isspace() or not c.isprintable() for c in text):
        raise TargetRefused("The target URL may not contain spaces or control characters.")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise TargetRefused("The target URL must start with http:// or https://.")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(
            "Put no user name or password in the target URL; the signature is the credential."
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise TargetRefused("The target URL has no host.")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise TargetRefused("The target URL's port is not a number from 1 to 65535.") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port, path


def refused_reason(address: IPAddress) -> str | None:
    """Why an address may not be called, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address (such as the cloud metadata service)"),
        (address.is_private, "a private network address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_unspecified, "an unspecified address"),
        # Shared address space (100.64.0.0/10) and the like: not private, not public either.
        (not address.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), None)


def resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise TargetRefused(f"The host {host!r} could not be resolved.") from None
    addresses = tuple(dict.fromkeys(str(answer[4][0]) for answer in answers))
    if not addresses:
        raise TargetRefused(f"The host {host!r} could not be resolved.")
    return addresses


def check_target(url: str, *, allowed_hosts: Iterable[str]) -> Target:
    """Parse the URL and resolve its host; refuse it unless every address is public or the
    host is allow-listed by name (as it appears in the URL, case-insensitive)."""
    scheme, host, port, path = parse_target(url)
    addresses = resolve(host, port)
    allowed = {h.strip().lower().strip("[]") for h in allowed_hosts if h.strip()}
    if host.lower() not in allowed:
        for text in addresses:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                raise TargetRefused(f"{host!r} resolved to {text!r}, not an address.") from None
            why = refused_reason(address)
            if why is not None:
                raise TargetRefused(
                    f"{host!r} resolves to {address}, {why}; webhooks may only call public "
                    "addresses unless an administrator allows this host."
                )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
