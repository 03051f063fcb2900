"""The JSON API, /api/v1. Token authentication only (never the session cookie), so CSRF does not apply.

Every request and response has a schema (cocreate/api/schemas.py): flask-smorest validates with it and derives
the OpenAPI document from it. Every rule comes from the feature services (products, ideas, maturity) and
companies.access.can; this module looks objects up with the caller's visibility (cocreate.lookups), calls the
services and shapes the answer. Lists are cursor-paginated (cocreate/api/pagination.py); reads carry an ETag
and answer ``If-None-Match`` with a 304.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask import abort, g, request, url_for
from flask_babel import force_locale
from flask_smorest import Blueprint as SmorestBlueprint
from marshmallow import RAISE
from sqlalchemy.orm import joinedload, selectinload
from webargs.flaskparser import FlaskParser

from cocreate.api import schemas as s
from cocreate.api.models import ApiToken
from cocreate.api.pagination import Key, page
from cocreate.api.services import authenticate, hash_token
from cocreate.companies.access import can
from cocreate.extensions import csrf, db, limiter
from cocreate.i18n import LANGUAGES
from cocreate.ideas import services as ideas
from cocreate.ideas.models import Comment, Idea, Status
from cocreate.lookups import product_or_404, visible_idea_or_404
from cocreate.maturity import comments as rating_notes
from cocreate.maturity import journey, promises
from cocreate.maturity import services as maturity
from cocreate.maturity.helpers import promise_record
from cocreate.maturity.models import Rating, StageChange
from cocreate.products import services as products
from cocreate.products.models import Product, Version, touchpoint_name
from cocreate.products.touchpoint_names import description as touchpoint_description


class Parser(FlaskParser):
    """A request that breaks its schema is a 400 (the API's "bad request"); 422 is kept for the features' rules."""

    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = Parser()


bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

READ_LIMIT = "300/minute"
WRITE_LIMIT = "30/minute;300/day"  # the same as the web forms' limit for ideas, votes and comments
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # all a "read" token may send
# What every operation may answer besides its own success (the error body is schemas.ErrorOut).
ANSWERS = {400: "The request breaks its schema: the message names each field and what is wrong with it.",
           409: "Voting on this idea is closed (it is shipped, declined or merged).",
           422: "A rule of the feature refused it (another product's version, a reply to a reply, …); the message "
                "says which.",
           401: "No API token, or an unknown, revoked or expired one.",
           403: "The token's scope or its owner's role does not allow this.",
           404: "Not found, or not shared with the token's owner.",
           429: "Too many requests for this token; retry after the Retry-After seconds."}


def token_key() -> str:
    """Rate-limit key: the hash of the presented token (never the token), else the client address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "api-token:" + hash_token(token.strip())
    return "api-ip:" + (request.remote_addr or "unknown")


limiter.limit(READ_LIMIT, key_func=token_key)(bp)
write_limit = limiter.limit(WRITE_LIMIT, key_func=token_key, methods=["POST", "PUT", "DELETE"])


@bp.before_request
def authenticate_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        abort(401, "Send your API token in the header Authorization: Bearer cc_… (create one on /profile/tokens).")
    row: ApiToken | None = authenticate(token.strip())
    if row is None:
        # One answer for unknown, revoked and expired tokens: it tells nobody whether a token ever existed.
        abort(401, "That API token is unknown, revoked or expired (create a new one on /profile/tokens).")
    if db.session.is_modified(row):  # last_used_at moved (at most hourly)
        db.session.commit()
    if row.read_only and request.method not in SAFE_METHODS:
        abort(403, "This token may only read (scope “read”): create a token with the scope “write” to make "
                   "changes.")
    g.api_user = row.user
    return None


@bp.after_request
def private_cache(response):
    """What a token reads is its owner's: shared caches keep nothing; a client revalidates with the ETag."""
    if request.method in SAFE_METHODS:
        response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def user():
    return g.api_user


def query(schema):
    """Query parameters checked against ``schema``; one it does not name is refused, never ignored."""
    return bp.arguments(schema, location="query", unknown=RAISE)


def _documented(view, tag: str, codes):
    """The operation under its feature's tag, with the error answers it may give (the body: schemas.ErrorOut)."""
    view = bp.doc(tags=[tag])(view)
    for code in codes:
        view = bp.alt_response(code, schema=s.ErrorOut, description=ANSWERS.get(code, ""))(view)
    return view


def read(success, *codes: int, tag: str):
    """A GET: its schema, its ETag (a 304 for a matching If-None-Match) and the answers it may give."""
    def decorator(view):
        view = _documented(view, tag, (*codes, 401, 404, 429))
        if issubclass(success, s.Page):  # a list: its cursor is checked against the list that gave it
            view = bp.alt_response(422, schema=s.ErrorOut, description="The cursor is not one this list gave.")(view)
        return bp.etag(bp.response(200, success)(view))
    return decorator


def write(success, code: int, *codes: int, tag: str = "Ideas"):
    """A POST, PUT or DELETE: its success schema and code, the write rate limit, and the answers it may give."""
    def decorator(view):
        return write_limit(bp.response(code, success)(_documented(view, tag, (*codes, 401, 403, 404, 429))))
    return decorator


# --------------------------------------------------------------------------- shaping

def product_json(product: Product) -> dict:
    current = product.current_version
    return {
        "slug": product.slug, "name": product.name, "tagline": product.tagline, "description": product.description,
        "visibility": product.visibility.value,
        "company": {"slug": product.company.slug, "name": product.company.name},
        "current_version": current.label if current else None, "created_at": product.created_at,
        "url": url_for("api.product", slug=product.slug, _external=True),
        "html_url": url_for("products.show", slug=product.slug, _external=True),
    }


def idea_json(idea: Idea, voted: bool) -> dict:
    return {
        "id": idea.id, "product": idea.product.slug, "title": idea.title, "description": idea.description,
        "status": idea.status.value, "vote_count": idea.vote_count, "comment_count": idea.comment_count,
        "voted": voted, "author": idea.author, "created_at": idea.created_at, "promised_on": idea.promised_on,
        "shipped_on": idea.shipped_on, "shipped_version_id": idea.shipped_version_id,
        "merged_into_id": idea.merged_into_id, "heard_by_team": idea.recorded_by_id is not None,
        "url": url_for("api.idea", idea_id=idea.id, _external=True),
        "html_url": url_for("ideas.show", slug=idea.product.slug, idea_id=idea.id, _external=True),
    }


def comment_json(comment: Comment, official_id: int | None) -> dict:
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id, "idea_id": comment.idea_id, "parent_id": comment.parent_id,
        "author": None if deleted else comment.author, "body": "" if deleted else comment.body,
        "is_team": comment.is_team, "official": comment.id == official_id, "helpful": comment.helpful,
        "deleted": deleted, "created_at": comment.created_at, "edited_at": comment.edited_at,
    }


def language(args: dict) -> str:
    """The language of touchpoint names: `lang`, else the Accept-Language header, else English."""
    return args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "en"


def _named(touchpoint: dict | None, lang: str) -> dict | None:
    """A touchpoint of the stored figures with `name` in `lang` and its `original_name`."""
    if touchpoint is None:
        return None
    return {**touchpoint, "name": touchpoint_name(touchpoint["name"], touchpoint.get("names"), lang),
            "original_name": touchpoint["name"], "names": touchpoint.get("names") or {}}


def maturity_json(m: maturity.Maturity, lang: str = "en") -> dict:
    snapshot = m.snapshot()
    snapshot["figures"]["touchpoints"] = [_named(t, lang) for t in snapshot["figures"]["touchpoints"]]
    snapshot["figures"]["weakest"] = _named(snapshot["figures"]["weakest"], lang)
    return {
        "product": m.product.slug, "name": m.product.name, "company": m.product.company.slug,
        "version": snapshot["version"], "stage": m.stage, "next_stage": m.next_stage, "grade": m.figures.grade,
        "previous_grade": m.previous_grade, "trend": m.trend, "blockers": snapshot["blockers"],
        "figures": snapshot["figures"], "thresholds": snapshot["thresholds"],
    }


def rating_figures(fig, names: dict[int, str]) -> dict:
    """The rating part of a version's figures (what anyone who may see the product may read)."""
    return {"raters": fig.raters, "grade": fig.grade, "lower": fig.lower, "gap_first": fig.gap_first,
            "gap_returning": fig.gap_returning, "emotions": fig.emotions,
            "touchpoints": [{"touchpoint_id": t.touchpoint_id, "name": names.get(t.touchpoint_id, t.name),
                             "ratings": t.n, "grade": t.grade} for t in fig.touchpoints]}


def _version_of(product: Product, label: str | None) -> Version | None:
    """The version with this label (404 if none), else the current version, else the newest."""
    if label is None:
        return product.current_version or (product.versions[0] if product.versions else None)
    found = next((v for v in product.versions if v.label == label), None)
    if found is None:
        abort(404, f"{product.name} has no version “{label[:30]}”.")
    return found


def _team_only(product: Product, permission: str, message: str) -> None:
    if not can(permission, product.company_id, user()):
        abort(403, message)


# --------------------------------------------------------------------------- products, versions, ratings

PRODUCT_KEYS = (Key(Product.name, descending=False), Key(Product.id, descending=False))


@bp.get("/products")
@query(s.PageArgs)
@read(s.ProductPage, tag="Products")
def products_list(args):
    """The products the token's owner may see, by name."""
    found = page(products.visible_query(user()), PRODUCT_KEYS, cursor=args.get("cursor"), limit=args["limit"],
                 list_name="products", key_of=lambda p: (p.name, p.id))
    return found.body([product_json(p) for p in found.items], "api.products_list")


@bp.get("/products/<slug>")
@query(s.NoArgs)
@read(s.ProductOut, tag="Products")
def product(_args, slug: str):
    """One product."""
    return product_json(product_or_404(slug, user()))


VERSION_KEYS = (Key(Version.released_on, kind=date.fromisoformat), Key(Version.id))


@bp.get("/products/<slug>/versions")
@query(s.LangPageArgs)
@read(s.VersionPage, tag="Products")
def versions(args, slug: str):
    """The product's prototype versions, newest first, each with its ratings summed up (from the stored figures)."""
    found_product = product_or_404(slug, user())
    found = page(sa.select(Version).where(Version.product_id == found_product.id), VERSION_KEYS,
                 cursor=args.get("cursor"), limit=args["limit"], list_name=f"versions:{found_product.id}",
                 key_of=lambda v: (v.released_on, v.id))
    lang = language(args)
    names = {t.id: t.name_in(lang) for t in found_product.touchpoints}
    figures = maturity.version_figures(found_product, found.items)
    return found.body([{"id": v.id, "label": v.label, "notes": v.notes, "released_on": v.released_on,
                        "released": v.is_released, "demo_url": v.demo_url,
                        "ratings": rating_figures(figures[v.id], names)} for v in found.items],
                      "api.versions", slug=found_product.slug)


RATING_KEYS = (Key(Rating.id),)


@bp.get("/products/<slug>/ratings")
@query(s.RatingArgs)
@read(s.RatingPage, 403, tag="Ratings and maturity")
def ratings(args, slug: str):
    """One version's ratings, one by one, newest first: for the product's team only (others read the sums on
    /versions)."""
    found_product = product_or_404(slug, user())
    _team_only(found_product, "company.view", "Only the product's team reads single ratings; everyone may read "
                                              "their sums on /products/{slug}/versions.")
    version = _version_of(found_product, args.get("version"))
    if version is None:
        return {"version": None, "data": [], "next_cursor": None, "next": None}
    lang = language(args)
    names = {t.id: t.name_in(lang) for t in found_product.touchpoints}
    found = page(sa.select(Rating).where(Rating.version_id == version.id)
                 .options(selectinload(Rating.scores), selectinload(Rating.user)), RATING_KEYS,
                 cursor=args.get("cursor"), limit=args["limit"], list_name=f"ratings:{version.id}",
                 key_of=lambda r: (r.id,))
    data = [{"id": r.id, "version": version.label, "rater": r.user, "returning": r.returning,
             "expected": r.expected, "emotion": r.emotion, "comment": r.comment, "held": r.held,
             "created_at": r.created_at, "updated_at": r.updated_at,
             "scores": [{"touchpoint_id": sc.touchpoint_id, "touchpoint": names.get(sc.touchpoint_id, ""),
                         "score": sc.score, "emotion": sc.emotion} for sc in r.scores]}
            for r in found.items]
    return {"version": version.label, **found.body(data, "api.ratings", slug=found_product.slug)}


@bp.get("/products/<slug>/maturity")
@query(s.LangArgs)
@read(s.MaturityOut, tag="Ratings and maturity")
def product_maturity(args, slug: str):
    """The product's stage, what blocks the next one, and every figure that decided it."""
    return maturity_json(maturity.current_maturity(product_or_404(slug, user())), language(args))


STAGE_KEYS = (Key(StageChange.created_at, kind=datetime.fromisoformat), Key(StageChange.id))


@bp.get("/products/<slug>/stage-history")
@query(s.PageArgs)
@read(s.StageHistoryPage, tag="Ratings and maturity")
def stage_history(args, slug: str):
    """Every move between stages, newest first, with the grade, raters and blockers of that moment."""
    found_product = product_or_404(slug, user())
    found = page(sa.select(StageChange).where(StageChange.product_id == found_product.id), STAGE_KEYS,
                 cursor=args.get("cursor"), limit=args["limit"], list_name=f"stages:{found_product.id}",
                 key_of=lambda c: (c.created_at, c.id))
    data = []
    for change in found.items:
        snapshot = change.figures or {}
        figures = snapshot.get("figures") or {}
        data.append({"id": change.id, "version": snapshot.get("version"), "from_stage": change.from_stage,
                     "to_stage": change.to_stage, "changed_at": change.created_at, "grade": figures.get("grade"),
                     "raters": figures.get("raters"), "blockers": snapshot.get("blockers") or []})
    return found.body(data, "api.stage_history", slug=found_product.slug)


@bp.get("/products/<slug>/touchpoints")
@query(s.LangArgs)
@read(s.TouchpointList, tag="Products")
def touchpoints(args, slug: str):
    """The product's touchpoints in their order, named in the chosen language."""
    found_product = product_or_404(slug, user())
    lang = language(args)
    with force_locale(lang):  # a default description in that language, as the pages show it
        return {"data": [{"id": t.id, "name": t.name_in(lang), "original_name": t.name, "names": t.names or {},
                          "description": touchpoint_description(t), "active": t.active, "position": t.position}
                         for t in found_product.touchpoints]}


@bp.get("/products/<slug>/promises")
@query(s.PageArgs)
@read(s.PromisePage, tag="Ratings and maturity")
def promise_ledger(args, slug: str):
    """The product's promise record (from its stored figures) and its ledger, newest promise first."""
    found_product = product_or_404(slug, user())
    statement, (promised_on, idea_id) = promises.ledger_query(found_product)
    found = page(statement, (Key(promised_on, kind=date.fromisoformat), Key(idea_id)), cursor=args.get("cursor"),
                 limit=args["limit"], list_name=f"promises:{found_product.id}", scalars=False,
                 key_of=lambda row: (row[2], row[0]))
    record = promise_record(maturity.current_maturity(found_product).figures)
    data = [{"idea_id": e.idea_id, "title": e.title, "promised_on": e.promised_on, "promised_at": e.made_at,
             "shipped_on": e.shipped_on, "moved_to": e.moved_to, "outcome": e.outcome, "days": e.days}
            for e in promises.entries_of(found.items)]
    return {"kept": record.kept, "due": record.due, "reliability": record.reliability,
            **found.body(data, "api.promise_ledger", slug=found_product.slug)}


@bp.get("/products/<slug>/journey")
@query(s.JourneyArgs)
@read(s.JourneyOut, tag="Ratings and maturity")
def journey_map(args, slug: str):
    """The journey heat map: touchpoints in journey order x the newest versions, for one group of raters."""
    found_product = product_or_404(slug, user())
    lang = language(args)
    found = journey.heatmap(found_product, args["raters"],
                            maturity.thresholds_of([found_product.company_id])[found_product.company_id])
    return {"raters": found.group, "versions": found.versions,
            "rows": [{"touchpoint": {"id": r.touchpoint.id, "name": r.touchpoint.name_in(lang)}, "stage": r.stage,
                      "cells": [{"raters": c.raters, "grade": c.grade, "lower_bound": c.lower, "band": c.band,
                                 "self_grade": c.self_grade, "blind_spot": c.blind_spot} for c in r.cells]}
                     for r in found.rows]}


COMMENT_KEYS = (Key(rating_notes.ORDER[0], kind=datetime.fromisoformat), Key(rating_notes.ORDER[1]))


@bp.get("/products/<slug>/rating-comments")
@query(s.RatingCommentArgs)
@read(s.RatingCommentPage, 403, tag="Ratings and maturity")
def rating_comments(args, slug: str):
    """What raters wrote, newest first (the maturity page's panel): the product's team only."""
    found_product = product_or_404(slug, user())
    _team_only(found_product, "company.view", "Only the product's team reads the comments of ratings.")
    lang = language(args)
    version = _version_of(found_product, args.get("version"))
    named = {t.id: t for t in found_product.touchpoints}
    touchpoint_id = args.get("touchpoint_id")
    if touchpoint_id is not None and touchpoint_id not in named:
        abort(404, f"{found_product.name} has no touchpoint {touchpoint_id}.")
    if version is None:
        return {"version": None, "data": [], "next_cursor": None, "next": None}
    found = page(rating_notes.comments_query(version, touchpoint_id=touchpoint_id, score=args.get("score")),
                 COMMENT_KEYS, cursor=args.get("cursor"), limit=args["limit"], scalars=False,
                 list_name=f"rating-comments:{version.id}:{touchpoint_id}:{args.get('score')}",
                 key_of=lambda row: (row.updated_at, row.id))
    data = [{"rating_id": c.rating_id, "comment": c.comment, "rater": c.rater, "rated_at": c.rated_at,
             "returning": c.returning, "expected": c.expected, "held": c.held, "emotion": c.emotions.get(0),
             "scores": [{"touchpoint_id": tp_id, "touchpoint": named[tp_id].name_in(lang), "score": value,
                         "emotion": c.emotions.get(tp_id)}
                        for tp_id, value in sorted(c.scores.items(), key=lambda sc: named[sc[0]].position)]}
            for c in rating_notes.comments_of(found.items)]
    return {"version": version.label, **found.body(data, "api.rating_comments", slug=found_product.slug)}


@bp.get("/products/<slug>/misses")
@query(s.MissArgs)
@read(s.MissList, 403, tag="Ratings and maturity")
def misses(args, slug: str):
    """The team's list of misses (cocreate/misses), as the misses page shows it."""
    from cocreate.misses.services import team_list

    found_product = product_or_404(slug, user())
    _team_only(found_product, "idea.moderate", "Only the product's team answers misses.")
    lang = language(args)
    data = []
    for m in team_list(found_product, closed=args["state"] == "closed"):
        felt = m.rating.emotion_map
        data.append({
            "id": m.id, "state": m.state, "version": m.version.label, "touchpoint_id": m.touchpoint_id,
            "touchpoint": m.touchpoint.name_in(lang), "score": m.score, "expected": m.expected,
            "emotion": felt.get(m.touchpoint_id) or felt.get(0), "comment": m.rating.comment, "rater": m.user.name,
            "opened_at": m.opened_at, "first_answer_at": m.first_answer_at, "closed_at": m.closed_at,
            "fixed_version": m.fixed_version.label if m.fixed_version else None, "rerated_score": m.rerated_score,
            "recovered_at": m.recovered_at,
            "replies": [{"body": r.body, "author": r.author.name if r.author else None, "created_at": r.created_at}
                        for r in m.replies],
        })
    return {"data": data}


@bp.get("/board")
@query(s.LangArgs)
@read(s.BoardOut, tag="Ratings and maturity")
def board(args):
    """Every product the token's owner may see, with its stage and figures (the maturity board)."""
    visible = products.visible_products(user())
    found = maturity.current_maturities(visible)
    lang = language(args)
    return {"data": [maturity_json(found[p.id], lang) for p in visible]}


# --------------------------------------------------------------------------- ideas

@bp.get("/products/<slug>/ideas")
@query(s.IdeaListArgs)
@read(s.IdeaPage, tag="Ideas")
def ideas_list(args, slug: str):
    """Today's ideas of a product in one order, filtered by status or words."""
    found_product = product_or_404(slug, user())
    status = Status(args["status"]) if args.get("status") else None
    keys = IDEA_KEYS[args["sort"]]
    found = page(ideas.filtered(sa.select(Idea), found_product, status=status, q=args["q"])
                 .options(joinedload(Idea.author)), keys, cursor=args.get("cursor"), limit=args["limit"],
                 list_name=f"ideas:{found_product.id}:{args['sort']}",
                 key_of=lambda i: tuple(getattr(i, key.column.key) for key in keys))
    voted = ideas.voted_ids(user(), [i.id for i in found.items])
    return found.body([idea_json(i, i.id in voted) for i in found.items], "api.ideas_list", slug=found_product.slug)


IDEA_KEYS = {
    "trending": (Key(Idea.hot, kind=float), Key(Idea.id)),
    "top": (Key(Idea.vote_count), Key(Idea.id)),
    "new": (Key(Idea.created_at, kind=datetime.fromisoformat), Key(Idea.id)),
    "discussed": (Key(Idea.comment_count), Key(Idea.id)),
}


@bp.post("/products/<slug>/ideas")
@bp.arguments(s.IdeaIn)
@write(s.IdeaOut, 201, 400, 422)
def ideas_create(data, slug: str):
    """Submit an idea (the submitter's vote is counted at once)."""
    found_product = product_or_404(slug, user())
    try:
        idea = ideas.create_idea(found_product, user(), title=data["title"], description=data["description"],
                                 touchpoint_id=data["touchpoint_id"], version_id=data["version_id"])
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    return idea_json(idea, True), 201, {"Location": url_for("api.idea", idea_id=idea.id, _external=True)}


@bp.get("/ideas/<int:idea_id>")
@query(s.NoArgs)
@read(s.IdeaOut, tag="Ideas")
def idea(_args, idea_id: int):
    """One idea."""
    found = visible_idea_or_404(idea_id, user())
    return idea_json(found, bool(ideas.voted_ids(user(), [found.id])))


@bp.route("/ideas/<int:idea_id>/vote", methods=["PUT", "DELETE"])
@write(s.VoteOut, 200, 409)
def vote(idea_id: int):
    """PUT votes, DELETE withdraws; both are idempotent."""
    found = visible_idea_or_404(idea_id, user())
    try:
        voted = ideas.set_vote(found, user(), request.method == "PUT")
    except ideas.VotingClosed as error:
        abort(409, error.english)
    db.session.commit()
    return {"idea_id": found.id, "voted": voted, "vote_count": found.vote_count}


@bp.get("/ideas/<int:idea_id>/comments")
@query(s.NoArgs)
@read(s.CommentList, tag="Ideas")
def comments(_args, idea_id: int):
    """The idea's comments, each thread followed by its replies."""
    found = visible_idea_or_404(idea_id, user())
    _official, threads = ideas.comments_of(found)
    flat = []
    for thread in threads:
        flat.append(thread)
        flat.extend(thread.replies)
    return {"data": [comment_json(c, found.official_comment_id) for c in flat]}


@bp.post("/ideas/<int:idea_id>/comments")
@bp.arguments(s.CommentIn)
@write(s.CommentOut, 201, 400, 422)
def comments_create(data, idea_id: int):
    """Comment on an idea, or answer a comment (``parent_id``)."""
    found = visible_idea_or_404(idea_id, user())
    try:
        comment = ideas.add_comment(found, user(), data["body"], parent_id=data["parent_id"])
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    return comment_json(comment, found.official_comment_id), 201


@bp.post("/ideas/<int:idea_id>/status")
@bp.arguments(s.StatusIn)
@write(s.IdeaOut, 200, 400, 422)
def status(data, idea_id: int):
    """Set an idea's status (the product's team): a note, a promised date, the version that shipped it."""
    found = visible_idea_or_404(idea_id, user())
    _team_only(found.product, "idea.moderate",
               "Only the product's team (owners and product owners) can change an idea's status.")
    try:
        ideas.change_status(found, user(), Status(data["status"]), note=data["note"],
                            promised_on=data["promised_on"], shipped_version_id=data["shipped_version_id"])
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    return idea_json(found, bool(ideas.voted_ids(user(), [found.id])))
