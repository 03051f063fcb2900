"""Where a webhook may be sent: public addresses only, checked once and then connected to (no second look-up
that DNS rebinding could answer differently), including IPv6 prefixes that carry an IPv4 address inside."""

import socket
import ssl
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.webhooks import services
from cocreate.webhooks.models import DeliveryState, WebhookDelivery
from tests import factories
from tests.webhooks.test_webhooks import Receiver, owner_company, send_due, subscribe

# The rebinding tests need a "public" receiver that the test can run: 127.0.0.2 (loopback, like every 127/8
# address on Linux) is treated as public by `pretend_public`; 127.0.0.1 stays private, the attacker's target.
PRETEND_PUBLIC = "127.0.0.2"


@pytest.fixture
def owner():
    from cocreate.companies.models import Role

    return factories.member(factories.CompanyFactory(), Role.OWNER)


@pytest.fixture
def checks_on(app, monkeypatch):
    """The production setting: private addresses refused (the suite's config allows them for its receivers)."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)


@pytest.fixture
def pretend_public(checks_on, monkeypatch):
    real = services._public
    monkeypatch.setattr(services, "_public", lambda address: address == PRETEND_PUBLIC or real(address))


@pytest.fixture
def dns(monkeypatch):
    """A resolver the test programs: ``dns[name] = [answer, answer, …]``, each answer a list of addresses; each
    look-up of the name takes the next answer (the last one repeats). Other names resolve as usual."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 (socket's own names)
        if host not in answers:
            return real(host, port, family, type, proto, flags)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, int(port), 0, 0)) if ":" in a
                else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def announce(owner):
    factories.idea(factories.ProductFactory(company=owner_company(owner)))


# --- DNS rebinding ------------------------------------------------------------------------------------------

def test_a_name_that_rebinds_to_loopback_after_the_check_does_not_reach_loopback(owner, dns, pretend_public):
    """The attacker's name answers a public address to the checks and 127.0.0.1 afterwards (a TTL of 0): the
    delivery goes to the address that was checked, with the name in the Host header."""
    with Receiver("127.0.0.1") as local, Receiver(PRETEND_PUBLIC, local.port) as public:
        dns["rebind.example"] = [[PRETEND_PUBLIC], [PRETEND_PUBLIC], ["127.0.0.1"]]
        subscribe(owner, f"http://rebind.example:{local.port}/hook", events=["idea.created"])
        announce(owner)
        assert send_due() == (1, 0)
    assert local.requests == []
    [request] = public.requests
    assert request["headers"]["Host"] == f"rebind.example:{local.port}"


def test_a_name_that_answers_loopback_at_delivery_time_is_refused(owner, dns, pretend_public):
    with Receiver("127.0.0.1") as local:
        dns["rebind.example"] = [[PRETEND_PUBLIC], ["127.0.0.1"]]
        subscribe(owner, f"http://rebind.example:{local.port}/hook", events=["idea.created"])
        announce(owner)
        assert send_due() == (0, 1)
    assert local.requests == []
    [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert delivery.state == DeliveryState.PENDING and "public addresses only" in delivery.last_error


def test_every_address_of_the_answer_is_checked(owner, dns, pretend_public):
    with Receiver("127.0.0.1") as local:
        dns["mixed.example"] = [[PRETEND_PUBLIC], ["127.0.0.1", PRETEND_PUBLIC]]
        subscribe(owner, f"http://mixed.example:{local.port}/hook", events=["idea.created"])
        announce(owner)
        assert send_due() == (0, 1)
    assert local.requests == []


# --- HTTPS to a pinned address ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for hook.example (and its key), made with the openssl command."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-days", "2", "-subj", "/CN=hook.example", "-addext", "subjectAltName=DNS:hook.example",
               "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603, S607 (a fixed command of the test)
    return cert, key


@pytest.fixture
def tls_receiver(certificate, monkeypatch):
    """An HTTPS receiver on the pretend-public address with hook.example's certificate, which the sender trusts;
    ``names`` records the server names (SNI) clients asked for."""
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    names: list[str | None] = []
    server.sni_callback = lambda connection, name, context: names.append(name)
    monkeypatch.setattr(services, "_tls_context", lambda: ssl.create_default_context(cafile=str(cert)))
    with Receiver(PRETEND_PUBLIC, tls=server) as receiver:
        receiver.names = names
        yield receiver


def test_https_goes_to_the_checked_address_and_verifies_the_names_certificate(owner, dns, pretend_public,
                                                                            tls_receiver):
    dns["hook.example"] = [[PRETEND_PUBLIC], [PRETEND_PUBLIC], ["127.0.0.1"]]
    subscribe(owner, f"https://hook.example:{tls_receiver.port}/hook", events=["idea.created"])
    announce(owner)
    assert send_due() == (1, 0)
    [request] = tls_receiver.requests
    assert request["headers"]["Host"] == f"hook.example:{tls_receiver.port}"
    assert tls_receiver.names == ["hook.example"]  # SNI: the name, not the address


def test_https_refuses_a_certificate_for_another_name(owner, dns, pretend_public, tls_receiver):
    dns["other.example"] = [[PRETEND_PUBLIC]]
    subscribe(owner, f"https://other.example:{tls_receiver.port}/hook", events=["idea.created"])
    announce(owner)
    assert send_due() == (0, 1)
    assert tls_receiver.requests == []
    [delivery] = db.session.scalars(sa.select(WebhookDelivery)).all()
    assert "certificate" in delivery.last_error.lower()


# --- IPv6 prefixes that carry an IPv4 address ---------------------------------------------------------------

PRIVATE = {
    "NAT64 (64:ff9b::/96) of 127.0.0.1": "64:ff9b::7f00:1",
    "NAT64 of 10.0.0.5": "64:ff9b::a00:5",
    "NAT64 of 169.254.169.254 (cloud metadata)": "64:ff9b::a9fe:a9fe",
    "NAT64 of 192.168.1.1, written as IPv4": "64:ff9b::192.168.1.1",
    "local-use NAT64 (64:ff9b:1::/48)": "64:ff9b:1::5db8:d822",
    "local-use NAT64 of 10.0.0.1": "64:ff9b:1:a00:1::",
    "6to4 (2002::/16) of 127.0.0.1": "2002:7f00:1::1",
    "6to4 of 192.168.1.1": "2002:c0a8:101::1",
    "6to4 of 10.0.0.1": "2002:a00:1:1::1",
    "Teredo (2001::/32)": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "Teredo with a private client": "2001:0:5db8:d822:0:0:f5ff:fffe",
    "IPv4-mapped 127.0.0.1": "::ffff:127.0.0.1",
    "IPv4-mapped 10.0.0.1": "::ffff:a00:1",
    "IPv4-compatible 127.0.0.1": "::127.0.0.1",
    "IPv4-compatible, even of a public address (deprecated, never routed)": "::93.184.216.34",
    "IPv4-translated (SIIT) 127.0.0.1": "::ffff:0:127.0.0.1",
    "IPv4-translated 192.168.0.1": "::ffff:0:c0a8:1",
    "site-local (fec0::/10)": "fec0::1",
    "unique local": "fd00::1",
    "link-local": "fe80::1",
    "link-local with a zone": "fe80::1%1",
    "loopback": "::1",
    "unspecified": "::",
    "discard-only": "100::1",
    "documentation": "2001:db8::1",
    "multicast": "ff0e::1",
    "IPv4 loopback": "127.0.0.1",
    "IPv4 shared address space (carrier NAT)": "100.64.0.1",
    "IPv4 multicast": "224.0.0.1",
    "IPv4 this network": "0.0.0.0",  # noqa: S104 (an address under test, nothing binds to it)
}
PUBLIC = {
    "IPv4": "93.184.216.34",
    "IPv6 global unicast": "2606:2800:220:1:248:1893:25c8:1946",
    "NAT64 of a public IPv4": "64:ff9b::5db8:d822",
    "6to4 of a public IPv4": "2002:5db8:d822::1",
    "IPv4-mapped public": "::ffff:93.184.216.34",
}


@pytest.mark.parametrize("address", PRIVATE.values(), ids=PRIVATE.keys())
def test_addresses_that_are_or_carry_a_private_one_are_not_public(address):
    assert not services._public(address)


@pytest.mark.parametrize("address", PUBLIC.values(), ids=PUBLIC.keys())
def test_public_addresses_and_prefixes_carrying_a_public_ipv4(address):
    assert services._public(address)


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:7f00:1::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
                                     "::127.0.0.1", "::ffff:0:127.0.0.1", "64:ff9b:1::a00:1"])
def test_a_transition_address_is_refused_as_a_literal_and_as_a_names_answer(owner, dns, checks_on, address):
    company = owner_company(owner)
    with pytest.raises(services.WebhookError, match="public addresses only"):
        services.create_webhook(company, owner, url=f"http://[{address}]/hook", events=["idea.created"])
    dns["nat.example"] = [[address]]
    with pytest.raises(services.WebhookError, match="public addresses only"):
        services.create_webhook(company, owner, url="http://nat.example/hook", events=["idea.created"])
