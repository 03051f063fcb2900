"""Webhooks: subscriptions, the delivery outbox and one delivery attempt. Services flush; the caller commits.

An event is queued (one WebhookDelivery per subscribed webhook) in the transaction that caused it (see
subscribers.py); once that commits, the worker's ``deliver_webhook`` task (tasks.py) POSTs it, signed as the
Standard Webhooks specification says (https://www.standardwebhooks.com/), so that receivers verify it with the
``standardwebhooks`` libraries:

    webhook-id: msg_<delivery id>        (the same on every attempt: receivers can drop a repeat)
    webhook-timestamp: <unix seconds of this attempt>
    webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed with the secret's bytes>
    X-Cocreate-Event: idea.created
    X-Cocreate-Delivery: <delivery id>
    X-Cocreate-Signature: sha256=<hex HMAC-SHA256 of the raw body>   (the first signature; kept for receivers
                                                                      written before Standard Webhooks)

The body is the event as JSON, or, for a webhook in the Slack format, ``{"text": …}``: a readable message (in
the language of the owner who added the webhook) that Slack and Mattermost incoming webhooks post to a channel.

Any 2xx is success. Anything else (or no answer within the timeout) is retried by Huey with the retry policy of
``cocreate.tasks`` (8 attempts, 1, 2, 4 … 64 minutes apart), then the delivery is marked failed, where the team
sees it and can send it again. Redirects are not followed (they could point at a private address).

Where a webhook may go (SSRF): public addresses only, unless WEBHOOKS_ALLOW_PRIVATE (tests, development). At
delivery the host is looked up once, every address it has is checked, and the connection is made to a checked
address with the URL's host in the Host header and, for https, in the TLS handshake (SNI) and the certificate
check: a name that answers a public address to the check and 127.0.0.1 a moment later (DNS rebinding) cannot
reach loopback. IPv6 addresses that carry an IPv4 address (NAT64, 6to4, IPv4-mapped and -translated) count as
what they carry; Teredo, local-use NAT64 and IPv4-compatible ones never count as public.
"""

import base64
import binascii
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from urllib.parse import SplitResult, urlsplit

import sqlalchemy as sa
import standardwebhooks
from flask import current_app
from sqlalchemy.orm import Session

from cocreate import tasks
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.i18n import DEFAULT_LOCALE, force_locale, in_language_of
from cocreate.refusal import N_, Refused
from cocreate.webhooks import messages
from cocreate.webhooks.models import DeliveryState, Event, Format, Webhook, WebhookDelivery

TIMEOUT_SECONDS = 10
MAX_WEBHOOKS = 10
USER_AGENT = "Cocreate-Webhooks/1"


class WebhookError(Refused):
    """A subscription that cannot be saved; the message says why."""


# --------------------------------------------------------------------------- addresses

def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False))


# IPv6 prefixes whose addresses carry an IPv4 address: a packet to one may end at that IPv4 address (through a
# NAT64 gateway, a 6to4 relay, a dual-stack host), so the IPv4 address must be public too.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052 well-known prefix: the last 32 bits
_SIIT = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 IPv4-translated: the last 32 bits
# Never public, whatever they carry: local-use NAT64 (RFC 8215, the operator's own network), Teredo (RFC 4380:
# the client's address is inside, reached through relays), IPv4-compatible (RFC 4291, deprecated) and site-local
# (RFC 3879, deprecated). Apart from the prefixes above, only global unicast (2000::/3) can be public.
_NEVER_PUBLIC = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b:1::/48", "2001::/32", "::/96", "fec0::/10"))
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, IPv4-translated, NAT64 or 6to4 address carries, else None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _SIIT:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _public(address: str) -> bool:
    """Whether a webhook may go to ``address``: a global unicast address that carries no private IPv4 one."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _public(str(embedded))
        if any(ip in network for network in _NEVER_PUBLIC) or ip not in _GLOBAL_UNICAST:
            return False
    return ip.is_global and not ip.is_multicast


def _parse(url: str) -> SplitResult:
    """http/https only, with a host, no credentials, a valid port."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(N_("Enter an http:// or https:// address."))
    if parts.username or parts.password:
        raise WebhookError(N_("Put no user name or password in the address; use the secret to verify us."))
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as error:
        raise WebhookError(N_("The port in that address is not valid.")) from error
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


# An address to connect to, as getaddrinfo gives it: the family and the socket address ((host, port) for IPv4,
# (host, port, flowinfo, scope id) for IPv6).
Address = tuple[socket.AddressFamily, tuple]


def _resolve(host: str, port: int) -> list[Address]:
    """Every TCP address of ``host``, looked up once."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookError(N_("We could not find the server “%(host)s”."), host=host) from error
    addresses: list[Address] = [(family, sockaddr) for family, _, _, _, sockaddr in infos
                                if family in (socket.AF_INET, socket.AF_INET6)]
    if not addresses:
        raise WebhookError(N_("We could not find the server “%(host)s”."), host=host)
    return addresses


def _check_host(parts: SplitResult, *, resolve: bool) -> list[Address]:
    """No localhost or private address; with ``resolve``, the host's addresses, every one of them checked."""
    host = parts.hostname or ""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise WebhookError(N_("Webhooks go to public addresses only, not to localhost or a local network."))
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    if literal and not _public(host):
        raise WebhookError(N_("Webhooks go to public addresses only, not to a private or reserved IP address."))
    if not resolve:
        return []
    addresses = _resolve(host, _port(parts))
    if not all(_public(str(sockaddr[0])) for _, sockaddr in addresses):
        raise WebhookError(N_("That server has a private or reserved address; webhooks go to public addresses "
                             "only."))
    return addresses


def check_url(url: str, *, resolve: bool = True) -> str:
    """http/https only, with a host; unless allowed by configuration, no localhost or private address."""
    url = url.strip()
    parts = _parse(url)
    if not _allow_private():
        _check_host(parts, resolve=resolve)
    return url


def _destination(url: str) -> tuple[SplitResult, list[Address]]:
    """The URL's parts and the addresses to connect to: resolved once here and checked (unless allowed by
    configuration). The connection goes to these, never to a second look-up that DNS rebinding could answer
    differently."""
    parts = _parse(url.strip())
    if _allow_private():
        return parts, _resolve(parts.hostname or "", _port(parts))
    return parts, _check_host(parts, resolve=True)


# --------------------------------------------------------------------------- subscriptions

def _checked_events(events: Iterable[str]) -> list[str]:
    chosen: list[str] = [e.value for e in Event if e.value in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError(N_("Choose at least one event from the list."))
    return chosen


def new_secret() -> str:
    """``whsec_`` and 32 random bytes in base64: the form Standard Webhooks libraries take as it is."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_secret(secret: str) -> bool:
    """Whether Standard Webhooks libraries can use the secret. Secrets made before they were adopted (url-safe
    base64) often cannot; their webhooks keep the X-Cocreate-Signature header until the owner rolls the secret."""
    try:
        return bool(standardwebhooks.Webhook(secret))
    except (binascii.Error, ValueError, standardwebhooks.webhooks.EmptyWebhookSecretError):
        return False


def roll_secret(webhook: Webhook) -> str:
    """A new secret for the webhook (the old one stops verifying at once); returned to be shown once."""
    webhook.secret = new_secret()
    return webhook.secret


def create_webhook(company: Company, actor: User, *, url: str, events: Iterable[str],
                   format: Format = Format.STANDARD) -> tuple[Webhook, str]:
    """A new subscription; returns it and its secret (shown once to the owner)."""
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Webhook).where(Webhook.company_id == company.id)).scalar_one()
    if count >= MAX_WEBHOOKS:
        raise WebhookError(N_("A company can have %(max)d webhooks; delete one first."), max=MAX_WEBHOOKS)
    secret = new_secret()
    webhook = Webhook(company_id=company.id, url=check_url(url), secret=secret, events=_checked_events(events),
                      format=Format(format), created_by_id=actor.id)
    db.session.add(webhook)
    db.session.flush()
    return webhook, secret


def update_webhook(webhook: Webhook, *, url: str, events: Iterable[str], active: bool,
                   format: Format | None = None) -> None:
    webhook.url = check_url(url)
    webhook.events = _checked_events(events)
    webhook.active = active
    if format is not None:
        webhook.format = Format(format)


def delete_webhook(webhook: Webhook) -> None:
    db.session.delete(webhook)
    db.session.flush()


def webhooks_of(company: Company) -> list[Webhook]:
    return list(db.session.scalars(sa.select(Webhook).where(Webhook.company_id == company.id).order_by(Webhook.id)))


def deliveries_of(webhook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)
    ))


def retry_now(delivery: WebhookDelivery) -> None:
    """The owner asks for another try: due now, with a fresh set of attempts if it had given up."""
    if delivery.state == DeliveryState.FAILED:
        delivery.attempts = 0
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = utcnow()
    send_after_commit([delivery])


# --------------------------------------------------------------------------- queueing events

_HOOKS = "cocreate.webhooks.active"
_ACTIVE = sa.select(Webhook).where(Webhook.company_id == sa.bindparam("company"), Webhook.active.is_(True))


def _active_hooks(company_id: int) -> list[Webhook]:
    """The company's active webhooks, read once per transaction: a rating that opens three misses queues four
    events. Forgotten when the transaction ends and when a webhook is written (``_forget_hooks``)."""
    read = db.session.info.setdefault(_HOOKS, {})
    if company_id not in read:
        read[company_id] = list(db.session.scalars(_ACTIVE, {"company": company_id}))
    return read[company_id]


@sa.event.listens_for(Webhook, "after_insert")
@sa.event.listens_for(Webhook, "after_update")
@sa.event.listens_for(Webhook, "after_delete")
def _forget_written(_mapper, _connection, _webhook) -> None:
    _forget_hooks(db.session())


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _forget_hooks(session: Session) -> None:
    session.info.pop(_HOOKS, None)


def queue(company_id: int, event: Event, data: dict | Callable[[], dict]) -> list[WebhookDelivery]:
    """One delivery per active webhook of the company subscribed to the event. ``data`` may be a function:
    it is called only when some webhook wants the event (no figures read for a company without webhooks)."""
    hooks = [h for h in _active_hooks(company_id) if event.value in h.events]
    if not hooks:
        return []
    values = data() if callable(data) else data
    deliveries = []
    now = utcnow()
    for hook in hooks:
        payload: dict = {"event": event.value, "created_at": now.isoformat(), "data": values}
        if hook.format == Format.SLACK:
            creator = db.session.get(User, hook.created_by_id) if hook.created_by_id else None
            with in_language_of(creator) if creator else force_locale(DEFAULT_LOCALE):
                payload = {"text": messages.text(event, values)}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
        delivery = WebhookDelivery(webhook_id=hook.id, event=event.value, body=body, next_attempt_at=now,
                                   created_at=now)
        db.session.add(delivery)
        deliveries.append(delivery)
    send_after_commit(deliveries)
    return deliveries


def send_after_commit(deliveries: Sequence[WebhookDelivery]) -> None:
    """Flush, then hand each delivery to the worker once the transaction commits."""
    if not deliveries:
        return
    db.session.flush()
    from cocreate.webhooks.tasks import deliver_webhook  # the tasks module imports this one

    for delivery in deliveries:
        tasks.enqueue_after_commit(deliver_webhook, delivery.id)


# --------------------------------------------------------------------------- sending

def signature(secret: str, body: bytes) -> str:
    """The X-Cocreate-Signature header (the first scheme, kept for receivers that check it)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def standard_headers(secret: str, message_id: str, at: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed by the ``standardwebhooks`` package itself; none for a secret
    it cannot use (see ``standard_secret``)."""
    if not standard_secret(secret):
        return {}
    signed = standardwebhooks.Webhook(secret).sign(message_id, at, body.decode("utf-8"))
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())), "webhook-signature": signed}


def _tls_context() -> ssl.SSLContext:
    """Certificates verified against the system's authorities and the URL's host name."""
    return ssl.create_default_context()


def _connect(addresses: list[Address], timeout: float | None) -> socket.socket:
    """A TCP connection to the first of ``addresses`` that answers; no name is looked up here."""
    error: OSError = OSError("no address to connect to")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
        except OSError as failure:
            sock.close()
            error = failure
        else:
            return sock
    raise error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to the URL's host (its Host header) over a connection to addresses checked before."""

    def __init__(self, host: str, port: int, addresses: list[Address], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS the same way: the TLS handshake names the URL's host (SNI) and its certificate must be for it."""

    def __init__(self, host: str, port: int, addresses: list[Address], timeout: float):
        self.tls = _tls_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        sock = _connect(self.addresses, self.timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(HTTP status, error text); status None when no answer came. The host is resolved and checked once, and
    the connection made to that address (no DNS rebinding between the check and the connection); redirects are
    not followed."""
    try:
        parts, addresses = _destination(url)
    except WebhookError as error:
        return None, str(error)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection | None = None
    try:
        connection = kind(parts.hostname or "", _port(parts), addresses, TIMEOUT_SECONDS)
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        if 200 <= response.status < 300:
            return response.status, ""
        return response.status, f"HTTP {response.status} {response.reason}"[:500]
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, str(error)[:500] or type(error).__name__
    finally:
        if connection is not None:
            connection.close()


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """One attempt at one delivery, committed. Returns "delivered", "retry" (Huey tries again later), "failed"
    (given up) or "skipped" (not due, gone, its webhook switched off, or held by another worker)."""
    now = now or utcnow()
    table = WebhookDelivery.__table__
    active = sa.select(Webhook.id).where(Webhook.id == table.c.webhook_id, Webhook.active.is_(True)).exists()
    ready = sa.and_(table.c.state == DeliveryState.PENDING, table.c.next_attempt_at <= now, active)
    if not tasks.claim(table, delivery_id, ready, now):
        return "skipped"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return "skipped"
    outcome = attempt(delivery, now)
    delivery.claimed_until = None
    db.session.commit()
    return outcome


def attempt(delivery: WebhookDelivery, now: datetime) -> str:
    """POST the delivery once and record the outcome on it."""
    webhook = delivery.webhook
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **standard_headers(webhook.secret, f"msg_{delivery.id}", now, body),
        "X-Cocreate-Event": delivery.event,
        "X-Cocreate-Delivery": str(delivery.id),
        "X-Cocreate-Signature": signature(webhook.secret, body),
    }
    status, error = _post(webhook.url, body, headers)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status = status
    if status is not None and 200 <= status < 300:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
        return "delivered"
    delivery.last_error = error or f"HTTP {status}"
    if delivery.attempts >= tasks.ATTEMPTS:
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = None
        return "failed"
    delivery.next_attempt_at = now + tasks.retry_delay(delivery.attempts)
    return "retry"


def lost(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Pending deliveries past their due time (plus the grace Huey's own retry has) that no worker holds."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(WebhookDelivery.id).join(WebhookDelivery.webhook)
        .where(WebhookDelivery.state == DeliveryState.PENDING,
               WebhookDelivery.next_attempt_at <= now - tasks.SWEEP_GRACE, Webhook.active.is_(True),
               sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until < now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def purge(before: datetime) -> int:
    """Delete finished deliveries (delivered, failed) created before ``before``; pending ones never."""
    return len(db.session.execute(sa.delete(WebhookDelivery).where(
        WebhookDelivery.state.in_([DeliveryState.DELIVERED, DeliveryState.FAILED]),
        WebhookDelivery.created_at < before).returning(WebhookDelivery.id)).all())
