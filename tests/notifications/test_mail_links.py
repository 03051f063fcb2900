"""Links in mail come from PUBLIC_URL (else http://localhost:5000), never from the Host of the request that
queued the mail: a forged Host must not put the attacker's site, unsubscribe tokens and all, into anyone's mail."""

import pytest
import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.ideas.services import add_comment
from cocreate.notifications.models import MailMessage
from tests import factories

FORGED = "http://attacker.example"


def reply_with_a_forged_host(client) -> MailMessage:
    """Bo replies to Ada's comment through a request whose Host is attacker.example; Ada's mail is queued."""
    product = factories.ProductFactory()
    ada, bo = factories.UserFactory(name="Ada"), factories.UserFactory(name="Bo")
    idea = factories.idea(product, factories.UserFactory(), title="Bell")
    first = add_comment(idea, ada, "A louder bell please")
    db.session.commit()
    response = client.post("/login", data={"email": bo.email, "password": factories.PASSWORD}, base_url=FORGED)
    assert response.status_code == 303
    response = client.post(f"/p/{product.slug}/ideas/{idea.id}/comments", base_url=FORGED,
                           data={"body": "Agreed!", "parent_id": str(first.id)})
    assert response.status_code == 303
    [mail] = db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == ada.email)).all()
    return mail


def links(mail: MailMessage) -> list[str]:
    return [word for word in (mail.body + " " + (mail.unsubscribe_url or "")).split() if "://" in word]


def test_without_public_url_mail_links_go_to_localhost_not_the_requests_host(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    mail = reply_with_a_forged_host(client)
    assert "attacker.example" not in mail.body + (mail.unsubscribe_url or "")
    assert len(links(mail)) >= 3  # the comment, stop following, stop all
    assert all(link.startswith("http://localhost:5000/") for link in links(mail)), links(mail)


def test_with_public_url_mail_links_go_to_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://cocreate.example/")
    mail = reply_with_a_forged_host(client)
    assert "attacker.example" not in mail.body + (mail.unsubscribe_url or "")
    assert all(link.startswith("https://cocreate.example/") for link in links(mail)), links(mail)
    assert mail.unsubscribe_url.startswith("https://cocreate.example/unsubscribe/")


@pytest.mark.parametrize("base", ["https://cocreate.example", "https://example.org/feedback/"])
def test_absolute_url_joins_the_base_and_the_path(app, monkeypatch, base):
    from cocreate.web import absolute_url

    monkeypatch.setitem(app.config, "PUBLIC_URL", base)
    with app.test_request_context("/", base_url=FORGED):
        assert absolute_url("/p/bike") == base.rstrip("/") + "/p/bike"
