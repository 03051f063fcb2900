"""Every feature's models, imported in one place for Alembic and `flask shell`."""

from cocreate.auth.models import User  # noqa: F401
from cocreate.companies.models import Company, Invitation, Membership  # noqa: F401
from cocreate.products.models import Product, ProductAccess, Version  # noqa: F401
