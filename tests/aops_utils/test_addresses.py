"""The client address: `X-Forwarded-For` counts only when a trusted proxy sent the request."""

from __future__ import annotations

from ipaddress import ip_network

from aops_utils.restful.addresses import client_address

LOOPBACK = (ip_network("127.0.0.1/32"), ip_network("::1/128"))
TWO_PROXIES = (*LOOPBACK, ip_network("10.0.0.0/8"))


def test_a_direct_client_is_its_peer_whatever_its_header_says() -> None:
    assert client_address("198.51.100.7", "192.0.2.1", LOOPBACK) == "198.51.100.7"
    assert client_address("198.51.100.7", None, LOOPBACK) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_is_the_last_untrusted_hop() -> None:
    assert client_address("127.0.0.1", "192.0.2.1", LOOPBACK) == "192.0.2.1"
    # nginx's $proxy_add_x_forwarded_for appends: whatever the client wrote comes first.
    assert client_address("127.0.0.1", "6.6.6.6, 192.0.2.1", LOOPBACK) == "192.0.2.1"
    assert client_address("127.0.0.1", "6.6.6.6, 192.0.2.1, 10.1.2.3", TWO_PROXIES) == "192.0.2.1"
    assert client_address("::1", " 2001:DB8::1 ", LOOPBACK) == "2001:db8::1"
    assert client_address("::ffff:127.0.0.1", "192.0.2.1", LOOPBACK) == "192.0.2.1"


def test_no_trusted_proxy_means_the_header_is_ignored() -> None:
    assert client_address("127.0.0.1", "192.0.2.1", ()) == "127.0.0.1"


def test_a_hop_that_is_not_an_address_ends_the_walk_at_the_last_good_one() -> None:
    assert client_address("127.0.0.1", "192.0.2.1, garbage", LOOPBACK) == "127.0.0.1"
    assert client_address("127.0.0.1", "garbage, 192.0.2.1", LOOPBACK) == "192.0.2.1"
    assert client_address("127.0.0.1", "", LOOPBACK) == "127.0.0.1"


def test_only_trusted_proxies_on_the_way_means_the_first_of_them() -> None:
    assert client_address("127.0.0.1", "10.0.0.1, 127.0.0.1", TWO_PROXIES) == "10.0.0.1"
