"""Facts for the ambassador tests, written directly so their dates are exact."""

from datetime import UTC, datetime, timedelta

from cocreate.ambassadors.models import AccountOrigin
from cocreate.ambassadors.scores import address_hash
from cocreate.extensions import db
from cocreate.ideas.models import Comment, Idea, Status, StatusChange, Vote
from tests import factories

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def customer(address: str | None = None, created_at: datetime = NOW - timedelta(days=400), **kwargs):
    user = factories.UserFactory(created_at=created_at, **kwargs)
    if address is not None:
        db.session.add(AccountOrigin(user_id=user.id, ip_hash=address_hash(address), created_at=created_at))
        db.session.commit()
    return user


def idea(product, author, *, status: Status = Status.OPEN, at: datetime = NOW, reached: datetime | None = None,
         title: str = "An idea") -> Idea:
    row = Idea(product_id=product.id, author_id=author.id, title=title, status=status, created_at=at)
    db.session.add(row)
    db.session.flush()
    if reached is not None:
        db.session.add(StatusChange(idea_id=row.id, from_status=Status.OPEN, to_status=status, created_at=reached))
    db.session.commit()
    return row


def vote(idea: Idea, user, at: datetime = NOW) -> Vote:
    row = Vote(idea_id=idea.id, user_id=user.id, created_at=at)
    db.session.add(row)
    db.session.commit()
    return row


def comment(idea: Idea, author, *, helpful: bool = True, is_team: bool = False, at: datetime = NOW) -> Comment:
    row = Comment(idea_id=idea.id, author_id=author.id, body="Good point", body_html="<p>Good point</p>",
                  helpful=helpful, is_team=is_team, created_at=at)
    db.session.add(row)
    db.session.commit()
    return row
