"""Deliveries a receiver verifies with the `standardwebhooks` package; rating totals; Slack-format messages."""

import json
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa
import standardwebhooks

from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Status
from cocreate.ideas.services import change_status
from cocreate.maturity.services import save_rating
from cocreate.webhooks import services
from cocreate.webhooks.models import Format, Webhook, WebhookDelivery
from tests import factories
from tests.conftest import csrf_token, login
from tests.webhooks.test_webhooks import owner_company, send_due, subscribe


def verified(secret: str, request: dict) -> dict:
    """What a receiver does with the library: raises unless the message is authentic and fresh."""
    return standardwebhooks.Webhook(secret).verify(request["body"], request["headers"])


def test_a_receiver_verifies_every_delivery_with_the_standardwebhooks_library(receiver, owner):
    webhook, secret = subscribe(owner, receiver.url)
    assert secret.startswith("whsec_") and services.standard_secret(secret)
    product = factories.ProductFactory(company=owner_company(owner))
    idea = factories.idea(product, title="Offline mode")
    change_status(idea, owner, Status.PLANNED)
    db.session.commit()
    assert send_due() == (2, 0)
    payloads = [verified(secret, request) for request in receiver.requests]
    assert [p["event"] for p in payloads] == ["idea.created", "idea.status_changed"]
    assert payloads[0]["data"]["idea"]["title"] == "Offline mode"
    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    assert len(set(ids)) == 2


def test_a_tampered_body_a_wrong_secret_or_an_old_message_does_not_verify(receiver, owner):
    _webhook, secret = subscribe(owner, receiver.url)
    factories.idea(factories.ProductFactory(company=owner_company(owner)))
    send_due()
    request = receiver.requests[0]
    tampered = {**request, "body": request["body"].replace(b'"idea.created"', b'"idea.status_changed"')}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified(secret, tampered)
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified(services.new_secret(), request)
    stale = dict(request["headers"], **{"webhook-timestamp": str(int((utcnow() - timedelta(hours=1)).timestamp()))})
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified(secret, {**request, "headers": stale})


def test_a_retry_keeps_its_message_id_and_is_signed_at_its_own_time(receiver, owner):
    _webhook, secret = subscribe(owner, receiver.url)
    factories.idea(factories.ProductFactory(company=owner_company(owner)))
    receiver.status = 500
    send_due()
    receiver.status = 200
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    later = utcnow() + timedelta(minutes=2)
    send_due(later)
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"] == f"msg_{delivery.id}"
    assert int(second["headers"]["webhook-timestamp"]) - int(first["headers"]["webhook-timestamp"]) >= 119
    assert standardwebhooks.Webhook(secret).sign(
        f"msg_{delivery.id}", later, second["body"].decode()) == second["headers"]["webhook-signature"]


@pytest.fixture
def signed_in(client, owner):
    login(client, owner)  # before `csrf`: the test client's login posts no token


def test_an_older_secret_keeps_its_header_until_the_owner_makes_a_new_one(client, receiver, owner, signed_in, csrf):
    company = owner_company(owner)
    webhook, _ = subscribe(owner, receiver.url)
    old = "whsec_" + next(s for s in iter(lambda: secrets.token_urlsafe(32), None)
                          if not services.standard_secret("whsec_" + s))  # one the library cannot decode
    webhook.secret = old
    db.session.commit()
    factories.idea(factories.ProductFactory(company=company))
    send_due()
    assert "webhook-signature" not in receiver.requests[0]["headers"]
    first = receiver.requests[0]
    assert first["headers"]["X-Cocreate-Signature"] == services.signature(old, first["body"])

    url = f"/c/{company.slug}/webhooks/{webhook.id}"
    assert "Make a new secret to verify them" in client.get(url).get_data(as_text=True)
    page = client.post(f"{url}/secret", data={"csrf_token": csrf_token(client, url)})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    new = db.session.get(Webhook, webhook.id).secret
    assert new != old and new in page.get_data(as_text=True)
    assert new not in client.get(url).get_data(as_text=True)  # shown once

    factories.idea(factories.ProductFactory(company=company))
    send_due()
    assert verified(new, receiver.requests[-1])["event"] == "idea.created"
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verified("whsec_" + "A" * 43, receiver.requests[-1])


def test_rolling_a_secret_needs_the_form_token(client, owner, signed_in, csrf):
    webhook, secret = subscribe(owner, "https://hooks.example.com/x")
    assert client.post(f"/c/{owner_company(owner).slug}/webhooks/{webhook.id}/secret").status_code == 400
    assert db.session.get(Webhook, webhook.id).secret == secret


def test_rating_saved_carries_the_versions_totals_and_nobody_s_identity(receiver, owner):
    company = owner_company(owner)
    _webhook, secret = subscribe(owner, receiver.url, events=("rating.saved",))
    product = factories.rated_product(company)
    version = product.versions[0]
    touchpoints = [t for t in product.touchpoints if t.active]
    raters = [factories.UserFactory(name="Rita Rater", email="rita@example.com"), factories.UserFactory()]
    for user, score in zip(raters, (5, 3), strict=True):
        save_rating(user, product, version, {t.id: score for t in touchpoints}, expected=4, returning=False,
                    comment="Secret thoughts")
        db.session.commit()
    assert send_due() == (2, 0)
    first, second = (verified(secret, r) for r in receiver.requests)
    assert first["event"] == "rating.saved" and first["data"]["raters"] == 1 and first["data"]["grade"] == 10.0
    data = second["data"]
    assert (data["raters"], data["grade"], data["version"]["label"]) == (2, 8.0, version.label)
    assert data["lower_bound"] == pytest.approx(8.0 - 2.0)  # mean - s/sqrt(n): s = 2.83, n = 2
    assert [(t["name"], t["grade"], t["scores"]) for t in data["touchpoints"]] == [
        (t.name, 8.0, 2) for t in touchpoints]
    raw = receiver.requests[1]["body"].decode()
    assert "Rita" not in raw and "rita@example.com" not in raw and "Secret thoughts" not in raw
    assert set(data) == {"product", "version", "raters", "grade", "lower_bound", "touchpoints"}


def test_ratings_read_no_figures_for_a_company_without_such_webhooks(owner, monkeypatch):
    product = factories.rated_product(owner_company(owner))
    version = product.versions[0]
    subscribe(owner, "https://hooks.example.com/x", events=("idea.created",))
    from cocreate.webhooks import subscribers

    monkeypatch.setattr(subscribers, "rating_totals", lambda version: pytest.fail("totals read for nobody"))
    save_rating(factories.UserFactory(), product, version, {t.id: 4 for t in product.touchpoints}, expected=None,
                returning=False)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


@pytest.fixture
def public_url(app):
    app.config["PUBLIC_URL"] = "https://cocreate.example"
    yield
    app.config.pop("PUBLIC_URL")


def test_a_slack_webhook_gets_a_readable_message_with_links_in_its_owners_language(receiver, owner, public_url):
    owner.locale = "nl"
    company = owner_company(owner)
    webhook, secret = services.create_webhook(company, owner, url=receiver.url,
                                              events=["idea.created", "idea.status_changed"], format=Format.SLACK)
    db.session.commit()
    product = factories.ProductFactory(company=company, name="Fietsdeel")
    idea = factories.idea(product, title="Map <night> & day")
    change_status(idea, owner, Status.PLANNED)
    db.session.commit()
    send_due()
    created, moved = (json.loads(r["body"]) for r in receiver.requests)
    assert set(created) == {"text"}
    link = f"<https://cocreate.example/p/{product.slug}/ideas/{idea.id}|Map &lt;night&gt; &amp; day>"
    assert created["text"] == f"Nieuw idee voor Fietsdeel: {link}"
    assert link in moved["text"] and "Gepland" in moved["text"]
    assert verified(secret, receiver.requests[0]) == created  # signed all the same


def test_the_owner_chooses_the_format_and_a_wrong_one_is_refused_in_place(client, owner):
    company = owner_company(owner)
    login(client, owner)
    url = f"/c/{company.slug}/webhooks"
    page = client.post(url, data={"url": "https://hooks.slack.com/services/T0/B0/x", "events": ["idea.created"],
                                  "format": "telegram", "csrf_token": csrf_token(client, url)})
    assert page.status_code == 400 and "Not a valid choice" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0
    page = client.post(url, data={"url": "https://hooks.slack.com/services/T0/B0/x", "events": ["idea.created"],
                                  "format": "slack", "csrf_token": csrf_token(client, url)})
    assert page.status_code == 200 and "Chat message" in page.get_data(as_text=True)
    webhook = db.session.scalar(sa.select(Webhook))
    assert webhook.format == Format.SLACK
    show = f"{url}/{webhook.id}"
    assert client.post(show, data={"url": webhook.url, "events": ["idea.created"], "format": "standard",
                                   "active": "y", "csrf_token": csrf_token(client, show)}).status_code == 303
    assert db.session.get(Webhook, webhook.id).format == Format.STANDARD
