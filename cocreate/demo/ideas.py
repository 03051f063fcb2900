"""Demo ideas, votes, comments and statuses. A product that has ideas already is left alone."""

import random
from datetime import date, timedelta

import sqlalchemy as sa

from cocreate.auth.models import User
from cocreate.companies.models import Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.ideas import services
from cocreate.ideas.models import Idea, Status, StatusChange
from cocreate.products.models import Product

# (title, description, status, days since posted, answered within hours or None)
IDEAS: dict[str, list[tuple[str, str, Status, int, float | None]]] = {
    "caffe-uno": [
        ("Save a different recipe per family member", "We are four at home and each likes it differently.",
         Status.PLANNED, 60, 5),
        ("Quieter grinder early in the morning", "The grinder wakes the whole house at 6:30.", Status.SHIPPED, 120, 3),
        ("Show how many cups until descaling", "A countdown would help me plan.", Status.SHIPPED, 100, 8),
        ("Let me order beans from the app", "Reorder my usual beans in one tap.", Status.IN_PROGRESS, 40, 12),
        ("Milk frother temperature setting", "Sometimes the milk is too hot for the kids.",
         Status.UNDER_REVIEW, 20, 20),
        ("Warm the cup before brewing", "A cup warmer on top would make the espresso stay hot longer.",
         Status.UNDER_REVIEW, 15, 30),
        ("Dark mode for the app", "Early mornings, bright screen.", Status.DECLINED, 90, 10),
        ("Share a recipe with a link", "Send my recipe to a friend with the same machine.", Status.SHIPPED, 80, 2),
    ],
    "fietsdeel": [
        ("Reserve a bike for 10 minutes", "So it is still there when I walk to it.", Status.PLANNED, 70, 30),
        ("Show battery level of e-bikes on the map", "I picked an empty one twice.", Status.IN_PROGRESS, 50, 60),
        ("Child seat on some bikes", "Would make it usable for school runs.", Status.OPEN, 35, None),
        ("Faster unlock in the rain", "The QR code does not scan when wet.", Status.SHIPPED, 110, 20),
        ("Monthly pass for students", "Cheaper pass with a student card.", Status.UNDER_REVIEW, 25, 90),
        ("Report a flat tyre from the app", "With a photo.", Status.SHIPPED, 100, 10),
        ("Group ride: unlock three bikes at once", "For tourists and families.", Status.OPEN, 12, None),
        ("Night mode on the map", "Dark map at night.", Status.OPEN, 5, None),
    ],
    "thuisbatterij": [
        ("Export my savings to a spreadsheet", "For my own bookkeeping.", Status.OPEN, 18, None),
        ("Notify me before a cheap charging window", "A push notification an hour ahead.", Status.PLANNED, 30, 50),
        ("Show CO2 saved, not only euros", "I care about both.", Status.OPEN, 9, None),
    ],
    "pasta-box": [
        ("Vegan sauces every week", "At least one vegan option.", Status.PLANNED, 40, 200),
        ("Deliver in the evening", "Nobody is home at 11:00.", Status.OPEN, 30, None),
        ("Less plastic in the box", "The pasta trays are plastic.", Status.IN_PROGRESS, 38, 150),
        ("Gluten-free pasta option", "Celiac in the family.", Status.OPEN, 20, None),
        ("Skip a week without calling", "Let me pause in the app.", Status.OPEN, 10, None),
    ],
}

COMMENTS = ["Yes please, this would help a lot.", "Same problem here.", "I would pay a bit more for this.",
            "Maybe as an option in the settings?", "This is the one thing that keeps me from recommending it."]
TEAM_ANSWERS = ["Thanks! We are on it; see the status for the date we promise.",
                "Good point. We tested two options with ten of you and picked the simplest.",
                "We hear you. This is now on our roadmap."]


def seed_ideas(rng: random.Random, customers: list[User]) -> None:
    today = date.today()
    now = utcnow()
    for slug, ideas in IDEAS.items():
        product = db.session.scalar(sa.select(Product).where(Product.slug == slug))
        if product is None or db.session.scalar(sa.select(Idea.id).where(Idea.product_id == product.id).limit(1)):
            continue
        team = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.company_id == product.company_id, Membership.role == Role.PRODUCT))
        if team is None:  # every demo company has one
            continue
        versions = sorted(product.versions, key=lambda v: v.released_on)
        late_shown = slug != "fietsdeel"
        for n, (title, description, status, days, answer_hours) in enumerate(ideas):
            author = customers[(n * 7 + len(slug)) % len(customers)]
            idea = services.create_idea(product, author, title=title, description=description)
            created = now - timedelta(days=days, hours=rng.randint(0, 20))
            idea.created_at = created
            voters = rng.sample(customers, rng.randint(3, min(len(customers), 8 + 4 * (len(ideas) - n))))
            for voter in voters:
                if voter.id != author.id:
                    services.set_vote(idea, voter, True)
            for comment_text in rng.sample(COMMENTS, rng.randint(0, 3)):
                comment = services.add_comment(idea, rng.choice(customers), comment_text)
                comment.created_at = created + timedelta(hours=rng.randint(1, 24 * days))
            if answer_hours is not None:
                answered = created + timedelta(hours=answer_hours)
                official = services.add_comment(idea, team, rng.choice(TEAM_ANSWERS))
                official.created_at = answered
                if status != Status.OPEN:
                    shipped = next((v for v in versions if v.released_on >= (created + timedelta(days=1)).date()),
                                   versions[-1])
                    promised = None
                    if status in (Status.PLANNED, Status.IN_PROGRESS):
                        promised = today + timedelta(days=rng.randint(10, 60))
                    change = services.change_status(
                        idea, team, status, note="", promised_on=promised,
                        shipped_version_id=shipped.id if status == Status.SHIPPED else None)
                    change.created_at = answered
                    if status == Status.SHIPPED:
                        # The promise made when it was planned, kept: shipped on or before the date; Fietsdeel's
                        # first shipped idea came four days late, so the promise ledger shows a broken promise.
                        late, late_shown = not late_shown, True
                        idea.promised_on = shipped.released_on + timedelta(days=-4 if late else rng.randint(0, 7))
                        planned = StatusChange(idea_id=idea.id, actor=team, from_status=Status.OPEN,
                                               to_status=Status.PLANNED, promised_on=idea.promised_on,
                                               created_at=answered - timedelta(minutes=5))
                        change.from_status = Status.PLANNED
                        db.session.add(planned)
                if slug != "pasta-box" or n % 2 == 0:
                    services.mark_official(official, team)
                idea.first_response_at = answered
            idea.hot = services.hot_score(idea.vote_count, idea.comment_count, idea.created_at)
        db.session.flush()
