"""Issue 16, accounts: a changed address is confirmed by a link, a forgotten password is reset by one, and one signs
in by one. Every link is single-use, expires, is bound to its account and its address, and a bad one gets a clear
page with a way to ask for a new link (never a 500, never a log-in as someone else)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate.api.models import ApiToken
from cocreate.auth.models import AccountLink, User
from cocreate.extensions import db, utcnow
from cocreate.notifications.models import MailMessage
from tests import factories, taskqueue
from tests.conftest import login

NEW_PASSWORD = "a brand new long passphrase"


def mails_to(address: str) -> list[MailMessage]:
    """The mail to the address, once the worker has done what waits (reset and sign-in links are its work)."""
    taskqueue.run_queued()
    return list(db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == address)
                                   .order_by(MailMessage.id)))


def link_in(mail: MailMessage, path: str) -> str:
    """The link of ``path`` in the mail: from PUBLIC_URL, never the request's host."""
    match = re.search(r"(https?://[^/\s]+)(" + re.escape(path) + r"[\w-]+)", mail.body)
    assert match, mail.body
    assert match.group(1) == "https://cocreate.example", "links come from PUBLIC_URL"
    return match.group(2)


@pytest.fixture(autouse=True)
def _public_url(app):
    app.config["PUBLIC_URL"] = "https://cocreate.example"
    yield
    app.config.pop("PUBLIC_URL", None)


def page(response) -> str:
    return response.get_data(as_text=True)


# --- A changed address ---------------------------------------------------------------------------------------

def change_address(client, user, new: str, password: str = factories.PASSWORD):
    return client.post("/profile/email", data={"email": new, "password": password})


def test_a_changed_address_is_unverified_until_the_link_to_it_is_followed(client, user):
    login(client, user)
    old = user.email
    response = change_address(client, user, "New.Address@Example.com")
    assert response.status_code == 303
    db.session.expire_all()
    assert user.email == "new.address@example.com" and user.email_verified_at is None
    [told] = mails_to(old)
    assert "new.address@example.com" in told.body and "changed" in told.subject
    [mail] = mails_to("new.address@example.com")
    path = link_in(mail, "/email/confirm/")
    profile = page(client.get("/profile"))
    assert "not confirmed yet" in profile and "count once you confirm your address" in profile

    assert "Confirm my address" in page(client.get(path))
    db.session.expire_all()
    assert user.email_verified_at is None  # a GET changes nothing (mail scanners open links)
    assert client.post(path).status_code == 303
    db.session.expire_all()
    assert user.email_verified_at is not None
    assert "not confirmed yet" not in page(client.get("/profile"))

    again = client.post(path)  # reuse
    assert again.status_code == 410 and "used already" in page(again)


def test_changing_the_address_needs_the_password_and_a_free_address(client, user):
    other = factories.UserFactory(email="taken@example.com")
    login(client, user)
    wrong = change_address(client, user, "mine@example.com", password="not my password at all")
    assert wrong.status_code == 400 and "not your current password" in page(wrong)
    taken = change_address(client, user, other.email)
    assert taken.status_code == 400 and "Another account uses that address" in page(taken)
    same = change_address(client, user, user.email.upper())
    assert same.status_code == 400 and "your address already" in page(same)
    db.session.expire_all()
    assert user.email_verified_at is not None and mails_to("mine@example.com") == []


def test_verify_links_refuse_expired_tampered_moved_and_another_account(app, client, user):
    login(client, user)
    change_address(client, user, "first@example.com")
    first = link_in(mails_to("first@example.com")[0], "/email/confirm/")

    tampered = client.get(first[:-3] + ("aaa" if not first.endswith("aaa") else "bbb"))
    assert tampered.status_code == 404 and "not valid" in page(tampered)
    assert "Send me a new link" in page(tampered)  # the way to a new one

    intruder = app.test_client()
    login(intruder, factories.UserFactory())
    foreign = intruder.post(first)
    assert foreign.status_code == 403 and "another account" in page(foreign)
    db.session.expire_all()
    assert user.email_verified_at is None

    change_address(client, user, "second@example.com")
    moved = client.post(first)  # the account has another address now
    assert moved.status_code in (404, 410)
    second = link_in(mails_to("second@example.com")[0], "/email/confirm/")
    db.session.execute(sa.update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.post(second)
    assert expired.status_code == 410 and "expired" in page(expired)
    db.session.expire_all()
    assert user.email_verified_at is None

    for garbage in ("x", "a" * 300, "%00", "..%2f..%2fetc"):
        response = client.get(f"/email/confirm/{garbage}")
        assert response.status_code in (400, 404) and "Traceback" not in page(response)


def test_a_link_expires_after_24_hours(client, user):
    login(client, user)
    change_address(client, user, "late@example.com")
    link = db.session.scalar(sa.select(AccountLink))
    assert timedelta(hours=23, minutes=59) < link.expires_at - link.created_at <= timedelta(hours=24)


def test_resend_makes_a_new_link_the_old_one_stops_and_it_is_rate_limited(limited_app):
    client = limited_app.test_client()
    user = factories.UserFactory()
    login(client, user)
    change_address(client, user, "again@example.com")
    first = link_in(mails_to("again@example.com")[0], "/email/confirm/")
    assert client.post("/profile/email/resend").status_code == 303
    second = link_in(mails_to("again@example.com")[-1], "/email/confirm/")
    assert second != first
    assert client.post(first).status_code == 404  # only the newest link works
    assert client.post("/profile/email/resend").status_code == 303
    assert client.post("/profile/email/resend").status_code == 303
    limited = client.post("/profile/email/resend")
    assert limited.status_code == 429 and "Slow down" in page(limited)
    assert len(mails_to("again@example.com")) == 4
    assert client.post(link_in(mails_to("again@example.com")[-1], "/email/confirm/")).status_code == 303


# --- Forgot your password? -------------------------------------------------------------------------------------

def test_forgot_password_answers_alike_for_every_address_and_the_link_sets_a_new_password(app, client, user):
    known = client.post("/password/forgot", data={"email": user.email.upper()})
    unknown = app.test_client().post("/password/forgot", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert page(client.get(known.headers["Location"])) == page(app.test_client().get(unknown.headers["Location"]))
    [nobody] = mails_to("nobody@example.com")  # the same work: one mail either way
    assert "no Cocreate account" in nobody.body and "/password/reset/" not in nobody.body
    [mail] = mails_to(user.email)
    path = link_in(mail, "/password/reset/")
    link = db.session.scalar(sa.select(AccountLink).where(AccountLink.purpose == "reset"))
    assert link.expires_at - link.created_at == timedelta(hours=1)

    form = client.get(path)
    assert form.status_code == 200 and "Set a new password" in page(form)
    weak = client.post(path, data={"new": "short", "confirm": "short"})
    assert weak.status_code == 400
    done = client.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/password/reset/done"
    assert "Log in with your new password" in page(client.get(done.headers["Location"]))
    login(app.test_client(), user, password=NEW_PASSWORD)
    assert app.test_client().post("/login", data={"email": user.email, "password": factories.PASSWORD}) \
        .status_code == 400
    reused = client.post(path, data={"new": "yet another long passphrase", "confirm": "yet another long passphrase"})
    assert reused.status_code == 410 and "used already" in page(reused)
    assert "Ask for a new link" in page(reused)


def test_a_reset_ends_every_session_and_revokes_api_tokens(app, user):
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user, remember=True)
    login(laptop, user)
    db.session.add(ApiToken(user_id=user.id, name="script", token_hash="x" * 64, prefix="cc_x"))
    db.session.commit()
    app.test_client().post("/password/forgot", data={"email": user.email})
    path = link_in(mails_to(user.email)[0], "/password/reset/")
    assert app.test_client().post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    for client in (phone, laptop):
        assert client.get("/profile").status_code == 303  # to the log-in page: the session ended
    phone.delete_cookie("session")
    assert phone.get("/profile").status_code == 303  # the remember cookie too
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None


def test_reset_links_expire_refuse_tampering_and_another_account(app, client, user):
    client.post("/password/forgot", data={"email": user.email})
    path = link_in(mails_to(user.email)[0], "/password/reset/")
    other = app.test_client()
    login(other, factories.UserFactory())
    foreign = other.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert foreign.status_code == 403 and "another account" in page(foreign)
    tampered = client.get(path + "x")
    assert tampered.status_code == 404 and "not valid" in page(tampered)
    db.session.execute(sa.update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expired = client.post(path, data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert expired.status_code == 410 and "expired" in page(expired)
    login(app.test_client(), user)  # nothing changed
    again = client.post("/password/forgot", data={"email": user.email})  # the page offers a new link
    assert again.status_code == 303 and len(mails_to(user.email)) == 2


def test_forgot_password_is_limited_per_address_and_per_client(limited_app):
    from tests.security.test_rate_limits import address

    client = limited_app.test_client()
    for n in range(3):
        assert client.post("/password/forgot", data={"email": "target@example.com"},
                           environ_base=address(n + 1)).status_code == 303
    assert client.post("/password/forgot", data={"email": "TARGET@example.com"},
                       environ_base=address(9)).status_code == 429  # that mailbox, from anywhere
    for n in range(9):  # with the one above, ten from this client
        assert client.post("/password/forgot", data={"email": f"other{n}@example.com"},
                           environ_base=address(1)).status_code == 303
    assert client.post("/password/forgot", data={"email": "fresh@example.com"},
                       environ_base=address(1)).status_code == 429  # that client, for any address
    assert client.post("/password/forgot", data={"email": "fresh@example.com"},
                       environ_base=address(50)).status_code == 303


# --- Sign in by e-mail link --------------------------------------------------------------------------------

def test_an_email_link_signs_in_once(app, client, user):
    asked = client.post("/login/email", data={"email": user.email})
    unknown = app.test_client().post("/login/email", data={"email": "ghost@example.com"})
    assert asked.status_code == unknown.status_code == 303
    assert asked.headers["Location"] == unknown.headers["Location"]
    path = link_in(mails_to(user.email)[0], "/login/email/")
    assert "Sign me in" in page(client.get(path))
    assert client.get("/profile").status_code == 303  # a GET signs nobody in
    assert client.post(path).status_code == 303
    assert client.get("/profile").status_code == 200
    stranger = app.test_client()
    reused = stranger.post(path)
    assert reused.status_code == 410 and stranger.get("/profile").status_code == 303


def test_email_links_refuse_expiry_tampering_and_another_account(app, user):
    client = app.test_client()
    client.post("/login/email", data={"email": user.email})
    path = link_in(mails_to(user.email)[0], "/login/email/")
    intruder = app.test_client()
    someone = factories.UserFactory()
    login(intruder, someone)
    foreign = intruder.post(path)
    assert foreign.status_code == 403 and "another account" in page(foreign)
    assert "Log out" in page(foreign)
    db.session.expire_all()
    tampered = app.test_client().post(path.replace("/login/email/", "/login/email/A"))
    assert tampered.status_code == 404 and "Ask for a new link" in page(tampered)
    reset_path_used_as_login = app.test_client().post("/password/forgot", data={"email": user.email})
    assert reset_path_used_as_login.status_code == 303
    reset_token = link_in(mails_to(user.email)[-1], "/password/reset/").rsplit("/", 1)[1]
    wrong_purpose = app.test_client().post(f"/login/email/{reset_token}")
    assert wrong_purpose.status_code == 404  # a reset link does not sign in
    db.session.execute(sa.update(AccountLink).where(AccountLink.purpose == "login")
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    fresh = app.test_client()
    expired = fresh.post(path)
    assert expired.status_code == 410 and fresh.get("/profile").status_code == 303


def test_a_mailed_link_confirms_an_unconfirmed_address(app, client, user):
    login(client, user)
    change_address(client, user, "moved@example.com")
    app.test_client().post("/login/email", data={"email": "moved@example.com"})
    path = link_in(mails_to("moved@example.com")[-1], "/login/email/")
    assert app.test_client().post(path).status_code == 303
    assert db.session.get(User, user.id).email_verified_at is not None


def test_asking_for_a_link_does_the_same_work_for_every_address(app, client, user):
    """The request only hands the address to the worker: it reads no account, writes nothing, and queues one task,
    whether the address has an account or not (the answer cannot tell them apart, by content or by time)."""
    from tests.conftest import count_queries

    for path in ("/password/forgot", "/login/email"):
        seen = []
        for email in (user.email, "nobody@example.com"):
            taskqueue.clear()
            with count_queries() as statements:
                response = client.post(path, data={"email": email})
            seen.append((response.status_code, response.headers["Location"], statements(), taskqueue.queued()))
        assert seen[0] == seen[1]
        assert seen[0][2] == 0 and seen[0][3] == ["cocreate.auth.tasks.send_account_link"]
