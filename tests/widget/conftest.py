"""The widget's fixtures: a product whose widget may show on one site, its owner, and the company's secret."""

from dataclasses import dataclass

import pytest

from cocreate.auth.models import User
from cocreate.companies.models import Company, Role
from cocreate.extensions import db
from cocreate.products.models import Product
from cocreate.widget import services
from tests import factories
from tests.security.conftest import limited_app, make_app  # noqa: F401 - fixtures for the rate-limit test

SITE = "https://proto.example.com"


@dataclass
class Setup:
    company: Company
    product: Product
    owner: User
    secret: str


@pytest.fixture
def widget() -> Setup:
    company = factories.CompanyFactory()
    owner = factories.member(company, Role.OWNER)
    product = factories.rated_product(company)
    services.add_origin(product, SITE)
    secret = services.new_secret(company).secret
    db.session.commit()
    return Setup(company, product, owner, secret)
