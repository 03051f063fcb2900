"""E-mail preferences, digests and one-click unsubscribe links (signed, expiring)."""

import re
import time
from urllib.parse import urlsplit

import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.ideas.models import Status
from cocreate.ideas.services import add_comment, change_status, set_vote
from cocreate.notifications import mail
from cocreate.notifications.models import EmailMode, MailMessage, MailState, Notification
from tests import factories
from tests.conftest import csrf_token, login
from tests.notifications.test_events_mail import send_mail, team_product


def test_never_means_no_mail_but_the_bell_still_shows_it(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Bigger saddle")
    login(client, author)
    page = client.get("/settings/notifications")
    assert page.status_code == 200
    assert re.search(r'<input checked[^>]*value="immediate"', page.get_data(as_text=True))
    assert client.post("/settings/notifications", data={"email": "never"}).status_code == 303
    change_status(idea, team, Status.UNDER_REVIEW)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 0
    send_mail(runner)
    assert smtp.messages == []
    assert 'class="bell-count">1<' in client.get("/").get_data(as_text=True)


def test_a_bad_preference_is_refused_with_a_message(client, user):
    login(client, user)
    response = client.post("/settings/notifications", data={"email": "hourly"})
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    assert mail.email_mode(user) == EmailMode.IMMEDIATE


def test_digest_groups_everything_into_one_mail(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory(name="Ada")
    first = factories.idea(product, author, title="Bigger saddle")
    second = factories.idea(product, author, title="Louder bell")
    mail.set_email_mode(author, EmailMode.DIGEST)
    change_status(first, team, Status.PLANNED)
    change_status(second, team, Status.DECLINED, note="Too loud for the city")
    db.session.commit()
    send_mail(runner)
    assert smtp.messages == []  # waits for the digest
    result = runner.invoke(args=["tasks", "run", "send_digests"])
    assert result.output.strip() == "1"
    assert runner.invoke(args=["tasks", "run", "send_digests"]).output.strip() == "0"  # bundled once only
    send_mail(runner)
    [message] = smtp.messages
    assert message["Subject"] == "Your Cocreate digest: 2 updates" and message["To"] == author.email
    text = message.get_content()
    assert "“Bigger saddle” is now planned" in text and "“Louder bell” is now declined" in text
    assert message["List-Unsubscribe"]
    states = set(db.session.scalars(sa.select(MailMessage.state).where(MailMessage.notification_id.is_not(None))))
    assert states == {MailState.BUNDLED}


def test_choosing_never_drops_mail_still_waiting(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author)
    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    mail.set_email_mode(author, EmailMode.NEVER)
    db.session.commit()
    send_mail(runner)
    assert smtp.messages == []


def _links(message) -> dict[str, str]:
    text = message.get_content()
    return {"idea": urlsplit(re.search(r"Stop following this idea: (\S+)", text).group(1)).path,
            "all": urlsplit(re.search(r"Stop all e-mail from Cocreate: (\S+)", text).group(1)).path}


def test_unsubscribe_from_all_mail_without_logging_in(client, runner, smtp):
    team, product = team_product()
    author = factories.UserFactory()
    idea = factories.idea(product, author, title="Bigger saddle")
    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    send_mail(runner)
    [message] = smtp.messages
    path = _links(message)["all"]
    assert message["List-Unsubscribe"] == f"<http://localhost:5000{path}>"
    page = client.get(path)  # a GET (mail scanners open links) changes nothing
    assert page.status_code == 200 and f"stop all e-mail to {author.email}" in page.get_data(as_text=True)
    assert mail.email_mode(author) == EmailMode.IMMEDIATE
    done = client.post(path)  # the button, or the mail client's RFC 8058 one-click POST (no session, no CSRF)
    assert done.status_code == 200 and "no more e-mail" in done.get_data(as_text=True)
    assert mail.email_mode(author) == EmailMode.NEVER


def test_one_click_post_needs_no_csrf_token(client, app, csrf):
    user = factories.UserFactory()
    token = mail.unsubscribe_token(user)
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    assert mail.email_mode(user) == EmailMode.NEVER


def test_unfollow_link_stops_that_idea_for_good(client, runner, smtp):
    team, product = team_product()
    voter = factories.UserFactory()
    idea = factories.idea(product, factories.UserFactory(), title="Bigger saddle")
    set_vote(idea, voter, True)
    change_status(idea, team, Status.PLANNED)
    db.session.commit()
    send_mail(runner)
    mine = next(m for m in smtp.messages if m["To"] == voter.email)
    path = _links(mine)["idea"]
    assert "stop following “Bigger saddle”" in client.get(path).get_data(as_text=True)
    assert "You no longer follow “Bigger saddle”" in client.post(path).get_data(as_text=True)
    # A later comment (which follows automatically) does not undo the explicit unfollow.
    add_comment(idea, voter, "Still keen")
    change_status(idea, team, Status.IN_PROGRESS)
    db.session.commit()
    assert [n.kind for n in db.session.scalars(sa.select(Notification).where(Notification.user_id == voter.id))] \
        == ["status"]


def test_tampered_token_is_refused_with_a_clear_page(client):
    user = factories.UserFactory()
    token = mail.unsubscribe_token(user)
    # Change a character inside the signature (the last base64 character may carry only padding bits).
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{tampered}")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    # Another user's id in an unsigned payload does not work either.
    signed = mail._serializer().dumps({"u": user.id, "s": "all"})
    forged = signed[:-5] + ("A" if signed[-5] != "A" else "B") + signed[-4:]
    assert client.post(f"/unsubscribe/{forged}").status_code == 400
    assert mail.email_mode(user) == EmailMode.IMMEDIATE


def test_token_signed_with_another_salt_or_key_is_refused(client, app):
    from itsdangerous import URLSafeTimedSerializer

    user = factories.UserFactory()
    for key, salt in ((app.config["SECRET_KEY"], "password-reset"), ("other-key", mail.UNSUBSCRIBE_SALT)):
        token = URLSafeTimedSerializer(key, salt=salt).dumps({"u": user.id, "s": "all"})
        assert client.post(f"/unsubscribe/{token}").status_code == 400
    assert mail.email_mode(user) == EmailMode.IMMEDIATE


def test_expired_token_is_refused(client, monkeypatch):
    user = factories.UserFactory()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - mail.UNSUBSCRIBE_MAX_AGE - 3600)
    token = mail.unsubscribe_token(user)
    monkeypatch.setattr(time, "time", real)
    for method in (client.get, client.post):
        response = method(f"/unsubscribe/{token}")
        assert response.status_code == 400 and "This unsubscribe link has expired" in response.get_data(as_text=True)
    assert mail.email_mode(user) == EmailMode.IMMEDIATE


def test_token_of_a_deleted_account_is_refused(client):
    user = factories.UserFactory()
    token = mail.unsubscribe_token(user)
    db.session.delete(user)
    db.session.commit()
    assert client.post(f"/unsubscribe/{token}").status_code == 400


def test_settings_need_login_and_csrf(client, user, csrf):
    assert client.get("/settings/notifications").status_code in (302, 303)
    login_page_token = csrf_token(client)
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                "csrf_token": login_page_token})
    assert client.post("/settings/notifications", data={"email": "never"}).status_code == 400
    assert mail.email_mode(user) == EmailMode.IMMEDIATE
    token = csrf_token(client, "/settings/notifications")
    assert client.post("/settings/notifications", data={"email": "never", "csrf_token": token}).status_code == 303
    assert mail.email_mode(user) == EmailMode.NEVER
