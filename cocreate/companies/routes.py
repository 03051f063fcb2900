from flask import Blueprint, abort, flash, url_for
from flask_login import current_user, login_required

from cocreate.companies import services
from cocreate.companies.access import require
from cocreate.companies.forms import AddMemberForm, CompanyForm, RoleForm
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db
from cocreate.i18n import _
from cocreate.lookups import company_or_404
from cocreate.products.services import customer_invitations_for, visible_products
from cocreate.web import EmptyForm, absolute_url, change, form_status, render, see_other

bp = Blueprint("companies", __name__)


@bp.get("/companies")
@login_required
def mine():
    return render("companies/mine.html", companies=services.companies_of(current_user))


@bp.route("/companies/new", methods=["GET", "POST"])
@login_required
def create():
    form = CompanyForm()
    if form.validate_on_submit():
        company = services.create_company(current_user, form.name.data)
        db.session.commit()
        flash(_("%(company)s is created. You are its owner.", company=company.name), "success")
        return see_other(url_for("companies.show", slug=company.slug))
    return render("companies/new.html", form=form), 400 if form.errors else 200


@bp.get("/c/<slug>")
def show(slug: str):
    company = company_or_404(slug)
    return render("companies/show.html", company=company, products=visible_products(company=company))


@bp.route("/c/<slug>/members", methods=["GET", "POST"])
def members(slug: str):
    company = company_or_404(slug)
    require("company.manage", company)
    form = AddMemberForm()
    invite_link = None
    if form.validate_on_submit():
        role = Role(form.role.data)
        with change(form.email) as done:
            invitation, token = services.invite(company, form.email.data, role, current_user)
        if done:  # the same answer whether the address has an account or not
            invite_link = absolute_url(url_for("companies.accept", token=token))  # sent on: never from the Host
            flash(_("%(email)s is invited as %(role)s and joins by accepting. Whoever has an account with this "
                    "address finds the invitation on Cocreate; you can also send them the link below.",
                    email=invitation.email, role=role.label), "info")
            form = AddMemberForm(formdata=None)
    return render(
        "companies/members.html",
        company=company,
        form=form,
        role_form=RoleForm(formdata=None),
        members=services.members(company),
        invitations=services.pending_invitations(company),
        invite_link=invite_link,
    ), form_status(form)


def _membership_or_404(company: Company, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.company_id != company.id:
        abort(404)
    return membership


@bp.post("/c/<slug>/members/<int:membership_id>/role")
def change_role(slug: str, membership_id: int):
    company = company_or_404(slug)
    require("company.manage", company)
    membership = _membership_or_404(company, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    with change() as done:
        services.change_role(membership, Role(form.role.data))
    if done:
        flash(_("%(name)s is now %(role)s.", name=membership.user.name, role=membership.role.label), "success")
    return see_other(url_for("companies.members", slug=slug))


@bp.post("/c/<slug>/members/<int:membership_id>/remove")
def remove_member(slug: str, membership_id: int):
    company = company_or_404(slug)
    require("company.manage", company)
    membership = _membership_or_404(company, membership_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    name = membership.user.name
    with change() as done:
        services.remove_member(membership)
    if done:
        flash(_("%(name)s is no longer a member.", name=name), "success")
    return see_other(url_for("companies.members", slug=slug))


@bp.get("/invitations")
@login_required
def invitations():
    """What waits for the signed-in user's address: teams to join, private products to see."""
    return render("companies/invitations.html", invitations=services.invitations_for(current_user),
                  customer_invitations=customer_invitations_for(current_user), button_form=EmptyForm())


def _own_invitation(invitation_id: int):
    invitation = services.invitation_of(current_user, invitation_id)
    if invitation is None:
        abort(404)  # someone else's, answered or expired: not there for this user
    if not EmptyForm().validate_on_submit():
        abort(400)
    return invitation


@bp.post("/invitations/<int:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    company = invitation.company
    with change() as done:
        services.accept_invitation(invitation, current_user)
    if done:
        flash(_("Welcome to %(company)s!", company=company.name), "success")
        return see_other(url_for("companies.show", slug=company.slug))
    return see_other(url_for("companies.invitations"))


@bp.post("/invitations/<int:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    name = invitation.company.name
    with change() as done:
        services.decline_invitation(invitation, current_user)
    if done:
        flash(_("You declined the invitation to join %(company)s.", company=name), "info")
    return see_other(url_for("companies.invitations"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def accept(token: str):
    invitation = services.find_invitation(token)
    if invitation is None:
        abort(404)
    form = EmptyForm()
    done = change(flash_refusal=False)
    if form.validate_on_submit():
        with done:
            services.accept_invitation(invitation, current_user)
        if done:
            flash(_("Welcome to %(company)s!", company=invitation.company.name), "success")
            return see_other(url_for("companies.show", slug=invitation.company.slug))
    return render("companies/accept.html", invitation=invitation, form=form, error=done.refusal), \
        400 if done.refusal else 200
