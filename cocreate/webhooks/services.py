"""Webhooks: subscriptions, the delivery outbox and one delivery attempt. Services flush; the caller commits.

An event is queued (one WebhookDelivery per subscribed webhook) in the transaction that caused it (see
subscribers.py); once that commits, the worker's ``deliver_webhook`` task (tasks.py) POSTs it with

    X-Cocreate-Event: idea.created
    X-Cocreate-Delivery: <delivery id>   (the same on every attempt: receivers can drop a repeat)
    X-Cocreate-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook's secret>

Any 2xx is success. Anything else (or no answer within the timeout) is retried by Huey with the retry policy of
``cocreate.tasks`` (8 attempts, 1, 2, 4 … 64 minutes apart), then the delivery is marked failed, where the team
sees it and can send it again. Redirects are not followed (they could point at a private address).
"""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from cocreate import tasks
from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.refusal import N_, Refused
from cocreate.webhooks.models import DeliveryState, Event, Webhook, WebhookDelivery

TIMEOUT_SECONDS = 10
MAX_WEBHOOKS = 10
USER_AGENT = "Cocreate-Webhooks/1"


class WebhookError(Refused):
    """A subscription that cannot be saved; the message says why."""


# --------------------------------------------------------------------------- addresses

def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> str:
    """http/https only, with a host; unless allowed by configuration, no localhost or private address."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(N_("Enter an http:// or https:// address."))
    if parts.username or parts.password:
        raise WebhookError(N_("Put no user name or password in the address; use the secret to verify us."))
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as error:
        raise WebhookError(N_("The port in that address is not valid.")) from error
    if _allow_private():
        return url
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise WebhookError(N_("Webhooks go to public addresses only, not to localhost or a local network."))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not _public(host):
            raise WebhookError(N_("Webhooks go to public addresses only, not to a private or reserved IP address."))
        return url
    if resolve:
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise WebhookError(N_("We could not find the server “%(host)s”."), host=host) from error
        # info[4] is an (address, port, ...) tuple for TCP; typeshed also allows other families' int addresses
        if not infos or not all(_public(str(info[4][0])) for info in infos):
            raise WebhookError(N_("That server has a private or reserved address; webhooks go to public addresses "
                                 "only."))
    return url


# --------------------------------------------------------------------------- subscriptions

def _checked_events(events: Iterable[str]) -> list[str]:
    chosen: list[str] = [e.value for e in Event if e.value in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError(N_("Choose at least one event from the list."))
    return chosen


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(company: Company, actor: User, *, url: str, events: Iterable[str]) -> tuple[Webhook, str]:
    """A new subscription; returns it and its secret (shown once to the owner)."""
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Webhook).where(Webhook.company_id == company.id)).scalar_one()
    if count >= MAX_WEBHOOKS:
        raise WebhookError(N_("A company can have %(max)d webhooks; delete one first."), max=MAX_WEBHOOKS)
    secret = new_secret()
    webhook = Webhook(company_id=company.id, url=check_url(url), secret=secret, events=_checked_events(events),
                      created_by_id=actor.id)
    db.session.add(webhook)
    db.session.flush()
    return webhook, secret


def update_webhook(webhook: Webhook, *, url: str, events: Iterable[str], active: bool) -> None:
    webhook.url = check_url(url)
    webhook.events = _checked_events(events)
    webhook.active = active


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

def queue(company_id: int, event: Event, data: dict) -> list[WebhookDelivery]:
    """One delivery per active webhook of the company subscribed to the event."""
    hooks = [h for h in db.session.scalars(
        sa.select(Webhook).where(Webhook.company_id == company_id, Webhook.active.is_(True))
    ) if event.value in h.events]
    deliveries = []
    now = utcnow()
    for hook in hooks:
        body = json.dumps({"event": event.value, "created_at": now.isoformat(), "data": data},
                          ensure_ascii=False, separators=(",", ":"), default=str)
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
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(HTTP status, error text); status None when no answer came."""
    try:
        check_url(url)  # the address may resolve elsewhere by now
    except WebhookError as error:
        return None, str(error)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked above)
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code} {error.reason}"[:500]
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, str(reason)[:500] or type(error).__name__


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
