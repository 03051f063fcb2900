"""The shortlist workflow: candidate → invited → accepted / declined / withdrawn, and the customer's side."""

import pytest
import sqlalchemy as sa

from cocreate.ambassadors import shortlist
from cocreate.ambassadors.models import Candidate, State
from cocreate.companies.models import Role
from cocreate.extensions import db
from tests import factories
from tests.ambassadors.helpers import customer
from tests.conftest import login

HX = {"HX-Request": "true"}


def shortlisted(company, marketer, user, state=State.CANDIDATE) -> Candidate:
    candidate = shortlist.add_candidate(company, user, marketer)
    candidate.state = state
    if state != State.CANDIDATE:
        candidate.invited_at = candidate.created_at
    db.session.commit()
    return candidate


def base(company):
    return f"/c/{company.slug}/ambassadors/shortlist"


def test_marketing_adds_a_customer_once(client, company, marketer_in):
    ana = customer(name="Ana Amsel")
    response = client.post(base(company), data={"user_id": ana.id, "next": f"/c/{company.slug}/ambassadors"})
    assert response.status_code == 303 and response.location.endswith(f"/c/{company.slug}/ambassadors")
    again = client.post(base(company), data={"user_id": ana.id}, headers=HX)
    assert again.status_code == 409 and "on the shortlist already" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 1
    assert "Ana Amsel" in client.get(base(company)).get_data(as_text=True)


def test_adding_over_htmx_returns_the_cell(client, company, marketer_in):
    ana = customer()
    response = client.post(base(company), data={"user_id": ana.id}, headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<div class="amb-cell" id="shortlist-{ana.id}"') and "Candidate" in html


def test_members_and_unknown_ids_cannot_be_added(client, company, marketer_in):
    colleague = factories.member(company, Role.PRODUCT)
    response = client.post(base(company), data={"user_id": colleague.id}, follow_redirects=True)
    assert "is a member of" in response.get_data(as_text=True)
    for bad in ("999999", str(2**63), "abc", ""):
        assert client.post(base(company), data={"user_id": bad}).status_code in (400, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0


def test_invite_once_and_only_with_consent(client, company, marketer, marketer_in):
    willing = shortlisted(company, marketer, customer(name="Willing", contact_opt_in=True))
    shy = shortlisted(company, marketer, customer(name="Shy"))
    assert client.post(f"{base(company)}/{willing.id}/invite").status_code == 303
    assert willing.state == State.INVITED and willing.invited_at is not None
    twice = client.post(f"{base(company)}/{willing.id}/invite", headers=HX)
    assert twice.status_code == 409 and "invited already" in twice.get_data(as_text=True)
    refused = client.post(f"{base(company)}/{shy.id}/invite", headers=HX)
    assert refused.status_code == 409 and "has not agreed" in refused.get_data(as_text=True)
    assert shy.state == State.CANDIDATE


def test_the_invited_customer_sees_and_accepts_and_gets_the_badge(client, product, company, marketer):
    ana = customer(name="Ana Amsel", contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana)
    login(client, ana)
    assert company.name not in client.get("/me/invitations").get_data(as_text=True)  # the shortlist is internal
    shortlist.invite(candidate)
    db.session.commit()
    page = client.get("/me/invitations").get_data(as_text=True)
    assert company.name in page and "Accept" in page
    response = client.post(f"/me/invitations/{candidate.id}/accept", headers=HX)
    assert response.status_code == 200 and "Accepted" in response.get_data(as_text=True)
    assert candidate.state == State.ACCEPTED
    profile = client.get(f"/users/{ana.id}").get_data(as_text=True)
    assert "Ambassador" in profile and company.name in profile
    from cocreate.ideas.services import create_idea
    own = create_idea(product, ana, title="Night mode")
    db.session.commit()
    assert "amb-badge" in client.get(f"/p/{product.slug}/ideas/{own.id}").get_data(as_text=True)


def test_declining_plain_redirects_and_leaves_no_badge(client, company, marketer):
    ana = customer(contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana, State.INVITED)
    login(client, ana)
    response = client.post(f"/me/invitations/{candidate.id}/decline")
    assert response.status_code == 303 and response.location.endswith("/me/invitations")
    assert candidate.state == State.DECLINED
    assert "amb-badge" not in client.get(f"/users/{ana.id}").get_data(as_text=True)
    again = client.post(f"/me/invitations/{candidate.id}/accept", headers=HX)
    assert again.status_code == 409 and candidate.state == State.DECLINED


def test_nobody_answers_for_someone_else(client, company, marketer):
    ana = customer(contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana, State.INVITED)
    login(client, customer())
    assert client.post(f"/me/invitations/{candidate.id}/accept").status_code == 404
    login(client, marketer)
    assert client.post(f"/me/invitations/{candidate.id}/accept").status_code == 404
    assert candidate.state == State.INVITED
    with pytest.raises(shortlist.AmbassadorError):
        shortlist.answer(candidate, marketer, True)


def test_a_customer_cannot_answer_an_entry_they_were_never_invited_to(client, company, marketer):
    ana = customer(contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana)
    login(client, ana)
    assert client.post(f"/me/invitations/{candidate.id}/accept").status_code == 404
    assert candidate.state == State.CANDIDATE


def test_marketing_withdraws_and_the_badge_goes(client, company, marketer, marketer_in):
    ana = customer(contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana, State.ACCEPTED)
    assert "amb-badge" in client.get(f"/users/{ana.id}").get_data(as_text=True)
    response = client.post(f"{base(company)}/{candidate.id}/withdraw", headers=HX)
    assert response.status_code == 200 and "Withdrawn" in response.get_data(as_text=True)
    assert candidate.state == State.WITHDRAWN
    assert "amb-badge" not in client.get(f"/users/{ana.id}").get_data(as_text=True)
    assert client.post(f"{base(company)}/{candidate.id}/invite", headers=HX).status_code == 409


@pytest.mark.parametrize("start,to,allowed", [
    (State.CANDIDATE, State.INVITED, True), (State.CANDIDATE, State.ACCEPTED, False),
    (State.INVITED, State.INVITED, False), (State.INVITED, State.WITHDRAWN, True),
    (State.DECLINED, State.INVITED, False), (State.WITHDRAWN, State.INVITED, False),
    (State.ACCEPTED, State.DECLINED, False),
])
def test_transitions(company, marketer, start, to, allowed):
    candidate = shortlisted(company, marketer, customer(contact_opt_in=True), start)
    change = {State.INVITED: shortlist.invite, State.WITHDRAWN: shortlist.withdraw,
              State.ACCEPTED: lambda c: shortlist.answer(c, c.user, True),
              State.DECLINED: lambda c: shortlist.answer(c, c.user, False)}[to]
    if allowed:
        change(candidate)
        assert candidate.state == to
    else:
        with pytest.raises(shortlist.AmbassadorError):
            change(candidate)
        assert candidate.state == start


def test_other_companies_cannot_touch_the_shortlist(client, company, marketer):
    candidate = shortlisted(company, marketer, customer(contact_opt_in=True))
    other = factories.CompanyFactory()
    login(client, factories.member(other, Role.MARKETING))
    assert client.post(f"{base(company)}/{candidate.id}/invite").status_code == 403
    assert client.post(f"{base(other)}/{candidate.id}/invite").status_code == 404
    login(client, factories.member(company, Role.PRODUCT))
    assert client.post(f"{base(company)}/{candidate.id}/withdraw").status_code == 403
    assert candidate.state == State.CANDIDATE


def test_notes_are_saved_and_a_too_long_one_is_kept_with_a_message(client, company, marketer, marketer_in):
    candidate = shortlisted(company, marketer, customer())
    field = f"c{candidate.id}-note"
    saved = client.post(f"{base(company)}/{candidate.id}/note", data={field: "Met at the Utrecht meetup"})
    assert saved.status_code == 303
    assert candidate.note == "Met at the Utrecht meetup"
    long = "x" * 2001
    response = client.post(f"{base(company)}/{candidate.id}/note", data={field: long})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "under 2,000 characters" in html and long in html
    assert candidate.note == "Met at the Utrecht meetup"


def test_invitation_pages_need_login(client):
    assert client.get("/me/invitations").status_code in (302, 303)


def test_an_invitation_notifies_the_customer(client, company, marketer, marketer_in):
    from cocreate.notifications.models import Notification

    ana = customer(contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana)
    client.post(f"{base(company)}/{candidate.id}/invite")
    sent = db.session.scalars(sa.select(Notification).where(Notification.user_id == ana.id)).all()
    assert [(n.kind, n.url) for n in sent] == [("ambassador_invitation", "/me/invitations")]
    assert company.name in sent[0].subject


def test_the_badge_shows_next_to_an_ambassadors_comment_only(client, product, company, marketer):
    from cocreate.ideas.services import add_comment, create_idea

    ambassador, other = customer(name="Ana Amsel", contact_opt_in=True), customer(name="Bo Berg")
    shortlisted(company, marketer, ambassador, State.ACCEPTED)
    idea = create_idea(product, other, title="Night mode")
    add_comment(idea, other, "Me too")
    db.session.commit()
    html = client.get(f"/p/{product.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert "amb-badge" not in html
    add_comment(idea, ambassador, "Yes please")
    db.session.commit()
    html = client.get(f"/p/{product.slug}/ideas/{idea.id}").get_data(as_text=True)
    assert html.count('badge amb-badge">Ambassador') == 1
    assert html.index("Ana Amsel") < html.index('badge amb-badge">Ambassador')


def test_shortlist_changes_need_a_csrf_token(client, company, marketer, marketer_in, csrf):
    ana = customer(contact_opt_in=True)
    assert client.post(base(company), data={"user_id": ana.id}).status_code == 400
    candidate = shortlisted(company, marketer, ana)
    assert client.post(f"{base(company)}/{candidate.id}/invite").status_code == 400
    assert candidate.state == State.CANDIDATE


@pytest.mark.parametrize(("answer", "word"), [("accept", "accepted"), ("decline", "declined")])
def test_the_marketer_who_invited_hears_the_answer_in_the_bell_and_by_mail(client, company, marketer, answer, word):
    """Issue 14.10: marketing was not told when an invited ambassador answered."""
    from cocreate.notifications.models import MailMessage, Notification

    other_marketer = factories.member(company, Role.MARKETING)
    ana = customer(name="Ana Amsel", contact_opt_in=True)
    candidate = shortlisted(company, other_marketer, ana)
    login(client, marketer)
    assert client.post(f"{base(company)}/{candidate.id}/invite").status_code == 303
    assert candidate.invited_by_id == marketer.id
    client.post("/logout")
    login(client, ana)
    assert client.post(f"/me/invitations/{candidate.id}/{answer}").status_code == 303
    told = db.session.scalars(sa.select(Notification).where(Notification.kind == "ambassador_answer")).all()
    assert [n.user_id for n in told] == [marketer.id]  # who invited, not who shortlisted
    assert told[0].subject == f"Ana Amsel {word} the invitation to be an ambassador of {company.name}"
    assert told[0].url == f"/c/{company.slug}/ambassadors/shortlist"
    mail = db.session.scalars(sa.select(MailMessage).where(MailMessage.subject.contains(word))).all()
    assert [m.to_address for m in mail] == [marketer.email]  # queued, sent by the worker after the commit


def test_an_invitation_sent_before_the_inviter_was_recorded_tells_who_shortlisted(client, company, marketer):
    from cocreate.notifications.models import Notification

    ana = customer(name="Ana Amsel", contact_opt_in=True)
    candidate = shortlisted(company, marketer, ana, state=State.INVITED)  # no invited_by, as before migration 0018
    login(client, ana)
    client.post(f"/me/invitations/{candidate.id}/accept")
    assert [n.user_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "ambassador_answer"))] == [marketer.id]
