"""The JSON API, /api/v1. Token authentication only (never the session cookie), so CSRF does not apply.

Every rule comes from the feature services (products, ideas, maturity) and companies.access.can;
this module only parses input, looks objects up with the caller's visibility (cocreate.lookups), and serialises.
"""

from datetime import date
from typing import Any

from flask import Blueprint, abort, g, jsonify, render_template, request, url_for
from flask_babel import force_locale

from cocreate.api import openapi
from cocreate.api.models import ApiToken
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
from cocreate.products import services as products
from cocreate.products.models import Product, Version, touchpoint_name
from cocreate.products.touchpoint_names import description as touchpoint_description

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

READ_LIMIT = "300/minute"
WRITE_LIMIT = "30/minute;300/day"  # the same as the web forms' limit for ideas, votes and comments
MAX_PER_PAGE = 100
PUBLIC_ENDPOINTS = {"api.openapi_document", "api.docs"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}  # all a "read" token may send


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
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
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


def user():
    return g.api_user


# --------------------------------------------------------------------------- input

def _text(value: Any, name: str, *, max_length: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        abort(400, f"“{name}” must be a string.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        abort(400, f"“{name}” is not valid text.")
    if "\x00" in value:
        abort(400, f"“{name}” cannot contain NUL characters.")
    if required and not value.strip():
        abort(400, f"“{name}” is required.")
    if len(value) > max_length:
        abort(400, f"“{name}” is longer than {max_length} characters.")
    return value


def _id(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():  # JSON does not tell 3 from 3.0
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 2**31 - 1:
        abort(400, f"“{name}” must be a positive integer id.")
    return value


def _body(allowed: set[str]) -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "Send a JSON object with Content-Type: application/json.")
    unknown = set(data) - allowed
    if unknown:
        abort(400, f"Unknown field(s): {', '.join(sorted(map(str, unknown)))}.")
    return data


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        abort(400, f"“{name}” must be a whole number from {low} to {high}.")
    return int(raw)


def _query_text(name: str, max_length: int) -> str:
    value = request.args.get(name, "")
    if "\x00" in value:
        abort(400, f"“{name}” cannot contain NUL characters.")
    if len(value) > max_length:
        abort(400, f"“{name}” is longer than {max_length} characters.")
    return value


# --------------------------------------------------------------------------- serialisers

def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def product_json(product: Product) -> dict:
    current = product.current_version
    return {
        "slug": product.slug,
        "name": product.name,
        "tagline": product.tagline,
        "description": product.description,
        "visibility": product.visibility.value,
        "company": {"slug": product.company.slug, "name": product.company.name},
        "current_version": current.label if current else None,
        "created_at": _iso(product.created_at),
        "url": url_for("api.product", slug=product.slug, _external=True),
        "html_url": url_for("products.show", slug=product.slug, _external=True),
    }


def version_json(version: Version) -> dict:
    return {
        "id": version.id,
        "label": version.label,
        "notes": version.notes,
        "released_on": _iso(version.released_on),
        "released": version.is_released,
        "demo_url": version.demo_url,
    }


def idea_json(idea: Idea, voted: bool) -> dict:
    return {
        "id": idea.id,
        "product": idea.product.slug,
        "title": idea.title,
        "description": idea.description,
        "status": idea.status.value,
        "vote_count": idea.vote_count,
        "comment_count": idea.comment_count,
        "voted": voted,
        "author": {"id": idea.author.id, "name": idea.author.name} if idea.author else None,
        "created_at": _iso(idea.created_at),
        "promised_on": _iso(idea.promised_on),
        "shipped_on": _iso(idea.shipped_on),
        "shipped_version_id": idea.shipped_version_id,
        "merged_into_id": idea.merged_into_id,
        "heard_by_team": idea.recorded_by_id is not None,
        "url": url_for("api.idea", idea_id=idea.id, _external=True),
        "html_url": url_for("ideas.show", slug=idea.product.slug, idea_id=idea.id, _external=True),
    }


def comment_json(comment: Comment, official_id: int | None) -> dict:
    deleted = comment.deleted_at is not None
    return {
        "id": comment.id,
        "idea_id": comment.idea_id,
        "parent_id": comment.parent_id,
        "author": {"id": comment.author.id, "name": comment.author.name} if comment.author and not deleted else None,
        "body": "" if deleted else comment.body,
        "is_team": comment.is_team,
        "official": comment.id == official_id,
        "helpful": comment.helpful,
        "deleted": deleted,
        "created_at": _iso(comment.created_at),
        "edited_at": _iso(comment.edited_at),
    }


def _only_args(*names: str) -> None:
    unknown = set(request.args) - set(names)
    if unknown:
        abort(400, f"Unknown query parameter(s): {', '.join(sorted(unknown))[:200]}.")


def _language() -> str:
    """The language of touchpoint names: `lang` (en, nl or it), else the Accept-Language header, else English."""
    raw = request.args.get("lang")
    if raw is None:
        return request.accept_languages.best_match(LANGUAGES) or "en"
    if raw not in LANGUAGES:
        abort(400, f"“lang” is one of: {', '.join(LANGUAGES)}.")
    return raw


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
        "product": m.product.slug,
        "name": m.product.name,
        "company": m.product.company.slug,
        "version": snapshot["version"],
        "stage": m.stage,
        "next_stage": m.next_stage,
        "grade": m.figures.grade,
        "previous_grade": m.previous_grade,
        "trend": m.trend,
        "blockers": snapshot["blockers"],
        "figures": snapshot["figures"],
        "thresholds": snapshot["thresholds"],
    }


# --------------------------------------------------------------------------- products, versions, board

@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(url_for("api.products_list", _external=True).rsplit("/products", 1)[0]))


@bp.get("/docs")
def docs():
    """The API for people: what the OpenAPI document says, as a page (no script, no CDN: the site's CSP holds)."""
    server = url_for("api.products_list", _external=True).rsplit("/products", 1)[0]
    document = openapi.document(server)
    return render_template("api/docs.html", document=document, server=server,
                           operations=openapi.operations(document))


@bp.get("/products")
def products_list():
    return jsonify(data=[product_json(p) for p in products.visible_products(user())])


@bp.get("/products/<slug>")
def product(slug: str):
    return jsonify(product_json(product_or_404(slug, user())))


@bp.get("/products/<slug>/versions")
def versions(slug: str):
    return jsonify(data=[version_json(v) for v in product_or_404(slug, user()).versions])


@bp.get("/products/<slug>/maturity")
def product_maturity(slug: str):
    _only_args("lang")
    return jsonify(maturity_json(maturity.current_maturity(product_or_404(slug, user())), _language()))


@bp.get("/products/<slug>/touchpoints")
def touchpoints(slug: str):
    _only_args("lang")
    product = product_or_404(slug, user())
    lang = _language()
    with force_locale(lang):  # a default description in that language, as the pages show it
        return jsonify(data=[{"id": t.id, "name": t.name_in(lang), "original_name": t.name, "names": t.names or {},
                              "description": touchpoint_description(t), "active": t.active, "position": t.position}
                             for t in product.touchpoints])


@bp.get("/products/<slug>/promises")
def promise_ledger(slug: str):
    """The product's promise record (from its stored figures) and a page of its ledger, as /p/<slug>/promises/ledger."""
    _only_args("page")
    product = product_or_404(slug, user())
    page = _int_arg("page", 1, 1, 100_000)
    entries, more = promises.ledger(product, page)
    record = promise_record(maturity.current_maturity(product).figures)
    return jsonify(
        kept=record.kept, due=record.due, reliability=record.reliability,
        data=[{"idea_id": e.idea_id, "title": e.title, "promised_on": _iso(e.promised_on),
               "promised_at": _iso(e.made_at), "shipped_on": _iso(e.shipped_on), "moved_to": _iso(e.moved_to),
               "outcome": e.outcome, "days": e.days} for e in entries],
        meta={"page": page, "has_next": more})


@bp.get("/products/<slug>/journey")
def journey_map(slug: str):
    """The journey heat map (/p/<slug>/journey): touchpoints in journey order x the newest versions, per group."""
    _only_args("raters", "lang")
    product = product_or_404(slug, user())
    group = request.args.get("raters", "all")
    if group not in journey.GROUPS:
        abort(400, f"“raters” is one of: {', '.join(journey.GROUPS)}.")
    lang = _language()
    found = journey.heatmap(product, group, maturity.thresholds_of([product.company_id])[product.company_id])
    return jsonify(
        raters=found.group, versions=[{"id": v.id, "label": v.label, "released_on": _iso(v.released_on)}
                                      for v in found.versions],
        rows=[{"touchpoint": {"id": r.touchpoint.id, "name": r.touchpoint.name_in(lang)}, "stage": r.stage,
               "cells": [{"raters": c.raters, "grade": c.grade, "lower_bound": c.lower, "band": c.band,
                          "self_grade": c.self_grade, "blind_spot": c.blind_spot} for c in r.cells]}
              for r in found.rows])


@bp.get("/products/<slug>/rating-comments")
def rating_comments(slug: str):
    """The team's reading of what raters wrote (the maturity page's panel): members of the product's company only."""
    product = product_or_404(slug, user())
    if not can("company.view", product.company_id, user()):
        abort(403, "Only the product's team reads the comments of ratings.")
    _only_args("lang", "version", "touchpoint_id", "score", "page", "per_page")
    lang = _language()
    version = product.current_version or (product.versions[0] if product.versions else None)
    label = request.args.get("version")
    if label is not None:
        version = next((v for v in product.versions if v.label == label), None)
        if version is None:
            abort(404, f"{product.name} has no version “{label[:30]}”.")
    touchpoint_id = _int_arg("touchpoint_id", 0, 1, 2**31 - 1) or None
    named = {t.id: t for t in product.touchpoints}
    if touchpoint_id is not None and touchpoint_id not in named:
        abort(404, f"{product.name} has no touchpoint {touchpoint_id}.")
    score = _int_arg("score", 0, 1, 5) or None
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", rating_notes.PER_PAGE, 1, rating_notes.MAX_PER_PAGE)
    if version is None:
        return jsonify(version=None, data=[], page=page, per_page=per_page, next=None)
    found = rating_notes.rating_comments(version, touchpoint_id=touchpoint_id, score=score, page=page,
                                         per_page=per_page)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    return jsonify(
        version=version.label, page=page, per_page=per_page,
        next=url_for("api.rating_comments", slug=product.slug, page=page + 1, **args) if found.has_next else None,
        data=[{"rating_id": c.rating_id, "comment": c.comment, "rater": c.rater, "rated_at": _iso(c.rated_at),
               "returning": c.returning, "expected": c.expected, "held": c.held, "emotion": c.emotions.get(0),
               "scores": [{"touchpoint_id": tp_id, "touchpoint": named[tp_id].name_in(lang), "score": value,
                           "emotion": c.emotions.get(tp_id)}
                          for tp_id, value in sorted(c.scores.items(), key=lambda s: named[s[0]].position)]}
              for c in found.comments])


@bp.get("/products/<slug>/misses")
def misses(slug: str):
    """The team's list of misses (cocreate/misses), as the misses page shows it."""
    from cocreate.misses.services import team_list

    product = product_or_404(slug, user())
    if not can("idea.moderate", product.company_id, user()):
        abort(403, "Only the product's team answers misses.")
    _only_args("lang", "state")
    state = request.args.get("state", "open")
    if state not in ("open", "closed"):
        abort(400, "state is open or closed.")
    lang = _language()
    data = []
    for m in team_list(product, closed=state == "closed"):
        felt = m.rating.emotion_map
        data.append({
            "id": m.id, "state": m.state, "version": m.version.label, "touchpoint_id": m.touchpoint_id,
            "touchpoint": m.touchpoint.name_in(lang), "score": m.score, "expected": m.expected,
            "emotion": felt.get(m.touchpoint_id) or felt.get(0), "comment": m.rating.comment, "rater": m.user.name,
            "opened_at": _iso(m.opened_at), "first_answer_at": _iso(m.first_answer_at),
            "closed_at": _iso(m.closed_at), "fixed_version": m.fixed_version.label if m.fixed_version else None,
            "rerated_score": m.rerated_score, "recovered_at": _iso(m.recovered_at),
            "replies": [{"body": r.body, "author": r.author.name if r.author else None,
                         "created_at": _iso(r.created_at)} for r in m.replies],
        })
    return jsonify(data=data)


@bp.get("/board")
def board():
    visible = products.visible_products(user())
    _only_args("lang")
    found = maturity.current_maturities(visible)
    lang = _language()
    return jsonify(data=[maturity_json(found[p.id], lang) for p in visible])


# --------------------------------------------------------------------------- ideas

@bp.get("/products/<slug>/ideas")
def ideas_list(slug: str):
    product = product_or_404(slug, user())
    sort = request.args.get("sort", "trending")
    if sort not in ideas.SORTS:
        abort(400, f"“sort” is one of: {', '.join(ideas.SORTS)}.")
    status_arg = request.args.get("status")
    if status_arg is not None and status_arg not in Status._value2member_map_:
        abort(400, f"“status” is one of: {', '.join(s.value for s in Status)}.")
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
    q = _query_text("q", 200)
    result = ideas.list_ideas(product, user(), sort=sort, page=page, per_page=per_page,
                              status=Status(status_arg) if status_arg else None, q=q)
    args = {k: v for k, v in {"sort": request.args.get("sort"), "status": status_arg, "q": q or None}.items() if v}

    def page_url(number: int) -> str:
        return url_for("api.ideas_list", slug=product.slug, page=number, per_page=per_page, _external=True, **args)

    return jsonify(
        data=[idea_json(i, i.id in result.voted) for i in result.ideas],
        meta={"page": page, "per_page": per_page, "total": result.total, "pages": result.pages},
        links={"next": page_url(page + 1) if result.has_next else None,
               "prev": page_url(page - 1) if result.has_prev else None},
    )


@bp.post("/products/<slug>/ideas")
@write_limit
def ideas_create(slug: str):
    product = product_or_404(slug, user())
    data = _body({"title", "description", "touchpoint_id", "version_id"})
    title = _text(data.get("title"), "title", max_length=120, required=True)
    description = _text(data.get("description"), "description", max_length=10_000)
    try:
        idea = ideas.create_idea(product, user(), title=title, description=description,
                                 touchpoint_id=_id(data.get("touchpoint_id"), "touchpoint_id"),
                                 version_id=_id(data.get("version_id"), "version_id"))
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    response = jsonify(idea_json(idea, True))
    response.status_code = 201
    response.headers["Location"] = url_for("api.idea", idea_id=idea.id, _external=True)
    return response


@bp.get("/ideas/<int:idea_id>")
def idea(idea_id: int):
    found = visible_idea_or_404(idea_id, user())
    return jsonify(idea_json(found, bool(ideas.voted_ids(user(), [found.id]))))


@bp.route("/ideas/<int:idea_id>/vote", methods=["PUT", "DELETE"])
@write_limit
def vote(idea_id: int):
    """PUT votes, DELETE withdraws; both are idempotent."""
    found = visible_idea_or_404(idea_id, user())
    try:
        voted = ideas.set_vote(found, user(), request.method == "PUT")
    except ideas.VotingClosed as error:
        abort(409, error.english)
    db.session.commit()
    return jsonify(idea_id=found.id, voted=voted, vote_count=found.vote_count)


@bp.get("/ideas/<int:idea_id>/comments")
def comments(idea_id: int):
    found = visible_idea_or_404(idea_id, user())
    official, threads = ideas.comments_of(found)
    flat = []
    for thread in threads:
        flat.append(thread)
        flat.extend(thread.replies)
    return jsonify(data=[comment_json(c, found.official_comment_id) for c in flat])


@bp.post("/ideas/<int:idea_id>/comments")
@write_limit
def comments_create(idea_id: int):
    found = visible_idea_or_404(idea_id, user())
    data = _body({"body", "parent_id"})
    body = _text(data.get("body"), "body", max_length=5_000, required=True)
    try:
        comment = ideas.add_comment(found, user(), body, parent_id=_id(data.get("parent_id"), "parent_id"))
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    response = jsonify(comment_json(comment, found.official_comment_id))
    response.status_code = 201
    return response


@bp.post("/ideas/<int:idea_id>/status")
@write_limit
def status(idea_id: int):
    found = visible_idea_or_404(idea_id, user())
    if not can("idea.moderate", found.product.company_id, user()):
        abort(403, "Only the product's team (owners and product owners) can change an idea's status.")
    data = _body({"status", "note", "promised_on", "shipped_version_id"})
    to = data.get("status")
    if not isinstance(to, str) or to not in Status._value2member_map_:
        abort(400, f"“status” is one of: {', '.join(s.value for s in ideas.SETTABLE)}.")
    note = _text(data.get("note"), "note", max_length=2_000)
    promised_on = None
    if data.get("promised_on") is not None:
        raw = data["promised_on"]
        try:
            promised_on = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
        except ValueError:
            promised_on = None
        if promised_on is None:
            abort(400, "“promised_on” must be a date like 2026-12-31.")
    try:
        ideas.change_status(found, user(), Status(to), note=note, promised_on=promised_on,
                            shipped_version_id=_id(data.get("shipped_version_id"), "shipped_version_id"))
    except ideas.IdeaError as error:
        abort(422, error.english)
    db.session.commit()
    return jsonify(idea_json(found, bool(ideas.voted_ids(user(), [found.id]))))
