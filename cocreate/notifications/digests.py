"""The team digest: new ideas, the most-voted unanswered ones and overdue promises, per company, to its owners
and product owners, daily or weekly, in each reader's language."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import format_date

from cocreate.auth.models import User
from cocreate.companies.models import Membership, Role
from cocreate.extensions import db, utcnow
from cocreate.i18n import _, _l, ngettext
from cocreate.maturity.promises import group_by_company, team_digest
from cocreate.notifications.mail import queue_mail
from cocreate.products.models import Product
from cocreate.web import absolute_url, path_for

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
_SUBJECTS = {"daily": _l("Your daily Cocreate digest"), "weekly": _l("Your weekly Cocreate digest")}
_INTROS = {"daily": _l("Your daily digest."), "weekly": _l("Your weekly digest.")}


def queue_team_digests(label: str = "daily") -> int:
    """Queue one digest per owner and product owner whose company had news in the period; returns how many."""
    period = PERIODS[label]

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
            lines += [absolute_url(path_for("maturity.product_promises", slug=product.slug)), ""]
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
                return "\n".join([_("Hello %(name)s,", name=user.name), "", str(_INTROS[label]), "",
                                  *digest_lines(company_products)])

            if queue_mail(user, lambda: str(_SUBJECTS[label]), body) is not None:
                queued += 1
    return queued
