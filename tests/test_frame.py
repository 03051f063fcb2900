"""The page's frame (cocreate/frame.py): rendered once per person and language and kept, with what is a request's own
put in on every request. A kept frame must never show another person's name, a stale name, a stale bell count,
another session's CSRF token, another page's way back, or lose a flashed message."""

import re

import pytest
from flask import template_rendered

from cocreate.extensions import db
from cocreate.notifications.models import Notification
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def frames_rendered(app):
    """How many times templates/_frame.html was rendered."""
    seen: list[str] = []

    def record(_sender, template, context, **_extra):
        if template.name == "_frame.html":
            seen.append(template.name)

    template_rendered.connect(record, app)
    yield seen
    template_rendered.disconnect(record, app)


def profile_link(html: str) -> str:
    match = re.search(r'<li><a href="/profile">([^<]*)</a></li>', html)
    assert match, "no profile link in the header"
    return match.group(1)


def tokens(html: str) -> set[str]:
    return set(re.findall(r'"X-CSRFToken": "([^"]+)"', html)) | set(
        re.findall(r'name="csrf_token" value="([^"]+)"', html))


def bell(html: str) -> str:
    match = re.search(r'<a id="bell".*?</a>', html, re.S)
    assert match, "no bell"
    return match.group(0)


def test_each_person_sees_their_own_name_from_a_kept_frame(app, frames_rendered):
    ann, bob = factories.UserFactory(name="Ann Example"), factories.UserFactory(name="Bob Example")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, ann)
    login(second, bob)
    for _ in range(2):
        assert profile_link(first.get("/companies").get_data(as_text=True)) == "Ann Example"
        assert profile_link(second.get("/companies").get_data(as_text=True)) == "Bob Example"
    frames = len(frames_rendered)
    first.get("/products")
    second.get("/board")
    assert len(frames_rendered) == frames, "the frame is rendered again for a person it was already made for"


def test_a_new_name_shows_at_once(client, user):
    login(client, user)
    assert profile_link(client.get("/companies").get_data(as_text=True)) == user.name
    response = client.post("/profile", data={"name": "Renamed Person", "bio": "", "locale": ""})
    assert response.status_code in (200, 303)
    assert profile_link(client.get("/companies").get_data(as_text=True)) == "Renamed Person"


def test_the_bell_counts_what_is_unread_now(client, user):
    login(client, user)
    assert "none unread" in bell(client.get("/companies").get_data(as_text=True))
    db.session.add_all([Notification(user_id=user.id, kind="test", subject=f"News {n}", url="/") for n in range(3)])
    db.session.commit()
    html = bell(client.get("/companies").get_data(as_text=True))
    assert '<span class="bell-count">3</span>' in html and "has-unread" in html
    client.post("/notifications/read-all")
    assert "none unread" in bell(client.get("/companies").get_data(as_text=True))


def test_the_token_is_this_sessions_and_a_new_log_in_gets_a_new_one(app, csrf, user):
    other = factories.UserFactory()
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    for client, person in ((first, user), (second, other)):
        response = client.post("/login", data={"csrf_token": csrf_token(client), "email": person.email,
                                               "password": factories.PASSWORD})
        assert response.status_code == 303
    page_of_first, page_of_second = (c.get("/companies").get_data(as_text=True) for c in (first, second))
    assert len(tokens(page_of_first)) == 1 and len(tokens(page_of_second)) == 1
    assert tokens(page_of_first) != tokens(page_of_second)
    token = tokens(page_of_first).pop()
    assert first.post("/logout", data={"csrf_token": token}).status_code in (302, 303)
    first.post("/login", data={"csrf_token": csrf_token(first), "email": user.email, "password": factories.PASSWORD})
    assert tokens(first.get("/companies").get_data(as_text=True)).isdisjoint(tokens(page_of_first))


def test_flashed_messages_and_the_way_back_are_this_requests(client, user):
    html = client.get("/companies", follow_redirects=True).get_data(as_text=True)
    assert '<div class="flashes" role="status">' in html and "Please log in to continue." in html
    assert "Please log in to continue." not in client.get("/login").get_data(as_text=True)
    login(client, user)
    html = client.get("/products?q=<b>").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/products?q=&lt;b&gt;">' in html
    html = client.get("/board").get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/board">' in html


def test_a_visitors_frame_has_no_token_and_the_persons_language(client, user):
    html = client.get("/board", headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert '<html lang="nl">' in html and "Inloggen" in html and "csrf" not in html.lower()
    user.locale = "it"
    db.session.commit()
    login(client, user)
    html = client.get("/board").get_data(as_text=True)
    assert '<html lang="it">' in html and profile_link(html) == user.name and len(tokens(html)) == 1


def test_the_bell_is_read_with_the_user_and_asked_again_after_a_write_in_the_request(app, client, user):
    """The unread count comes with the user in the loader's one query (cocreate.auth.read_with_user): a signed-in
    page runs one statement that reads notifications. A notification written in the request drops it, so the bell
    asks the database again instead of showing the count from before."""
    import sqlalchemy as sa
    from flask import g

    from cocreate.auth import with_user
    from cocreate.notifications.services import UNREAD

    login(client, user)
    db.session.add(Notification(user_id=user.id, kind="test", subject="News", url="/"))
    db.session.commit()
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        html = client.get("/companies").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    assert '<span class="bell-count">1</span>' in bell(html)
    assert len([s for s in statements if "FROM notifications" in s]) == 1, statements
    with app.test_request_context("/"):
        g.with_user = (user.id, {UNREAD: 1})
        assert with_user(UNREAD, user) == 1
        db.session.add(Notification(user_id=user.id, kind="test", subject="More news", url="/"))
        db.session.flush()
        assert with_user(UNREAD, user) is None
        db.session.rollback()
