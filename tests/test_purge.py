"""The daily purge tasks: old finished mail and webhook deliveries go; anything still to be sent stays."""

from datetime import timedelta

import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db, utcnow
from cocreate.notifications.models import MailMessage, MailState
from cocreate.webhooks import services as webhooks
from cocreate.webhooks.models import DeliveryState, WebhookDelivery
from tests import factories


def test_purge_deletes_old_finished_rows_only(runner):
    user = factories.UserFactory()
    old, recent = utcnow() - timedelta(days=120), utcnow() - timedelta(days=5)
    for state in MailState:
        for when in (old, recent):
            db.session.add(MailMessage(user_id=user.id, to_address=user.email, subject=f"{state} {when:%j}",
                                       body="-", state=state, created_at=when))
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    webhook, _ = webhooks.create_webhook(company, owner, url="https://hooks.example.com/x", events=["idea.created"])
    db.session.flush()
    for state in DeliveryState:
        for when in (old, recent):
            db.session.add(WebhookDelivery(webhook_id=webhook.id, event="idea.created", body="{}", state=state,
                                           created_at=when))
    db.session.commit()

    # The worker's daily tasks (run here as `flask tasks run` runs them).
    assert runner.invoke(args=["tasks", "run", "purge_mail"]).output.strip() == "3"
    assert runner.invoke(args=["tasks", "run", "purge_deliveries"]).output.strip() == "2"
    cutoff = utcnow() - timedelta(days=90)
    mails = {(m.state, m.created_at < cutoff) for m in db.session.scalars(sa.select(MailMessage))}
    assert mails == {(s, False) for s in MailState} | {(MailState.QUEUED, True), (MailState.DIGEST, True)}
    deliveries = {(d.state, d.created_at < cutoff) for d in db.session.scalars(sa.select(WebhookDelivery))}
    assert deliveries == {(s, False) for s in DeliveryState} | {(DeliveryState.PENDING, True)}
