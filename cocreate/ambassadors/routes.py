"""Leaderboard and shortlist for marketing (ambassadors.manage); invitations for customers."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, request, url_for
from flask_login import current_user, login_required

from cocreate.ambassadors import leaderboard, scores
from cocreate.ambassadors import shortlist as candidates
from cocreate.ambassadors.forms import AddCandidateForm, BoardFilters, NoteForm
from cocreate.ambassadors.models import Candidate
from cocreate.auth.models import User
from cocreate.companies.access import require
from cocreate.companies.models import Company
from cocreate.extensions import db
from cocreate.i18n import _
from cocreate.lookups import company_or_404
from cocreate.web import EmptyForm, change, render, safe_next, see_other, wants_fragment

bp = Blueprint("ambassadors", __name__)


def _company(slug: str) -> Company:
    company = company_or_404(slug)
    require("ambassadors.manage", company)
    return company


def _candidate(company: Company, candidate_id: int) -> Candidate:
    candidate = db.get_or_404(Candidate, candidate_id)
    if candidate.company_id != company.id:
        abort(404)
    return candidate


# --- Leaderboard -------------------------------------------------------------------------------------

@bp.get("/c/<slug>/ambassadors")
def board(slug: str):
    company = _company(slug)
    products = leaderboard.company_products(company)
    filters = BoardFilters.read(request.args, (p.id for p in products))
    result = leaderboard.leaderboard(company, product_id=filters.product_id, period=filters.period,
                                     sort=filters.sort, page=filters.page, opted_in_only=filters.consent == "yes")
    leaderboard.score_cells(result, products)
    args = {k: v for k, v in request.args.items() if k != "page" and v and k in BoardFilters.FIELDS}
    return render("ambassadors/board.html", "board", company=company, board=result, filters=filters, args=args,
                  products=[(p.id, p.name) for p in products])


@bp.post("/c/<slug>/ambassadors/refresh")
def refresh(slug: str):
    company = _company(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    scores.refresh_scores(company)
    db.session.commit()
    flash(_("Scores are recomputed from today's facts."), "success")
    return see_other(safe_next(url_for("ambassadors.board", slug=slug)))


# --- Shortlist ---------------------------------------------------------------------------------------

@bp.get("/c/<slug>/ambassadors/shortlist")
def shortlist(slug: str):
    company = _company(slug)
    entries = candidates.shortlist(company)
    return render("ambassadors/shortlist.html", company=company, entries=entries, failed=None,
                  left_out=candidates.left_out_of_export(entries), button_form=EmptyForm(), note_form=NoteForm)


@bp.post("/c/<slug>/ambassadors/shortlist")
def add(slug: str):
    company = _company(slug)
    form = AddCandidateForm()
    back = safe_next(url_for("ambassadors.shortlist", slug=slug))
    if not form.validate_on_submit():
        abort(400)
    raw = form.user_id.data.strip()
    user = db.session.get(User, int(raw)) if raw.isdigit() and 0 < int(raw) <= 2**31 - 1 else None
    if user is None:
        abort(404)
    with change(flash_refusal=False) as done:
        candidates.add_candidate(company, user, current_user, form.note.data or "")
    error = done.refusal
    if wants_fragment():
        state = db.session.scalar(sa.select(Candidate.state).where(Candidate.company_id == company.id,
                                                                   Candidate.user_id == user.id))
        return render("ambassadors/_shortlist_cell.html", company=company, user_id=user.id, state=state,
                      error=error, add_form=AddCandidateForm(formdata=None)), 409 if error else 200
    flash(error or _("%(name)s is on the shortlist.", name=user.name), "error" if error else "success")
    return see_other(back)


def _row_response(company: Company, candidate: Candidate, error: str | None = None):
    if wants_fragment():
        return render("ambassadors/_candidate.html", company=company, entry=candidates.entry(candidate), error=error,
                      button_form=EmptyForm(), note_form=NoteForm, failed=None), 409 if error else 200
    flash(error or _("Saved."), "error" if error else "success")
    return see_other(url_for("ambassadors.shortlist", slug=company.slug) + f"#candidate-{candidate.id}")


def _change(slug: str, candidate_id: int, action) -> Response:
    company = _company(slug)
    candidate = _candidate(company, candidate_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    with change(flash_refusal=False) as done:
        action(candidate)
    return _row_response(company, candidate, done.refusal)


@bp.post("/c/<slug>/ambassadors/shortlist/<int:candidate_id>/invite")
def invite(slug: str, candidate_id: int):
    return _change(slug, candidate_id, lambda c: candidates.invite(c, url=url_for("ambassadors.invitations"),
                                                                 by=current_user))


@bp.post("/c/<slug>/ambassadors/shortlist/<int:candidate_id>/withdraw")
def withdraw(slug: str, candidate_id: int):
    return _change(slug, candidate_id, candidates.withdraw)


@bp.post("/c/<slug>/ambassadors/shortlist/<int:candidate_id>/note")
def note(slug: str, candidate_id: int):
    company = _company(slug)
    candidate = _candidate(company, candidate_id)
    form = NoteForm(prefix=f"c{candidate.id}")
    if form.validate_on_submit():
        candidates.set_note(candidate, form.note.data or "")
        db.session.commit()
        return _row_response(company, candidate)
    failed = (candidate.id, form)  # shown again with the text as typed and the message
    if wants_fragment():
        return render("ambassadors/_candidate.html", company=company, entry=candidates.entry(candidate), error=None,
                      button_form=EmptyForm(), note_form=NoteForm, failed=failed), 400
    entries = candidates.shortlist(company)
    return render("ambassadors/shortlist.html", company=company, entries=entries, failed=failed,
                  left_out=candidates.left_out_of_export(entries), button_form=EmptyForm(), note_form=NoteForm), 400


@bp.get("/c/<slug>/ambassadors/shortlist.csv")
def export(slug: str):
    company = _company(slug)
    text, _left_out = candidates.shortlist_csv(company)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{company.slug}-ambassadors.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- The customer's side -----------------------------------------------------------------------------

@bp.get("/me/invitations")
@login_required
def invitations():
    return render("ambassadors/invitations.html", invitations=candidates.invitations_of(current_user),
                  button_form=EmptyForm())


def _answer(candidate_id: int, accept: bool):
    candidate = db.get_or_404(Candidate, candidate_id)
    if candidate.user_id != current_user.id or candidate.invited_at is None:
        abort(404)  # someone else's invitation, or an internal shortlist entry: not there for this user
    if not EmptyForm().validate_on_submit():
        abort(400)
    with change(flash_refusal=False) as done:
        candidates.answer(candidate, current_user, accept)
    error = done.refusal
    if wants_fragment():
        return render("ambassadors/_invitation.html", invitation=candidate, error=error,
                      button_form=EmptyForm()), 409 if error else 200
    if error:
        flash(error, "error")
    elif accept:
        flash(_("Welcome aboard: you are now an ambassador of %(company)s.", company=candidate.company.name),
              "success")
    else:
        flash(_("You declined %(company)s's invitation.", company=candidate.company.name), "info")
    return see_other(url_for("ambassadors.invitations"))


@bp.post("/me/invitations/<int:candidate_id>/accept")
@login_required
def accept(candidate_id: int):
    return _answer(candidate_id, True)


@bp.post("/me/invitations/<int:candidate_id>/decline")
@login_required
def decline(candidate_id: int):
    return _answer(candidate_id, False)
