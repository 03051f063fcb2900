"""The address (change, confirm, resend), "Forgot your password?" and signing in by a mailed link.

Registered on the auth blueprint (``cocreate.auth.init_app`` imports this module). Every link a mail carries opens
a page with one button or form: a GET changes nothing (mail scanners open links). A link that cannot be used gets
a page that says why and offers a new one (``_problem``), never a 500 and never a log-in as someone else.
"""

from __future__ import annotations

from flask import flash, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from cocreate import i18n, tasks
from cocreate.auth import accounts, services
from cocreate.auth.account_forms import AddressForm, ChangeEmailForm, ResetPasswordForm
from cocreate.auth.links import LinkRefused
from cocreate.auth.routes import bp
from cocreate.auth.tasks import send_account_link
from cocreate.extensions import db, limiter
from cocreate.i18n import _
from cocreate.web import EmptyForm, change, form_status, render, see_other

# Reset and sign-in links: per address (one mailbox is not flooded) and per client address.
PER_ADDRESS = "3/hour"
PER_CLIENT = "10/hour"
RESEND = "3/hour"


def _address_key() -> str:
    return "link-address:" + services.normalise_email(request.form.get("email", ""))[:254]


def _user_key() -> str:
    return f"resend:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


def _asked(response) -> bool:
    return response.status_code == 303


def _signed_in():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _problem(error: LinkRefused, purpose: str):
    """The page of a link that cannot be used: why, and how to get a new one."""
    return render("auth/link_problem.html", message=str(error), kind=error.kind, purpose=purpose,
                  form=AddressForm() if purpose in ("reset", "login") else EmptyForm()), \
        403 if error.kind == "other-account" else 410 if error.kind in ("expired", "used", "moved") else 404


# --- The address -----------------------------------------------------------------------------------------

@bp.route("/profile/email", methods=["GET", "POST"])
@login_required
@limiter.limit("5/hour", methods=["POST"], key_func=_user_key)
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        with change(form.email) as done:
            accounts.change_email(current_user._get_current_object(), form.email.data, form.password.data)
        if done:
            flash(_("Your address is now %(email)s. We sent a link to it: your votes and ratings count again once "
                    "you follow it.", email=current_user.email), "info")
            return see_other(url_for("auth.profile"))
    return render("auth/change_email.html", form=form), form_status(form)


@bp.post("/profile/email/resend")
@login_required
@limiter.limit(RESEND, key_func=_user_key)
def resend_verification():
    if not EmptyForm().validate_on_submit():
        return see_other(url_for("auth.profile"))
    with change() as done:
        accounts.resend_verification(current_user._get_current_object())
    if done:
        flash(_("We sent a new link to %(email)s. It works for 24 hours.", email=current_user.email), "info")
    return see_other(request.referrer if _same_site(request.referrer) else url_for("auth.profile"))


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)  # type: ignore[union-attr]


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    try:
        _link, user = accounts.check_link(token, "verify", _signed_in())
    except LinkRefused as error:
        return _problem(error, "verify")
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_email(token, _signed_in())
        except LinkRefused as error:
            db.session.rollback()
            return _problem(error, "verify")
        db.session.commit()
        flash(_("Thank you: %(email)s is confirmed. Your votes and ratings count now.", email=user.email), "success")
        return see_other(url_for("main.index"))
    return render("auth/confirm_email.html", email=user.email, form=form)


# --- Forgot your password? ---------------------------------------------------------------------------------

def _ask_for_link(purpose: str, template: str):
    """The form that asks for a reset or sign-in link: one answer, and the same work, for every address."""
    if current_user.is_authenticated and purpose == "login":
        return see_other(url_for("main.index"))
    form = AddressForm()
    if form.validate_on_submit():
        # The worker looks the address up (auth/tasks.py): here, every address costs the same.
        tasks.enqueue_after_commit(send_account_link, purpose, services.normalise_email(form.email.data)[:254],
                                   i18n.select_locale())
        db.session.commit()
        return see_other(url_for("auth.link_sent", purpose=purpose))
    return render(template, form=form), form_status(form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"], deduct_when=_asked)
@limiter.limit(PER_ADDRESS, methods=["POST"], key_func=_address_key, deduct_when=_asked)
def forgot_password():
    return _ask_for_link("reset", "auth/forgot_password.html")


@bp.get("/link-sent/<any(reset, login):purpose>")
def link_sent(purpose: str):
    return render("auth/link_sent.html", purpose=purpose)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        _link, user = accounts.check_link(token, accounts.SET_PASSWORD, _signed_in())
    except LinkRefused as error:
        return _problem(error, "reset")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.new.data, _signed_in())
        except LinkRefused as error:
            db.session.rollback()
            return _problem(error, "reset")
        db.session.commit()
        if current_user.is_authenticated:  # the session that used the link ends with all the others
            logout_user()
        return see_other(url_for("auth.password_set"))
    return render("auth/reset_password.html", form=form, email=user.email), form_status(form)


@bp.get("/password/reset/done")
def password_set():
    return render("auth/password_set.html")


# --- Sign in by e-mail link ----------------------------------------------------------------------------------

@bp.route("/login/email", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"], deduct_when=_asked)
@limiter.limit(PER_ADDRESS, methods=["POST"], key_func=_address_key, deduct_when=_asked)
def email_login_request():
    return _ask_for_link("login", "auth/email_login_request.html")


@bp.route("/login/email/<token>", methods=["GET", "POST"])
def email_login(token: str):
    try:
        _link, user = accounts.check_link(token, "login", _signed_in())
    except LinkRefused as error:
        return _problem(error, "login")
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            accounts.sign_in_by_link(token, _signed_in())
        except LinkRefused as error:
            db.session.rollback()
            return _problem(error, "login")
        user.browser_locale = i18n.browser_locale()
        db.session.commit()
        login_user(user)
        flash(_("Welcome back, %(name)s!", name=user.name), "success")
        return see_other(url_for("main.index"))
    return render("auth/email_login.html", email=user.email, name=user.name, form=form)
