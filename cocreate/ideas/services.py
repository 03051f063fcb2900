"""Ideas: submit, vote, comment, statuses, merges, lists and search.

Rules live here as plain functions; they flush, the route or command commits.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from cocreate import events
from cocreate.auth.models import User
from cocreate.companies.access import can
from cocreate.database import insert
from cocreate.extensions import db, utcnow
from cocreate.i18n import _
from cocreate.ideas import search, similar
from cocreate.ideas.models import CLOSED, Comment, Idea, Status, StatusChange, Tag, Vote, idea_tags
from cocreate.products.models import Product, Touchpoint, Version, touchpoint_name
from cocreate.refusal import N_, Refused
from cocreate.text import render_markdown

# Trending ("hot") score, stored on the idea and updated whenever its votes or comments change:
#     hot = log10(max(1, votes + comments)) + age_offset,   age_offset = (created − 2026-01-01) / 45 000 s
# Ten times the engagement is worth 12.5 hours of freshness, so a new idea with a few votes rises above
# an old one with many, and every idea sinks as newer ones arrive (the decay is relative, as on Reddit).
# Because the time part is fixed at creation, the score is indexable (ix_ideas_product_hot).
HOT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
HOT_SECONDS = 45_000


class IdeaError(Refused):
    """A request about ideas that cannot be carried out; the message says why."""


class VotingClosed(IdeaError):
    def __init__(self, status: Status):
        super().__init__(N_("Voting is closed: this idea is %(status)s."), status=status.value.replace("_", " "))
        self.status = status

    def __str__(self) -> str:  # the status in the page's language, not the stored value
        return _("Voting is closed: this idea is %(status)s.", status=self.status.label.lower())


def hot_score(votes: int, comments: int, created_at: datetime) -> float:
    return round(math.log10(max(1, votes + comments)) + (created_at - HOT_EPOCH).total_seconds() / HOT_SECONDS, 7)


def hot_age(created_at: datetime) -> float:
    """The age part of the trending score, fixed at creation."""
    return (created_at - HOT_EPOCH).total_seconds() / HOT_SECONDS


def hot_sql(engagement, age):
    """``hot_score`` as SQL, for an UPDATE that moves the counters: `engagement` is the expression of votes +
    comments (the new values), `age` the idea's ``hot_age``. Rounded as hot_score rounds."""
    engagement = sa.cast(engagement, sa.Float)
    logged = sa.func.log10(sa.case((engagement < 1, 1.0), else_=engagement))
    return sa.func.round(sa.cast(logged + age, sa.Numeric), 7)


def _refresh_hot(idea: Idea) -> None:
    idea.hot = hot_score(idea.vote_count, idea.comment_count, idea.created_at)


def is_team(user, product: Product) -> bool:
    return can("idea.moderate", product.company_id, user)


# --- Submitting and editing --------------------------------------------------------------------------

def _check_choices(product: Product, touchpoint_id: int | None, version_id: int | None,
                   tag_ids: Iterable[int]) -> tuple[Touchpoint | None, Version | None, list[Tag]]:
    touchpoint = version = None
    if touchpoint_id:
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        if touchpoint is None or touchpoint.product_id != product.id:
            raise IdeaError(N_("Choose one of this product's touchpoints."))
    if version_id:
        version = db.session.get(Version, version_id)
        if version is None or version.product_id != product.id:
            raise IdeaError(N_("Choose one of this product's versions."))
    tag_ids = set(tag_ids)
    tags = list(db.session.scalars(sa.select(Tag).where(Tag.product_id == product.id, Tag.id.in_(tag_ids))))
    if len(tags) != len(tag_ids):
        raise IdeaError(N_("Choose tags from the list."))
    return touchpoint, version, tags


def create_idea(product: Product, author: User, *, title: str, description: str = "",
                touchpoint_id: int | None = None, version_id: int | None = None,
                tag_ids: Iterable[int] = ()) -> Idea:
    """A new open idea; its author votes for it."""
    touchpoint, version, tags = _check_choices(product, touchpoint_id, version_id, tag_ids)
    now = utcnow()
    idea = Idea(product_id=product.id, product=product, author=author, title=title.strip(), touchpoint=touchpoint,
                version=version, tags=tags, created_at=now, vote_count=1 if author.is_verified else 0,
                comment_count=0)  # only verified accounts' votes count (the author's is held until then)
    _set_description(idea, description)
    _refresh_hot(idea)
    db.session.add(idea)
    db.session.flush()
    db.session.add(Vote(idea_id=idea.id, user_id=author.id))
    db.session.flush()
    events.idea_created.send(idea)
    return idea


def _set_description(idea: Idea, description: str) -> None:
    idea.description = description
    idea.description_html = render_markdown(description)


def can_edit(idea: Idea, user) -> bool:
    """Authors edit their idea until the team responds; the team can always edit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_team(user, idea.product):
        return True
    return idea.author_id == user.id and idea.first_response_at is None and idea.status == Status.OPEN


def update_idea(idea: Idea, user, *, title: str, description: str, touchpoint_id: int | None,
                version_id: int | None, tag_ids: Iterable[int] | None = None) -> None:
    if not can_edit(idea, user):
        raise IdeaError(N_("The team has responded to this idea, so it can no longer be edited."))
    touchpoint, version, tags = _check_choices(idea.product, touchpoint_id, version_id, tag_ids or ())
    idea.title = title.strip()
    _set_description(idea, description)
    idea.touchpoint, idea.version = touchpoint, version
    if tag_ids is not None:
        idea.tags = tags


def set_tags(idea: Idea, tag_ids: Iterable[int]) -> None:
    idea.tags = _check_choices(idea.product, None, None, tag_ids)[2]


# --- Votes -------------------------------------------------------------------------------------------

def set_vote(idea: Idea, user: User, want: bool) -> bool:
    """Vote (want=True) or withdraw (want=False); repeating either changes nothing.

    The unique (idea, user) constraint with INSERT … ON CONFLICT DO NOTHING makes concurrent
    duplicate votes count once; the counter moves only when a row was really inserted or deleted,
    in the same transaction, by an atomic UPDATE.
    """
    if idea.status in CLOSED:
        raise VotingClosed(idea.status)
    # RETURNING tells whether a row was really written (cursor.rowcount is -1 on some drivers).
    statement, delta = (_vote_insert(), 1) if want else (VOTE_DELETE, -1)
    changed = db.session.execute(statement, {"idea": idea.id, "user": user.id, "at": utcnow()}).first() is not None
    if changed:  # a repeated vote writes nothing and announces nothing
        if user.is_verified:  # an unverified account's vote is stored and held: it counts once they confirm
            _bump(idea, votes=delta)
        (events.vote_cast if want else events.vote_withdrawn).send(idea, user=user)
    return want


# The statements of a vote, built once (building them cost as much as running them): the vote row with RETURNING
# (did it change anything?), and one UPDATE of the idea's counters and trending score.
_VOTES, _IDEAS = Vote.__table__, Idea.__table__
VOTE_DELETE = (sa.delete(_VOTES)
               .where(_VOTES.c.idea_id == sa.bindparam("idea"), _VOTES.c.user_id == sa.bindparam("user"))
               .returning(_VOTES.c.id))
_VOTE_INSERTS: dict[str, sa.Insert] = {}
_new_votes = _IDEAS.c.vote_count + sa.bindparam("vote_delta", type_=sa.Integer)
_new_comments = _IDEAS.c.comment_count + sa.bindparam("comment_delta", type_=sa.Integer)
BUMP = (sa.update(_IDEAS).where(_IDEAS.c.id == sa.bindparam("idea"))
        .values(vote_count=_new_votes, comment_count=_new_comments,
                hot=hot_sql(_new_votes + _new_comments, sa.bindparam("age", type_=sa.Float)))
        .returning(_IDEAS.c.vote_count, _IDEAS.c.comment_count, _IDEAS.c.hot))


def _vote_insert() -> sa.Insert:
    """INSERT … ON CONFLICT DO NOTHING … RETURNING of a vote, for the session's database (built once for each)."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _VOTE_INSERTS:
        _VOTE_INSERTS[dialect] = (
            insert(_VOTES).values(idea_id=sa.bindparam("idea"), user_id=sa.bindparam("user"),
                                  created_at=sa.bindparam("at", type_=_VOTES.c.created_at.type))
            .on_conflict_do_nothing().returning(_VOTES.c.id))
    return _VOTE_INSERTS[dialect]


def _bump(idea: Idea, votes: int = 0, comments: int = 0) -> None:
    """Move the stored counters and the trending score together, in one atomic UPDATE: the score is computed in
    the database from the counters it is writing (``hot_sql``), so racing votes never leave a stale score."""
    row = db.session.execute(BUMP, {"idea": idea.id, "vote_delta": votes, "comment_delta": comments,
                                    "age": hot_age(idea.created_at)}).one()
    # The object shows what the database now holds, without reading it back.
    for name, value in zip(("vote_count", "comment_count", "hot"), row, strict=True):
        sa.orm.attributes.set_committed_value(idea, name, value)


def voted_ids(user, idea_ids: Sequence[int]) -> set[int]:
    """Which of these ideas the user voted for: one query for a whole list."""
    if not getattr(user, "is_authenticated", False) or not idea_ids:
        return set()
    return set(db.session.scalars(sa.select(Vote.idea_id).where(Vote.user_id == user.id, Vote.idea_id.in_(idea_ids))))


# --- Comments ----------------------------------------------------------------------------------------

def add_comment(idea: Idea, author: User, body: str, parent_id: int | None = None) -> Comment:
    if idea.status == Status.MERGED:
        raise IdeaError(N_("This idea is merged: comment on the idea it was merged into."))
    parent = None
    if parent_id:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.idea_id != idea.id:
            raise IdeaError(N_("The comment you reply to is not on this idea."))
        if parent.parent_id is not None:  # threads are one level deep: reply to the thread
            parent = db.session.get(Comment, parent.parent_id)
    comment = Comment(idea_id=idea.id, idea=idea, author=author, parent_id=parent.id if parent else None,
                      body=body, body_html=render_markdown(body), is_team=is_team(author, idea.product))
    db.session.add(comment)
    db.session.flush()
    _bump(idea, comments=1)
    events.comment_posted.send(comment)
    return comment


def can_change_comment(comment: Comment, user) -> bool:
    return (getattr(user, "is_authenticated", False) and comment.author_id == user.id
            and comment.deleted_at is None)


def edit_comment(comment: Comment, user, body: str) -> None:
    if not can_change_comment(comment, user):
        raise IdeaError(N_("Only its author can edit a comment."))
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = utcnow()


def delete_comment(comment: Comment, user) -> None:
    """The text goes; the place stays, so replies keep their context."""
    if not can_change_comment(comment, user):
        raise IdeaError(N_("Only its author can delete a comment."))
    comment.body = comment.body_html = ""
    comment.deleted_at = utcnow()
    idea = comment.idea
    if idea.official_comment_id == comment.id:
        idea.official_comment_id = None
    db.session.flush()
    _bump(idea, comments=-1)


def mark_official(comment: Comment, actor: User) -> None:
    """The team's official response, shown at the top; one per idea, the newest choice wins."""
    idea = comment.idea
    if not comment.is_team or comment.deleted_at is not None:
        raise IdeaError(N_("Only a comment by the product team can be the official response."))
    idea.official_comment_id = None if idea.official_comment_id == comment.id else comment.id
    _responded(idea)
    db.session.flush()
    events.official_response_changed.send(idea, comment=comment, actor=actor,
                                          marked=idea.official_comment_id == comment.id)


def toggle_helpful(comment: Comment) -> None:
    comment.helpful = not comment.helpful


def _responded(idea: Idea) -> None:
    if idea.first_response_at is None:
        idea.first_response_at = utcnow()


# --- Statuses ----------------------------------------------------------------------------------------

SETTABLE = [s for s in Status if s != Status.MERGED]


def change_status(idea: Idea, actor: User, to: Status, *, note: str = "", promised_on: date | None = None,
                  shipped_version_id: int | None = None) -> StatusChange:
    if to == Status.MERGED:
        raise IdeaError(N_("Use “Merge into…” to merge a duplicate."))
    if idea.status == Status.MERGED:
        raise IdeaError(N_("This idea is merged; undo the merge first."))
    if promised_on and to.takes_promise and promised_on != idea.promised_on and promised_on < utcnow().date():
        raise IdeaError(N_("A new promised date cannot be in the past."))
    if promised_on and not to.takes_promise:
        if promised_on != idea.promised_on:
            raise IdeaError(N_("Only planned or in-progress ideas carry a promised date."))
        promised_on = None  # the standing promise, sent back by the form: it stays the idea's, to be kept or broken
    version = None
    if to == Status.SHIPPED:
        version = db.session.get(Version, shipped_version_id) if shipped_version_id else None
        if version is None or version.product_id != idea.product_id:
            raise IdeaError(N_("Name the prototype version that shipped this idea."))
    elif shipped_version_id:
        raise IdeaError(N_("Only shipped ideas name a shipping version."))
    change = StatusChange(idea_id=idea.id, actor=actor, from_status=idea.status, to_status=to, note=note.strip(),
                          promised_on=promised_on, shipped_version_id=version.id if version else None)
    db.session.add(change)
    idea.status = to
    if to.takes_promise:
        idea.promised_on = promised_on or (idea.promised_on if idea.promised_on else None)
    if to == Status.SHIPPED and version is not None:  # never None when shipped (checked above)
        idea.shipped_version_id = version.id
        idea.shipped_on = version.released_on
    else:
        idea.shipped_version_id = idea.shipped_on = None
    _responded(idea)
    db.session.flush()
    events.idea_status_changed.send(idea, change=change, actor=actor)
    if version is not None:
        events.idea_shipped.send(idea, change=change, version=version, actor=actor)
    return change


def history(idea: Idea) -> list[StatusChange]:
    return list(db.session.scalars(
        sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
        .options(joinedload(StatusChange.actor), joinedload(StatusChange.shipped_version))
        .order_by(StatusChange.created_at, StatusChange.id)
    ))


# --- Merging duplicates ------------------------------------------------------------------------------

def merge(duplicate: Idea, into: Idea, actor: User, note: str = "") -> None:
    """`duplicate` becomes "merged into" `into`; its voters become voters of `into`, each exactly once."""
    if duplicate.id == into.id:
        raise IdeaError(N_("An idea cannot be merged into itself."))
    if duplicate.product_id != into.product_id:
        raise IdeaError(N_("Only ideas of the same product can be merged."))
    if duplicate.status == Status.MERGED:
        raise IdeaError(N_("This idea is merged already."))
    if into.status == Status.MERGED:
        raise IdeaError(N_("That idea is itself merged; merge into the idea it was merged into."))
    db.session.add(StatusChange(idea_id=duplicate.id, actor=actor, from_status=duplicate.status,
                                to_status=Status.MERGED, note=note.strip(), merged_into_id=into.id))
    existing = sa.orm.aliased(Vote)
    movers = sa.select(
        sa.literal(into.id), Vote.user_id, sa.literal(duplicate.id), sa.literal(utcnow(), type_=Vote.created_at.type)
    ).where(Vote.idea_id == duplicate.id,
            ~sa.exists().where(existing.idea_id == into.id, existing.user_id == Vote.user_id))
    _insert_votes_from(movers)
    duplicate.status = Status.MERGED
    duplicate.merged_into_id = into.id
    _responded(duplicate)
    db.session.flush()
    _recount_votes(into)
    events.idea_merged.send(duplicate, into=into, actor=actor)


def _insert_votes_from(select) -> None:
    columns = ["idea_id", "user_id", "merged_from_id", "created_at"]
    db.session.execute(insert(Vote.__table__).from_select(columns, select).on_conflict_do_nothing())


def unmerge(duplicate: Idea, actor: User) -> None:
    """Undo a merge: the carried-over votes leave the target, the duplicate gets its old status back."""
    if duplicate.status != Status.MERGED or duplicate.merged_into_id is None:
        raise IdeaError(N_("This idea is not merged."))
    into = db.session.get(Idea, duplicate.merged_into_id)
    last_merge = db.session.scalar(
        sa.select(StatusChange).where(StatusChange.idea_id == duplicate.id, StatusChange.to_status == Status.MERGED)
        .order_by(StatusChange.created_at.desc(), StatusChange.id.desc()).limit(1))
    previous = last_merge.from_status if last_merge else Status.OPEN
    db.session.execute(sa.delete(Vote).where(Vote.merged_from_id == duplicate.id))
    db.session.add(StatusChange(idea_id=duplicate.id, actor=actor, from_status=Status.MERGED, to_status=previous,
                                note="Merge undone.", merged_into_id=into.id if into else None))
    duplicate.status = previous
    duplicate.merged_into_id = None
    db.session.flush()
    if into is not None:
        _recount_votes(into)
    events.idea_unmerged.send(duplicate, into=into, actor=actor)


def counted_votes():
    """The votes that count: those of verified accounts (docs/accounts.md)."""
    return Vote.user_id.in_(sa.select(User.id).where(User.email_verified_at.is_not(None)))


def _recount_votes(idea: Idea) -> None:
    count = db.session.execute(sa.select(sa.func.count()).select_from(Vote)
                               .where(Vote.idea_id == idea.id, counted_votes())).scalar_one()
    _bump(idea, votes=count + idea.imported_votes - idea.vote_count)  # imported votes stay counted


# --- Lists, search and the roadmap -------------------------------------------------------------------

SORTS: dict[str, tuple[sa.UnaryExpression, ...]] = {
    "trending": (Idea.hot.desc(), Idea.id.desc()),
    "top": (Idea.vote_count.desc(), Idea.id.desc()),
    "new": (Idea.created_at.desc(), Idea.id.desc()),
    "discussed": (Idea.comment_count.desc(), Idea.id.desc()),
}


def filtered(query, product: Product, *, status: Status | None = None, tag_id: int | None = None,
             touchpoint_id: int | None = None, q: str = ""):
    """`query` (a select of ideas or of their columns) narrowed to the product's ideas that match the filters."""
    query = query.where(Idea.product_id == product.id)
    # Without a status filter, merged duplicates are left out: they live on in their target.
    query = query.where(Idea.status == status if status is not None else Idea.status != Status.MERGED)
    if tag_id:
        query = query.where(Idea.id.in_(sa.select(idea_tags.c.idea_id).where(idea_tags.c.tag_id == tag_id)))
    if touchpoint_id:
        query = query.where(Idea.touchpoint_id == touchpoint_id)
    if q:
        clause = search.matching_clause(Idea.id, q, db.session.get_bind().dialect.name)
        query = query.where(clause if clause is not None else sa.false())
    return query


# What a card shows, as plain rows (no entities): built once; `viewer` is the signed-in user's id (0: nobody).
CARD_ROW = (
    sa.select(Idea.id, Idea.title, Idea.status, Idea.promised_on, Idea.vote_count, Idea.comment_count,
              Idea.created_at, User.name.label("author"), Touchpoint.name.label("touchpoint"),
              Idea.recorded_by_id.is_not(None).label("heard"),
              Touchpoint.names.label("touchpoint_names"),
              sa.exists().where(Vote.idea_id == Idea.id, Vote.user_id == sa.bindparam("viewer")).label("voted"))
    .outerjoin(User, User.id == Idea.author_id)
    .outerjoin(Touchpoint, Touchpoint.id == Idea.touchpoint_id)
)
CARD_TAGS = (
    sa.select(idea_tags.c.idea_id, Tag.name).join(Tag, Tag.id == idea_tags.c.tag_id)
    .where(idea_tags.c.idea_id.in_(sa.bindparam("ids", expanding=True))).order_by(Tag.name)
)


@dataclass
class CardRows:
    """Rows of `CARD_ROW`, the tag names of each idea, and whether a next page exists."""
    rows: list[sa.Row]
    tags: dict[int, tuple[str, ...]]
    page: int = 1
    has_next: bool = False

    @property
    def has_prev(self) -> bool:
        return self.page > 1


# A page of each order, unfiltered (what nearly every list view asks), and the product's top ideas: built once,
# with the product, the page size and the offset bound at execution (building a statement per request cost more
# than running it).
CARD_PAGES = {
    sort: CARD_ROW.where(Idea.product_id == sa.bindparam("product"), Idea.status != Status.MERGED)
    .order_by(*order).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    for sort, order in SORTS.items()
}
TOP_CARDS = (CARD_ROW.where(Idea.product_id == sa.bindparam("product"), Idea.status.not_in(CLOSED))
             .order_by(Idea.vote_count.desc(), Idea.id.desc()).limit(sa.bindparam("limit"))
             .offset(sa.bindparam("offset")))


def _card_rows(statement, product: Product, user, *, limit: int,
               offset: int = 0) -> tuple[list[sa.Row], dict[int, tuple[str, ...]]]:
    viewer = user.id if getattr(user, "is_authenticated", False) else 0
    rows = list(db.session.execute(statement, {"viewer": viewer, "product": product.id, "limit": limit,
                                               "offset": offset}))
    tags: dict[int, tuple[str, ...]] = {}
    if rows:
        for idea_id, name in db.session.execute(CARD_TAGS, {"ids": [row.id for row in rows]}):
            tags[idea_id] = (*tags.get(idea_id, ()), name)
    return rows, tags


def card_rows(product: Product, user, *, sort: str = "trending", page: int = 1, per_page: int = 20,
              **filters) -> CardRows:
    """One page of a product's ideas for a list page, in two queries whatever the page size: it fetches one row
    more than it shows to know whether a next page exists (no count over the product's thousands of ideas)."""
    sort = sort if sort in SORTS else "trending"
    if any(filters.values()):
        statement = (filtered(CARD_ROW, product, **filters).order_by(*SORTS[sort])
                     .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))
    else:
        statement = CARD_PAGES[sort]
    rows, tags = _card_rows(statement, product, user, limit=per_page + 1, offset=(page - 1) * per_page)
    return CardRows(rows[:per_page], tags, page, len(rows) > per_page)


def top_card_rows(product: Product, user, limit: int = 5) -> CardRows:
    """The most-voted ideas that are neither shipped, declined nor merged, for the product's page."""
    return CardRows(*_card_rows(TOP_CARDS, product, user, limit=limit))


def similar_ideas(product: Product, title: str, language: str = "en", limit: int = 5) -> list[Idea]:
    """Up to five of the product's ideas that may be what the title being typed asks for, most relevant first;
    none when nothing is close enough (cocreate/ideas/similar.py says how, docs/ideas.md how well)."""
    terms = similar.terms(title, language)
    if not terms:
        return []
    candidates = db.session.scalars(search.ranked_candidates(
        sa.select(Idea).where(Idea.product_id == product.id, Idea.status != Status.MERGED),
        terms, db.session.get_bind().dialect.name, similar.CANDIDATES))
    return [idea for idea in candidates
            if similar.is_similar(terms, similar.relevance(terms, idea.title, idea.description, language))][:limit]


ROADMAP = (Status.PLANNED, Status.IN_PROGRESS, Status.SHIPPED)


def roadmap(product: Product, per_column: int = 50) -> dict[Status, list[Idea]]:
    """Planned, in progress and shipped ideas, in one query."""
    ranked = (
        sa.select(Idea.id, sa.func.row_number().over(
            partition_by=Idea.status,
            order_by=(sa.case((Idea.status == Status.SHIPPED, Idea.shipped_on), else_=None).desc().nulls_last(),
                      Idea.vote_count.desc(), Idea.id.desc())).label("rank"))
        .where(Idea.product_id == product.id, Idea.status.in_(ROADMAP))
        .subquery()
    )
    ideas = db.session.scalars(
        sa.select(Idea).join(ranked, ranked.c.id == Idea.id).where(ranked.c.rank <= per_column)
        .options(joinedload(Idea.shipped_version)).order_by(ranked.c.rank)
    ).all()
    columns: dict[Status, list[Idea]] = {status: [] for status in ROADMAP}
    for idea in ideas:
        columns[idea.status].append(idea)
    return columns


def comments_of(idea: Idea) -> tuple[Comment | None, list[Comment]]:
    """The official response and the threads (top-level comments with their replies), in one query."""
    comments = list(db.session.scalars(
        sa.select(Comment).where(Comment.idea_id == idea.id)
        .options(joinedload(Comment.author)).order_by(Comment.created_at, Comment.id)
    ))
    by_id = {c.id: c for c in comments}
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    for comment in comments:
        sa.orm.attributes.set_committed_value(comment, "replies", replies.get(comment.id, []))
    threads = [c for c in comments if c.parent_id is None]
    official = by_id.get(idea.official_comment_id) if idea.official_comment_id is not None else None
    return official, threads


def tags_of(product: Product) -> list[Tag]:
    return list(db.session.scalars(sa.select(Tag).where(Tag.product_id == product.id).order_by(Tag.name)))


def filter_choices(product: Product, language: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What the idea list's filters offer: the product's tags and its touchpoints (named in ``language``), as
    plain (id, name) pairs from two statements built once (the list is the most-read page)."""
    tags = [(tag_id, name) for tag_id, name in db.session.execute(_TAG_CHOICES, {"product": product.id})]
    touchpoints = [(tp_id, touchpoint_name(name, names, language))
                   for tp_id, name, names in db.session.execute(_TOUCHPOINT_CHOICES, {"product": product.id})]
    return tags, touchpoints


_TAG_CHOICES = sa.select(Tag.id, Tag.name).where(Tag.product_id == sa.bindparam("product")).order_by(Tag.name)
_TOUCHPOINT_CHOICES = (sa.select(Touchpoint.id, Touchpoint.name, Touchpoint.names)
                       .where(Touchpoint.product_id == sa.bindparam("product"))
                       .order_by(Touchpoint.position, Touchpoint.id))


def add_tag(product: Product, name: str) -> Tag:
    name = name.strip()
    same = sa.select(Tag.id).where(Tag.product_id == product.id, sa.func.lower(Tag.name) == name.lower())
    if db.session.scalar(same):
        raise IdeaError(N_("The tag “%(name)s” exists already."), name=name)
    tag = Tag(product_id=product.id, name=name)
    db.session.add(tag)
    db.session.flush()
    return tag


def delete_tag(tag: Tag) -> None:
    db.session.delete(tag)
    db.session.flush()


def released_versions(product: Product) -> list[Version]:
    return [v for v in product.versions if v.is_released]
