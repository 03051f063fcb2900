"""/c/<slug>/webhooks: a company owner's webhooks and their delivery log (the worker sends them: tasks.py)."""


from flask import Blueprint, abort, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, URLField
from wtforms.validators import DataRequired, Length

from cocreate.companies.access import require
from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.i18n import _, _l
from cocreate.ideas.forms import choices
from cocreate.lookups import company_or_404
from cocreate.web import CheckboxesField, EmptyForm, change, form_status, render, see_other
from cocreate.webhooks import services
from cocreate.webhooks.models import Event, Format, Webhook, WebhookDelivery

bp = Blueprint("webhooks", __name__)


class WebhookForm(FlaskForm):
    url = URLField(_l("Payload URL"),
                   validators=[DataRequired(message=_l("Enter the address to POST to.")), Length(max=500)],
                   description=_l("We POST to it for each event you choose."))
    format = RadioField(_l("What we send"), choices=choices([(f.value, f.lazy_label) for f in Format]),
                        default=Format.STANDARD.value,
                        validators=[DataRequired(message=_l("Choose what we send."))])
    events = CheckboxesField(_l("Events"), choices=choices([(e.value, e.lazy_label) for e in Event]),
                             validators=[DataRequired(message=_l("Choose at least one event."))])
    active = BooleanField(_l("Active"), default=True)


def _owned(slug: str) -> Company:
    company = company_or_404(slug)
    require("company.manage", company)
    return company


def _webhook_or_404(company: Company, webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.company_id != company.id:
        abort(404)
    return webhook


def _index(company: Company, form: WebhookForm, secret: str | None = None, status: int = 200):
    return render("webhooks/index.html", company=company, form=form, webhooks=services.webhooks_of(company),
                  secret=secret, button=EmptyForm()), status


@bp.route("/c/<slug>/webhooks", methods=["GET", "POST"])
def index(slug: str):
    company = _owned(slug)
    form = WebhookForm()
    if form.validate_on_submit():
        with change(form.url) as done:
            webhook, secret = services.create_webhook(company, current_user, url=form.url.data,
                                                      events=form.events.data, format=Format(form.format.data))
        if done:
            flash(_("Webhook to %(url)s added.", url=webhook.url), "success")
            response, _status = _index(company, WebhookForm(formdata=None), secret=secret)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _index(company, form, status=400 if form.errors else 200)


@bp.route("/c/<slug>/webhooks/<int:webhook_id>", methods=["GET", "POST"])
def show(slug: str, webhook_id: int):
    company = _owned(slug)
    webhook = _webhook_or_404(company, webhook_id)
    form = WebhookForm(obj=webhook)
    if form.validate_on_submit():
        with change(form.url) as done:
            services.update_webhook(webhook, url=form.url.data, events=form.events.data, active=form.active.data,
                                    format=Format(form.format.data))
        if done:
            flash(_("Webhook saved."), "success")
            return see_other(url_for("webhooks.show", slug=company.slug, webhook_id=webhook.id))
    return _show(company, webhook, form), form_status(form)


def _show(company: Company, webhook: Webhook, form: WebhookForm, secret: str | None = None):
    return render("webhooks/show.html", company=company, webhook=webhook, form=form, button=EmptyForm(),
                  deliveries=services.deliveries_of(webhook), secret=secret,
                  standard_secret=services.standard_secret(webhook.secret))


@bp.post("/c/<slug>/webhooks/<int:webhook_id>/secret")
def roll_secret(slug: str, webhook_id: int):
    """A new secret, shown once on the answer (a leaked one, or one made before Standard Webhooks)."""
    company = _owned(slug)
    webhook = _webhook_or_404(company, webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    secret = services.roll_secret(webhook)
    db.session.commit()
    flash(_("New secret made: the old one no longer verifies. Copy this one into the receiving tool now."),
          "success")
    response = _show(company, webhook, WebhookForm(obj=webhook), secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/c/<slug>/webhooks/<int:webhook_id>/delete")
def delete(slug: str, webhook_id: int):
    company = _owned(slug)
    webhook = _webhook_or_404(company, webhook_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.delete_webhook(webhook)
    db.session.commit()
    flash(_("Webhook deleted; its queued deliveries are dropped."), "success")
    return see_other(url_for("webhooks.index", slug=company.slug))


@bp.post("/c/<slug>/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
def retry(slug: str, webhook_id: int, delivery_id: int):
    company = _owned(slug)
    webhook = _webhook_or_404(company, webhook_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.retry_now(delivery)
    db.session.commit()
    flash(_("Queued again: it goes out in a moment."), "success")
    return see_other(url_for("webhooks.show", slug=company.slug, webhook_id=webhook.id))
