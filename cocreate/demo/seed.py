"""A believable demo, idempotent: every part is found by its natural key before it is created."""

import random
from datetime import date, timedelta
from typing import TypedDict

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.auth.services import hash_password
from cocreate.companies.models import Company, Membership, Role
from cocreate.companies.services import add_member, create_company
from cocreate.demo.ambassadors import seed_ambassadors
from cocreate.demo.ideas import seed_ideas
from cocreate.demo.pictures import seed_pictures
from cocreate.demo.ratings import seed_ratings
from cocreate.extensions import db, utcnow
from cocreate.ideas.models import Idea
from cocreate.maturity import stored
from cocreate.maturity.services import refresh_stages
from cocreate.products.models import Product, Version
from cocreate.products.services import add_version, create_product

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - documented demo credential  # nosec B105

FIRST = ["Anouk", "Bram", "Chiara", "Daan", "Elena", "Femke", "Giulia", "Hugo", "Isa", "Jesse", "Lorenzo",
         "Lotte", "Marco", "Noor", "Paolo", "Roos", "Sara", "Thijs", "Valentina", "Wouter"]
LAST = ["de Vries", "Rossi", "Jansen", "Bianchi", "Bakker", "Romano", "Visser", "Ricci", "Smit", "Greco"]



class DemoCompany(TypedDict):
    name: str
    slug: str
    team: list[tuple[str, str, Role]]  # name, e-mail, role
    # name, slug, tagline, description, versions (label, days ago, notes)
    products: list[tuple[str, str, str, str, list[tuple[str, int, str]]]]


COMPANIES: list[DemoCompany] = [
    {
        "name": "Tulip Mobility", "slug": "tulip-mobility",
        "team": [("Eva Mulder", "eva@tulip.example", Role.OWNER), ("Joost Kok", "joost@tulip.example", Role.PRODUCT),
                 ("Mila Dekker", "mila@tulip.example", Role.MARKETING)],
        "products": [
            ("Fietsdeel", "fietsdeel", "Share a bike in every Dutch city, unlocked by phone.",
             "**Fietsdeel** lets you find, unlock and return a shared bike in seconds.\n\n"
             "We are testing the app and the bikes with our first riders in Utrecht.",
             [("v0.1", 120, "First ride: unlock by QR code, pay per ride."),
              ("v0.2", 60, "Map of nearby bikes, monthly pass."),
              ("v0.3", 14, "Faster unlocking, fixed flat-tyre reports.")]),
            ("Thuisbatterij", "thuisbatterij", "See and steer your home battery.",
             "A dashboard for home batteries: what you stored, what you saved, and when to charge.",
             [("v0.1", 90, "Live charge level and daily savings."),
              ("v0.2", 20, "Charging plans based on tomorrow's energy prices.")]),
        ],
    },
    {
        "name": "Casa Verde", "slug": "casa-verde",
        "team": [("Giorgia Conti", "giorgia@casaverde.example", Role.OWNER),
                 ("Luca Marino", "luca@casaverde.example", Role.PRODUCT),
                 ("Sofia Gallo", "sofia@casaverde.example", Role.MARKETING)],
        "products": [
            ("Caffè Uno", "caffe-uno", "The espresso machine that learns your taste.",
             "An espresso machine with an app: grind, dose and temperature tuned to your cup.",
             [("v0.1", 150, "First machines in 30 homes."),
              ("v0.2", 75, "App pairing, descaling reminders."),
              ("v0.3", 10, "Quieter grinder, recipe sharing.")]),
            ("Pasta Box", "pasta-box", "Fresh pasta kits, delivered in 24 hours.",
             "Weekly boxes of fresh pasta and sauces from Italian producers, with five-minute recipes.",
             [("v0.1", 45, "Pilot in Milan: two boxes a week."),
              ("v0.2", 5, "Choose your own sauces; greener packaging.")]),
        ],
    },
]


def _user(name: str, email: str, password_hash: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(name=name, email=email, password_hash=password_hash,
                    email_verified_at=utcnow())  # demo accounts count: their addresses are taken as confirmed
        db.session.add(user)
        db.session.flush()
    return user


def customers() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.email.like("customer%@demo.example")).order_by(User.id)
    ))


# The default touchpoints in the customer's journey (maturity/journey.py STAGES), for the demo's products.
JOURNEY = {"First impression": "first_contact", "Value for money": "offer", "Ease of use": "order",
           "Delivery": "delivery", "Quality": "after_sales", "Support": "support"}


def seed() -> str:
    rng = random.Random(2026)  # noqa: S311 - demo data, not security  # nosec B311
    password_hash = hash_password(DEMO_PASSWORD)
    today = date.today()
    for company_data in COMPANIES:
        company = db.session.scalar(sa.select(Company).where(Company.slug == company_data["slug"]))
        team = [_user(name, email, password_hash) for name, email, _ in company_data["team"]]
        if company is None:
            company = create_company(team[0], company_data["name"])
            company.slug = company_data["slug"]
        for user, (_, _, role) in zip(team, company_data["team"], strict=True):
            if not db.session.scalar(sa.select(Membership.id).where(Membership.company_id == company.id,
                                                                    Membership.user_id == user.id)):
                add_member(company, user, role)
        for name, slug, tagline, description, versions in company_data["products"]:
            product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
            if product is None:
                product = create_product(company, name=name, slug=slug, tagline=tagline, description=description)
            for label, days_ago, notes in versions:
                if not db.session.scalar(sa.select(Version.id).where(Version.product_id == product.id,
                                                                     Version.label == label)):
                    add_version(product, label=label, notes=notes, released_on=today - timedelta(days=days_ago))
    for i in range(40):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        user = _user(name, f"customer{i + 1:02d}@demo.example", password_hash)
        if i % 3 == 0 and not user.bio:
            user.contact_opt_in = True
            user.bio = rng.choice(["Daily commuter and early adopter.", "Coffee lover from Bologna.",
                                   "I test everything twice.", "Design student, Rotterdam."])
    db.session.flush()
    seed_ideas(rng, customers())
    seed_ratings(rng)
    for product in db.session.scalars(sa.select(Product).where(Product.slug != "pasta-box")):
        # The journey heat map groups touchpoints by journey stage; one product is left without, as a new one is.
        for tp in product.touchpoints:
            tp.journey_stage = tp.journey_stage or JOURNEY.get(tp.name)
    seed_ambassadors(rng)
    seed_pictures(lambda product: db.session.scalar(
        sa.select(User).join(Membership).where(Membership.company_id == product.company_id,
                                               Membership.role == Role.OWNER).limit(1)))
    # Ratings were loaded in bulk: the stored sums and figures are computed once from them.
    stored.rebuild(list(db.session.scalars(sa.select(Version.id))))
    refresh_stages(list(db.session.scalars(sa.select(Product))))
    counts = {
        "companies": db.session.scalar(sa.select(sa.func.count(Company.id))),
        "products": db.session.scalar(sa.select(sa.func.count(Product.id))),
        "versions": db.session.scalar(sa.select(sa.func.count(Version.id))),
        "users": db.session.scalar(sa.select(sa.func.count(User.id))),
        "ideas": db.session.scalar(sa.select(sa.func.count(Idea.id))),
    }
    return ("Demo loaded: " + ", ".join(f"{n} {what}" for what, n in counts.items())
            + f". Log in as eva@tulip.example or customer01@demo.example with “{DEMO_PASSWORD}”.")
