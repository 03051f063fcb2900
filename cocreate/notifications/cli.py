"""`flask send-mail`, `flask send-digests`, `flask digest --period daily|weekly`, `flask announce-releases`.

Run them from cron (send-mail every minute, send-digests and digest once a day, announce-releases daily).
"""

import os
from datetime import timedelta

import click
import sqlalchemy as sa
from flask import Flask

from cocreate.extensions import db, utcnow

MAIL_SETTINGS = {
    "MAIL_SERVER": None, "MAIL_PORT": "25", "MAIL_USERNAME": None, "MAIL_PASSWORD": None,  # nosec B105
    "MAIL_DEFAULT_SENDER": "Cocreate <no-reply@cocreate.example>", "PUBLIC_URL": None,
}


def init_app(app: Flask) -> None:
    """Mail settings from the environment (unless the config sets them), the blueprint, the commands."""
    for name, default in MAIL_SETTINGS.items():
        app.config.setdefault(name, os.environ.get(name, default))
    app.config.setdefault("MAIL_USE_TLS", os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes", "on"))

    from cocreate.notifications.routes import bp

    app.register_blueprint(bp)

    @app.cli.command("send-mail")
    @click.option("--limit", default=500, show_default=True, help="At most this many mails in one run.")
    def send_mail(limit: int) -> None:
        """Send the queued mail that is due; failures stay queued and are retried with back-off."""
        from cocreate.notifications.services import send_queued

        sent, failed = send_queued(limit=limit)
        click.echo(f"{sent} sent, {failed} failed (kept for a retry).")

    @app.cli.command("send-digests")
    def send_digests() -> None:
        """Bundle the waiting mail of users who chose the daily digest into one mail each."""
        from cocreate.notifications.services import send_digests as bundle

        count = bundle()
        db.session.commit()
        click.echo(f"{count} digest{'s' if count != 1 else ''} queued; `flask send-mail` delivers them.")

    @app.cli.command("digest")
    @click.option("--period", type=click.Choice(["daily", "weekly"]), default="daily", show_default=True)
    def digest(period: str) -> None:
        """Queue the team digest for every company's product owners: new ideas, most-voted unanswered,
        overdue promises."""
        count = queue_team_digests(timedelta(days=1 if period == "daily" else 7), period)
        db.session.commit()
        click.echo(f"{count} team digest{'s' if count != 1 else ''} queued.")

    @app.cli.command("announce-releases")
    def announce_releases() -> None:
        """Tell followers about ideas shipped in versions whose release date has come; queue the
        "version.released" webhook for versions released today (or in the past week, if a run was missed)."""
        from cocreate.notifications.services import announce_release
        from cocreate.products.models import Version
        from cocreate.webhooks.services import on_version_released

        today = utcnow().date()
        count = 0
        for version in db.session.scalars(sa.select(Version).where(Version.released_on <= today,
                                                                    Version.released_on >= today - timedelta(days=7))):
            count += announce_release(version)
            on_version_released(version)
        db.session.commit()
        click.echo(f"{count} notification{'s' if count != 1 else ''} sent.")


def queue_team_digests(period: timedelta, label: str = "daily") -> int:
    """Each owner's digest is written in their own language (``queue_mail`` calls the texts in it)."""
    from flask_babel import format_date

    from cocreate.auth.models import User
    from cocreate.companies.models import Membership, Role
    from cocreate.i18n import _, _l, ngettext
    from cocreate.notifications.promises import group_by_company, team_digest
    from cocreate.notifications.services import absolute_url, path_for, queue_mail
    from cocreate.products.models import Product

    subjects = {"daily": _l("Your daily Cocreate digest"), "weekly": _l("Your weekly Cocreate digest")}
    intros = {"daily": _l("Your daily digest."), "weekly": _l("Your weekly digest.")}

    def voted(ideas) -> list[str]:
        return ["- " + ngettext("%(title)s (%(num)d vote)", "%(title)s (%(num)d votes)", i.vote_count, title=i.title)
                for i in ideas] or ["- " + _("none")]

    def digest_lines(company_products) -> list[str]:
        lines: list[str] = []
        for product in company_products:
            facts = found[product.id]
            if not any(facts.values()):
                continue
            lines += [f"{product.name}", "=" * len(product.name)]
            lines.append(_("New ideas (%(count)d):", count=len(facts["new"])))
            lines += voted(facts["new"][:10])
            lines.append(_("Most-voted without an answer:"))
            lines += voted(facts["unanswered"])
            lines.append(_("Overdue promises:"))
            lines += ["- " + _("%(title)s (promised for %(date)s)", title=i.title, date=format_date(i.promised_on))
                      for i in facts["overdue"]] or ["- " + _("none")]
            lines += [absolute_url(path_for("notifications.product_promises", slug=product.slug)), ""]
        return lines

    since = utcnow() - period
    products = list(db.session.scalars(sa.select(Product).order_by(Product.company_id, Product.name)))
    found = team_digest(products, since)
    owners: dict[int, list[User]] = {}
    for company_id, user in db.session.execute(
        sa.select(Membership.company_id, User).join(User, User.id == Membership.user_id)
        .where(Membership.role.in_([Role.OWNER, Role.PRODUCT])).order_by(User.id)
    ):
        owners.setdefault(company_id, []).append(user)
    queued = 0
    for company_id, company_products in group_by_company(products).items():
        if not any(any(found[p.id].values()) for p in company_products):
            continue
        for user in owners.get(company_id, []):
            def body(user=user, company_products=company_products) -> str:
                return "\n".join([_("Hello %(name)s,", name=user.name), "", str(intros[label]), "",
                                  *digest_lines(company_products)])

            if queue_mail(user, lambda: str(subjects[label]), body) is not None:
                queued += 1
    return queued
