"""factory_boy factories bound to the app's session. Passwords are hashed once, cheaply."""

from datetime import date, timedelta
from functools import cache

import factory
from argon2 import PasswordHasher

from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db
from cocreate.products.models import Product, Version, Visibility
from cocreate.text import render_markdown

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=64).hash(PASSWORD)


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password_hash = factory.LazyFunction(password_hash)


class CompanyFactory(Base):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class MembershipFactory(Base):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class ProductFactory(Base):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    tagline = "A product"
    description = "Some **bold** text"
    description_html = factory.LazyAttribute(lambda o: render_markdown(o.description))
    visibility = Visibility.PUBLIC


class VersionFactory(Base):
    class Meta:
        model = Version

    product = factory.SubFactory(ProductFactory)
    label = factory.Sequence(lambda n: f"v0.{n}")
    released_on = factory.LazyFunction(lambda: date.today() - timedelta(days=1))


def member(company: Company, role: Role = Role.OWNER, **user_kwargs) -> User:
    """A new user with `role` in `company`."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(company=company, user=user, role=role)
    return user
