"""Webhooks: subscriptions, the delivery queue and the sender. Services flush; the caller commits.

Events are queued (one WebhookDelivery per subscribed webhook) in the transaction that caused them,
so nothing is sent inside a web request and a rolled-back change sends nothing. `flask send-webhooks`
POSTs due deliveries with

    X-Cocreate-Event: idea.created
    X-Cocreate-Delivery: <delivery id>
    X-Cocreate-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook's secret>

Any 2xx is success. Anything else (or no answer within the timeout) is retried with exponential
back-off: 1 min, 2 min, 4 min … (BACKOFF · 2^(attempt-1)), MAX_ATTEMPTS attempts in all, then the
delivery is marked failed. Redirects are not followed (they could point at a private address).
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
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from cocreate.auth.models import User
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.i18n import _
from cocreate.products.models import Version
from cocreate.webhooks.models import DeliveryState, Event, Webhook, WebhookDelivery

MAX_ATTEMPTS = 8
BACKOFF = timedelta(minutes=1)
TIMEOUT_SECONDS = 10
MAX_WEBHOOKS = 10
USER_AGENT = "Cocreate-Webhooks/1"


class WebhookError(Exception):
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
        raise WebhookError(_("Enter an http:// or https:// address."))
    if parts.username or parts.password:
        raise WebhookError(_("Put no user name or password in the address; use the secret to verify us."))
    try:
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError as error:
        raise WebhookError(_("The port in that address is not valid.")) from error
    if _allow_private():
        return url
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise WebhookError(_("Webhooks go to public addresses only, not to localhost or a local network."))
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not _public(host):
            raise WebhookError(_("Webhooks go to public addresses only, not to a private or reserved IP address."))
        return url
    if resolve:
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise WebhookError(_("We could not find the server “%(host)s”.", host=host)) from error
        if not infos or not all(_public(info[4][0]) for info in infos):
            raise WebhookError(_("That server has a private or reserved address; webhooks go to public addresses "
                                 "only."))
    return url


# --------------------------------------------------------------------------- subscriptions

def _checked_events(events: Iterable[str]) -> list[str]:
    chosen = [e.value for e in Event if e.value in set(events)]
    if not chosen or len(chosen) != len(set(events)):
        raise WebhookError(_("Choose at least one event from the list."))
    return chosen


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_webhook(company: Company, actor: User, *, url: str, events: Iterable[str]) -> tuple[Webhook, str]:
    """A new subscription; returns it and its secret (shown once to the owner)."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Webhook).where(Webhook.company_id == company.id))
    if count >= MAX_WEBHOOKS:
        raise WebhookError(_("A company can have %(max)d webhooks; delete one first.", max=MAX_WEBHOOKS))
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


def rotate_secret(webhook: Webhook) -> str:
    webhook.secret = new_secret()
    return webhook.secret


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
    if deliveries:
        db.session.flush()
    return deliveries


def _product(product) -> dict:
    return {"slug": product.slug, "name": product.name, "path": f"/p/{product.slug}"}


def _idea(idea) -> dict:
    return {"id": idea.id, "title": idea.title, "status": idea.status.value, "vote_count": idea.vote_count,
            "path": f"/p/{idea.product.slug}/ideas/{idea.id}"}


def on_idea_created(idea) -> None:
    queue(idea.product.company_id, Event.IDEA_CREATED, {"product": _product(idea.product), "idea": _idea(idea)})


def on_status_changed(idea, change) -> None:
    version = db.session.get(Version, change.shipped_version_id) if change.shipped_version_id else None
    queue(idea.product.company_id, Event.IDEA_STATUS_CHANGED, {
        "product": _product(idea.product), "idea": _idea(idea),
        "from": change.from_status.value, "to": change.to_status.value, "note": change.note,
        "promised_on": change.promised_on, "shipped_version": version.label if version else None,
    })


def on_version_released(version) -> None:
    """Queue "version.released" once, when the release date has come: at creation for a version released today
    or earlier, else from an edit that moves the date back, or from `flask announce-releases` on the day."""
    if not version.is_released or version.release_announced_at is not None:
        return
    version.release_announced_at = utcnow()
    product = version.product
    queue(product.company_id, Event.VERSION_RELEASED, {
        "product": _product(product),
        "version": {"id": version.id, "label": version.label, "released_on": version.released_on,
                    "demo_url": version.demo_url},
    })


def on_stage_changes(changes: Sequence) -> None:
    for change in changes:
        product = change.product
        queue(product.company_id, Event.PRODUCT_STAGE_CHANGED, {
            "product": _product(product), "from": change.from_stage, "to": change.to_stage,
            "version": change.version.label if change.version else None,
        })


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


def next_delay(attempts: int) -> timedelta:
    return BACKOFF * 2 ** (attempts - 1)


def attempt(delivery: WebhookDelivery, now: datetime | None = None) -> bool:
    """Send one delivery once and record the outcome; True when the receiver accepted it."""
    now = now or utcnow()
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
        return True
    delivery.last_error = error or f"HTTP {status}"
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + next_delay(delivery.attempts)
    return False


def due_deliveries(now: datetime | None = None, limit: int = 100) -> list[WebhookDelivery]:
    """Pending deliveries whose time has come, oldest first; rows another sender holds are skipped."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(WebhookDelivery).join(WebhookDelivery.webhook)
        .where(WebhookDelivery.state == DeliveryState.PENDING, WebhookDelivery.next_attempt_at <= now,
               Webhook.active.is_(True))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
        .options(sa.orm.contains_eager(WebhookDelivery.webhook))
    ))


def send_due(now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Attempt every due delivery once; returns (delivered, failed attempts). The caller commits."""
    delivered = failed = 0
    for delivery in due_deliveries(now, limit):
        if attempt(delivery, now):
            delivered += 1
        else:
            failed += 1
    db.session.flush()
    return delivered, failed
