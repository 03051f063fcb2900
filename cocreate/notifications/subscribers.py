"""What this feature does when something happens elsewhere: follows, notifications and their mail.

Connected in ``cocreate.notifications.init_app``; each receiver takes the event's sender and keyword arguments
(see ``cocreate.events``). They run inside the sender's transaction; the mail they queue goes out after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from types import SimpleNamespace

import sqlalchemy as sa
from flask_babel import format_date

from cocreate import events
from cocreate.auth.models import User
from cocreate.companies.access import holders
from cocreate.extensions import db
from cocreate.i18n import _, _l
from cocreate.ideas.models import Comment, Idea, Status, StatusChange
from cocreate.ideas.voices import heard_from as voices_heard
from cocreate.notifications.follows import auto_follow, followers
from cocreate.notifications.mail import queue_account_mail
from cocreate.notifications.models import MailMessage, Notification
from cocreate.notifications.services import deliver, notify
from cocreate.products.models import Version
from cocreate.web import absolute_url, path_for


def connect() -> None:
    events.idea_created.connect(on_idea_created)
    events.vote_cast.connect(on_vote)
    events.comment_posted.connect(on_comment)
    events.official_response_changed.connect(on_official_response)
    events.idea_status_changed.connect(on_status_change)
    events.idea_merged.connect(on_merge)
    events.idea_unmerged.connect(on_unmerge)
    events.version_released.connect(on_version_released)
    events.ambassador_invited.connect(on_ambassador_invited)
    events.ambassador_answered.connect(on_ambassador_answered)
    events.member_invited.connect(on_member_invited)
    events.customer_invited.connect(on_customer_invited)
    events.signup_requested.connect(on_signup_requested)
    events.signup_repeated.connect(on_signup_repeated)
    events.login_locked.connect(on_login_locked)
    events.account_erasing.connect(on_account_erasing)
    events.account_link_requested.connect(on_account_link_requested)
    events.account_link_unknown.connect(on_account_link_unknown)
    events.email_changed.connect(on_email_changed)
    events.miss_opened.connect(on_miss_opened)
    events.miss_answered.connect(on_miss_answered)
    events.miss_closed.connect(on_miss_closed)


def _idea_path(idea: Idea) -> str:
    return path_for("ideas.show", slug=idea.product.slug, idea_id=idea.id)


def _others(users: Iterable[User], actor: User | None) -> list[User]:
    actor_id = actor.id if actor is not None else None
    return [u for u in users if u.id != actor_id]


def _excerpt(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def on_idea_created(idea: Idea, **_extra) -> None:
    auto_follow(idea.author, idea)


def on_vote(idea: Idea, *, user: User, **_extra) -> None:
    auto_follow(user, idea)


def on_comment(comment: Comment, **_extra) -> None:
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


def on_official_response(idea: Idea, *, comment: Comment, actor: User, marked: bool, **_extra) -> None:
    if not marked:  # the mark was taken off: nothing to announce
        return
    deliver(_others(followers(idea), actor), "official",
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


def _shipped_body(idea: Idea, version: Version) -> str:
    return _("%(product)s %(version)s is out.", product=idea.product.name, version=version.label)


def on_status_change(idea: Idea, *, change: StatusChange, actor: User, **_extra) -> None:
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

    deliver(_others(followers(idea), actor), kind, subject=subject, body=change.note, url=_idea_path(idea),
            idea=idea)


def on_merge(duplicate: Idea, *, into: Idea, actor: User, **_extra) -> None:
    """The duplicate's followers hear of it and follow the idea it was merged into."""
    people = followers(duplicate)
    deliver(_others(people, actor), "merge",
            subject=lambda: _("“%(duplicate)s” was merged into “%(into)s”", duplicate=duplicate.title,
                              into=into.title),
            body=lambda: _("Your vote now counts there; the discussion continues there too."),
            url=_idea_path(into), idea=into)
    for user in people:
        auto_follow(user, into)


def on_unmerge(duplicate: Idea, *, into: Idea | None, actor: User, **_extra) -> None:
    """The duplicate's followers, who were told their vote now counts on the target, hear that it counts on the
    duplicate again (they keep following both)."""
    into_title = into.title if into is not None else ""
    deliver(_others(followers(duplicate), actor), "unmerge",
            subject=lambda: _("“%(duplicate)s” is no longer merged into “%(into)s”", duplicate=duplicate.title,
                              into=into_title),
            body=lambda: _("The merge was undone: your vote counts on “%(duplicate)s” again, and its discussion "
                           "continues there.", duplicate=duplicate.title),
            url=_idea_path(duplicate), idea=duplicate)


def on_version_released(version: Version, **_extra) -> int:
    """Tell the followers of every idea shipped in this (released) version: "your idea shipped in v0.3".

    Once per person and idea: whoever already got a "shipped" notification for it (when the idea was marked
    shipped in a version already out) is skipped.
    """
    ideas = db.session.scalars(sa.select(Idea).where(Idea.shipped_version_id == version.id,
                                                     Idea.status == Status.SHIPPED)).all()
    count = 0
    for idea in ideas:
        told = set(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.idea_id == idea.id, Notification.kind == "shipped")))
        users = [u for u in followers(idea) if u.id not in told]
        # partial, not a lambda: each idea's texts bound now, written later in each reader's language
        count += len(deliver(users, "shipped", subject=partial(_shipped_subject, idea, version),
                             body=partial(_shipped_body, idea, version),
                             url=path_for("notifications.version", slug=idea.product.slug,
                                          version_id=version.id), idea=idea))
    return count


def on_ambassador_invited(candidate, *, company, url: str, **_extra) -> None:
    """In-site notification, and an e-mail as the customer's settings say, in the customer's language."""
    notify(candidate.user, "ambassador_invitation",
           subject=lambda: _("%(company)s invites you to be an ambassador", company=company.name),
           body=lambda: _("%(company)s would like you to become one of its ambassadors. You can accept or decline.",
                          company=company.name),
           url=url)


def on_ambassador_answered(candidate, *, company, accepted: bool, inviters: list[User], url: str, **_extra) -> None:
    """Whoever invited the customer hears the answer: in the bell, and by mail as their settings say."""
    name = candidate.user.name
    if accepted:
        deliver(inviters, "ambassador_answer",
                subject=lambda: _("%(name)s accepted the invitation to be an ambassador of %(company)s",
                                  name=name, company=company.name),
                body=lambda: _("%(name)s is now one of your ambassadors.", name=name), url=url)
    else:
        deliver(inviters, "ambassador_answer",
                subject=lambda: _("%(name)s declined the invitation to be an ambassador of %(company)s",
                                  name=name, company=company.name),
                body=lambda: _("%(name)s stays on the shortlist as declined.", name=name), url=url)


def on_member_invited(invitation, *, user: User | None, **_extra) -> None:
    """Whoever has an account with the invited address hears of it (bell, and mail as they prefer) and answers on
    their invitations page. Without an account nothing is sent: the owner has the link to pass on."""
    if user is None:
        return
    company = invitation.company
    notify(user, "member_invitation",
           subject=lambda: _("%(company)s invites you to join its team", company=company.name),
           body=lambda: _("You are invited as %(role)s. Nothing changes until you accept; you can also decline.",
                          role=invitation.role.label.lower()),
           url=path_for("companies.invitations"))


def on_customer_invited(invitation, *, user: User | None, **_extra) -> None:
    """The same for an invitation to see a private product."""
    if user is None:
        return
    product = invitation.product
    notify(user, "customer_invitation",
           subject=lambda: _("%(company)s invites you to see %(product)s", company=product.company.name,
                             product=product.name),
           body=lambda: _("%(product)s is private: only its team and the customers it invites see it. Accept to "
                          "see it and give feedback, or decline.", product=product.name),
           url=path_for("companies.invitations"))


def on_miss_opened(miss, *, product, **_extra) -> None:
    """The product's team (who may answer) hears of a miss at once, in the bell and by mail as each prefers: an
    answer within the hours their thresholds set keeps the product's way to Excellent open."""
    from cocreate.products.touchpoint_names import localized

    team = holders("idea.moderate", product.company_id)
    comment = miss.rating.comment

    def body() -> str:
        told = _("They wrote: “%(comment)s”", comment=_excerpt(comment, 600)) if comment else _(
            "They left no comment.")
        return told + " " + _("Answer them on the miss: the customer is told, and an unanswered miss holds the product "
                              "below Excellent.")

    deliver(team, "miss_opened",
            subject=lambda: _("A customer gave %(touchpoint)s of %(product)s %(version)s %(score)s of 5",
                              touchpoint=localized(miss.touchpoint), product=product.name,
                              version=miss.version.label, score=miss.score),
            body=body, url=path_for("misses.show", slug=product.slug, miss_id=miss.id))


def on_miss_answered(miss, *, reply, **_extra) -> None:
    """The team answered the customer's miss: told in the site and by mail, with the answer itself."""
    from cocreate.products.touchpoint_names import localized

    product = miss.product
    notify(miss.user, "miss_answer",
           subject=lambda: _("%(company)s answered you about %(touchpoint)s of %(product)s",
                             company=product.company.name, touchpoint=localized(miss.touchpoint),
                             product=product.name),
           body=_excerpt(reply.body, 2000), url=path_for("misses.show", slug=product.slug, miss_id=miss.id))


def on_miss_closed(miss, *, product, **_extra) -> None:
    """Fixed in a version: the customer is invited to rate it (their new score can recover the miss)."""
    from cocreate.products.touchpoint_names import localized

    version = miss.fixed_version
    notify(miss.user, "miss_fixed",
           subject=lambda: _("%(product)s %(version)s fixes %(touchpoint)s: would you rate it again?",
                             product=product.name, version=version.label, touchpoint=localized(miss.touchpoint)),
           body=lambda: _("You gave %(touchpoint)s %(score)s of 5. The team says %(version)s fixes it; rate it and "
                          "tell them whether it now meets what you expected.", touchpoint=localized(miss.touchpoint),
                          score=miss.score, version=version.label),
           url=path_for("maturity.rate", slug=product.slug))


def on_signup_requested(request, *, token: str, **_extra) -> None:
    """The link that finishes a sign-up, to the address only (the page said "check your mail" to everyone)."""
    link = absolute_url(path_for("auth.confirm_signup", token=token))
    queue_account_mail(request.email, request,
                       subject=lambda: _("Finish signing up for Cocreate"),
                       body=lambda: "\n".join([
                           _("Hello %(name)s,", name=request.name), "",
                           _("Follow this link to finish signing up; it works for two days:"), link, "",
                           _("If you did not sign up, ignore this mail: without the link, no account is made.")]))


def on_signup_repeated(user: User, **_extra) -> None:
    """Someone signed up with an address that has an account: its owner is told, and nothing changes."""
    queue_account_mail(user.email, user, user=user,
                       subject=lambda: _("Someone tried to sign up for Cocreate with your address"),
                       body=lambda: "\n".join([
                           _("Hello %(name)s,", name=user.name), "",
                           _("Someone, perhaps you, tried to sign up for Cocreate with this address. You have an "
                             "account already; nothing was changed."), "",
                           _("To use it, log in with your password: %(url)s", url=absolute_url(path_for("auth.login"))),
                           _("If this was not you, you can ignore this mail.")]))


def on_login_locked(user: User, *, token: str, until, **_extra) -> None:
    """Too many wrong passwords locked the account: its owner learns of it, and gets the link that unlocks it."""
    link = absolute_url(path_for("auth.unlock", token=token))
    queue_account_mail(user.email, user, user=user,
                       subject=lambda: _("Your Cocreate account is locked after wrong passwords"),
                       body=lambda: "\n".join([
                           _("Hello %(name)s,", name=user.name), "",
                           _("Someone, perhaps you, typed a wrong password for your account too often, so we have "
                             "locked it: nobody can log in to it, not even with the right password, until "
                             "%(time)s UTC.", time=f"{until:%H:%M}"), "",
                           _("If it was you, this link unlocks your account at once:"), link, "",
                           _("If it was not you, your password held. Unlock the account, log in and choose a new, "
                             "long password if this one is used elsewhere.")]))


_LINK_ROUTES = {"verify": "auth.confirm_email", "reset": "auth.reset_password", "login": "auth.email_login",
                "welcome": "auth.reset_password"}


def on_account_link_requested(link, *, token: str, **_extra) -> None:
    """A verify, reset or sign-in link, to the address it is for (cocreate/auth/links.py)."""
    user = db.session.get(User, link.user_id)
    if user is None:  # pragma: no cover - the link goes with its account
        return
    url = absolute_url(path_for(_LINK_ROUTES[link.purpose], token=token))
    if link.purpose == "verify":
        subject = lambda: _("Confirm your address for Cocreate")  # noqa: E731
        lines = lambda: [_("Follow this link to confirm that this address is yours; it works for 24 hours, once:"),  # noqa: E731
                         url, "",
                         _("Until you do, your votes and ratings are kept but not counted."), "",
                         _("If you did not ask for this, ignore this mail.")]
    elif link.purpose == "welcome":
        heard = voices_heard(user)
        subject = lambda: _("%(team)s noted what you told them, on Cocreate", team=heard.company)  # noqa: E731
        lines = lambda: [_("%(member)s of %(team)s recorded what you told them (%(where)s) on Cocreate, where "  # noqa: E731
                           "customers and the team improve %(product)s together: %(what)s.", member=heard.member,
                           team=heard.company, where=heard.heard_at, product=heard.product, what=heard.what()), "",
                         _("Choose a password to follow it and to have your say yourself; the link works for 14 "
                           "days, once:"), url, "",
                         _("Until you do, your vote counts for nothing: only confirmed accounts count."), "",
                         _("If you never spoke to them, ignore this mail: without the link nobody can use this "
                           "account.")]
    elif link.purpose == "reset":
        subject = lambda: _("Set a new password for Cocreate")  # noqa: E731
        lines = lambda: [_("Someone, perhaps you, asked to set a new password for your account. Follow this link "  # noqa: E731
                           "to choose one; it works for one hour, once:"), url, "",
                         _("Setting a new password logs you out everywhere else."), "",
                         _("If this was not you, ignore this mail: your password stays as it is.")]
    else:
        subject = lambda: _("Your sign-in link for Cocreate")  # noqa: E731
        lines = lambda: [_("Follow this link to sign in without your password; it works for one hour, once:"),  # noqa: E731
                         url, "",
                         _("If you did not ask for it, ignore this mail: nobody can sign in without the link.")]
    queue_account_mail(link.email, user, user=user, subject=subject,
                       body=lambda: "\n".join([_("Hello %(name)s,", name=user.name), "", *lines()]))


def on_account_link_unknown(address: str, *, purpose: str, locale: str | None = None, **_extra) -> None:
    """A reset or sign-in link was asked for an address with no account: the address's owner is told so (the page
    answered as for an account), and how to sign up; in the language of the page it was asked on."""
    queue_account_mail(address, SimpleNamespace(locale=locale, browser_locale=None),
                       subject=lambda: _("About your request to Cocreate"),
                       body=lambda: "\n".join([
                           _("Hello,"), "",
                           _("Someone, perhaps you, asked for a link to set a new password or to sign in with this "
                             "address. There is no Cocreate account with this address, so there is no link."), "",
                           _("To make an account: %(url)s", url=absolute_url(path_for("auth.signup"))),
                           _("If this was not you, you can ignore this mail.")]))


def on_email_changed(user: User, *, old_email: str, **_extra) -> None:
    """The old address is told the account moved (a link to the new one goes with ``account_link_requested``)."""
    queue_account_mail(old_email, user,
                       subject=lambda: _("The address of your Cocreate account was changed"),
                       body=lambda: "\n".join([
                           _("Hello %(name)s,", name=user.name), "",
                           _("The address of your Cocreate account was changed from %(old)s to %(new)s. Mail goes to "
                             "the new address from now on.", old=old_email, new=user.email), "",
                           _("If this was not you, someone knows your password: contact us, and change your password "
                             "on your profile page if you still can.")]))


def on_account_erasing(user: User, **_extra) -> None:
    """Mail addressed to their address goes too (rows by user id go with the account, by the foreign keys)."""
    db.session.execute(sa.delete(MailMessage).where(MailMessage.to_address == user.email))
