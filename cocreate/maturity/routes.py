"""The maturity board, a product's maturity page, ratings, self-assessments, touchpoints, thresholds."""

import dataclasses
import hashlib
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from cocreate.companies.access import can, require
from cocreate.companies.models import Company
from cocreate.extensions import db, utcnow
from cocreate.i18n import _, ngettext
from cocreate.lookups import company_or_404, product_or_404, version_or_404
from cocreate.maturity import charts, figures, holds, journey, promises, services
from cocreate.maturity.forms import (
    HoldRulesForm,
    ReleaseForm,
    ThresholdsForm,
    TouchpointForm,
    rating_form,
    score_data,
    self_assessment_form,
    unknown_touchpoints,
)
from cocreate.maturity.helpers import promise_record
from cocreate.maturity.models import (
    HoldRulesRow,
    ProductFigures,
    Rating,
    RatingRelease,
    StageChange,
    StageThresholds,
)
from cocreate.products.models import Product, Touchpoint, Version
from cocreate.products.services import _visible_clause, visible_products
from cocreate.web import EmptyForm, change, form_status, render, see_other, wants_fragment

bp = Blueprint("maturity", __name__)


# --------------------------------------------------------------------------- board

@bp.get("/board")
def board():
    slug = request.args.get("company")
    return _board(company_or_404(slug) if slug else None)


@bp.get("/c/<slug>/board")
def company_board(slug: str):
    return _board(company_or_404(slug))


def _board_etag(company: Company | None) -> str:
    """What the board shows depends on the stored figures, the products, who looks and in which language: two
    indexed aggregates say whether any of that moved since the browser's copy."""
    stamps = db.session.execute(sa.select(
        sa.select(sa.func.max(ProductFigures.computed_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(ProductFigures).scalar_subquery(),
        sa.select(sa.func.max(Product.updated_at)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Product).scalar_subquery())).one()
    viewer = current_user.get_id() if current_user.is_authenticated else "-"
    key = "|".join(map(str, (*stamps, viewer, get_locale(), company.id if company else "", wants_fragment(),
                             request.query_string)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _board(company: Company | None):
    etag = None if session.get("_flashes") else _board_etag(company)
    if etag is not None and etag in request.if_none_match:
        response = make_response("", 304)  # the 20-second poll of an unchanged board: nothing rendered
        response.set_etag(etag)
        response.headers["Cache-Control"] = _board_cache_control()
        response.vary.add("HX-Request")
        return response
    response = _render_board(company)
    if etag is not None:
        response.set_etag(etag)
        response.headers["Cache-Control"] = _board_cache_control()
    return response


def _board_cache_control() -> str:  # noqa: N802 - reads like the header it is
    """Revalidate every time; a signed-in person's board is theirs alone (private products)."""
    return "private, no-cache" if current_user.is_authenticated else "no-cache"


def _render_board(company: Company | None):
    products = visible_products(company=company)
    found = services.current_maturities(products)
    columns: dict[str, list[services.Maturity]] = {stage: [] for stage in figures.STAGES}
    for product in products:
        columns[found[product.id].stage].append(found[product.id])
    for cards in columns.values():
        cards.sort(key=lambda m: (-(m.figures.lower or 0), -(m.figures.raters), m.product.name))
    companies = db.session.scalars(
        sa.select(Company).where(Company.id.in_(sa.select(Product.company_id).where(_visible_clause(current_user))))
        .order_by(Company.name)
    ).all()
    poll_url = url_for("maturity.board", company=company.slug) if company else url_for("maturity.board")
    return render("maturity/board.html", block="board", columns=columns, company=company, companies=companies,
                  poll_url=poll_url, total=len(products))


# --------------------------------------------------------------------------- maturity page

@bp.get("/p/<slug>/maturity")
def show(slug: str):
    return _show(product_or_404(slug))


def _show(product: Product, release_form: "ReleaseForm | None" = None, error: str | None = None, status: int = 200):
    m = services.current_maturity(product)
    over_versions = services.grades_over_versions(product)
    manage = can("product.manage", product.company_id)
    team = can("company.view", product.company_id)
    credibility = holds.credibility_of([g.version.id for g in over_versions])
    current = credibility.get(m.version.id, holds.Credibility()) if m.version else holds.Credibility()
    # The held ratings are read for the team only, and only when the stored count says there are some.
    held = holds.held_ratings(m.version) if manage and m.version and current.held else []
    history: list[tuple[str, datetime, StageChange | RatingRelease]] = [
        ("stage", c.created_at, c) for c in services.stage_history(product)]
    history += [("release", r.created_at, r) for r in holds.releases_of(product)]  # the team's notes
    history.sort(key=lambda entry: entry[1], reverse=True)
    return render(
        "maturity/show.html", product=product, m=m, over_versions=over_versions,
        history=history, credibility=current, credibility_by_version=credibility,
        rules=holds.rules_of([product.company_id])[product.company_id],
        # The release form for the team only: building a form makes a CSRF token, which starts a visitor's session.
        held=held, release_form=release_form or (ReleaseForm() if manage else None), release_error=error,
        bars=charts.touchpoint_chart(m.figures.touchpoints),
        line=charts.grade_chart(over_versions, m.thresholds),
        mood=charts.emotion_chart(m.figures, m.version.label if m.version else None,
                                  m.previous.label if m.previous else None),
        manage=manage,
        team=team,
        **(_comments_panel(product) if team else {"comments": None}),
    ), status


def _comments_panel(product: Product) -> dict:
    from cocreate.maturity import comment_views  # the panel's filters read the request

    return comment_views.context(product)


@bp.get("/p/<slug>/maturity/comments")
def rating_comments(slug: str):
    """The team's rating comments panel: in place for htmx (filters, pages), else the maturity page at the panel."""
    product = product_or_404(slug)
    require("company.view", product.company_id)
    if not wants_fragment():
        query = urlencode(list(request.args.items(multi=True)))
        return see_other(url_for("maturity.show", slug=product.slug) + (f"?{query}" if query else "") + "#comments")
    return render("maturity/_rating_comments.html", product=product, team=True, **_comments_panel(product))


@bp.post("/p/<slug>/maturity/release")
def release_held(slug: str):
    """The team counts held ratings, with a note kept in the stage history. A refusal shows the page again with
    the note and the choice kept (400)."""
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    form = ReleaseForm()
    chosen = [int(raw) for raw in request.form.getlist("rating") if raw.isdigit() and int(raw) <= 2**31 - 1]
    if form.validate_on_submit():
        with change(flash_refusal=False) as done:
            entry = holds.release(current_user, product, chosen, form.note.data or "")
        if done:
            flash(ngettext("%(n)s held rating counts from now on; your note is in the stage history.",
                           "%(n)s held ratings count from now on; your note is in the stage history.",
                           entry.ratings, n=entry.ratings), "success")
            return see_other(url_for("maturity.show", slug=product.slug) + "#credibility")
        return _show(product, form, done.refusal, 400)
    return _show(product, form, None, 400)


# --------------------------------------------------------------------------- ratings

def _posted_version(product: Product, raw: str | None) -> Version | None:
    if not raw or not raw.isdigit() or int(raw) > 2**31 - 1:
        return None
    version = db.session.get(Version, int(raw))
    return version if version is not None and version.product_id == product.id else None


def _rating_data(rating: Rating | None, version: Version | None) -> dict:
    data = {"version_id": str(version.id) if version else ""}
    if rating is not None:
        data |= score_data(rating.score_map) | {
            "expected": str(rating.expected or ""),
            "experience": "returning" if rating.returning else "first",
            "comment": rating.comment,
        }
    return data


@bp.route("/p/<slug>/rate", methods=["GET", "POST"])
@login_required
def rate(slug: str):
    product = product_or_404(slug)
    version = product.current_version
    team = services.is_team_member(current_user, product.company_id)
    if team and request.method == "POST":
        abort(403)
    touchpoints = services.active_touchpoints(product)
    # A POST reads the rating it changes in save_rating (and again below only to show the form back).
    existing = (services.rating_of(current_user, version)
                if version is not None and not team and request.method == "GET" else None)
    if request.method == "POST":
        form = rating_form(touchpoints)
    else:
        form = rating_form(touchpoints, data=_rating_data(existing, version))
    error = None
    saved = False
    thanks: dict[str, object] = {}
    # What they felt (emotions.py): radio groups feel_<touchpoint id>, feel_0 for the whole version.
    felt = _posted_feelings() if request.method == "POST" else (existing.emotion_map if existing else {})
    if request.method == "POST":
        posted = _posted_version(product, form.version_id.data)
        if version is None:
            error = _("%(product)s has no released version to rate yet.", product=product.name)
        elif unknown_touchpoints(request.form, (t.id for t in touchpoints)):
            error = _("Some of those touchpoints are not part of this product (any more). "
                      "Your other answers are kept below: check them and send again.")
        elif posted is None:
            error = _("That version is not one of this product's. Your answers are kept: send them again.")
        elif form.validate():
            with change(flash_refusal=False) as done:
                existing = services.save_rating(
                    current_user, product, posted, form.scores(), expected=form.expected.score,
                    returning=form.experience.data == "returning", comment=form.comment.data or "",
                    address=request.remote_addr, emotions=felt,
                )
                # What the thanks says, read before the commit expires them (three reads after it otherwise).
                thanks = {"held": existing.held, "product": product.name, "version": version.label}
            saved = bool(done)
            if not done:
                error = done.refusal
                if posted.id != version.id:
                    error = _("%(problem)s Your answers are kept below: send them to rate %(version)s.",
                              problem=error, version=version.label)
        if version is not None:
            form.version_id.data = str(version.id)
    if saved and version is not None and not wants_fragment():  # saved: there is a version
        if thanks["held"]:
            flash(_("Thank you! Your rating of %(product)s %(version)s is saved. It counts once the team has "
                    "reviewed it.", product=thanks["product"], version=thanks["version"]), "info")
        else:
            flash(_("Thank you! Your rating of %(product)s %(version)s is saved. You can change it until the next "
                    "version is released.", product=thanks["product"], version=thanks["version"]), "success")
        return see_other(url_for("maturity.rate", slug=slug))
    if request.method == "POST" and existing is None and version is not None and not team:
        existing = services.rating_of(current_user, version)  # the form is shown again: with what is stored
    failed = bool(error or form.errors)
    # htmx does not swap 4xx answers: it gets the form with its messages as a 200.
    status = 400 if failed and not wants_fragment() else 200
    earlier = [r for r in services.ratings_of(current_user, product) if version is None or r.version_id != version.id]
    return render("maturity/rate.html", block="rating_form", product=product, version=version, form=form,
                  team=team, existing=existing, saved=saved, error=error, earlier=earlier, felt=felt,
                  touchpoints={t.id: t for t in product.touchpoints}), status


def _posted_feelings() -> dict[int, str]:
    """The emotions of the POST: touchpoint id (0: the whole version) -> key; the service refuses unknown keys."""
    found = {}
    for name, value in request.form.items():
        if name.startswith("feel_") and name[5:].isdigit() and len(name) < 20 and value:
            found[int(name[5:])] = value[:40]
    return found


# --------------------------------------------------------------------------- self-assessment

@bp.get("/p/<slug>/self-assessment")
def self_assessment_current(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    version = product.current_version or (product.versions[0] if product.versions else None)
    if version is None:
        flash(_("Release a version first: the self-assessment belongs to a version."), "info")
        return see_other(url_for("products.new_version", slug=product.slug))
    return see_other(url_for("maturity.self_assessment", slug=product.slug, version_id=version.id))


@bp.route("/p/<slug>/versions/<int:version_id>/self-assessment", methods=["GET", "POST"])
def self_assessment(slug: str, version_id: int):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    version = version_or_404(product, version_id)
    touchpoints = services.active_touchpoints(product)
    if request.method == "POST":
        form = self_assessment_form(touchpoints)
    else:
        form = self_assessment_form(touchpoints, data=score_data(services.self_scores_of(version)))
    error = None
    saved = False
    if request.method == "POST":
        if unknown_touchpoints(request.form, (t.id for t in touchpoints)):
            error = _("Some of those touchpoints are not part of this product (any more). Check and send again.")
        elif form.validate():
            with change(flash_refusal=False) as done:
                services.save_self_assessment(current_user, product, version, form.scores())
            saved, error = bool(done), done.refusal
    if saved and not wants_fragment():
        flash(_("The team's self-assessment of %(version)s is saved.", version=version.label), "success")
        return see_other(url_for("maturity.show", slug=product.slug))
    failed = bool(error or form.errors)
    status = 400 if failed and not wants_fragment() else 200
    gap = services.thresholds_of([product.company_id])[product.company_id].blind_spot_gap
    return render("maturity/self_assessment.html", block="self_form", product=product, version=version, form=form,
                  error=error, saved=saved, blind_spot_gap=gap), status


# --------------------------------------------------------------------------- touchpoints

def _touchpoint_or_404(product: Product, touchpoint_id: int) -> Touchpoint:
    tp = db.get_or_404(Touchpoint, touchpoint_id)
    if tp.product_id != product.id:
        abort(404)
    return tp


def _touchpoints_page(product: Product, form: TouchpointForm, status: int = 200, row_errors=None, row_values=None):
    return render("maturity/touchpoints.html", product=product, form=form,
                  active=services.active_touchpoints(product),
                  retired=[t for t in product.touchpoints if not t.active],
                  row_errors=row_errors or {}, row_values=row_values or {}), status


@bp.route("/p/<slug>/touchpoints", methods=["GET", "POST"])
def touchpoints(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    form = TouchpointForm()
    if form.validate_on_submit():
        with change(form.name) as done:
            tp = services.add_touchpoint(product, form.name.data, form.description.data or "", form.names())
        if done:
            flash(_("“%(name)s” is added. Customers rate it from now on.", name=tp.name), "success")
            return see_other(url_for("maturity.touchpoints", slug=product.slug))
    return _touchpoints_page(product, form, form_status(form))


@bp.post("/p/<slug>/touchpoints/<int:touchpoint_id>")
def rename_touchpoint(slug: str, touchpoint_id: int):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    tp = _touchpoint_or_404(product, touchpoint_id)
    form = TouchpointForm()
    errors: list[str] = []
    if form.validate_on_submit():
        with change(flash_refusal=False) as done:
            services.rename_touchpoint(tp, form.name.data, form.description.data or "", form.names())
        if done.refusal is not None:
            errors.append(done.refusal)
        else:
            flash(_("“%(name)s” is saved.", name=tp.name), "success")
            return see_other(url_for("maturity.touchpoints", slug=product.slug))
    errors += [e for field in form for e in field.errors]
    return _touchpoints_page(product, TouchpointForm(formdata=None), 400, {tp.id: errors},
                             {tp.id: (form.name.data or "", form.description.data or "", form.names())})


def _touchpoint_action(slug: str, touchpoint_id: int, action, message, refresh: bool = False):
    """``message(name)``: the message that the action is done, in the page's language."""
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    tp = _touchpoint_or_404(product, touchpoint_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with change() as done:
        action(tp)
        if refresh:
            services.refresh_stage(product)
    if done:
        flash(message(tp.name), "success")
    return see_other(url_for("maturity.touchpoints", slug=product.slug) + f"#tp-{tp.id}")


@bp.post("/p/<slug>/touchpoints/<int:touchpoint_id>/up")
def move_up(slug: str, touchpoint_id: int):
    return _touchpoint_action(slug, touchpoint_id, lambda tp: services.move_touchpoint(tp, -1),
                              lambda name: _("“%(name)s” moved up.", name=name))


@bp.post("/p/<slug>/touchpoints/<int:touchpoint_id>/down")
def move_down(slug: str, touchpoint_id: int):
    return _touchpoint_action(slug, touchpoint_id, lambda tp: services.move_touchpoint(tp, 1),
                              lambda name: _("“%(name)s” moved down.", name=name))


@bp.post("/p/<slug>/touchpoints/<int:touchpoint_id>/retire")
def retire(slug: str, touchpoint_id: int):
    return _touchpoint_action(slug, touchpoint_id, services.retire_touchpoint,
                              lambda name: _("“%(name)s” is retired: no longer rated, its scores are kept.", name=name),
                              refresh=True)


@bp.post("/p/<slug>/touchpoints/<int:touchpoint_id>/restore")
def restore(slug: str, touchpoint_id: int):
    return _touchpoint_action(slug, touchpoint_id, services.restore_touchpoint,
                              lambda name: _("“%(name)s” is back: customers rate it again.", name=name), refresh=True)


# --------------------------------------------------------------------------- thresholds

@bp.route("/c/<slug>/thresholds", methods=["GET", "POST"])
def thresholds(slug: str):
    company = company_or_404(slug)
    require("company.manage", company)
    current = services.thresholds_of([company.id])[company.id]
    form = ThresholdsForm(data={**vars_of(current), "promises_kept": round(current.promises_kept * 100),
                                 "negative_share": round(current.negative_share * 100)})
    if form.validate_on_submit():
        values = {name: form[name].data for name in vars_of(current) if name in form}
        values["promises_kept"] = form.promises_kept.data / 100
        values["negative_share"] = form.negative_share.data / 100
        with change(form.good) as done:
            services.set_thresholds(company, figures.Thresholds(**values))
            services.refresh_stages(services.company_products(company))
        if done:
            flash(_("The thresholds are saved; every product's stage is judged by them from now on."), "success")
            return see_other(url_for("maturity.thresholds", slug=company.slug))
    return _thresholds_page(company, form, _hold_form(company), form_status(form))


def _thresholds_page(company: Company, form: ThresholdsForm, hold_form: HoldRulesForm, status: int):
    current = services.thresholds_of([company.id])[company.id]
    products = services.company_products(company)
    found = services.current_maturities(products)
    rules = holds.rules_of([company.id])[company.id]
    return render("maturity/thresholds.html", company=company, form=form, defaults=figures.DEFAULT_THRESHOLDS,
                  custom=current != figures.DEFAULT_THRESHOLDS, hold_form=hold_form,
                  hold_defaults=holds.DEFAULT_RULES, hold_custom=rules != holds.DEFAULT_RULES,
                  stages=sorted(found.values(), key=lambda m: m.product.name)), status


def _hold_form(company: Company) -> HoldRulesForm:
    rules = holds.rules_of([company.id])[company.id]
    return HoldRulesForm(prefix="hold", data=dataclasses.asdict(rules))


@bp.post("/c/<slug>/hold-rules")
def hold_rules(slug: str):
    """The company's rules for holding back suspicious ratings (holds.py); from now on, for new ratings."""
    company = company_or_404(slug)
    require("company.manage", company)
    hold_form = HoldRulesForm(prefix="hold")
    if hold_form.validate_on_submit():
        values = {name: hold_form[name].data for name in HoldRulesRow.FIELDS}
        with change(hold_form.burst_ratings) as done:
            if hold_form.reset.data:
                holds.reset_rules(company.id)
            else:
                holds.set_rules(company.id, holds.HoldRules(**values))
        if done:
            flash(_("The rules for holding back ratings are saved; they apply to ratings from now on."), "success")
            return see_other(url_for("maturity.thresholds", slug=company.slug) + "#hold-rules")
    current = services.thresholds_of([company.id])[company.id]
    form = ThresholdsForm(formdata=None, data={**vars_of(current), "promises_kept": round(current.promises_kept * 100),
                                 "negative_share": round(current.negative_share * 100)})
    return _thresholds_page(company, form, hold_form, 400)


@bp.post("/c/<slug>/thresholds/reset")
def reset_thresholds(slug: str):
    company = company_or_404(slug)
    require("company.manage", company)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.reset_thresholds(company)
    services.refresh_stages(services.company_products(company))
    db.session.commit()
    flash(_("The default thresholds apply again."), "success")
    return see_other(url_for("maturity.thresholds", slug=company.slug))


def vars_of(thresholds: figures.Thresholds) -> dict:
    return {name: getattr(thresholds, name) for name in StageThresholds.FIELDS}


# --- Promises and response times (the team) ----------------------------------------------------------

@bp.get("/p/<slug>/promises")
def product_promises(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    report = promises.reports([product])[product.id]
    return render("maturity/promises.html", company=product.company, product=product, report=report,
                  rows=[], products={product.id: product}, now=utcnow())


@bp.get("/p/<slug>/promises/ledger")
def promise_ledger(slug: str):
    """Every promise the team made, kept or broken, for anyone who may see the product."""
    product = product_or_404(slug)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    entries, more = promises.ledger(product, page)
    record = promise_record(services.current_maturity(product).figures)
    return render("maturity/ledger.html", product=product, entries=entries, page=page, more=more, record=record)


@bp.route("/p/<slug>/journey", methods=["GET", "POST"])
def journey_map(slug: str):
    """The heat map of touchpoints x versions (journey.py); the team puts the touchpoints in journey order here."""
    product = product_or_404(slug)
    manage = can("product.manage", product.company_id)
    form, error, status = EmptyForm(), None, 200
    if request.method == "POST":
        require("product.manage", product.company_id)
        if not form.validate_on_submit():
            abort(400)
        chosen = {int(key[6:]): (value or None) for key, value in request.form.items()
                  if key.startswith("stage_") and key[6:].isdigit() and len(key) < 20}
        with change(None, flash_refusal=False) as done:
            journey.set_stages(product, chosen)
        if done:
            flash(_("Journey saved: the map follows it."), "success")
            kept = {k: v for k, v in request.args.items() if k in ("raters", "self")}  # the view they were on
            back = url_for("maturity.journey_map", slug=product.slug)
            return see_other(back + ("?" + urlencode(kept) if kept else ""))
        error, status = done.refusal, 400
    thresholds = services.thresholds_of([product.company_id])[product.company_id]
    group = request.args.get("raters", "all")
    show_self = request.args.get("self") == "1"
    found = journey.heatmap(product, group, thresholds)
    return render("maturity/journey.html", product=product, map=found, show_self=show_self, manage=manage,
                  form=form, error=error, stages=journey.STAGES, thresholds=thresholds), status


@bp.get("/c/<slug>/promises")
def company_promises(slug: str):
    company = company_or_404(slug)
    require("product.manage", company)
    products = [p for p in visible_products(current_user, company)]
    found = promises.reports(products)
    report = promises.combined(found.values())
    rows = [(p, found[p.id]) for p in products]
    names = {p.id: p for p in products}
    return render("maturity/promises.html", company=company, product=None, report=report, rows=rows,
                  products=names, now=utcnow())
