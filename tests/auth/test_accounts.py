import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.notifications.models import MailMessage
from tests import factories
from tests.conftest import csrf_token, login, sign_up

GOOD = {"name": "Anouk", "email": "Anouk@Example.com", "password": "a long enough passphrase"}


def users():
    return db.session.scalars(sa.select(User)).all()


def mails_to(address: str) -> list[MailMessage]:
    return list(db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == address)
                                   .order_by(MailMessage.id)))


def test_signup_mails_a_link_that_creates_the_account_and_logs_in(client):
    """Sign-up no longer logs in at once (issue 15.9): the same answer for every address, the rest by mail."""
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == "/signup/sent"
    assert users() == []  # not before the address is confirmed
    assert "Check your mail" in client.get("/signup/sent").get_data(as_text=True)
    [mail] = mails_to("anouk@example.com")  # normalised
    path = re.search(r"https?://[^/\s]+(/signup/[\w-]+)", mail.body).group(1)
    assert "Finish signing up" in client.get(path).get_data(as_text=True)
    assert users() == []  # a GET changes nothing

    response = client.post(path)
    assert response.status_code == 303
    [user] = users()
    assert user.email == "anouk@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD["password"] not in user.password_hash
    page = client.get("/").get_data(as_text=True)
    assert "Log out" in page and "Anouk" in page
    assert client.post(path).status_code == 404  # used
    assert client.post("/logout").status_code == 303
    login(client, user, password=GOOD["password"])


def test_signup_with_an_existing_address_looks_the_same_and_tells_the_owner(app, client):
    """Issue 15.9: "An account with this e-mail exists already" told anyone which addresses have an account."""
    owner = factories.UserFactory(email="anouk@example.com", name="Anouk Owner")
    existing = client.post("/signup", data=GOOD)
    new = app.test_client().post("/signup", data={**GOOD, "email": "someone.new@example.com"})
    assert existing.status_code == new.status_code == 303
    assert existing.headers["Location"] == new.headers["Location"]
    assert existing.get_data() == new.get_data()
    assert len(users()) == 1 and GOOD["password"] != factories.PASSWORD
    login(app.test_client(), owner)  # the password is unchanged

    [mail] = mails_to("anouk@example.com")
    assert "tried to sign up" in mail.subject
    assert "/login" in mail.body and "/signup/" not in mail.body  # no way in but the owner's own password


def test_a_signup_link_expires(client):
    from cocreate.auth.models import SignupRequest

    client.post("/signup", data=GOOD)
    path = re.search(r"(/signup/[\w-]+)", mails_to("anouk@example.com")[0].body).group(1)
    db.session.execute(sa.update(SignupRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    assert users() == []
    assert client.post("/signup/not-a-token").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid e-mail address."),
        ({"password": "short"}, "Use at least 10 characters."),
        ({"password": "1234567890"}, "one of the most common"),
        ({"password": "x" * 129}, "Use at most 128 characters."),
        ({"name": ""}, "This field is required."),
        ({"name": "n" * 81}, "Field cannot be longer than 80 characters."),
    ],
)
def test_bad_signup_input_gets_a_clear_message_and_keeps_what_was_typed(client, change, message):
    response = client.post("/signup", data={**GOOD, **change})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if "name" not in change:
        assert 'value="Anouk"' in page  # nothing typed is lost
    assert users() == []


def test_128_character_password_is_accepted_whole(client):
    password = "p" * 127 + "!"
    assert sign_up(client, {**GOOD, "password": password}).status_code == 303
    client.post("/logout")
    assert client.post("/login", data={"email": GOOD["email"], "password": password}).status_code == 303
    client.post("/logout")
    assert client.post("/login", data={"email": GOOD["email"], "password": password[:-1]}).status_code == 400


def test_login_and_logout(client, user):
    login(client, user)
    assert user.name in client.get("/profile").get_data(as_text=True)
    assert client.post("/logout").status_code == 303
    response = client.get("/profile")
    assert response.status_code == 303
    assert "/login" in response.headers["Location"]


def test_unknown_user_and_wrong_password_get_the_same_answer(client, user):
    wrong = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "wrong password!"})
    assert wrong.status_code == unknown.status_code == 400
    message = "That e-mail and password do not match an account."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_logout_needs_post(client, logged_in):
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200


def test_copied_session_cookie_stops_working_after_logout(app, client, user):
    login(client, user)
    cookie = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/profile").status_code == 303


def test_remember_me_sets_a_cookie_that_logs_in_and_dies_on_logout(app, client, user):
    login(client, user, remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/profile").status_code == 200
    client.post("/logout")
    again = app.test_client()
    again.set_cookie("remember_token", remember.value)
    assert again.get("/profile").status_code == 303


def test_login_without_remember_sets_no_remember_cookie(client, user):
    login(client, user)
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/companies", "/companies"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_stays_on_site(client, user, target, expected):
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": factories.PASSWORD,
                                                           "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_login_page_for_protected_page_returns_there(client, user):
    response = client.get("/companies/new")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.endswith("/login?next=/companies/new")
    response = client.post(location, data={"email": user.email, "password": factories.PASSWORD,
                                           "next": "/companies/new"})
    assert response.headers["Location"] == "/companies/new"


def test_profile_edit_and_public_profile(client, logged_in):
    response = client.post("/profile", data={"name": "New Name", "bio": "I like <b>bikes</b>"})
    assert response.status_code == 303
    page = client.get(f"/users/{logged_in.id}").get_data(as_text=True)
    assert "New Name" in page
    assert "I like &lt;b&gt;bikes&lt;/b&gt;" in page
    assert db.session.get(User, logged_in.id).contact_opt_in is False  # unchecked box: no consent


def test_profile_rejects_empty_name_and_keeps_bio(client, logged_in):
    response = client.post("/profile", data={"name": "", "bio": "kept text"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page and "kept text" in page


def test_password_change_ends_other_sessions_keeps_this_one(app, client, user):
    login(client, user)
    other = app.test_client()
    login(other, user)
    response = client.post("/profile/password", data={
        "current": factories.PASSWORD, "new": "another fine passphrase", "confirm": "another fine passphrase"})
    assert response.status_code == 303
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 303
    client.post("/logout")
    login(client, user, password="another fine passphrase")


def test_password_change_with_wrong_current_password_changes_nothing(client, logged_in):
    response = client.post("/profile/password", data={
        "current": "not my password", "new": "another fine passphrase", "confirm": "another fine passphrase"})
    assert response.status_code == 400
    assert "That is not your current password." in response.get_data(as_text=True)
    client.post("/logout")
    login(client, logged_in)


def test_post_without_csrf_token_is_refused(client, user, csrf):
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    token = csrf_token(client)
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303


def test_logout_without_csrf_token_keeps_the_session(client, user, csrf):
    token = csrf_token(client)
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_create_user_command(runner):
    result = runner.invoke(args=["create-user", "--name", "Ops", "--email", "ops@example.com",
                                 "--password", "a long enough passphrase"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.name).where(User.email == "ops@example.com")) == "Ops"
    result = runner.invoke(args=["create-user", "--name", "Ops", "--email", "x@example.com", "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output


def test_login_gives_a_new_csrf_token(client, user, csrf):
    """Issue 15.13: a token read before the log-in (planted, or seen on a shared computer) is worth nothing after."""
    before = csrf_token(client)
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": before})
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.get("/profile").status_code == 200  # still logged in
    after = csrf_token(client, "/profile")
    assert after != before
    assert client.post("/logout", data={"csrf_token": after}).status_code == 303


def test_finishing_the_signup_gives_a_new_csrf_token(client, csrf):
    before = csrf_token(client, "/signup")
    assert client.post("/signup", data={**GOOD, "csrf_token": before}).status_code == 303
    link = re.search(r"(/signup/[\w-]+)", mails_to("anouk@example.com")[-1].body).group(1)
    assert client.post(link, data={"csrf_token": csrf_token(client, link)}).status_code == 303
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")}).status_code == 303


def test_logout_ends_the_csrf_token_too(client, user, csrf):
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/profile")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    # the next person at this browser logs in with a page they load themselves; the old token is gone with the session
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 400
