"""The bell: in-app notifications, each with an e-mail queued as the recipient prefers.

``notify(user, kind, subject=..., body=..., url=..., idea=None)`` is this feature's public entry; the events other
features announce reach it through ``subscribers.py``. Services flush; the route, command or task commits.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import has_app_context

from cocreate.auth import forget_with_user
from cocreate.auth.models import User
from cocreate.extensions import db, utcnow
from cocreate.i18n import in_language_of, locale_of
from cocreate.ideas.models import Idea
from cocreate.notifications.mail import Text, email_modes, mail_for, one_line, send_after_commit, text_of
from cocreate.notifications.models import EmailMode, MailState, Notification
from cocreate.products.services import viewers


def notify(user: User, kind: str, *, subject: Text, body: Text, url: str,
           idea: Idea | None = None) -> Notification | None:
    """An in-app notification, and an e-mail queued as the user prefers; None when the notification is about an
    idea the user may not see (see ``deliver``).

    Pass the subject (and a body that is not user content) as a function, e.g.
    ``subject=lambda: _("%(company)s invites you to be an ambassador", company=name)``: it is called in the
    recipient's language, not in the language of the person whose action caused the notification.
    """
    created = deliver([user], kind, subject=subject, body=body, url=url, idea=idea)
    return created[0] if created else None


def deliver(users: Sequence[User], kind: str, *, subject: Text, body: Text, url: str,
            idea: Idea | None = None) -> list[Notification]:
    """One notification (and mail) per user, each written in that user's language.

    About an idea, only the users who may see its product now are told: whatever path led here (a follow, a
    reply to their comment), a customer who lost access to a private product hears nothing more of it. The
    mail is checked again when the worker sends it (``mail.deliver``)."""
    users = [u for u in users if u is not None]
    if idea is not None and users:
        allowed = viewers(idea.product, (u.id for u in users))
        users = [u for u in users if u.id in allowed]
    if not users:
        return []
    created = []
    for user in users:
        with in_language_of(user):
            created.append(Notification(user_id=user.id, kind=kind[:40], subject=one_line(text_of(subject))[:200],
                                        body=text_of(body), url=url[:500], locale=locale_of(user),
                                        idea_id=idea.id if idea is not None else None))
    db.session.add_all(created)
    db.session.flush()
    modes = email_modes(u.id for u in users)
    mails = []
    for user, notification in zip(users, created, strict=True):
        mode = modes[user.id]
        if mode == EmailMode.NEVER:
            continue
        with in_language_of(user):
            mails.append(mail_for(user, notification, idea,
                                  MailState.DIGEST if mode == EmailMode.DIGEST else MailState.QUEUED))
    db.session.add_all(mails)
    send_after_commit(mails)
    return created


# --- The in-app list ---------------------------------------------------------------------------------

def unread_count(user, cap: int = 99) -> int:
    """One indexed query; counts at most cap + 1 rows (the bell shows "99+")."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.execute(_UNREAD, {"user": user.id, "limit": cap + 1}).scalar() or 0


UNREAD = "unread_notifications"  # the name it is read under with the signed-in user


def unread_with_user(cap: int = 99) -> sa.ScalarSelect:
    """The unread count (at most cap + 1) as a column correlated to ``users``: the user loader reads it with the
    signed-in user (cocreate.auth.read_with_user), so the bell costs no query of its own."""
    return sa.select(sa.func.count()).select_from(
        sa.select(Notification.id).where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .limit(cap + 1).correlate(User).subquery()).scalar_subquery()


@sa.event.listens_for(Notification, "after_insert")
@sa.event.listens_for(Notification, "after_update")
@sa.event.listens_for(Notification, "after_delete")
def _forget_unread(*_args) -> None:
    """A notification written in this request: the bell asks the database again."""
    if has_app_context():
        forget_with_user(UNREAD)


# Built once: the bell's count when it was not read with the user.
_UNREAD = sa.select(sa.func.count()).select_from(
    sa.select(Notification.id).where(Notification.user_id == sa.bindparam("user"), Notification.read_at.is_(None))
    .limit(sa.bindparam("limit")).subquery())


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()


def mark_all_read(user: User) -> int:
    forget_with_user(UNREAD)
    return db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; Session.execute is typed Result
