"""Refuse to connect to private, loopback and link-local addresses unless a source allows them.

A municipal page can link (or redirect) to ``http://192.168.1.1/`` or to a host name that
resolves to one; following it would turn the crawler into a probe of the network it runs in.
Every host is resolved and checked *before* any connection is opened, and the connection is
then made to the address that was checked (crawl/http11.py ``Client._connect``), so a name that
resolves differently the second time cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import green

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The host resolves to an address this source may not reach."""


class ResolveError(Exception):
    """The host name could not be resolved."""


@dataclass
class AddressPolicy:
    """Which non-public addresses a source may reach: none, all, or the listed networks."""

    allow_private: bool = False
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list)
    _cache: dict[tuple[str, int], list[str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_source(cls, allow_private: bool, networks: Iterable[str] = ()) -> AddressPolicy:
        return cls(allow_private, [ipaddress.ip_network(n, strict=False) for n in networks])

    def check_ip(self, ip: IPAddress) -> str | None:
        """Why this address is refused, or None when it may be reached."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_global and not ip.is_multicast:
            return None
        if self.allow_private and (
            not self.networks
            or any(ip in net for net in self.networks if net.version == ip.version)
        ):
            return None
        kind = (
            "loopback" if ip.is_loopback
            else "link-local" if ip.is_link_local
            else "private" if ip.is_private
            else "multicast" if ip.is_multicast
            else "non-public"
        )
        hint = (
            "it is outside this source's allow_private networks"
            if self.allow_private
            else "set allow_private for this source to fetch it"
        )
        return f"address {ip} is {kind}; {hint}"

    def resolve(self, host: str, port: int) -> list[str]:
        """Addresses for ``host`` that pass the policy; AddressRefused if any does not.

        Refusing when *any* address is private (not only all) keeps a host with one public and
        one internal record from being used to reach the internal one.
        """
        key = (host, port)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        literal = _ip_literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                infos = green.offload(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise ResolveError(f"cannot resolve host {host!r}: {exc}") from None
            addresses = []
            for info in infos:
                ip = ipaddress.ip_address(info[4][0].split("%")[0])
                if ip not in addresses:
                    addresses.append(ip)
        for ip in addresses:
            reason = self.check_ip(ip)
            if reason:
                raise AddressRefused(reason if literal else f"{host} resolves to {reason}")
        result = [str(ip) for ip in addresses]
        with self._lock:
            self._cache[key] = result
        return result


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
