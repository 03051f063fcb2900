from datetime import date

from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user, login_required

from cocreate.companies.access import can, require
from cocreate.i18n import _
from cocreate.ideas import cards
from cocreate.ideas.services import top_card_rows
from cocreate.lookups import company_or_404, product_or_404, version_or_404
from cocreate.products import services
from cocreate.products.forms import InviteCustomerForm, ProductForm, VersionForm
from cocreate.products.models import Visibility
from cocreate.web import EmptyForm, change, form_status, render, see_other

bp = Blueprint("products", __name__)


@bp.get("/products")
def index():
    return render("products/index.html", products=services.visible_products())


@bp.route("/c/<company_slug>/products/new", methods=["GET", "POST"])
def create(company_slug: str):
    company = company_or_404(company_slug)
    require("product.manage", company)
    form = ProductForm()
    if form.validate_on_submit():
        with change(form.slug) as done:
            product = services.create_product(
                company, name=form.name.data, slug=form.slug.data or None, tagline=form.tagline.data or "",
                description=form.description.data or "", visibility=Visibility(form.visibility.data),
            )
        if done:
            flash(_("%(name)s is created. Add its first prototype version.", name=product.name), "success")
            return see_other(url_for("products.new_version", slug=product.slug))
    return render("products/form.html", form=form, company=company, product=None), form_status(form)


@bp.get("/p/<slug>")
def show(slug: str):
    product = product_or_404(slug)
    return render("products/show.html", product=product, manage=can("product.manage", product.company_id),
                  top_cards=cards.cards(product, top_card_rows(product, current_user)))


@bp.route("/p/<slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        with change(form.slug) as done:
            services.update_product(
                product, name=form.name.data, slug=form.slug.data or product.slug, tagline=form.tagline.data or "",
                description=form.description.data or "", visibility=Visibility(form.visibility.data),
            )
        if done:
            flash(_("Product saved."), "success")
            return see_other(url_for("products.show", slug=product.slug))
    return render("products/form.html", form=form, company=product.company, product=product), (
        400 if form.errors else 200
    )


@bp.route("/p/<slug>/versions/new", methods=["GET", "POST"])
def new_version(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    # A new version is most often released today: the date comes filled in (a post keeps what was sent).
    form = VersionForm() if request.method == "POST" else VersionForm(released_on=date.today())
    if form.validate_on_submit():
        with change(form.label) as done:
            version = services.add_version(
                product, label=form.label.data, notes=form.notes.data or "", released_on=form.released_on.data,
                demo_url=form.demo_url.data,
            )
        if done:
            flash(_("%(version)s is added to %(product)s.", version=version.label, product=product.name), "success")
            return see_other(url_for("products.show", slug=product.slug))
    return render("products/version_form.html", form=form, product=product, version=None), (
        400 if form.errors else 200
    )


@bp.route("/p/<slug>/versions/<int:version_id>/edit", methods=["GET", "POST"])
def edit_version(slug: str, version_id: int):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    version = version_or_404(product, version_id)
    form = VersionForm(obj=version)
    if form.validate_on_submit():
        with change(form.label) as done:
            services.update_version(version, label=form.label.data, notes=form.notes.data or "",
                                    released_on=form.released_on.data, demo_url=form.demo_url.data)
        if done:
            flash(_("%(version)s saved.", version=version.label), "success")
            return see_other(url_for("products.show", slug=product.slug))
    return render("products/version_form.html", form=form, product=product, version=version), (
        400 if form.errors else 200
    )


@bp.route("/p/<slug>/customers", methods=["GET", "POST"])
def customers(slug: str):
    product = product_or_404(slug)
    require("product.manage", product.company_id)
    form = InviteCustomerForm()
    if form.validate_on_submit():
        with change(form.email) as done:
            invitation = services.invite_customer(product, form.email.data, current_user)
        if done:  # the same answer whether the address has an account or not
            flash(_("%(email)s is invited to see %(product)s. Whoever has an account with this address finds the "
                    "invitation on Cocreate; anyone else finds it after signing up with it.",
                    email=invitation.email, product=product.name), "success")
            return see_other(url_for("products.customers", slug=slug))
    return render("products/customers.html", product=product, form=form,
                  invited=services.invited_customers(product),
                  pending=services.pending_customer_invitations(product)), form_status(form)


def _own_invitation(invitation_id: int):
    """The signed-in user's waiting invitation; not through the product's page, which they cannot see yet."""
    invitation = services.customer_invitation_of(current_user, invitation_id)
    if invitation is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return invitation


@bp.post("/invitations/products/<int:invitation_id>/accept")
@login_required
def accept_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    product = invitation.product
    with change() as done:
        services.accept_customer_invitation(invitation, current_user)
    if done:
        flash(_("Welcome: you can now see %(product)s.", product=product.name), "success")
        return see_other(url_for("products.show", slug=product.slug))
    return see_other(url_for("companies.invitations"))


@bp.post("/invitations/products/<int:invitation_id>/decline")
@login_required
def decline_invitation(invitation_id: int):
    invitation = _own_invitation(invitation_id)
    name = invitation.product.name
    with change() as done:
        services.decline_customer_invitation(invitation, current_user)
    if done:
        flash(_("You declined the invitation to see %(product)s.", product=name), "info")
    return see_other(url_for("companies.invitations"))
