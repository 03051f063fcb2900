"""/p/<slug>/voices: the team records ideas and votes it heard from customers elsewhere (voices.py)."""

from flask import Blueprint, Flask, flash, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from cocreate.companies.access import require
from cocreate.extensions import limiter
from cocreate.i18n import _, _l
from cocreate.ideas import voices
from cocreate.lookups import product_and_idea_or_404, product_or_404
from cocreate.web import change, form_status, render, see_other

bp = Blueprint("voices", __name__)

# Recording can make accounts and send welcome mails: a team member records at most this many voices an hour.
VOICES_PER_HOUR = "60/hour"


def _member_key() -> str:
    return f"voices:{current_user.get_id()}"


class VoiceForm(FlaskForm):
    email = EmailField(_l("Their e-mail address"), validators=[
        DataRequired(_l("Enter the customer's e-mail address.")),
        Email(_l("Enter an e-mail address such as name@example.com.")), Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_l("An account with this address gets the voice; without one, a new account is made and its "
                       "owner gets a welcome mail."))
    name = StringField(_l("Their name"), validators=[Optional(), Length(max=80)],
                       description=_l("Needed only when they have no account yet."))
    heard_at = StringField(_l("Where you heard it"), validators=[
        DataRequired(_l("Say where you heard it (a call, a fair, a visit …).")), Length(max=120)],
        description=_l("For example: phone call on 3 December, Utrecht bike fair."))


class VoiceIdeaForm(VoiceForm):
    title = StringField(_l("Their idea"), validators=[DataRequired(_l("Write down their idea.")), Length(max=120)])
    description = TextAreaField(_l("Details"), validators=[Optional(), Length(max=10_000)])


def _page(product, form, status=200):
    return render("ideas/voices.html", product=product, form=form, recent=voices.recent(product)), status


@bp.route("/p/<slug>/voices", methods=["GET", "POST"])
@limiter.limit(VOICES_PER_HOUR, methods=["POST"], key_func=_member_key)
def record_idea(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    form = VoiceIdeaForm()
    if form.validate_on_submit():
        with change(form.email) as done:
            idea = voices.record_idea(product, current_user, email=form.email.data, name=form.name.data or "",
                                      heard_at=form.heard_at.data, title=form.title.data,
                                      description=form.description.data or "")
        if done:
            flash(_("Recorded: “%(title)s”, heard from %(name)s.", title=idea.title,
                    name=idea.author.name if idea.author else ""), "success")
            return see_other(url_for("voices.record_idea", slug=product.slug))
    return _page(product, form, form_status(form))


@bp.post("/p/<slug>/ideas/<int:idea_id>/voices")
@limiter.limit(VOICES_PER_HOUR, key_func=_member_key)
def record_vote(slug: str, idea_id: int):
    product, idea = product_and_idea_or_404(slug, idea_id)
    require("product.manage", product.company_id)
    form = VoiceForm()
    if form.validate_on_submit():
        with change(form.email) as done:
            customer = voices.record_vote(idea, current_user, email=form.email.data, name=form.name.data or "",
                                          heard_at=form.heard_at.data)
        if done:
            flash(_("Recorded: %(name)s's vote.", name=customer.name), "success")
            return see_other(url_for("ideas.show", slug=product.slug, idea_id=idea.id) + "#voices")
    return render("ideas/vote_voice.html", product=product, idea=idea, form=form), form_status(form)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["recorded_votes"] = voices.recorded_votes
    app.jinja_env.globals["VoiceForm"] = VoiceForm
