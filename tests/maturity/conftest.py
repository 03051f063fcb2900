"""After every maturity scenario the stored sums and figures are checked against the raw facts."""

import pytest
import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.maturity.stored import differences
from cocreate.products.models import Product


@pytest.fixture(autouse=True)
def _figures_in_step(app):
    yield
    db.session.rollback()
    products = list(db.session.scalars(sa.select(Product)))
    assert differences(products) == [], "the stored figures are out of step with the facts (flask maturity verify)"
