"""Demo ambassadors: scores for every company and a small shortlist each. Idempotent: a company that
has a shortlist already keeps it; its scores are simply recomputed."""

import random

import sqlalchemy as sa

from cocreate.ambassadors import scores, shortlist
from cocreate.ambassadors.models import Candidate, ContributionScore
from cocreate.auth.models import User
from cocreate.companies.models import Company, Membership, Role
from cocreate.extensions import db

NOTES = ["Very constructive in the discussions.", "Ideas are always well argued.", "Tested every version so far.",
         "Could speak at the launch event.", "Ask about a short video testimonial.", ""]
SHOWCASE = "customer01@demo.example"  # has an invitation waiting, to show /me/invitations


def seed_ambassadors(rng: random.Random) -> None:
    for company in db.session.scalars(sa.select(Company).order_by(Company.id)).all():
        scores.refresh_scores(company)
        if db.session.scalar(sa.select(Candidate.id).where(Candidate.company_id == company.id).limit(1)):
            continue
        marketer = db.session.scalar(
            sa.select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == company.id, Membership.role.in_([Role.MARKETING, Role.OWNER]))
            .order_by(Membership.role.desc(), Membership.id))  # "owner" < "marketing": marketing first
        if marketer is None:
            continue
        top = list(db.session.scalars(
            sa.select(User).join(ContributionScore, ContributionScore.user_id == User.id)
            .where(ContributionScore.company_id == company.id, ContributionScore.product_id == scores.ALL_PRODUCTS,
                   ContributionScore.period_days == 0)
            .order_by(ContributionScore.total.desc(), User.id).limit(5)))
        candidates = [shortlist.add_candidate(company, user, marketer, note=rng.choice(NOTES)) for user in top]
        willing = [c for c in candidates if c.user.contact_opt_in and c.user.email != SHOWCASE]
        if willing:
            shortlist.invite(willing[0])
            shortlist.answer(willing[0], willing[0].user, accept=True)
        if len(willing) > 1:
            shortlist.invite(willing[1])
        showcase = db.session.scalar(sa.select(User).where(User.email == SHOWCASE))
        if company.slug == "tulip-mobility" and showcase is not None and showcase.contact_opt_in:
            existing = next((c for c in candidates if c.user_id == showcase.id), None)
            candidate = existing or shortlist.add_candidate(company, showcase, marketer,
                                                           note="Ask about the Utrecht riders' group.")
            if candidate.state.value == "candidate":
                shortlist.invite(candidate)
    db.session.flush()
