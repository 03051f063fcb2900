"""Single sign-on pages: choose a company's provider, the round trip through it, and the owner's settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, request, session, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cocreate.auth import sso
from cocreate.auth.models import User
from cocreate.companies.access import require
from cocreate.companies.models import Company
from cocreate.extensions import db, limiter
from cocreate.i18n import _, _l
from cocreate.lookups import company_or_404, product_by_slug
from cocreate.products.models import Visibility
from cocreate.products.services import can_view
from cocreate.web import CheckboxesField, EmptyForm, absolute_url, change, form_status, path_for, render, see_other

bp = Blueprint("sso", __name__)


class SSOSettingsForm(FlaskForm):
    issuer = StringField(_l("Issuer URL"), validators=[DataRequired(), Length(max=500)],
                         description=_l("As your provider names it, e.g. https://login.example.com/realms/acme. Its "
                                        "discovery document is read from that URL followed by "
                                        "/.well-known/openid-configuration."))
    client_id = StringField(_l("Client id"), validators=[DataRequired(), Length(max=255)])
    client_secret = PasswordField(_l("Client secret"), validators=[Length(max=1000)],
                                  description=_l("Stored encrypted and never shown again. Leave empty to keep the "
                                                 "one stored."))
    required_products = CheckboxesField(
        _l("Private products whose customers must sign in through it"), coerce=int,
        description=_l("An invited customer then sees the product only in a session signed in through your provider; "
                       "your members are never asked."))
    enabled = BooleanField(_l("Members and customers may sign in through it"), default=True)


def _company_with_sso(slug: str) -> tuple[Company, sso.CompanySSO | None]:
    company = company_or_404(slug)
    config = sso.config_of(company)
    return company, config


def _problem(message: str, company: Company | None, status: int = 400):
    return render("auth/sso_problem.html", message=message, company=company), status


@bp.get("/sso")
def start():
    """The companies whose provider one may sign in through."""
    return render("auth/sso_start.html", companies=sso.companies_with_sso())


@bp.get("/sso/<slug>/login")
@limiter.limit("30/hour")
def login(slug: str):
    company, config = _company_with_sso(slug)
    if config is None or not config.enabled:
        return _problem(_("%(company)s has not connected an identity provider.", company=company.name), company, 404)
    try:
        client = sso.client_for(config)
        redirect_uri = absolute_url(path_for("sso.callback", slug=company.slug))  # PUBLIC_URL, never the Host
        return client.authorize_redirect(redirect_uri)
    except sso.SSORefused as error:
        return _problem(str(error), company, 502)


@bp.get("/sso/<slug>/callback")
def callback(slug: str):
    """The provider sends the browser back here: Authlib checks state, PKCE, the ID token and its nonce."""
    company, config = _company_with_sso(slug)
    if config is None or not config.enabled:
        return _problem(_("%(company)s has not connected an identity provider.", company=company.name), company, 404)
    if not request.args.get("state") and not request.args.get("error"):
        return _problem(str(sso.refusal("mismatching_state")), company)
    try:
        client = sso.client_for(config)
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims:  # no ID token, or no nonce in this session: nothing vouches for anyone
            raise sso.refusal("missing_claim")
    except sso.SSORefused as error:
        return _problem(str(error), company)
    except sso.CALLBACK_ERRORS as error:
        return _problem(str(sso.callback_refusal(error)), company)
    signed_in = current_user._get_current_object() if current_user.is_authenticated else None
    with change(flash_refusal=False) as done:
        user = sso.account_for(company, dict(claims), signed_in)
        user_id = user.id
    if not done:
        return _problem(done.refusal or "", company, 403)
    login_user(db.session.get(User, user_id))
    session[sso.SESSION_KEY] = company.id
    flash(_("Signed in through %(company)s's identity provider.", company=company.name), "success")
    return see_other(url_for("main.index"))


# --- The owner's settings ---------------------------------------------------------------------------------

@bp.route("/c/<slug>/sso", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    company, config = _company_with_sso(slug)
    require("company.manage", company)
    form = SSOSettingsForm(obj=config) if request.method == "GET" and config else SSOSettingsForm()
    private = sso.private_products(company)
    form.required_products.choices = [(p.id, p.name) for p in private]
    if request.method == "GET":
        form.client_secret.data = ""  # never shown back
        form.required_products.data = [p.id for p in private if p.sso_required]
    if form.validate_on_submit():
        with change(form.issuer) as done:
            sso.configure(company, issuer=form.issuer.data, client_id=form.client_id.data,
                          client_secret=form.client_secret.data or None,
                          required_products=form.required_products.data or [], enabled=form.enabled.data)
        if done:
            flash(_("Single sign-on is connected: the provider's discovery document answered."), "success")
            return see_other(url_for("sso.settings", slug=company.slug))
    linked = db.session.scalar(sa.select(sa.func.count()).select_from(sso.SSOIdentity)
                               .where(sso.SSOIdentity.company_id == company.id)) or 0
    return render("auth/sso_settings.html", company=company, config=config, form=form, linked=linked,
                  delete_form=EmptyForm(),
                  callback_url=absolute_url(path_for("sso.callback", slug=company.slug))), form_status(form)


@bp.post("/c/<slug>/sso/delete")
@login_required
def disconnect(slug: str):
    company, _config = _company_with_sso(slug)
    require("company.manage", company)
    if EmptyForm().validate_on_submit():
        sso.disconnect(company)
        db.session.commit()
        flash(_("Single sign-on is disconnected. Accounts made through it keep working with a password or a link "
                "by e-mail."), "info")
    return see_other(url_for("sso.settings", slug=company.slug))


@bp.before_app_request
def customers_through_sso():
    """A private product whose owner requires it is shown to its customers only in a session signed in through the
    company's provider: elsewhere they get a page with the way in (members of the company are not asked)."""
    rule = request.url_rule
    if rule is None or not rule.rule.startswith("/p/<slug>") or not current_user.is_authenticated:
        return None
    slug = (request.view_args or {}).get("slug")
    product = product_by_slug(slug) if isinstance(slug, str) else None  # the page's own look-up reads it again free
    if product is None or product.visibility == Visibility.PUBLIC or not can_view(product, current_user):
        return None  # public, or a 404 anyway (an outsider learns nothing here)
    if not sso.sso_required_for(product, current_user, session.get(sso.SESSION_KEY)):
        return None
    company = db.session.get(Company, product.company_id)
    return render("auth/sso_required.html", company=company), 403
