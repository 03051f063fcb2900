"""The team's list of misses, a miss's page (its customer and the team), answering and closing."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user, login_required

from cocreate.companies.access import can, require
from cocreate.extensions import db
from cocreate.i18n import _
from cocreate.lookups import product_or_404
from cocreate.misses import services
from cocreate.misses.forms import AnswerForm, CloseForm
from cocreate.misses.models import Miss
from cocreate.products.models import Version
from cocreate.web import change, render, see_other

bp = Blueprint("misses", __name__)


def _miss_or_404(product, miss_id: int) -> Miss:
    miss = db.session.get(Miss, miss_id) if 0 < miss_id < 2**63 else None
    if miss is None or miss.product_id != product.id:
        abort(404)
    return miss


def _close_form(miss: Miss, **kwargs) -> CloseForm:
    form = CloseForm(**kwargs)
    choices = services.fixing_versions(miss)
    form.version.choices = [(0, _("Choose a version"))] + [(v.id, v.label) for v in choices]
    return form


@bp.get("/p/<slug>/misses")
@login_required
def index(slug: str):
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    closed = request.args.get("state") == "closed"
    misses = services.team_list(product, closed=closed)
    forms = {m.id: (AnswerForm(prefix=f"a{m.id}"), _close_form(m, prefix=f"c{m.id}")) for m in misses
             if m.closed_at is None}
    return render("misses/index.html", product=product, misses=misses, closed=closed, forms=forms)


CSV_HEADER = ["opened_at", "version", "touchpoint", "score", "expected", "emotion", "comment", "rater", "state",
              "first_answer_at", "closed_at", "fixed_version", "rerated_score", "recovered_at", "replies"]


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ would make it a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/p/<slug>/misses.csv")
@login_required
def export(slug: str):
    """Every miss of the product, open and closed (the team's), for a spreadsheet."""
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    found = services.team_list(product, limit=100_000) + services.team_list(product, closed=True, limit=100_000)
    for m in sorted(found, key=lambda m: (m.opened_at, m.id)):
        felt = m.rating.emotion_map
        writer.writerow([_cell(v) for v in (
            m.opened_at.isoformat(timespec="seconds"), m.version.label, m.touchpoint.name, m.score, m.expected,
            felt.get(m.touchpoint_id) or felt.get(0), m.rating.comment, m.user.name, m.state,
            m.first_answer_at.isoformat(timespec="seconds") if m.first_answer_at else "",
            m.closed_at.isoformat(timespec="seconds") if m.closed_at else "",
            m.fixed_version.label if m.fixed_version else "", m.rerated_score,
            m.recovered_at.isoformat(timespec="seconds") if m.recovered_at else "", len(m.replies))])
    response = Response(("\ufeff" + out.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{product.slug}-misses.csv"'
    return response


@bp.get("/p/<slug>/misses/<int:miss_id>")
@login_required
def show(slug: str, miss_id: int):
    product = product_or_404(slug)
    miss = _miss_or_404(product, miss_id)
    team = can("idea.moderate", product.company_id)
    if not team and miss.user_id != current_user.id:
        abort(404)  # another customer's miss: it does not exist for them
    return _show(product, miss, team, AnswerForm(prefix="a"), _close_form(miss, prefix="c"))


def _show(product, miss, team, answer_form, close_form, status: int = 200):
    return render("misses/show.html", product=product, miss=miss, team=team, answer_form=answer_form,
                  close_form=close_form), status


def _back(product, miss) -> str:
    target = request.form.get("back")
    if target == "list":
        return url_for("misses.index", slug=product.slug) + f"#miss-{miss.id}"
    return url_for("misses.show", slug=product.slug, miss_id=miss.id)


@bp.post("/p/<slug>/misses/<int:miss_id>/answer")
@login_required
def answer(slug: str, miss_id: int):
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    miss = _miss_or_404(product, miss_id)
    prefix = "a" if request.form.get("back") != "list" else f"a{miss.id}"
    form = AnswerForm(prefix=prefix)
    if form.validate_on_submit():
        with change(form.body) as done:
            services.answer(miss, current_user, form.body.data or "")
        if done:
            flash(_("Your answer is sent to %(name)s.", name=miss.user.name), "success")
            return see_other(_back(product, miss))
    return _show(product, miss, True, form, _close_form(miss, prefix="c"), 400)


@bp.post("/p/<slug>/misses/<int:miss_id>/close")
@login_required
def close(slug: str, miss_id: int):
    product = product_or_404(slug)
    require("idea.moderate", product.company_id)
    miss = _miss_or_404(product, miss_id)
    prefix = "c" if request.form.get("back") != "list" else f"c{miss.id}"
    form = _close_form(miss, prefix=prefix)
    if form.validate_on_submit():
        version = db.session.get(Version, form.version.data) if form.version.data else None
        with change(form.version) as done:
            services.close(miss, current_user, version, form.note.data or "")
        if done:
            flash(_("The miss is closed; %(name)s is invited to rate %(version)s.", name=miss.user.name,
                    version=version.label if version else ""), "success")
            return see_other(_back(product, miss))
    return _show(product, miss, True, AnswerForm(prefix="a"), form, 400)
