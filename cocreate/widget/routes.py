"""The rating widget: the frame a company's prototype shows, its token-authenticated rating form, the sign-in
window, and the owner's settings page (docs/integrations.md, "The rating widget").

Routes under ``/widget/<slug>`` answer the widget (frame, session, rating) and the sign-in window (signin); the
owner's page is ``/p/<slug>/widget``. Only the frame may be framed, and only by the product's allowed origins;
only the session and rating routes speak CORS, and only to those origins.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from cocreate.companies.access import require
from cocreate.extensions import csrf, db, limiter
from cocreate.i18n import _, _l
from cocreate.lookups import product_or_404
from cocreate.maturity import services as maturity
from cocreate.maturity.figures import stage_label
from cocreate.maturity.forms import rating_form, score_data, unknown_touchpoints
from cocreate.maturity.models import ProductFigures
from cocreate.products.models import SLUG_MAX_LENGTH, Product, Touchpoint, Version, Visibility
from cocreate.products.services import can_view
from cocreate.security import csp
from cocreate.web import EmptyForm, change, form_status, render, see_other
from cocreate.widget import services
from cocreate.widget.models import WidgetOrigin

bp = Blueprint("widget", __name__)

# Per client address: a person rates once or twice; these leave room for a shared office network.
EXCHANGE_LIMIT = "30/minute"
RATING_LIMIT = "30/minute"
SIGNIN_LIMIT = "60/hour"
CORS_ENDPOINTS = {"widget.session", "widget.rating"}


class OriginForm(FlaskForm):
    origin = StringField(_l("Site that shows the widget"), validators=[Length(max=255)],
                         description=_l("Its origin, as in https://app.example.com (no path). Add each site: "
                                        "staging and production are two."))


# --------------------------------------------------------------------------- the product, with its widget on

def _widget_product(slug: str) -> tuple[Product, list[str]]:
    """The product whose widget is switched on (it has allowed origins); 404 otherwise. No visibility check:
    callers check what the person may see once they know who it is."""
    if len(slug) > SLUG_MAX_LENGTH:
        abort(404)
    product = db.session.scalar(db.select(Product).where(Product.slug == slug))
    if product is None:
        abort(404)
    origins = services.allowed_origins(product)
    if not origins:
        abort(404)
    return product, origins


def _own_origin() -> str:
    return request.host_url.rstrip("/")


@bp.before_request
def refuse_foreign_origins():
    """A browser's cross-origin call to the widget's API from a site the product does not allow: 403, before any
    work. The frame itself calls from Cocreate's own origin; tools without a browser send no Origin."""
    if request.endpoint not in CORS_ENDPOINTS or request.method == "OPTIONS":
        return None
    origin = request.headers.get("Origin")
    if origin is None or origin == _own_origin():
        return None
    product, origins = _widget_product(request.view_args.get("slug", "") if request.view_args else "")
    if origin not in origins:
        return _plain(_("This site may not use the widget of %(product)s.", product=product.name), 403)
    return None


@bp.after_request
def cors(response: Response) -> Response:
    """CORS headers for the product's allowed origins only (and nothing for anyone else)."""
    if request.endpoint in CORS_ENDPOINTS:
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        slug = request.view_args.get("slug", "") if request.view_args else ""
        if origin and origin != _own_origin() and len(slug) <= SLUG_MAX_LENGTH:
            product = db.session.scalar(db.select(Product).where(Product.slug == slug))
            if product is not None and origin in services.allowed_origins(product):
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Methods"] = "GET, POST"
                response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
                response.headers["Access-Control-Max-Age"] = "600"
    return response


def _plain(text: str, status: int) -> Response:
    """A short answer the frame shows as it is (next to the form)."""
    response = make_response(render_template("widget/_message.html", message=text), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer_user(product: Product):
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    user = services.user_for(token.strip(), product) if scheme.lower() == "bearer" and token else None
    if user is None:
        response = _plain(_("Your sign-in has expired: sign in again to rate."), 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="cocreate-widget"'
        abort(response)
    if not can_view(product, user):
        abort(404)
    return user


# --------------------------------------------------------------------------- the frame

def _touchpoint(product: Product, value: str | None) -> Touchpoint | None:
    """The active touchpoint the snippet names; None (the whole rating) for none, or one not (any more) offered."""
    if not value or not value.isdigit():
        return None
    return next((t for t in maturity.active_touchpoints(product) if str(t.id) == value), None)


@bp.get("/widget/<slug>")
def frame(slug: str):
    """What the prototype's iframe shows: the "Rate this" button; the rest comes once the person is known."""
    product, origins = _widget_product(slug)
    touchpoint = _touchpoint(product, request.args.get("touchpoint"))
    public = product.visibility == Visibility.PUBLIC
    response = make_response(render_template("widget/frame.html", product=product, public=public,
                                              touchpoint=touchpoint, origins=origins))
    response.headers["Content-Security-Policy"] = csp(frame_ancestors=" ".join(origins))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/widget/<slug>/session", methods=["POST", "OPTIONS"])
@csrf.exempt  # no cookie is read here: the company's signed token is the proof
@limiter.limit(EXCHANGE_LIMIT, methods=["POST"])
def session(slug: str):
    """The company's signed token for the widget's own: ``{"token": "<JWT>"}`` -> ``{"access": …, "name": …}``."""
    product, _origins = _widget_product(slug)
    data = request.get_json(silent=True)
    token = data.get("token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or len(token) > 4096:
        return jsonify(error=_("Send the signed token as JSON: {\"token\": \"…\"}.")), 400
    try:
        user = services.identify(product, token, address=request.remote_addr)
    except services.WidgetRefused as refusal:
        db.session.rollback()
        return jsonify(error=str(refusal)), 400
    db.session.commit()
    response = jsonify(access=services.access_token(user, product), name=user.name,
                       expires_in=int(services.ACCESS_LIFETIME.total_seconds()))
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- the rating form, in the frame

def _existing_scores(existing, active: list[Touchpoint]) -> dict[int, int]:
    ids = {t.id for t in active}
    return {s.touchpoint_id: s.score for s in existing.scores if s.touchpoint_id in ids} if existing else {}


def _form_data(existing) -> dict:
    if existing is None:
        return {"experience": "first"}
    return {"expected": str(existing.expected or ""), "comment": existing.comment or "",
            "experience": "returning" if existing.returning else "first",
            **score_data({s.touchpoint_id: s.score for s in existing.scores})}


def _figures(product: Product) -> ProductFigures | None:
    return db.session.get(ProductFigures, product.id)


@bp.route("/widget/<slug>/rating", methods=["GET", "POST", "OPTIONS"])
@csrf.exempt  # authenticated by the Authorization header, which no other site's form can send
@limiter.limit(RATING_LIMIT, methods=["POST"])
def rating(slug: str):
    """The rating form for the person the bearer token names (GET), and saving it (POST): an HTML fragment the
    frame puts in place, the form again with its messages (400) or the thanks with the product's figures."""
    product, _origins = _widget_product(slug)
    user = _bearer_user(product)
    touchpoint = _touchpoint(product, request.values.get("touchpoint"))
    active = maturity.active_touchpoints(product)
    offered = [touchpoint] if touchpoint is not None else active
    version = product.current_version
    team = maturity.is_team_member(user, product.company_id)
    existing = maturity.rating_of(user, version) if version is not None and not team else None
    # What they felt (maturity/emotions.py): feel_<touchpoint id> for the touchpoints offered, feel_0 for the whole
    # version on the whole form; a touchpoint's page keeps what the person felt about the rest.
    before = existing.emotion_map if existing is not None else {}
    felt = {**before, **_posted_feelings(offered, whole=touchpoint is None)} if request.method == "POST" else before
    context = {"product": product, "version": version, "touchpoint": touchpoint, "team": team, "user": user,
               "existing": existing, "felt": felt}
    if request.method == "GET" or version is None or team:
        form = _no_skip(rating_form(offered, meta={"csrf": False}, data=_form_data(existing)), touchpoint)
        status = 200 if request.method == "GET" else 400
        return _fragment("widget/_form.html", status, form=form, error=None, **context)
    form = _no_skip(rating_form(offered, meta={"csrf": False}), touchpoint)
    error = None
    posted = _posted_version(product, form.version_id.data)
    if unknown_touchpoints(request.form, (t.id for t in offered)):
        error = _("Some of those touchpoints are not part of this product (any more). Your other answers are kept "
                  "below: check them and send again.")
    elif posted is None or posted.id != version.id:
        error = _("%(product)s has a new version, %(version)s, since you opened this: check your answers and send "
                  "them again to rate it.", product=product.name, version=version.label)
    elif form.validate():
        scores = form.scores()
        if touchpoint is not None:
            if scores.get(touchpoint.id) is None:
                field = form[f"tp_{touchpoint.id}"]
                field.errors = [*field.errors, _("Choose a score from 1 to 5.")]
            # the other touchpoints keep the scores this person gave them before
            scores = {**_existing_scores(existing, active), **{k: v for k, v in scores.items() if v is not None}}
        if not form.errors:
            with change(flash_refusal=False) as done:
                saved = maturity.save_rating(user, product, version, scores, expected=form.expected.score,
                                             returning=form.experience.data == "returning",
                                             comment=form.comment.data or "", address=request.remote_addr,
                                             emotions=felt)
            if done:
                return _fragment("widget/_thanks.html", 200, rating=saved, figures=_figures(product),
                                 stage=stage_label, **context)
            error = done.refusal
    return _fragment("widget/_form.html", 400 if error or form.errors else 200, form=form, error=error, **context)


def _posted_feelings(offered: list[Touchpoint], *, whole: bool) -> dict[int, str | None]:
    """The emotions posted for the touchpoints offered (and the whole version on the whole form); an empty choice
    ("Rather not say") takes one back. The service refuses keys it does not know."""
    names = {f"feel_{t.id}": t.id for t in offered} | ({"feel_0": 0} if whole else {})
    return {tp_id: (request.form.get(name) or None) for name, tp_id in names.items() if name in request.form}


def _no_skip(form, touchpoint: Touchpoint | None):
    """On a touchpoint's own page its score is what is asked: no "Skip" there."""
    if touchpoint is not None:
        field = form[f"tp_{touchpoint.id}"]
        field.choices = [choice for choice in field.choices if choice.value != ""]
    return form


def _posted_version(product: Product, value: str | None) -> Version | None:
    if not value or not value.isdigit():
        return None
    version = db.session.get(Version, int(value)) if int(value) < 2**31 else None
    return version if version is not None and version.product_id == product.id else None


def _fragment(template: str, status: int, **context) -> Response:
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- the sign-in window

@bp.route("/widget/<slug>/signin", methods=["GET", "POST"])
@login_required
@limiter.limit(SIGNIN_LIMIT, methods=["POST"])
def signin(slug: str):
    """The window the frame opens: signed in on Cocreate (a first-party page, so its cookie works wherever the
    frame is), the person agrees to rate from the prototype; the answer hands the widget's token to the frame
    that opened the window, by postMessage to Cocreate's own origin only (static/widget/signin.js)."""
    product = product_or_404(slug)
    if not services.allowed_origins(product):
        abort(404)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        response = make_response(render_template("widget/signed_in.html", product=product,
                                                 access=services.access_token(current_user, product)))
        response.headers["Cache-Control"] = "no-store"
        return response
    return render("widget/signin.html", product=product, form=form)


# --------------------------------------------------------------------------- the owner's settings page

def _managed(slug: str) -> Product:
    product = product_or_404(slug)
    require("company.manage", product.company_id)
    return product


SIGNING_EXAMPLE = """# Python, with PyJWT (pip install pyjwt)
token = jwt.encode({"email": user.email, "name": user.name, "exp": int(time.time()) + 600},
                   COCREATE_WIDGET_SECRET, algorithm="HS256")"""


def _snippets(base: str, product: Product, touchpoint: Touchpoint | None) -> dict[str, str]:
    """What the owner copies into the prototype (shown escaped in <pre>)."""
    query = f"?touchpoint={touchpoint.id}" if touchpoint is not None else ""
    data_touchpoint = f' data-touchpoint="{touchpoint.id}"' if touchpoint is not None else ""
    placeholder = _("YOUR USER'S SIGNED TOKEN (optional)")
    script = (f'<script src="{base}{url_for("static", filename="widget/embed.js")}"\n'
              f'        data-product="{product.slug}"{data_touchpoint}\n'
              f'        data-token="{placeholder}" async></script>')
    title = _("Rate %(product)s", product=product.name).replace('"', "&quot;")
    iframe = (f'<iframe src="{base}/widget/{product.slug}{query}"\n'
              f'        title="{title}" width="380" height="600" style="border:0"></iframe>')
    return {"script": script, "iframe": iframe, "signing": SIGNING_EXAMPLE}


def _settings(product: Product, form: OriginForm, status: int = 200) -> Response:
    # The address the owner's customers reach Cocreate at: PUBLIC_URL, else (development) this page's own.
    base = (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")
    touchpoint = _touchpoint(product, request.args.get("touchpoint"))  # the snippet's, chosen on the page
    response = make_response(render(
        "widget/settings.html", product=product, form=form, button=EmptyForm(),
        snippets=_snippets(base, product, touchpoint),
        origins=services.origins_of(product), secret=services.secret_of(product.company), touchpoint=touchpoint,
        touchpoints=maturity.active_touchpoints(product)), status)
    response.headers["Cache-Control"] = "no-store"  # it shows the signing secret
    return response


@bp.route("/p/<slug>/widget", methods=["GET", "POST"])
def settings(slug: str):
    """Allowed origins (add here), the snippet to copy, the company's signing secret."""
    product = _managed(slug)
    form = OriginForm()
    if form.validate_on_submit():
        with change(form.origin) as done:
            row = services.add_origin(product, form.origin.data or "")
        if done:
            flash(_("%(origin)s may show the widget now.", origin=row.origin), "success")
            return see_other(url_for("widget.settings", slug=product.slug))
    return _settings(product, form, form_status(form))


@bp.post("/p/<slug>/widget/origins/<int:origin_id>/delete")
def remove_origin(slug: str, origin_id: int):
    product = _managed(slug)
    row = db.session.get(WidgetOrigin, origin_id)
    if row is None or row.product_id != product.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    origin = row.origin
    services.remove_origin(row)
    db.session.commit()
    flash(_("%(origin)s may no longer show the widget.", origin=origin), "success")
    return see_other(url_for("widget.settings", slug=product.slug))


@bp.post("/p/<slug>/widget/secret")
def new_secret(slug: str):
    product = _managed(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    had = services.secret_of(product.company) is not None
    services.new_secret(product.company)
    db.session.commit()
    flash(_("New signing secret made: tokens signed with the old one no longer work. Put this one on your server.")
          if had else _("Signing secret made: put it on your server to sign your users' tokens."), "success")
    return see_other(url_for("widget.settings", slug=product.slug) + "#secret")
