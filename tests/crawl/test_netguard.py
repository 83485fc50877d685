"""Which addresses a source may reach."""

from __future__ import annotations

import ipaddress

import pytest

from crawl.netguard import AddressPolicy, AddressRefused


@pytest.mark.parametrize(
    ("address", "kind"),
    [("10.0.0.1", "private"), ("192.168.1.1", "private"), ("127.0.0.1", "loopback"),
     ("169.254.169.254", "link-local"), ("::1", "loopback"), ("fe80::1", "link-local"),
     ("::ffff:10.1.2.3", "private"), ("0.0.0.0", "private"), ("100.64.0.1", "non-public"),
     ("224.0.0.1", "multicast")],
)
def test_non_public_addresses_refused_by_default(address: str, kind: str) -> None:
    reason = AddressPolicy().check_ip(ipaddress.ip_address(address))
    assert reason and f"is {kind}" in reason


def test_public_address_allowed() -> None:
    assert AddressPolicy().check_ip(ipaddress.ip_address("93.184.216.34")) is None


def test_allow_private_everything_or_listed_networks() -> None:
    everything = AddressPolicy.from_source(True)
    assert everything.check_ip(ipaddress.ip_address("10.0.0.1")) is None
    loopback_only = AddressPolicy.from_source(True, ["127.0.0.0/8"])
    assert loopback_only.check_ip(ipaddress.ip_address("127.0.0.1")) is None
    assert "outside this source's allow_private" in loopback_only.check_ip(
        ipaddress.ip_address("10.0.0.1"))


def test_names_are_resolved_before_connecting() -> None:
    with pytest.raises(AddressRefused, match="localhost resolves to address .* is loopback"):
        AddressPolicy().resolve("localhost", 80)
    assert AddressPolicy.from_source(True).resolve("127.0.0.1", 80) == ["127.0.0.1"]
