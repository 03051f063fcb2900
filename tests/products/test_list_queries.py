"""The home page and the product list cost the same number of queries for 3 products as for 15."""

from datetime import date, timedelta

import pytest

from cocreate.companies.models import Role
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import count_queries, login


def _products(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        company = factories.CompanyFactory()
        product = factories.ProductFactory(company=company, name=f"Listed {i:02d}",
                                           visibility=Visibility.PRIVATE if i % 4 == 3 else Visibility.PUBLIC)
        for k in range(2):
            factories.VersionFactory(product=product, released_on=date.today() - timedelta(days=10 - k))


def _queries(client, path: str) -> tuple[int, str]:
    with count_queries() as n:
        response = client.get(path)
    assert response.status_code == 200
    return n(), response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/products"])
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_product_lists_cost_the_same_for_3_and_15_products(client, path, who):
    if who == "member":
        user = factories.UserFactory()
        login(client, user)
    _products(3)
    client.get(path)  # warm up
    few, html = _queries(client, path)
    assert "Listed 00" in html
    _products(12, start=3)
    if who == "member":  # a member of a company with a private product sees it too
        private = factories.ProductFactory(name="Listed private", visibility=Visibility.PRIVATE)
        factories.MembershipFactory(company=private.company, user=user, role=Role.PRODUCT)
    many, html = _queries(client, path)
    assert "Listed 14" in html
    assert ("Listed private" in html) == (who == "member")
    assert "Listed 03" not in html  # private to outsiders
    assert few == many, (few, many)
