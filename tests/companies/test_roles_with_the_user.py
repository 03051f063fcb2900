"""The signed-in user's roles load with the user, in the same query: a page that asks `can()` for several companies
asks the database nothing more; a membership written during the request is seen at once."""

import sqlalchemy as sa
from flask_login import login_user

from cocreate.companies.access import can, remember_roles
from cocreate.companies.models import Membership, Role
from cocreate.extensions import db
from tests import factories
from tests.conftest import login


def _statements(app, client, path: str) -> list[str]:
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).lower())

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
    return seen


def test_a_team_members_roles_come_with_the_user(app, client):
    company = factories.CompanyFactory()
    product = factories.ProductFactory(company=company)
    owner = factories.member(company, Role.PRODUCT)
    factories.MembershipFactory(user=owner, company=factories.CompanyFactory(), role=Role.MARKETING)
    login(client, owner)
    html = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/p/{product.slug}/edit" in html  # the team's buttons: can("product.manage") said yes
    statements = _statements(app, client, f"/p/{product.slug}")
    with_memberships = [s for s in statements if "from memberships" in s or "join memberships" in s]
    assert len(with_memberships) == 1 and "from users" in with_memberships[0], with_memberships


def test_a_customer_asks_no_role_query_either(app, client):
    product = factories.ProductFactory()
    login(client, factories.UserFactory())
    html = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert f"/p/{product.slug}/edit" not in html
    statements = _statements(app, client, f"/p/{product.slug}")
    assert len([s for s in statements if "memberships" in s]) == 1  # the user loader's join, nothing else


def test_a_membership_written_during_the_request_counts_at_once(app):
    user, company = factories.UserFactory(), factories.CompanyFactory()
    with app.test_request_context():
        login_user(user)
        remember_roles(user, {})
        assert not can("product.manage", company)
        db.session.add(Membership(user_id=user.id, company_id=company.id, role=Role.OWNER))
        db.session.flush()
        assert can("product.manage", company)
        membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == user.id))
        membership.role = Role.MARKETING
        db.session.flush()
        assert not can("product.manage", company) and can("ambassadors.manage", company)
        db.session.delete(membership)
        db.session.flush()
        assert not can("ambassadors.manage", company)
        db.session.rollback()
