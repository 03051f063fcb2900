"""factory_boy factories bound to the app's session. Passwords are hashed once, cheaply."""

from datetime import date, timedelta
from functools import cache

import factory
from argon2 import PasswordHasher

from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db, utcnow
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
    email_verified_at = factory.LazyFunction(utcnow)  # as create_user: made by the link mailed to the address


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


# --- Ideas ---------------------------------------------------------------------------------------------

def idea(product=None, author=None, **kwargs):
    """An idea created through the service, as a customer would (the author votes for it)."""
    from cocreate.ideas.services import create_idea

    product = product or ProductFactory()
    author = author or UserFactory()
    created = create_idea(product, author, title=kwargs.pop("title", "Make it faster"), **kwargs)
    db.session.commit()
    return created


# ---- Maturity: products with touchpoints, ratings, self-scores, ideas with their facts --------------

_maturity_seq = iter(range(1, 1_000_000))


def rated_product(company: Company | None = None, *, versions: int = 1, visibility: Visibility = Visibility.PUBLIC,
                  name: str | None = None) -> Product:
    """A product made by the service (so it has the six default touchpoints) with ``versions``
    released versions v1, v2 … (the last one is current)."""
    from cocreate.products.services import create_product

    company = company or CompanyFactory()
    product = create_product(company, name=name or f"Rated {next(_maturity_seq)}", visibility=visibility)
    for i in range(versions):
        VersionFactory(product=product, label=f"v{i + 1}",
                       released_on=date.today() - timedelta(days=10 * (versions - i)))
    db.session.commit()
    return product


def rating(version: Version, user: User | None = None, scores=(4, 4, 4, 4, 4, 4), *, expected: int | None = None,
           returning: bool = False, comment: str = ""):
    """A stored rating; ``scores`` follow the product's active touchpoints in order (None = skipped)."""
    from cocreate.maturity import holds, stored
    from cocreate.maturity.models import Rating, RatingScore

    user = user or UserFactory()
    touchpoints = [t for t in version.product.touchpoints if t.active]
    row = Rating(version_id=version.id, user_id=user.id, expected=expected, returning=returning, comment=comment,
                 rater_since=user.created_at, rater_verified=user.email_verified_at is not None)
    row.scores = [RatingScore(touchpoint_id=t.id, score=s) for t, s in zip(touchpoints, scores, strict=False)
                  if s is not None]
    db.session.add(row)
    db.session.flush()
    # Written behind the service's back (no event: the stage is not judged again), but the sums move with it as
    # with every rating, so the figures stay verifiable.
    stored.move(version.id, None, stored.counted(row, {t.id for t in touchpoints}))
    holds.move_credibility(version.id, None, holds.part(row))  # and who rated, as the service counts it
    db.session.commit()
    return row


def self_scores(version: Version, scores) -> None:
    from cocreate.maturity.models import SelfScore

    touchpoints = [t for t in version.product.touchpoints if t.active]
    for t, s in zip(touchpoints, scores, strict=False):
        if s is not None:
            db.session.add(SelfScore(version_id=version.id, touchpoint_id=t.id, score=s))
    db.session.commit()


def plain_idea(product: Product, *, title: str = "An idea", votes: int = 0, status=None, promised_on=None,
               shipped_on=None, created_at=None, first_response_at=None, answered: bool = False):
    """An idea row with the facts the maturity figures read, written directly (no services)."""
    from cocreate.ideas.models import Comment, Idea, Status

    idea = Idea(product_id=product.id, title=title, status=status or Status.OPEN, vote_count=votes,
                promised_on=promised_on, shipped_on=shipped_on, first_response_at=first_response_at)
    if created_at is not None:
        idea.created_at = created_at
    db.session.add(idea)
    db.session.flush()
    if answered:
        comment = Comment(idea_id=idea.id, body="Thanks!", body_html="<p>Thanks!</p>", is_team=True)
        db.session.add(comment)
        db.session.flush()
        idea.official_comment_id = comment.id
    db.session.commit()
    return idea
