"""'My companies' and a company's members cost the same number of queries for 2 rows as for 10."""

from cocreate.companies.models import Role
from tests import factories
from tests.conftest import count_queries, login


def _queries(client, path: str) -> tuple[int, str]:
    with count_queries() as n:
        response = client.get(path)
    assert response.status_code == 200
    return n(), response.get_data(as_text=True)


def test_my_companies_costs_the_same_for_2_and_10(client):
    user = factories.UserFactory()
    login(client, user)
    for i in range(2):
        factories.MembershipFactory(user=user, company=factories.CompanyFactory(name=f"Mine {i}"), role=Role.PRODUCT)
    client.get("/companies")
    few, html = _queries(client, "/companies")
    assert "Mine 1" in html
    for i in range(2, 10):
        factories.MembershipFactory(user=user, company=factories.CompanyFactory(name=f"Mine {i}"), role=Role.OWNER)
    many, html = _queries(client, "/companies")
    assert "Mine 9" in html
    assert few == many, (few, many)


def test_members_page_costs_the_same_for_2_and_10_members(client):
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    login(client, owner)
    factories.member(company, Role.MARKETING, name="Member 1")
    path = f"/c/{company.slug}/members"
    client.get(path)
    few, html = _queries(client, path)
    assert "Member 1" in html
    for i in range(2, 10):
        factories.member(company, Role.PRODUCT, name=f"Member {i}")
    many, html = _queries(client, path)
    assert "Member 9" in html
    assert few == many, (few, many)
