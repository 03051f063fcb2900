import json

from flask import Blueprint, Response, abort, flash, render_template, request, session, url_for
from flask_babel import format_date
from flask_login import current_user, login_required, login_user, logout_user

from cocreate import i18n
from cocreate.auth import privacy, services, throttle
from cocreate.auth.forms import DeleteAccountForm, LoginForm, PasswordForm, ProfileForm, SignupForm
from cocreate.auth.models import User
from cocreate.extensions import db, limiter, utcnow
from cocreate.i18n import _
from cocreate.web import EmptyForm, change, form_status, render, safe_next, see_other

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:254]


def _asked(response) -> bool:
    """A sign-up that was carried out (303): new address or not, it counts."""
    return response.status_code == 303


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"], deduct_when=_asked)
@limiter.limit("3/hour", methods=["POST"], key_func=_account_key, deduct_when=_asked)  # one mailbox, not flooded
def signup():
    """Every valid sign-up gets the same answer, "check your mail": whether the address has an account is for its
    owner to read in the mail (services.request_signup), not for whoever typed it."""
    if current_user.is_authenticated:
        return see_other(url_for("main.index"))
    form = SignupForm()
    if form.validate_on_submit():
        services.request_signup(name=form.name.data, email=form.email.data, password=form.password.data,
                                locale=i18n.supported(session.get("locale")),  # a language picked before stays
                                browser_locale=i18n.browser_locale())
        db.session.commit()
        return see_other(url_for("auth.signup_sent"))
    return render("auth/signup.html", form=form), form_status(form)


@bp.get("/signup/sent")
def signup_sent():
    return render("auth/signup_sent.html")


@bp.route("/signup/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    """The link of the sign-up mail: a page with one button (a GET changes nothing), which makes the account and
    logs it in."""
    pending = services.find_signup_request(token)
    if pending is None:
        abort(404)
    form = EmptyForm()
    done = change(flash_refusal=False)
    if form.validate_on_submit():
        with done:
            user = services.confirm_signup(pending, address=request.remote_addr)
        if done:
            login_user(user)
            flash(_("Welcome, %(name)s!", name=user.name), "success")
            return see_other(url_for("main.index"))
    return render("auth/confirm_signup.html", pending=pending, form=form, error=done.refusal), \
        400 if done.refusal else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.LOGIN_REQUESTS, methods=["POST"])  # every attempt, right or wrong: what hashing costs
def login():
    """Wrong passwords are counted per account and per address (auth/throttle.py); only a locked account stops the
    right password, and its answer is the same for the right password, a wrong one and an unknown address."""
    if current_user.is_authenticated:
        return see_other(safe_next(url_for("main.index")))
    form = LoginForm()
    if form.validate_on_submit():
        email = services.normalise_email(form.email.data)[:254]
        device = throttle.trusted_device(request.cookies.get(throttle.DEVICE_COOKIE), email)
        locked_until = throttle.locked_until(email, device)
        if locked_until is not None:  # no password is checked: the answer cannot tell a right one
            return _locked(locked_until)
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            user.browser_locale = i18n.browser_locale()  # mail falls back to it
            db.session.commit()  # with a re-hashed password, if the parameters changed
            login_user(user, remember=form.remember.data)
            response = see_other(safe_next(url_for("main.index")))
            throttle.remember_device(response, user)  # this browser is not locked out with the account
            return response
        failure = throttle.login_failed(email, request.remote_addr, device)
        db.session.commit()  # the lock's notice to the owner, if this failure locked the account
        if failure.locked_until is not None and failure.address_until is not None:
            return _locked(failure.locked_until)  # past the address's limit, a wrong password locks at once
        form.password.errors.append(_("That e-mail and password do not match an account."))
    return render("auth/login.html", form=form), 400 if form.errors else 200


def _locked(until: float):
    """The one answer of a locked account, whoever asks and whatever password they typed."""
    seconds = throttle.seconds_until(until)
    body = render_template(
        "errors/error.html", code=429, title=_("Slow down"), retry_after=seconds,
        message=_("This account is locked for a while after too many wrong passwords. If it is yours, we have "
                  "sent you an e-mail with a link that unlocks it at once."))
    return body, 429, {"Retry-After": str(seconds)}


@bp.route("/login/unlock/<token>", methods=["GET", "POST"])
def unlock(token: str):
    """The link of the lock's notice: a page with one button (a GET changes nothing) that lifts the lock."""
    user = throttle.user_of_unlock_token(token)
    if user is None:
        return render("auth/unlock.html", valid=False, form=None, done=False), 404
    form = EmptyForm()
    done = form.validate_on_submit()
    if done:
        throttle.unlock(user.email)
    return render("auth/unlock.html", valid=True, form=form, done=done)


@bp.post("/logout")
@login_required
def logout():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.revoke_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return see_other(url_for("main.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        form.populate_obj(current_user)
        current_user.locale = i18n.supported(form.locale.data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return see_other(url_for("auth.profile"))
    return render("auth/profile.html", form=form, password_form=PasswordForm()), 400 if form.errors else 200


@bp.post("/profile/password")
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.current.data) is None:
            form.current.errors.append(_("That is not your current password."))
        else:
            services.change_password(current_user, form.new.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # this session continues with the new token; all others end
            flash(_("Your password is changed; other sessions were logged out."), "success")
            return see_other(url_for("auth.profile"))
    return render("auth/profile.html", form=ProfileForm(obj=current_user), password_form=form), 400


@bp.get("/users/<int:user_id>")
def public_profile(user_id: int):
    user = db.get_or_404(User, user_id)
    # "November 2026", "november 2026", "novembre 2026": the month and year in the page's language.
    return render("auth/public_profile.html", user=user, member_since=format_date(user.created_at, "MMMM y"))


# --- Personal data (GDPR): a copy of everything, and erasure -------------------------------------------

@bp.get("/profile/export")
@login_required
def export_data():
    """Everything the site holds about the signed-in user, as a JSON file to keep."""
    body = json.dumps(privacy.export(current_user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="cocreate-data-{utcnow():%Y%m%d}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _user_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


@bp.route("/profile/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("5/15 minutes", methods=["POST"], key_func=_user_key, deduct_when=lambda r: r.status_code == 400)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.email, form.password.data) is None:
            form.password.errors.append(_("That is not your password."))
        else:
            with change(form.password) as done:
                privacy.erase(current_user._get_current_object())
            if done:
                logout_user()
                flash(_("Your account and personal data are deleted. Your ideas and comments stay, "
                        "by “deleted user”."), "info")
                return see_other(url_for("main.index"))
    return render("auth/delete_account.html", form=form), form_status(form)
