import pytest

from cocreate.companies.models import Role
from tests import factories
from tests.conftest import login


@pytest.fixture
def product():
    return factories.rated_product(name="Fietsdeel")


@pytest.fixture
def company(product):
    return product.company


@pytest.fixture
def marketer(company):
    return factories.member(company, Role.MARKETING)


@pytest.fixture
def marketer_in(client, marketer):
    """The marketer, logged in (before any `csrf` fixture listed after this one switches CSRF on)."""
    login(client, marketer)
    return marketer
