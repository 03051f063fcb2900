"""Subscriptions, notifications and the mail queue. Services flush; the route or command commits.

Other features call ``notify(user, kind, subject=..., body=..., url=..., idea=None)``; the idea
events below are hooked into ideas/services.py and products/services.py with one call each.
Nothing here talks to an SMTP server during a request: mail is queued in ``mail_queue`` and sent
by ``flask send-mail`` (see ``send_queued``), which retries failures with back-off.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import format_date
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.dialects import postgresql, sqlite

from cocreate.auth.models import User
from cocreate.companies.models import Membership
from cocreate.extensions import db, utcnow
from cocreate.i18n import _, _l, in_language_of, ngettext
from cocreate.ideas.models import Comment, Idea, Status, StatusChange
from cocreate.notifications.models import (
    EmailMode,
    MailMessage,
    MailState,
    Notification,
    NotificationSettings,
    Subscription,
)
from cocreate.products.models import Product, ProductAccess, Version, Visibility

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "cocreate.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 90 * 24 * 3600  # seconds; the link in a three-month-old mail still works
MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(hours=6)

# A text that is written once per recipient, in their language: a finished string (user content, such as a
# comment's excerpt) or a function that returns the text, called inside ``in_language_of(recipient)``.
Text = str | Callable[[], str]


class NotificationError(Exception):
    """A request that cannot be carried out; the message says why, for the user."""


# --- URLs that work outside a request (CLI) ------------------------------------------------------------

def path_for(endpoint: str, **values) -> str:
    """A site-relative path, in a request or in a command."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context()
                                                    else "http://localhost:5000/")
    return base.rstrip("/") + "/" + path.lstrip("/")


# --- Subscriptions -----------------------------------------------------------------------------------

def _upsert(user_id: int, *, idea_id: int | None = None, product_id: int | None = None, active: bool,
            overwrite: bool) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = insert(Subscription.__table__).values(user_id=user_id, idea_id=idea_id, product_id=product_id,
                                                 active=active, created_at=now, updated_at=now)
    key = ["user_id", "idea_id" if idea_id is not None else "product_id"]
    if overwrite:
        stmt = stmt.on_conflict_do_update(index_elements=key, set_={"active": active, "updated_at": now})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=key)
    db.session.execute(stmt)


def auto_follow(user: User | None, idea: Idea) -> None:
    """Authors, voters and commenters follow the idea, unless they unfollowed it explicitly before."""
    if user is not None and user.id is not None:
        _upsert(user.id, idea_id=idea.id, active=True, overwrite=False)


def follow(user: User, *, idea: Idea | None = None, product: Product | None = None) -> None:
    _set_following(user, idea, product, True)


def unfollow(user: User, *, idea: Idea | None = None, product: Product | None = None) -> None:
    """Stored as an inactive row, so later votes and comments do not follow again."""
    _set_following(user, idea, product, False)


def _set_following(user: User, idea: Idea | None, product: Product | None, active: bool) -> None:
    if (idea is None) == (product is None):
        raise ValueError("follow exactly one idea or one product")
    _upsert(user.id, idea_id=idea.id if idea else None, product_id=product.id if product else None,
            active=active, overwrite=True)


def is_following(user, *, idea: Idea | None = None, product: Product | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    target = Subscription.idea_id == idea.id if idea is not None else Subscription.product_id == product.id
    return bool(db.session.scalar(sa.select(Subscription.active).where(Subscription.user_id == user.id, target)))


def followers(idea: Idea) -> list[User]:
    """Who follows the idea: its own followers and its product's, minus those who unfollowed the idea."""
    of_idea = sa.select(Subscription.user_id).where(Subscription.idea_id == idea.id, Subscription.active)
    of_product = sa.select(Subscription.user_id).where(Subscription.product_id == idea.product_id,
                                                       Subscription.active)
    opted_out = sa.select(Subscription.user_id).where(Subscription.idea_id == idea.id, ~Subscription.active)
    query = sa.select(User).where(sa.or_(User.id.in_(of_idea), User.id.in_(of_product)), User.id.not_in(opted_out))
    product = idea.product
    if product.visibility != Visibility.PUBLIC:
        # A private product: only who may still see it hears about it (an uninvited customer or a former
        # member keeps the subscription row, but no longer gets its news).
        members = sa.select(Membership.user_id).where(Membership.company_id == product.company_id)
        invited = sa.select(ProductAccess.user_id).where(ProductAccess.product_id == product.id)
        query = query.where(sa.or_(User.id.in_(members), User.id.in_(invited)))
    return list(db.session.scalars(query.order_by(User.id)))


# --- Preferences -------------------------------------------------------------------------------------

def email_mode(user: User) -> EmailMode:
    return db.session.scalar(sa.select(NotificationSettings.email).where(NotificationSettings.user_id == user.id)) \
        or EmailMode.IMMEDIATE


def _email_modes(user_ids: Iterable[int]) -> dict[int, EmailMode]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = dict(db.session.execute(sa.select(NotificationSettings.user_id, NotificationSettings.email)
                                   .where(NotificationSettings.user_id.in_(ids))).all())
    return {uid: rows.get(uid, EmailMode.IMMEDIATE) for uid in ids}


def set_email_mode(user: User, mode: EmailMode) -> None:
    """Store the preference; "never" also drops the user's mail that is still waiting to go out."""
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        db.session.add(settings)
    settings.email = mode
    if mode == EmailMode.NEVER:
        db.session.execute(sa.delete(MailMessage).where(
            MailMessage.user_id == user.id, MailMessage.state.in_([MailState.QUEUED, MailState.DIGEST])))
    db.session.flush()


# --- Unsubscribe tokens ------------------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User, scope: str = "all") -> str:
    """Scope "all" (no more e-mail), "idea:<id>" or "product:<id>" (unfollow)."""
    return _serializer().dumps({"u": user.id, "s": scope})


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    max_age = current_app.config.get("UNSUBSCRIBE_MAX_AGE") or UNSUBSCRIBE_MAX_AGE
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise NotificationError(_("This unsubscribe link has expired. Log in and change your "
                                  "notification settings instead.")) from error
    except BadSignature as error:
        raise NotificationError(_("This unsubscribe link is not valid. Copy the whole link from the e-mail, "
                                  "or log in and change your notification settings.")) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) \
        else None
    scope = data.get("s") if isinstance(data, dict) else None
    if user is None or not isinstance(scope, str):
        raise NotificationError(_("This unsubscribe link belongs to an account that no longer exists."))
    return user, scope


def describe_scope(scope: str) -> tuple[str, Idea | Product | None]:
    kind, _, ident = scope.partition(":")
    if kind == "idea" and ident.isdigit() and (idea := db.session.get(Idea, int(ident))) is not None:
        return "idea", idea
    if kind == "product" and ident.isdigit() and (product := db.session.get(Product, int(ident))) is not None:
        return "product", product
    return "all", None


def unsubscribe(user: User, scope: str) -> str:
    """Carry out a verified unsubscribe; returns what was done, in words."""
    kind, target = describe_scope(scope)
    if kind == "idea":
        unfollow(user, idea=target)
        return _("You no longer follow “%(title)s”.", title=target.title)
    if kind == "product":
        unfollow(user, product=target)
        return _("You no longer follow %(name)s.", name=target.name)
    set_email_mode(user, EmailMode.NEVER)
    return _("You will get no more e-mail from Cocreate. The bell on the site still shows what happens.")


# --- Notifying ---------------------------------------------------------------------------------------

def notify(user: User, kind: str, *, subject: Text, body: Text, url: str, idea: Idea | None = None) -> Notification:
    """The public API: an in-app notification, and an e-mail queued as the user prefers.

    Pass the subject (and a body that is not user content) as a function, e.g.
    ``subject=lambda: _("%(company)s invites you to be an ambassador", company=name)``: it is called in the
    recipient's language, not in the language of the person whose action caused the notification.
    """
    return _deliver([user], kind, subject=subject, body=body, url=url, idea=idea)[0]


def _text(text: Text) -> str:
    return str(text() if callable(text) else text)


def _deliver(users: Sequence[User], kind: str, *, subject: Text, body: Text, url: str,
             idea: Idea | None = None) -> list[Notification]:
    """One notification (and mail) per user, each written in that user's language."""
    users = [u for u in users if u is not None]
    if not users:
        return []
    created = []
    for user in users:
        with in_language_of(user):
            created.append(Notification(user_id=user.id, kind=kind[:40], subject=one_line(_text(subject))[:200],
                                        body=_text(body), url=url[:500],
                                        idea_id=idea.id if idea is not None else None))
    db.session.add_all(created)
    db.session.flush()
    modes = _email_modes(u.id for u in users)
    for user, notification in zip(users, created, strict=True):
        mode = modes[user.id]
        if mode == EmailMode.NEVER:
            continue
        with in_language_of(user):
            db.session.add(_mail_for(user, notification, idea, MailState.DIGEST if mode == EmailMode.DIGEST
                                     else MailState.QUEUED))
    db.session.flush()
    return created


def one_line(text: str) -> str:
    """Mail headers take one line: titles typed with line breaks must not break (or inject) headers."""
    return " ".join(text.split())


def _mail_for(user: User, notification: Notification, idea: Idea | None, state: MailState) -> MailMessage:
    """The mail of a notification; call it inside ``in_language_of(user)``."""
    stop_all = absolute_url(path_for("notifications.unsubscribe", token=unsubscribe_token(user)))
    lines = [_("Hello %(name)s,", name=user.name), "", notification.subject, ""]
    if notification.body:
        lines += [notification.body, ""]
    if notification.url:
        lines += [absolute_url(notification.url), ""]
    lines += ["--"]
    if idea is not None:
        unfollow_url = absolute_url(path_for("notifications.unsubscribe",
                                             token=unsubscribe_token(user, f"idea:{idea.id}")))
        lines += [_("Stop following this idea: %(url)s", url=unfollow_url)]
    lines += [_("Stop all e-mail from Cocreate: %(url)s", url=stop_all)]
    return MailMessage(user_id=user.id, notification_id=notification.id, to_address=user.email,
                       subject=notification.subject, body="\n".join(lines), unsubscribe_url=stop_all,
                       state=state, next_attempt_at=utcnow())


def _idea_path(idea: Idea) -> str:
    return path_for("ideas.show", slug=idea.product.slug, idea_id=idea.id)


def _others(users: Iterable[User], actor: User | None) -> list[User]:
    actor_id = actor.id if actor is not None else None
    return [u for u in users if u.id != actor_id]


# --- Idea events (one call each from ideas/services.py and products/services.py) ----------------------

def on_idea_created(idea: Idea) -> None:
    auto_follow(idea.author, idea)


def on_vote(idea: Idea, user: User) -> None:
    auto_follow(user, idea)


def on_comment(comment: Comment) -> None:
    """The commenter follows the idea; the author of the comment replied to hears of it."""
    idea = comment.idea
    auto_follow(comment.author, idea)
    if comment.parent_id is None:
        return
    parent = db.session.get(Comment, comment.parent_id)
    if parent is None or parent.author is None or parent.author_id == comment.author_id:
        return
    notify(parent.author, "reply",
           subject=lambda: _("%(who)s replied to your comment on “%(title)s”",
                             who=comment.author.name if comment.author else _("Someone"), title=idea.title),
           body=_excerpt(comment.body), url=_idea_path(idea) + f"#comment-{comment.id}", idea=idea)


def on_official_response(comment: Comment, actor: User) -> None:
    idea = comment.idea
    if idea.official_comment_id != comment.id:  # the mark was taken off: nothing to announce
        return
    _deliver(_others(followers(idea), actor), "official",
             subject=lambda: _("%(company)s responded to “%(title)s”", company=idea.product.company.name,
                               title=idea.title),
             body=_excerpt(comment.body), url=_idea_path(idea) + "#comments", idea=idea)


# One whole sentence per status, so that each language can put the words in its own order.
_NOW = {
    Status.OPEN: _l("“%(title)s” is now open"),
    Status.UNDER_REVIEW: _l("“%(title)s” is now under review"),
    Status.PLANNED: _l("“%(title)s” is now planned"),
    Status.IN_PROGRESS: _l("“%(title)s” is now in progress"),
    Status.SHIPPED: _l("“%(title)s” is now shipped"),
    Status.DECLINED: _l("“%(title)s” is now declined"),
    Status.MERGED: _l("“%(title)s” is now merged"),
}
_NOW_PROMISED = {
    Status.PLANNED: _l("“%(title)s” is now planned, promised for %(date)s"),
    Status.IN_PROGRESS: _l("“%(title)s” is now in progress, promised for %(date)s"),
}


def _shipped_subject(idea: Idea, version: Version) -> str:
    return _("Your idea shipped in %(version)s: “%(title)s”", version=version.label, title=idea.title)


def on_status_change(change: StatusChange, actor: User) -> None:
    idea = db.session.get(Idea, change.idea_id)
    to = change.to_status
    kind = "status"
    version = db.session.get(Version, change.shipped_version_id) if change.shipped_version_id else None
    if to == Status.SHIPPED and version is not None and version.is_released:
        kind = "shipped"

    def subject() -> str:
        if to == Status.SHIPPED and version is not None:
            if version.is_released:
                return _shipped_subject(idea, version)
            return _("“%(title)s” will ship in %(version)s on %(date)s", title=idea.title, version=version.label,
                     date=format_date(version.released_on))
        if to in _NOW_PROMISED and idea.promised_on:
            return str(_NOW_PROMISED[to]) % {"title": idea.title, "date": format_date(idea.promised_on)}
        return str(_NOW[to]) % {"title": idea.title}

    _deliver(_others(followers(idea), actor), kind, subject=subject, body=change.note, url=_idea_path(idea),
             idea=idea)


def on_merge(duplicate: Idea, into: Idea, actor: User) -> None:
    """The duplicate's followers hear of it and follow the idea it was merged into."""
    people = followers(duplicate)
    _deliver(_others(people, actor), "merge",
             subject=lambda: _("“%(duplicate)s” was merged into “%(into)s”", duplicate=duplicate.title,
                               into=into.title),
             body=lambda: _("Your vote now counts there; the discussion continues there too."),
             url=_idea_path(into), idea=into)
    for user in people:
        auto_follow(user, into)


def announce_release(version: Version) -> int:
    """Tell the followers of every idea shipped in this (released) version: "your idea shipped in v0.3".

    Once per person and idea: whoever already got a "shipped" notification for it is skipped, so this
    is safe to call on every release and version edit, and from `flask announce-releases`.
    """
    if not version.is_released:
        return 0
    ideas = db.session.scalars(sa.select(Idea).where(Idea.shipped_version_id == version.id,
                                                     Idea.status == Status.SHIPPED)).all()
    count = 0
    for idea in ideas:
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.idea_id == idea.id, Notification.kind == "shipped")))
        users = [u for u in followers(idea) if u.id not in told]
        count += len(_deliver(users, "shipped", subject=lambda idea=idea: _shipped_subject(idea, version),
                              body=lambda idea=idea: _("%(product)s %(version)s is out.", product=idea.product.name,
                                                       version=version.label),
                              url=path_for("notifications.version", slug=idea.product.slug,
                                           version_id=version.id), idea=idea))
    return count


def on_version_saved(version: Version) -> None:
    announce_release(version)


def _excerpt(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- The in-app list ---------------------------------------------------------------------------------

def unread_count(user, cap: int = 99) -> int:
    """One indexed query; counts at most cap + 1 rows (the bell shows "99+")."""
    if not getattr(user, "is_authenticated", False):
        return 0
    limited = (sa.select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None))
               .limit(cap + 1).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    return db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


# --- Sending ------------------------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(0, attempts - 1)), BACKOFF_CAP)


def build_message(mail: MailMessage) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER", "Cocreate <no-reply@cocreate.example>")
    message["To"] = mail.to_address
    message["Subject"] = one_line(mail.subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="cocreate.example")
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body)
    return message


def _next_due(now: datetime):
    return db.session.scalars(
        sa.select(MailMessage).where(MailMessage.state == MailState.QUEUED, MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1).with_for_update(skip_locked=True)
    ).first()


def send_queued(now: datetime | None = None, limit: int = 500) -> tuple[int, int]:
    """Send the queued mail that is due, one row at a time (locked, committed after each).

    Without MAIL_SERVER the mail is written to the log and marked sent. A failure leaves the mail
    queued with attempts + 1, the error, and a later next_attempt_at; after MAX_ATTEMPTS it is failed.
    Returns (sent, failed attempts).
    """
    now = now or utcnow()
    config = current_app.config
    server = config.get("MAIL_SERVER")
    smtp: smtplib.SMTP | None = None
    sent = failed = 0
    try:
        for _ in range(limit):
            mail = _next_due(now)
            if mail is None:
                break
            try:
                if not server:
                    log.info("mail (no MAIL_SERVER) to %s: %s\n%s", mail.to_address, mail.subject, mail.body)
                else:
                    if smtp is None:
                        smtp = smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)),
                                            timeout=float(config.get("MAIL_TIMEOUT", 10)))
                        if config.get("MAIL_USE_TLS"):
                            smtp.starttls()
                        if config.get("MAIL_USERNAME"):
                            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
                    smtp.send_message(build_message(mail))
            except ValueError as error:  # not a valid message (e.g. a bad address): retrying cannot help
                mail.attempts += 1
                mail.state = MailState.FAILED
                mail.last_error = f"{type(error).__name__}: {error}"[:2000]
                failed += 1
                log.warning("mail %s to %s cannot be sent: %s", mail.id, mail.to_address, error)
                db.session.commit()
                continue
            except (OSError, smtplib.SMTPException) as error:
                mail.attempts += 1
                mail.last_error = f"{type(error).__name__}: {error}"[:2000]
                if mail.attempts >= config.get("MAIL_MAX_ATTEMPTS", MAX_ATTEMPTS):
                    mail.state = MailState.FAILED
                else:
                    mail.next_attempt_at = now + backoff(mail.attempts)
                failed += 1
                log.warning("mail %s to %s failed (attempt %s): %s", mail.id, mail.to_address, mail.attempts, error)
                if smtp is not None and not isinstance(error, smtplib.SMTPRecipientsRefused):
                    _close(smtp)
                    smtp = None
                db.session.commit()
                if isinstance(error, OSError):
                    break  # the server is unreachable: the rest waits for the next run
                continue
            mail.attempts += 1
            mail.state = MailState.SENT
            mail.sent_at = utcnow()
            mail.last_error = None
            sent += 1
            db.session.commit()
    finally:
        if smtp is not None:
            _close(smtp)
    return sent, failed


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def send_digests() -> int:
    """Bundle each digest user's waiting mail into one queued mail. Returns the number of digests."""
    rows = db.session.scalars(
        sa.select(MailMessage).where(MailMessage.state == MailState.DIGEST)
        .order_by(MailMessage.user_id, MailMessage.created_at, MailMessage.id)).all()
    by_user: dict[int, list[MailMessage]] = defaultdict(list)
    for row in rows:
        by_user[row.user_id].append(row)
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(by_user))))}
    for user_id, mails in by_user.items():
        user = users.get(user_id)
        if user is None:
            continue
        notifications = {n.id: n for n in db.session.scalars(
            sa.select(Notification).where(Notification.id.in_([m.notification_id for m in mails])))}
        with in_language_of(user):
            lines = [_("Hello %(name)s,", name=user.name), "",
                     _("What happened since your last digest (%(count)d):", count=len(mails)), ""]
            for mail in mails:
                note = notifications.get(mail.notification_id)
                lines.append(f"- {mail.subject}")
                if note is not None and note.url:
                    lines.append(f"  {absolute_url(note.url)}")
                mail.state = MailState.BUNDLED
            stop_all = absolute_url(path_for("notifications.unsubscribe", token=unsubscribe_token(user)))
            lines += ["", "--",
                      _("Change how often we write: %(url)s", url=absolute_url(path_for("notifications.settings"))),
                      _("Stop all e-mail from Cocreate: %(url)s", url=stop_all)]
            subject = ngettext("Your Cocreate digest: %(num)d update", "Your Cocreate digest: %(num)d updates",
                               len(mails))
        db.session.add(MailMessage(user_id=user.id, to_address=user.email, subject=subject, body="\n".join(lines),
                                   unsubscribe_url=stop_all, state=MailState.QUEUED, next_attempt_at=utcnow()))
    db.session.flush()
    return len(by_user)


def queue_mail(user: User, subject: Text, body: Text) -> MailMessage | None:
    """A mail that is not a notification (the team digest); honours "never". Written in the user's language:
    pass functions for texts that must be translated (see ``notify``)."""
    if email_mode(user) == EmailMode.NEVER:
        return None
    stop_all = absolute_url(path_for("notifications.unsubscribe", token=unsubscribe_token(user)))
    with in_language_of(user):
        subject, body = one_line(_text(subject))[:200], _text(body)
        footer = _("Stop all e-mail from Cocreate: %(url)s", url=stop_all)
    mail = MailMessage(user_id=user.id, to_address=user.email, subject=subject,
                       body=body + f"\n\n--\n{footer}", unsubscribe_url=stop_all,
                       state=MailState.QUEUED, next_attempt_at=utcnow())
    db.session.add(mail)
    db.session.flush()
    return mail
