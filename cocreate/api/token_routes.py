"""/profile/tokens: a user's personal API tokens (HTML pages, CSRF-protected like every form)."""

from flask import Blueprint, abort, flash, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from cocreate.api import services
from cocreate.extensions import db
from cocreate.i18n import _, _l
from cocreate.web import EmptyForm, render, see_other

bp = Blueprint("tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the token a name.")), Length(max=80)],
                       description=_l("What the token is for, e.g. “Jira sync”."))
    # Without a choice in the request (an old form, a script) the defaults apply: read only, 90 days.
    scope = RadioField(_l("It may"), default="read", choices=[
        SelectChoice("read", _l("Read: see products, ideas, comments and the board")),
        SelectChoice("write", _l("Read and write: also submit ideas, vote, comment and change statuses")),
    ])
    lifetime = RadioField(_l("It expires"), default=services.DEFAULT_LIFETIME, choices=[
        SelectChoice("30", _l("in 30 days")),
        SelectChoice("90", _l("in 90 days")),
        SelectChoice("365", _l("in a year")),
        SelectChoice("never", _l("never (until you revoke it)")),
    ])


def _page(form: TokenForm, new_token: str | None = None, status: int = 200):
    return render("api/tokens.html", form=form, revoke_form=EmptyForm(), new_token=new_token,
                  tokens=services.tokens_of(current_user)), status


@bp.get("/profile/tokens")
@login_required
def index():
    return _page(TokenForm(formdata=None))


@bp.post("/profile/tokens")
@login_required
def create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _row, token = services.create_token(current_user, form.name.data, scope=form.scope.data,
                                                lifetime=form.lifetime.data)
        except services.TokenError as refusal:
            form.name.errors = [*form.name.errors, str(refusal)]
        else:
            db.session.commit()
            # Shown in this response only: it is not stored, and the page is not cached.
            response, _status = _page(TokenForm(formdata=None), new_token=token)
            response.headers["Cache-Control"] = "no-store"
            return response
    return _page(form, status=400)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    row = services.revoke_token(current_user, token_id)
    if row is None:
        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked; programs using it can no longer connect.", name=row.name), "success")
    return see_other(url_for("tokens.index"))
