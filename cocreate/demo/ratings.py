"""Demo ratings and self-assessments that put the four demo products in four different stages.

With the demo ideas: Caffè Uno Excellent, Fietsdeel Good, Pasta Box Below par, Thuisbatterij
Prototype (too few raters). Earlier versions are rated too, so trends and the grade-over-versions
chart show a story, and the stage history is replayed version by version.

Idempotent: a version that has ratings (or self-scores) already is skipped; the history is only
replayed for products without any recorded stage change. Each version draws from its own
fixed-seed generator, so the stages do not shift when other demo seeding changes.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.companies.models import Membership, Role
from cocreate.demo.misses import add_feelings, seed_misses
from cocreate.extensions import db
from cocreate.maturity import services
from cocreate.maturity.models import Rating, RatingScore, SelfScore, StageChange
from cocreate.products.models import Product, Version

# weights of the scores 1..5; "*" for every touchpoint without its own entry
Plan = dict[str, tuple[int, int, int, int, int]]

PLANS: dict[str, dict[str, tuple[int, Plan]]] = {
    "caffe-uno": {
        "v0.1": (12, {"*": (0, 1, 4, 5, 2), "Support": (0, 2, 5, 4, 1)}),
        "v0.2": (16, {"*": (0, 0, 2, 7, 4)}),
        "v0.3": (24, {"*": (0, 0, 0, 2, 8), "Value for money": (0, 0, 0, 4, 6)}),
    },
    "fietsdeel": {
        "v0.1": (10, {"*": (0, 2, 5, 3, 0)}),
        "v0.2": (14, {"*": (0, 1, 3, 7, 2), "Delivery": (1, 3, 4, 2, 0)}),
        "v0.3": (18, {"*": (0, 0, 0, 6, 4), "Delivery": (0, 0, 3, 6, 1)}),
    },
    "pasta-box": {
        "v0.1": (11, {"*": (0, 2, 4, 3, 1)}),
        "v0.2": (14, {"*": (1, 3, 4, 2, 0), "Delivery": (4, 5, 2, 0, 0), "First impression": (0, 1, 4, 4, 1)}),
    },
    "thuisbatterij": {
        "v0.1": (4, {"*": (0, 1, 3, 2, 0)}),
        "v0.2": (6, {"*": (0, 0, 3, 5, 2), "Ease of use": (0, 2, 3, 1, 0)}),
    },
}

# the team's own 1-5 scores of the current version; every product has at least one blind spot but Caffè Uno
SELF: dict[str, dict[str, int]] = {
    "caffe-uno": {"*": 5, "Value for money": 4},
    "fietsdeel": {"*": 4, "Delivery": 5, "Support": 5},
    "pasta-box": {"*": 3, "Delivery": 5, "Value for money": 5},
    "thuisbatterij": {"*": 4, "Ease of use": 5},
}

COMMENTS = {
    "high": ["Honestly the best I have used.", "Quiet, fast, and the app just works.", "Would recommend to anyone.",
             "Small things left, but this is great."],
    "mid": ["Good, but delivery took longer than promised.", "Nice idea; a few rough edges.",
            "Works most of the time.", ""],
    "low": ["The box arrived a day late and warm.", "Not what I expected from the description.",
            "Sauces were great, delivery was not.", ""],
}


def _draw(rng: random.Random, weights: tuple[int, ...]) -> int:
    return rng.choices(range(1, 6), weights=weights)[0]


def _weights(plan: Plan, touchpoint: str) -> tuple[int, int, int, int, int]:
    return plan.get(touchpoint, plan["*"])


def _rate_version(product: Product, version: Version, n: int, plan: Plan, people: list[User],
                  until: date) -> None:
    rng = random.Random(f"cocreate-demo-{product.slug}-{version.label}")  # noqa: S311 - demo data  # nosec B311
    touchpoints = services.active_touchpoints(product)
    days = max((until - version.released_on).days, 1)
    made = []
    for user in rng.sample(people, n):
        scores = {}
        for tp in touchpoints:
            if rng.random() < 0.08:  # skipped
                continue
            scores[tp.id] = _draw(rng, _weights(plan, tp.name))
        mean = sum(scores.values()) / len(scores) if scores else 3
        expected = None if rng.random() < 0.2 else min(5, max(1, round(mean + rng.choice((-1, 0, 0, 1)))))
        tier = "high" if mean >= 4.2 else "mid" if mean >= 3.2 else "low"
        when = datetime.combine(version.released_on + timedelta(days=rng.randrange(days)), time(12), UTC)
        when += timedelta(minutes=rng.randrange(8 * 60))
        rating = Rating(version_id=version.id, user_id=user.id, expected=expected,
                        returning=rng.random() < (0.2 if version == product.versions[-1] else 0.55),
                        comment=rng.choice(COMMENTS[tier]), created_at=when, updated_at=when,
                        # demo customers "joined" a while before they rated (no draw: the stages stay as they are)
                        rater_since=when - timedelta(days=20 + (user.id * 37) % 400), rater_verified=True)
        rating.scores = [RatingScore(touchpoint_id=tp_id, score=s) for tp_id, s in scores.items()]
        db.session.add(rating)
        made.append(rating)
    add_feelings(product, version, made)  # what they felt, from a generator of its own (cocreate/demo/misses.py)


def _self_assess(product: Product, version: Version, own: dict[str, int]) -> None:
    author = db.session.scalar(
        sa.select(Membership.user_id).where(Membership.company_id == product.company_id,
                                            Membership.role == Role.PRODUCT).order_by(Membership.id)
    )
    for tp in services.active_touchpoints(product):
        db.session.add(SelfScore(version_id=version.id, touchpoint_id=tp.id, score=own.get(tp.name, own["*"]),
                                 scored_by_id=author))


def _replay_history(product: Product, today: date) -> None:
    """Record the stage changes version by version, dated when each version had been rated."""
    if db.session.scalar(sa.select(StageChange.id).where(StageChange.product_id == product.id).limit(1)):
        return
    released = sorted((v for v in product.versions if v.released_on <= today), key=lambda v: v.released_on)
    for following in [*released[1:], None]:
        day = (following.released_on - timedelta(days=1)) if following else today
        when = datetime.combine(day, time(17), UTC)
        services.record_changes(services.maturities([product], today=day), when=when)


def seed_ratings(rng: random.Random, people: list[User] | None = None) -> None:
    """Ratings, self-assessments and stage history of the demo products (see the module docstring).

    ``rng`` is accepted for the demo's seeding interface; every version uses its own fixed seed.
    ``people`` defaults to the 40 demo customers.
    """
    if people is None:
        from cocreate.demo.seed import customers  # here: seed.py imports this module

        people = customers()
    today = date.today()
    for slug, versions in PLANS.items():
        product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
        if product is None:
            continue
        chronological = sorted(product.versions, key=lambda v: v.released_on)
        for i, version in enumerate(chronological):
            if version.label not in versions or version.released_on > today:
                continue
            if db.session.scalar(sa.select(Rating.id).where(Rating.version_id == version.id).limit(1)):
                continue
            n, plan = versions[version.label]
            until = chronological[i + 1].released_on if i + 1 < len(chronological) else today
            _rate_version(product, version, min(n, len(people)), plan, people, until)
        db.session.flush()
        current = product.current_version
        if current is not None and not db.session.scalar(
            sa.select(SelfScore.id).where(SelfScore.version_id == current.id).limit(1)
        ):
            _self_assess(product, current, SELF[slug])
        db.session.flush()
        _replay_history(product, today)
    db.session.flush()
    seed_misses(today)  # opened from the ratings above, in every state (cocreate/demo/misses.py)
