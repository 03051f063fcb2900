"""The webhooks' fixtures: a real HTTP receiver on 127.0.0.1 and a company owner."""

import pytest

from cocreate.companies.models import Role
from tests import factories
from tests.webhooks.test_webhooks import Receiver


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def owner():
    company = factories.CompanyFactory()
    return factories.member(company, Role.OWNER)
