import sqlalchemy as sa
from flask import Blueprint, abort, flash, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from cocreate.extensions import csrf, db
from cocreate.i18n import _, ngettext
from cocreate.ideas.models import Idea, Status
from cocreate.lookups import idea_or_404, product_or_404, version_or_404
from cocreate.notifications import follows, mail, services
from cocreate.notifications.forms import SettingsForm
from cocreate.notifications.models import EmailMode, Notification
from cocreate.products.models import Product
from cocreate.web import EmptyForm, is_safe_path, render, safe_next, see_other, wants_fragment

bp = Blueprint("notifications", __name__)

MAX_ID = 2**31 - 1


# --- The bell and the list ---------------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def index():
    return render("notifications/index.html", notifications=services.recent(current_user), form=EmptyForm())


def _list_response():
    """htmx: the list block (with the bell, out of band); otherwise back to the list or `next`."""
    if wants_fragment():
        return render("notifications/index.html", "list", notifications=services.recent(current_user),
                      form=EmptyForm(), oob_bell=True)
    return see_other(safe_next(url_for("notifications.index")))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id) if notification_id <= MAX_ID else None
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    return _list_response()


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    """Opening a notification reads it: marked read, then on to what it is about (a POST: no GET changes
    anything, and a link a mail scanner follows must not read the bell for its owner)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id) if notification_id <= MAX_ID else None
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    services.mark_read(notification)
    db.session.commit()
    return see_other(notification.url if is_safe_path(notification.url) else url_for("notifications.index"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    if not EmptyForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user)
    db.session.commit()
    if not wants_fragment():
        flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count)
              if count else _("Nothing was unread."), "info")
    return _list_response()


# --- Preferences and unsubscribing -------------------------------------------------------------------

@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form = SettingsForm(email=mail.email_mode(current_user).value)
    if form.validate_on_submit():
        mail.set_email_mode(current_user, EmailMode(form.email.data))
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return see_other(url_for("notifications.settings"))
    return render("notifications/settings.html", form=form), 400 if form.errors else 200


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    """A page with one button: a GET changes nothing (mail scanners open links), the POST does it."""
    try:
        user, scope = mail.read_unsubscribe_token(token)
    except mail.NotificationError as error:
        return render("notifications/unsubscribe.html", error=str(error), done=None, token=token,
                      question=None), 400
    _kind, target = mail.describe_scope(scope)
    question = (_("Do you want to stop following “%(title)s”?", title=target.title) if isinstance(target, Idea) else
                _("Do you want to stop following %(name)s?", name=target.name) if isinstance(target, Product) else
                _("Do you want to stop all e-mail to %(email)s?", email=user.email))
    return render("notifications/unsubscribe.html", error=None, done=None, token=token, question=question)


@bp.post("/unsubscribe/<token>")
@csrf.exempt  # RFC 8058 one-click: mail clients POST without a session; the signed token is the proof
def unsubscribe_confirm(token: str):
    try:
        user, scope = mail.read_unsubscribe_token(token)
    except mail.NotificationError as error:
        return render("notifications/unsubscribe.html", error=str(error), done=None, token=token,
                      question=None), 400
    done = mail.unsubscribe(user, scope)
    db.session.commit()
    return render("notifications/unsubscribe.html", error=None, done=done, token=token, question=None)


# --- Following ---------------------------------------------------------------------------------------

@bp.post("/p/<slug>/ideas/<int:idea_id>/<any(follow, unfollow):action>")
@login_required
def follow_idea(slug: str, idea_id: int, action: str):
    product = product_or_404(slug)
    idea = idea_or_404(product, idea_id) if idea_id <= MAX_ID else abort(404)
    return _follow(action, product, idea)


@bp.post("/p/<slug>/<any(follow, unfollow):action>")
@login_required
def follow_product(slug: str, action: str):
    return _follow(action, product_or_404(slug), None)


def _follow(action: str, product: Product, idea: Idea | None):
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = {"idea": idea} if idea is not None else {"product": product}
    (follows.follow if action == "follow" else follows.unfollow)(current_user, **target)
    db.session.commit()
    if wants_fragment():
        return render("notifications/_follow.html", product=product, follow_idea=idea)
    if idea is not None:
        message = (_("You follow “%(title)s” now.", title=idea.title) if action == "follow"
                   else _("You no longer follow “%(title)s”.", title=idea.title))
    else:
        message = (_("You follow %(name)s now.", name=product.name) if action == "follow"
                   else _("You no longer follow %(name)s.", name=product.name))
    flash(message, "success")
    default = (url_for("ideas.show", slug=product.slug, idea_id=idea.id) if idea is not None
               else url_for("products.show", slug=product.slug))
    return see_other(safe_next(default))


# --- Changelog ---------------------------------------------------------------------------------------

@bp.get("/p/<slug>/versions/<int:version_id>")
def version(slug: str, version_id: int):
    product = product_or_404(slug)
    version = version_or_404(product, version_id) if version_id <= MAX_ID else abort(404)
    shipped = db.session.scalars(
        sa.select(Idea).where(Idea.shipped_version_id == version.id, Idea.status == Status.SHIPPED)
        .options(joinedload(Idea.author)).order_by(Idea.vote_count.desc(), Idea.id)).all()
    return render("notifications/version.html", product=product, version=version, shipped=shipped)
