"""E-mail: preferences, unsubscribe links, the mail queue (an outbox) and sending one mail.

Nothing talks to an SMTP server during a request. A mail is a ``mail_queue`` row written in the transaction that
caused it; once that commits, the worker's ``send_mail`` task (notifications/tasks.py) sends it, and Huey retries a
failure with the policy of ``cocreate.tasks``. Without MAIL_SERVER the mail is written to the log and marked sent.
"""

from __future__ import annotations

import logging
import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cocreate import tasks
from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.i18n import _, in_language_of, ngettext
from cocreate.ideas.models import Idea
from cocreate.notifications.follows import unfollow
from cocreate.notifications.models import EmailMode, MailMessage, MailState, Notification, NotificationSettings
from cocreate.products.models import Product
from cocreate.products.services import viewers
from cocreate.refusal import N_, Refused
from cocreate.web import absolute_url, path_for

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "cocreate.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = 90 * 24 * 3600  # seconds; the link in a three-month-old mail still works

# A text that is written once per recipient, in their language: a finished string (user content, such as a
# comment's excerpt) or a function that returns the text, called inside ``in_language_of(recipient)``.
Text = str | Callable[[], str]


class NotificationError(Refused):
    """A request that cannot be carried out; the message says why, for the user."""


def text_of(text: Text) -> str:
    return str(text() if callable(text) else text)


def one_line(text: str) -> str:
    """Mail headers take one line: titles typed with line breaks must not break (or inject) headers."""
    return " ".join(text.split())


# --- Preferences -------------------------------------------------------------------------------------

def email_mode(user: User) -> EmailMode:
    return db.session.scalar(sa.select(NotificationSettings.email).where(NotificationSettings.user_id == user.id)) \
        or EmailMode.IMMEDIATE


def email_modes(user_ids: Iterable[int]) -> dict[int, EmailMode]:
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
        raise NotificationError(N_("This unsubscribe link has expired. Log in and change your "
                                  "notification settings instead.")) from error
    except BadSignature as error:
        raise NotificationError(N_("This unsubscribe link is not valid. Copy the whole link from the e-mail, "
                                  "or log in and change your notification settings.")) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) \
        else None
    scope = data.get("s") if isinstance(data, dict) else None
    if user is None or not isinstance(scope, str):
        raise NotificationError(N_("This unsubscribe link belongs to an account that no longer exists."))
    return user, scope


def describe_scope(scope: str) -> tuple[str, Idea | Product | None]:
    kind, _sep, ident = scope.partition(":")
    if kind == "idea" and ident.isdigit() and (idea := db.session.get(Idea, int(ident))) is not None:
        return "idea", idea
    if kind == "product" and ident.isdigit() and (product := db.session.get(Product, int(ident))) is not None:
        return "product", product
    return "all", None


def unsubscribe(user: User, scope: str) -> str:
    """Carry out a verified unsubscribe; returns what was done, in words."""
    kind, target = describe_scope(scope)
    if isinstance(target, Idea):
        unfollow(user, idea=target)
        return _("You no longer follow “%(title)s”.", title=target.title)
    if isinstance(target, Product):
        unfollow(user, product=target)
        return _("You no longer follow %(name)s.", name=target.name)
    set_email_mode(user, EmailMode.NEVER)
    return _("You will get no more e-mail from Cocreate. The bell on the site still shows what happens.")


def _stop_all_url(user: User) -> str:
    return absolute_url(path_for("notifications.unsubscribe", token=unsubscribe_token(user)))


# --- Queueing ----------------------------------------------------------------------------------------

def mail_for(user: User, notification: Notification, idea: Idea | None, state: MailState) -> MailMessage:
    """The mail of a notification; call it inside ``in_language_of(user)``."""
    stop_all = _stop_all_url(user)
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


def send_after_commit(mails: Iterable[MailMessage]) -> None:
    """Flush, then hand each queued mail to the worker once the transaction commits."""
    db.session.flush()
    from cocreate.notifications.tasks import send_mail  # the tasks module imports this one

    for mail in mails:
        if mail.state == MailState.QUEUED:
            tasks.enqueue_after_commit(send_mail, mail.id)


def queue_mail(user: User, subject: Text, body: Text) -> MailMessage | None:
    """A mail that is not a notification (the team digest); honours "never". Written in the user's language:
    pass functions for texts that must be translated (see ``services.notify``)."""
    if email_mode(user) == EmailMode.NEVER:
        return None
    stop_all = _stop_all_url(user)
    with in_language_of(user):
        subject, body = one_line(text_of(subject))[:200], text_of(body)
        footer = _("Stop all e-mail from Cocreate: %(url)s", url=stop_all)
    mail = MailMessage(user_id=user.id, to_address=user.email, subject=subject,
                       body=body + f"\n\n--\n{footer}", unsubscribe_url=stop_all,
                       state=MailState.QUEUED, next_attempt_at=utcnow())
    db.session.add(mail)
    send_after_commit([mail])
    return mail


def queue_account_mail(to_address: str, reader, subject: Text, body: Text, *,
                       user: User | None = None) -> MailMessage:
    """A mail about the address's account itself (finishing a sign-up; a sign-up tried with an address that has
    an account). Sent whatever the notification settings say and without an unsubscribe link: it answers what was
    just done with the address, like a password reset would. ``reader`` sets the language: a User, or anything
    with ``locale`` and ``browser_locale`` (a SignupRequest)."""
    with in_language_of(reader):
        subject, body = one_line(text_of(subject))[:200], text_of(body)
    mail = MailMessage(user_id=user.id if user is not None else None, to_address=to_address, subject=subject,
                       body=body, state=MailState.QUEUED, next_attempt_at=utcnow())
    db.session.add(mail)
    send_after_commit([mail])
    return mail


def bundle_digests() -> int:
    """Bundle each digest user's waiting mail into one queued mail. Returns the number of digests."""
    rows = db.session.scalars(
        sa.select(MailMessage).where(MailMessage.state == MailState.DIGEST)
        .order_by(MailMessage.user_id, MailMessage.created_at, MailMessage.id)).all()
    by_user: dict[int, list[MailMessage]] = defaultdict(list)
    for row in rows:
        if row.user_id is not None:
            by_user[row.user_id].append(row)
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(list(by_user))))}
    digests = []
    for user_id, mails in by_user.items():
        user = users.get(user_id)
        if user is None:
            continue
        hidden = _no_longer_visible(mails)
        for mail in mails:
            if mail.id in hidden:
                _withhold(mail)
        mails = [m for m in mails if m.id not in hidden]
        if not mails:
            continue
        notifications = {n.id: n for n in db.session.scalars(
            sa.select(Notification).where(Notification.id.in_([m.notification_id for m in mails])))}
        with in_language_of(user):
            lines = [_("Hello %(name)s,", name=user.name), "",
                     _("What happened since your last digest (%(count)d):", count=len(mails)), ""]
            for mail in mails:
                note = notifications.get(mail.notification_id) if mail.notification_id else None
                lines.append(f"- {mail.subject}")
                if note is not None and note.url:
                    lines.append(f"  {absolute_url(note.url)}")
                mail.state = MailState.BUNDLED
            stop_all = _stop_all_url(user)
            lines += ["", "--",
                      _("Change how often we write: %(url)s", url=absolute_url(path_for("notifications.settings"))),
                      _("Stop all e-mail from Cocreate: %(url)s", url=stop_all)]
            subject = ngettext("Your Cocreate digest: %(num)d update", "Your Cocreate digest: %(num)d updates",
                               len(mails))
        digests.append(MailMessage(user_id=user.id, to_address=user.email, subject=subject, body="\n".join(lines),
                                   unsubscribe_url=stop_all, state=MailState.QUEUED, next_attempt_at=utcnow()))
    db.session.add_all(digests)
    send_after_commit(digests)
    return len(digests)


# --- Who may still read it ----------------------------------------------------------------------------

WITHHELD = "Not sent: the recipient can no longer see the product this mail is about."


def _no_longer_visible(mails: Iterable[MailMessage]) -> set[int]:
    """The ids of those mails that are about an idea (through their notification) whose product the recipient
    may no longer see: access to a private product can go between the notification and the mail's sending."""
    by_id = {m.id: m for m in mails if m.notification_id is not None and m.user_id is not None}
    if not by_id:
        return set()
    rows = db.session.execute(
        sa.select(MailMessage.id, MailMessage.user_id, Idea.product_id)
        .join(Notification, Notification.id == MailMessage.notification_id)
        .join(Idea, Idea.id == Notification.idea_id)
        .where(MailMessage.id.in_(list(by_id)))).all()
    by_product: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for mail_id, user_id, product_id in rows:
        if user_id is not None:
            by_product[product_id].append((mail_id, user_id))
    hidden = set()
    for product_id, pairs in by_product.items():
        product = db.session.get(Product, product_id)
        if product is None:
            continue
        allowed = viewers(product, (user_id for _mail_id, user_id in pairs))
        hidden |= {mail_id for mail_id, user_id in pairs if user_id not in allowed}
    return hidden


def _withhold(mail: MailMessage) -> None:
    """Kept as a failed row with the reason (purged with the other finished mail), not deleted: the queue shows
    what happened to it."""
    mail.state = MailState.FAILED
    mail.claimed_until = None
    mail.last_error = WITHHELD
    log.info("mail %s to user %s withheld: the product is no longer visible to them", mail.id, mail.user_id)


# --- Sending ------------------------------------------------------------------------------------------

def build_message(mail: MailMessage) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER", "Cocreate <no-reply@cocreate.example>")
    message["To"] = mail.to_address
    message["Subject"] = one_line(mail.subject)
    message["Date"] = formatdate(localtime=False)
    # The same Message-ID on every attempt: a receiver that got a mail twice (a worker killed between the
    # server's answer and the commit) can tell it is one mail.
    message["Message-ID"] = f"<mail-{mail.id}.{int(mail.created_at.timestamp())}@cocreate.example>"
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.body)
    return message


def _smtp_send(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT", 25)),
                      timeout=float(config.get("MAIL_TIMEOUT", 10))) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)


def deliver(mail_id: int, now: datetime | None = None) -> str:
    """One attempt at one queued mail, committed. Returns "sent", "retry" (Huey tries again later), "failed"
    (given up, or a mail that cannot be sent), "withheld" (about a product its recipient may no longer see: marked
    failed with that reason, never retried) or "skipped" (not due, gone, or held by another worker)."""
    now = now or utcnow()
    table = MailMessage.__table__
    ready = sa.and_(table.c.state == MailState.QUEUED, table.c.next_attempt_at <= now)
    if not tasks.claim(table, mail_id, ready, now):
        return "skipped"
    mail = db.session.get(MailMessage, mail_id)
    if mail is None:
        return "skipped"
    if _no_longer_visible([mail]):
        _withhold(mail)
        db.session.commit()
        return "withheld"
    mail.attempts += 1
    mail.claimed_until = None
    try:
        message = build_message(mail)
        if current_app.config.get("MAIL_SERVER"):
            _smtp_send(message)
        else:
            log.info("mail (no MAIL_SERVER) to %s: %s\n%s", mail.to_address, mail.subject, mail.body)
    except ValueError as error:  # not a valid message (e.g. a bad address): retrying cannot help
        outcome = _failed(mail, error, final=True)
    except (OSError, smtplib.SMTPException) as error:
        outcome = _failed(mail, error, final=mail.attempts >= tasks.ATTEMPTS, now=now)
    else:
        mail.state = MailState.SENT
        mail.sent_at = utcnow()
        mail.last_error = None
        outcome = "sent"
    db.session.commit()
    return outcome


def _failed(mail: MailMessage, error: Exception, *, final: bool, now: datetime | None = None) -> str:
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    log.warning("mail %s to %s failed (attempt %s): %s", mail.id, mail.to_address, mail.attempts, error)
    if final:
        mail.state = MailState.FAILED
        return "failed"
    mail.next_attempt_at = (now or utcnow()) + tasks.retry_delay(mail.attempts)
    return "retry"


def lost(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queued mail past its due time (plus the grace Huey's own retry has) that no worker holds: its task was
    lost (a killed worker, a broker that was down when it was enqueued)."""
    now = now or utcnow()
    return list(db.session.scalars(
        sa.select(MailMessage.id).where(
            MailMessage.state == MailState.QUEUED, MailMessage.next_attempt_at <= now - tasks.SWEEP_GRACE,
            sa.or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now))
        .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(limit)))


def purge(before: datetime) -> int:
    """Delete finished mail (sent, bundled, failed) created before ``before``; queued mail is never touched."""
    return len(db.session.execute(sa.delete(MailMessage).where(
        MailMessage.state.in_([MailState.SENT, MailState.BUNDLED, MailState.FAILED]),
        MailMessage.created_at < before).returning(MailMessage.id)).all())
