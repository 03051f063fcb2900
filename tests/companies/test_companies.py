import re
from datetime import timedelta

import sqlalchemy as sa

from cocreate.companies.models import Company, Invitation, Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.notifications.models import Notification
from tests import factories
from tests.conftest import login


def roles(company):
    return {m.user.email: m.role for m in db.session.scalars(
        sa.select(Membership).where(Membership.company_id == company.id))}


def test_creating_a_company_makes_you_its_owner(client, logged_in):
    response = client.post("/companies/new", data={"name": "Tulip Mobility"})
    assert response.status_code == 303
    company = db.session.scalar(sa.select(Company))
    assert company.slug == "tulip-mobility"
    assert response.headers["Location"] == "/c/tulip-mobility"
    assert roles(company) == {logged_in.email: Role.OWNER}
    assert "Tulip Mobility" in client.get("/companies").get_data(as_text=True)


def test_company_names_get_unique_slugs(client, logged_in):
    client.post("/companies/new", data={"name": "Acme"})
    client.post("/companies/new", data={"name": "ACME!"})
    assert sorted(db.session.scalars(sa.select(Company.slug))) == ["acme", "acme-2"]


def test_company_name_is_required(client, logged_in):
    response = client.post("/companies/new", data={"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def _flash(response) -> str:
    """The owner's answer, with the address and the invitation link taken out."""
    page = response.get_data(as_text=True)
    message = re.search(r"<p class=\"flash [^\"]*\">(.*?)</p>", page, re.S).group(1)
    return re.sub(r"\S+@example\.com", "EMAIL", message)


def test_an_existing_user_is_invited_and_joins_only_by_accepting(app, client):
    """Issue 15.1: an owner added any account to the company at once, even as its owner, without consent."""
    company = factories.CompanyFactory(name="Casa Verde")
    owner = factories.member(company, Role.OWNER)
    joost = factories.UserFactory(email="joost@example.com")
    login(client, owner)
    response = client.post(f"/c/{company.slug}/members", data={"email": "Joost@Example.com", "role": "owner"})
    assert response.status_code == 200
    assert joost.email not in roles(company)  # not a member yet
    assert joost.name not in response.get_data(as_text=True)  # the answer does not name the account

    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == joost.id)).all()
    assert note.kind == "member_invitation" and "Casa Verde" in note.subject and note.url == "/invitations"

    invitee = app.test_client()
    login(invitee, joost)
    page = invitee.get("/invitations").get_data(as_text=True)
    assert "Casa Verde" in page and "Accept" in page and "Decline" in page
    invitation = db.session.scalar(sa.select(Invitation))
    accepted = invitee.post(f"/invitations/{invitation.id}/accept")
    assert accepted.status_code == 303 and accepted.headers["Location"] == f"/c/{company.slug}"
    assert "Welcome to Casa Verde!" in invitee.get(accepted.headers["Location"]).get_data(as_text=True)
    assert roles(company)[joost.email] == Role.OWNER
    assert "Casa Verde" not in invitee.get("/invitations").get_data(as_text=True)  # answered


def test_the_owner_is_told_the_same_whether_the_address_has_an_account(client):
    company = factories.CompanyFactory()
    login(client, factories.member(company, Role.OWNER))
    factories.UserFactory(email="has.account@example.com")
    known = client.post(f"/c/{company.slug}/members", data={"email": "has.account@example.com", "role": "product"})
    unknown = client.post(f"/c/{company.slug}/members", data={"email": "no.account@example.com", "role": "product"})
    assert known.status_code == unknown.status_code == 200
    assert _flash(known) == _flash(unknown)
    assert 'readonly value="http' in known.get_data(as_text=True)  # both get the link to send themselves
    assert 'readonly value="http' in unknown.get_data(as_text=True)


def test_an_invited_user_may_decline_and_nobody_else_may_answer(app, client):
    company = factories.CompanyFactory(name="Casa Verde")
    owner = factories.member(company, Role.OWNER)
    joost = factories.UserFactory(email="joost@example.com")
    from cocreate.companies import services

    invitation, _token = services.invite(company, joost.email, Role.PRODUCT, owner)
    db.session.commit()
    invitation_id = invitation.id
    stranger = app.test_client()
    login(stranger, factories.UserFactory())
    assert stranger.post(f"/invitations/{invitation_id}/accept").status_code == 404
    assert stranger.post(f"/invitations/{invitation_id}/decline").status_code == 404
    assert "Casa Verde" not in stranger.get("/invitations").get_data(as_text=True)

    login(client, joost)
    response = client.post(f"/invitations/{invitation_id}/decline", follow_redirects=True)
    assert "You declined" in response.get_data(as_text=True)
    assert joost.email not in roles(company)
    assert db.session.scalar(sa.select(Invitation)) is None  # gone from the owner's "waiting" list too
    assert client.post(f"/invitations/{invitation_id}/accept").status_code == 404


def test_adding_a_member_twice_says_so(client):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    factories.member(company, Role.MARKETING, email="m@example.com")
    login(client, owner)
    response = client.post(f"/c/{company.slug}/members", data={"email": "m@example.com", "role": "product"})
    assert response.status_code == 400
    assert "is a member already" in response.get_data(as_text=True)
    assert roles(company)["m@example.com"] == Role.MARKETING


def test_invitation_link_for_someone_without_an_account(app, client):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    login(client, owner)
    response = client.post(f"/c/{company.slug}/members", data={"email": "new@example.com", "role": "marketing"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = page.split('readonly value="')[1].split('"')[0]
    assert link.startswith("http://localhost:5000/invitations/")  # PUBLIC_URL's default, never the request's Host
    path = link.replace("http://localhost:5000", "")
    assert db.session.scalar(sa.select(Invitation.email)) == "new@example.com"
    token = path.rsplit("/", 1)[1]
    assert token not in db.session.scalar(sa.select(Invitation.token_hash))  # only the hash is stored

    stranger = app.test_client()
    login(stranger, factories.UserFactory(email="other@example.com"))
    refused = stranger.post(path)
    assert refused.status_code == 400 and "This invitation is for new@example.com" in refused.get_data(as_text=True)

    invitee = app.test_client()
    login(invitee, factories.UserFactory(email="new@example.com"))
    assert invitee.post(path).status_code == 303
    assert roles(company)["new@example.com"] == Role.MARKETING
    again = invitee.post(path)
    assert again.status_code == 400 and "used already" in again.get_data(as_text=True)


def test_expired_invitation_is_refused(client):
    from cocreate.companies import services

    company = factories.CompanyFactory()
    owner = factories.member(company)
    invitation, token = services.invite(company, "late@example.com", Role.PRODUCT, owner)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login(client, factories.UserFactory(email="late@example.com"))
    response = client.post(f"/invitations/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
    assert client.get("/invitations/not-a-token").status_code == 404


def test_owner_changes_roles_and_removes_members_but_keeps_one_owner(client):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    product = factories.member(company, Role.PRODUCT)
    login(client, owner)
    mine = db.session.scalar(sa.select(Membership).where(Membership.user_id == owner.id))
    theirs = db.session.scalar(sa.select(Membership).where(Membership.user_id == product.id))
    client.post(f"/c/{company.slug}/members/{theirs.id}/role", data={"role": "marketing"})
    assert roles(company)[product.email] == Role.MARKETING
    response = client.post(f"/c/{company.slug}/members/{mine.id}/role", data={"role": "product"},
                           follow_redirects=True)
    assert "A company needs at least one owner." in response.get_data(as_text=True)
    assert roles(company)[owner.email] == Role.OWNER
    client.post(f"/c/{company.slug}/members/{theirs.id}/remove")
    assert product.email not in roles(company)


def test_only_owners_manage_the_team(client):
    company = factories.CompanyFactory()
    factories.member(company, Role.OWNER)
    for role in (Role.PRODUCT, Role.MARKETING):
        client.post("/logout")
        login(client, factories.member(company, role))
        assert client.get(f"/c/{company.slug}/members").status_code == 403
        assert client.post(f"/c/{company.slug}/members", data={"email": "x@example.com", "role": "owner"}
                           ).status_code == 403
    client.post("/logout")
    login(client, factories.UserFactory())  # a customer
    assert client.get(f"/c/{company.slug}/members").status_code == 403


def test_member_of_another_company_cannot_touch_this_one(client):
    a, b = factories.CompanyFactory(), factories.CompanyFactory()
    factories.member(b, Role.OWNER)
    victim = db.session.scalar(sa.select(Membership).where(Membership.company_id == b.id))
    login(client, factories.member(a, Role.OWNER))
    assert client.post(f"/c/{b.slug}/members/{victim.id}/remove").status_code == 403
    # a membership id of company B addressed through company A is not found
    assert client.post(f"/c/{a.slug}/members/{victim.id}/remove").status_code == 404
    assert db.session.get(Membership, victim.id) is not None


def test_anonymous_is_sent_to_log_in(client):
    company = factories.CompanyFactory()
    response = client.get(f"/c/{company.slug}/members")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    htmx = client.post("/companies/new", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"].startswith("/login")
