"""GDPR: a user downloads all their data as JSON, and deletes their account. Ideas and comments stay, by
"deleted user"; everything personal goes; sessions end."""

import json

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.auth.privacy import user_references
from cocreate.companies.models import Membership, Role
from cocreate.extensions import db
from cocreate.ideas.models import Comment, Idea, Vote
from cocreate.ideas.services import add_comment, set_vote
from cocreate.maturity.models import Rating
from tests import factories
from tests.conftest import login
from tests.security import world


def _active_user_world():
    """The customer has written an idea and a comment, voted for another's idea and rated the product."""
    w = world.build()
    me = w.users["customer"]
    me.bio = "I live in Utrecht and ride every day"
    mine = factories.idea(w.product, me, title="Bigger wheels please")
    comment = add_comment(w.idea, me, "Count me in, from my own account")
    set_vote(w.idea, me, True)
    version = w.version
    active = [t for t in w.product.touchpoints if t.active]
    rating = Rating(version_id=version.id, user_id=me.id, expected=3, returning=False, comment="Solid so far")
    db.session.add(rating)
    db.session.flush()
    from cocreate.maturity.models import RatingScore

    db.session.add_all([RatingScore(rating_id=rating.id, touchpoint_id=t.id, score=4) for t in active[:2]])
    db.session.commit()
    return w, me, mine, comment


def test_every_reference_to_a_user_says_what_happens_on_deletion():
    """Deleting an account relies on ON DELETE: a new table pointing at users must choose CASCADE or SET NULL."""
    missing = [f"{c.table.name}.{c.name}" for c in user_references() for fk in c.foreign_keys
               if fk.column.table.name == "users" and fk.ondelete not in ("CASCADE", "SET NULL")]
    assert not missing, f"Foreign keys to users without ondelete CASCADE/SET NULL: {missing}"


def test_export_holds_all_the_users_data_and_nothing_secret_or_of_others(client):
    w, me, mine, comment = _active_user_world()
    world.act_as(client, me)
    response = client.get("/profile/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"cocreate-data-")
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["profile"]["email"] == me.email and data["profile"]["bio"] == me.bio
    assert [i["title"] for i in data["ideas"]] == ["Bigger wheels please"]
    assert [c["body"] for c in data["comments"]] == ["Count me in, from my own account"]
    assert {v["idea_id"] for v in data["votes"]} == {w.idea.id, mine.id}  # an author votes for their own idea
    assert data["ratings"][0]["comment"] == "Solid so far" and len(data["ratings"][0]["scores"]) == 2
    assert data["product_access"] == [] and data["memberships"] == []
    assert [i["email"] for i in data["invitations_to_me"]] == [me.email]
    for secret in ("password_hash", "session_token", me.password_hash, me.session_token):
        assert secret not in text
    assert "I would love this." not in text  # the author's comment on the same idea is theirs, not mine
    assert w.users["author"].email not in text


def test_export_of_a_team_member_lists_memberships(client):
    w = world.build()
    world.act_as(client, w.users["marketing"])
    data = client.get("/profile/export").get_json()
    assert [(m["company_id"], m["role"]) for m in data["memberships"]] == [(w.company.id, "marketing")]


def _everything() -> str:
    return repr(world.snapshot())


def test_deleting_the_account_keeps_ideas_and_comments_as_deleted_user_and_removes_the_rest(app, client):
    w, me, mine, comment = _active_user_world()
    # (The password hash is not looked for: the factories give every user the same one.)
    personal = (me.email, me.name, me.bio, me.session_token)
    assert all(value in _everything() for value in personal)
    vote_count = w.idea.vote_count
    me_id, mine_id, comment_id = me.id, mine.id, comment.id
    login(client, me)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert copied.get("/profile").status_code == 200

    response = client.post("/profile/delete", data={"password": factories.PASSWORD, "understood": "y"})
    assert response.status_code == 303

    assert db.session.get(User, me_id) is None
    everything = _everything()
    assert not [value for value in personal if value in everything], "personal data left in the database"
    assert db.session.get(Idea, mine_id).author_id is None
    assert db.session.get(Comment, comment_id).author_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.user_id == me_id)) == 0
    assert db.session.get(Idea, w.idea.id).vote_count == vote_count - 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Rating).where(Rating.user_id == me_id)) == 0
    # Still readable, by "deleted user".
    page = client.get(f"/p/{w.product.slug}/ideas/{w.idea.id}").get_data(as_text=True)
    assert "Count me in, from my own account" in page and "deleted user" in page
    page = client.get(f"/p/{w.product.slug}/ideas/{mine_id}").get_data(as_text=True)
    assert "Bigger wheels please" in page and "deleted user" in page
    # Both sessions are over.
    for c in (client, copied):
        assert c.get("/profile").status_code == 303
    # The account is gone: its address and password no longer log in.
    assert client.post("/login", data={"email": personal[0], "password": factories.PASSWORD}).status_code == 400


def test_wrong_password_or_no_confirmation_deletes_nothing(client):
    w = world.build()
    me = w.users["customer"]
    world.act_as(client, me)
    for data, message in (({"password": "not my password!", "understood": "y"}, "not your password"),
                          ({"password": factories.PASSWORD}, "Tick the box")):
        response = client.post("/profile/delete", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
        assert db.session.get(User, me.id) is not None


def test_the_only_owner_of_a_company_must_hand_it_over_first(client):
    w = world.build()
    owner = w.users["owner"]
    owner_id = owner.id
    world.act_as(client, owner)
    data = {"password": factories.PASSWORD, "understood": "y"}
    response = client.post("/profile/delete", data=data)
    assert response.status_code == 400
    assert "only owner of Acme" in response.get_data(as_text=True)
    assert db.session.get(User, owner_id) is not None
    db.session.get(Membership, w.extra.id).role = Role.OWNER
    db.session.commit()
    assert client.post("/profile/delete", data=data).status_code == 303
    assert db.session.get(User, owner_id) is None


def test_delete_page_offers_the_export_first(client, logged_in):
    page = client.get("/profile/delete").get_data(as_text=True)
    assert "/profile/export" in page and "deleted user" in page


def test_export_says_the_customer_is_shortlisted_but_withholds_the_teams_note(client):
    """Issue 15.13: the customer is owed the fact (which company, the state, the dates: GDPR Art. 15(1)); the team's
    free-text note and who wrote it stay out of the self-service copy (Art. 15(4): it carries others' judgement),
    and the copy says that a note exists, so the customer can ask the company for it."""
    from cocreate.ambassadors import shortlist

    w = world.build()
    me, marketer = w.users["customer"], w.users["marketing"]
    shortlist.add_candidate(w.company, me, marketer, note="Pushy, but 40k followers: invite after the Q3 launch")
    db.session.commit()
    world.act_as(client, me)
    text = client.get("/profile/export").get_data(as_text=True)
    data = json.loads(text)
    [row] = data["ambassador_candidates.user_id"]
    assert row["company_id"] == w.company.id and row["state"] == "candidate" and row["created_at"]
    assert row["note_withheld"] is True
    assert "note" not in row and "added_by_id" not in row
    assert "Pushy" not in text and "40k" not in text
    assert "ambassador_candidates.note" in data["withheld"]


def test_the_marketers_export_lists_what_they_did_not_the_customers_on_the_shortlist(client):
    from cocreate.ambassadors import shortlist

    w = world.build()
    me, marketer = w.users["customer"], w.users["marketing"]
    shortlist.add_candidate(w.company, me, marketer, note="Pushy, but 40k followers")
    db.session.commit()
    world.act_as(client, marketer)
    text = client.get("/profile/export").get_data(as_text=True)
    [row] = json.loads(text)["ambassador_candidates.added_by_id"]
    assert row["company_id"] == w.company.id and row["added_by_id"] == marketer.id
    assert "user_id" not in row and "note" not in row and "Pushy" not in text


def test_every_withheld_column_exists():
    """A renamed column must not slip back into the copy unnoticed."""
    from cocreate.auth.privacy import WITHHELD, WITHHELD_NOTICE

    references = {(c.table.name, c.name): c.table for c in user_references()}
    for (table_name, column), (withheld, flagged) in WITHHELD.items():
        table = references[(table_name, column)]
        assert set(withheld) | set(flagged) <= set(table.c.keys())
        assert set(flagged) <= set(withheld)
        assert all(f"{table_name}.{name}" in WITHHELD_NOTICE for name in flagged)
