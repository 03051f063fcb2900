"""Ratings that can't be gamed: who rated (rater credibility) and the rule that holds suspicious ratings back.

The rule, with its numbers, is explained for people in docs/maturity.md ("Held ratings"). In short, with the
defaults of ``HoldRules`` (each company may change them on its thresholds page):

- A rater the company knows — signed in through the company's SSO, or customer of the product by invitation — is
  never held and never counts toward a burst.
- **Burst of new accounts**: a rating by a *new* account (created less than ``new_account_days`` = 7 days before it
  rated) is held when, counting it, ``burst_ratings`` = 3 or more ratings of the same version by new accounts arrived
  within ``burst_minutes`` = 60 minutes (the first and the last at most that far apart).
- **One network**: a rating is held when, counting it, ``network_ratings`` = 3 or more ratings of the same version
  came from one network (an IPv4 address, or an IPv6 /64) within ``network_hours`` = 24 hours, whatever the
  accounts' age.
- When a rule fires on the Nth rating, the earlier ratings of the same window that still count are held with it,
  with the same reason: their contribution leaves the version's sums in the same transaction, so the burst is
  judged as a whole. Ratings the team released before are not held again and do not count toward a new burst.
- A held rating is stored, shown to its rater ("counts once the team has reviewed it"), counted in no figure and
  listed for the team with its reason; ``release`` counts it, with the team's note in the stage history.

Each check is one query on an index that starts with the version (``ix_ratings_version_created``,
``ix_ratings_version_network_created``): it reads the window, never the version's ratings.

Rater credibility (``VersionCredibility``) counts every rating of a version, held or not: verified addresses,
SSO, invitations, new accounts, account age at rating time in four bands, held, released, and how many were held as
part of a burst or one network. Each rating adds its ``part``; a change moves the counts by the difference.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from cocreate import events
from cocreate.auth.models import SSOIdentity, User
from cocreate.database import add_to
from cocreate.extensions import db
from cocreate.maturity import stored
from cocreate.maturity.models import HoldRulesRow, Rating, RatingRelease, VersionCredibility
from cocreate.products.models import Product, ProductAccess, Version
from cocreate.refusal import N_, Refused

BURST = "burst"
NETWORK = "network"
SSO = "sso"
INVITED = "invited"
NOTE_MAX = 500


class HoldError(Refused):
    """A release that cannot be made; the message says why."""


@dataclass(frozen=True)
class HoldRules:
    new_account_days: int = 7
    burst_ratings: int = 3
    burst_minutes: int = 60
    network_ratings: int = 3
    network_hours: int = 24


DEFAULT_RULES = HoldRules()
LIMITS = {"new_account_days": (1, 365), "burst_ratings": (2, 1000), "burst_minutes": (1, 7 * 24 * 60),
          "network_ratings": (2, 1000), "network_hours": (1, 24 * 30)}


def rules_of(company_ids: Iterable[int]) -> dict[int, HoldRules]:
    ids = set(company_ids)
    result = dict.fromkeys(ids, DEFAULT_RULES)
    if ids:
        for row in db.session.scalars(sa.select(HoldRulesRow).where(HoldRulesRow.company_id.in_(ids))):
            result[row.company_id] = HoldRules(**{name: getattr(row, name) for name in HoldRulesRow.FIELDS})
    return result


def set_rules(company_id: int, rules: HoldRules) -> None:
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(rules, name) <= high:  # the form checks first; this guards other callers
            raise HoldError(N_("A hold rule is out of range."))
    row = db.session.get(HoldRulesRow, company_id)
    if row is None:
        row = HoldRulesRow(company_id=company_id)
        db.session.add(row)
    for name in HoldRulesRow.FIELDS:
        setattr(row, name, getattr(rules, name))
    db.session.flush()


def reset_rules(company_id: int) -> None:
    db.session.execute(sa.delete(HoldRulesRow).where(HoldRulesRow.company_id == company_id))


# --------------------------------------------------------------------------- the rule, as plain functions

def is_new(rater_since: datetime | None, rated_at: datetime, rules: HoldRules) -> bool:
    """Created less than ``new_account_days`` before it rated (exactly that many days old: not new)."""
    return rater_since is not None and rated_at - rater_since < timedelta(days=rules.new_account_days)


def burst_since(rated_at: datetime, rules: HoldRules) -> datetime:
    """The earliest moment a rating of the same burst can have: exactly ``burst_minutes`` before is within."""
    return rated_at - timedelta(minutes=rules.burst_minutes)


def network_since(rated_at: datetime, rules: HoldRules) -> datetime:
    return rated_at - timedelta(hours=rules.network_hours)


def reason_for(*, vouched: str | None, new_account: bool, burst_count: int, network_count: int,
               rules: HoldRules) -> str | None:
    """Why a new rating is held, or None. The counts include the rating itself (the Nth of a burst sees N)."""
    if vouched is not None:
        return None
    if new_account and burst_count >= rules.burst_ratings:
        return BURST
    if network_count >= rules.network_ratings:
        return NETWORK
    return None


def network_of(address: str | None) -> str | None:
    """The network an address stands for: an IPv4 address itself, an IPv6 address's /64 (one household or host
    usually gets a whole /64, so its addresses are one network). None for anything that is not a client's address:
    not an address at all, or loopback, unspecified or link-local — what a reverse proxy that does not pass the
    client's address on (PROXY_COUNT unset) makes every request look like; one network for everybody would hold
    every third rating."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback or ip.is_unspecified or ip.is_link_local:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def network_hash(address: str | None, secret: str | bytes | None = None) -> str | None:
    """HMAC-SHA256 of the network with SECRET_KEY, first 16 hex digits: equal networks give equal values, the
    address itself is never stored, and without the key the value cannot be tried against every IPv4 address."""
    network = network_of(address)
    if network is None:
        return None
    key = secret if secret is not None else current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"rating-network:" + network.encode(), hashlib.sha256).hexdigest()[:16]


AGE_BANDS = (("age_day", timedelta(days=1)), ("age_week", timedelta(days=7)), ("age_month", timedelta(days=30)))


def age_band(rater_since: datetime | None, rated_at: datetime) -> str:
    if rater_since is None:
        return "age_unknown"
    age = rated_at - rater_since
    for name, below in AGE_BANDS:
        if age < below:
            return name
    return "age_older"


# --------------------------------------------------------------------------- credibility counts

def part(rating: Rating) -> dict[str, int]:
    """What one rating adds to its version's credibility counts."""
    counts = {"ratings": 1, "held": int(rating.held), "burst": int(rating.hold_reason == BURST),
              "network": int(rating.hold_reason == NETWORK), "released": int(rating.release_id is not None),
              "verified": int(rating.rater_verified), "sso": int(rating.vouched == SSO),
              "invited": int(rating.vouched == INVITED), "new_accounts": int(rating.new_account)}
    counts[age_band(rating.rater_since, rating.created_at)] = 1
    return counts


def move_credibility(version_id: int, before: Mapping[str, int] | None, after: Mapping[str, int] | None) -> None:
    delta: Counter[str] = Counter(after or {})
    delta.subtract(before or {})
    changes = {name: n for name, n in delta.items() if n}
    if not changes:
        return
    # One statement, built once: the first rating of a version makes its row, every later one adds to it.
    add_to(VersionCredibility.__table__,
           [{"version_id": version_id, **{name: changes.get(name, 0) for name in VersionCredibility.COUNTS}}])


@dataclass(frozen=True)
class Credibility:
    """A version's credibility counts (all zero when nobody rated it)."""

    ratings: int = 0
    held: int = 0
    burst: int = 0
    network: int = 0
    released: int = 0
    verified: int = 0
    sso: int = 0
    invited: int = 0
    new_accounts: int = 0
    age_day: int = 0
    age_week: int = 0
    age_month: int = 0
    age_older: int = 0
    age_unknown: int = 0

    @property
    def counted(self) -> int:
        return self.ratings - self.held

    @property
    def vouched(self) -> int:
        return self.sso + self.invited


def credibility_of(version_ids: Sequence[int]) -> dict[int, Credibility]:
    """The stored counts of these versions, in one query."""
    found = {version_id: Credibility() for version_id in version_ids}
    if version_ids:
        for row in db.session.scalars(sa.select(VersionCredibility)
                                      .where(VersionCredibility.version_id.in_(version_ids))):
            found[row.version_id] = Credibility(**{name: getattr(row, name) for name in VersionCredibility.COUNTS})
    return found


def raw_credibility(version_ids: Sequence[int]) -> dict[int, Credibility]:
    """The counts recounted from the ratings themselves (``flask maturity verify`` and ``rebuild``)."""
    totals: dict[int, Counter[str]] = {version_id: Counter() for version_id in version_ids}
    if version_ids:
        for rating in db.session.scalars(sa.select(Rating).where(Rating.version_id.in_(version_ids))):
            totals[rating.version_id].update(part(rating))
    return {version_id: Credibility(**dict(counts)) for version_id, counts in totals.items()}


def rebuild_credibility(version_ids: Sequence[int]) -> None:
    db.session.execute(sa.delete(VersionCredibility).where(VersionCredibility.version_id.in_(version_ids)))
    for version_id, counts in raw_credibility(version_ids).items():
        if counts.ratings:
            db.session.add(VersionCredibility(version_id=version_id, **dataclasses.asdict(counts)))
    db.session.flush()


def rater_verified(user_id: int, verified: bool) -> None:
    """The rater confirmed an address (or changed it and has not confirmed the new one yet): their ratings'
    credibility follows."""
    for rating in db.session.scalars(sa.select(Rating).where(Rating.user_id == user_id,
                                                             Rating.rater_verified.is_not(verified))):
        before = part(rating)
        rating.rater_verified = verified
        move_credibility(rating.version_id, before, part(rating))
    db.session.flush()


# --------------------------------------------------------------------------- applying the rule to a new rating

def record_rater(rating: Rating, user: User, product: Product, address: str | None, rules: HoldRules) -> None:
    """The facts about the rater the rule and the credibility panel need, fixed at the rating's first save."""
    sso, invited = db.session.execute(sa.select(
        sa.exists().where(SSOIdentity.user_id == user.id, SSOIdentity.company_id == product.company_id),
        sa.exists().where(ProductAccess.user_id == user.id, ProductAccess.product_id == product.id))).one()
    rating.vouched = SSO if sso else INVITED if invited else None
    rating.rater_since = user.created_at
    rating.rater_verified = user.email_verified_at is not None
    rating.new_account = is_new(user.created_at, rating.created_at, rules)
    rating.network_hash = network_hash(address)


def _unvouched_window(rating: Rating, *conditions) -> list[tuple[int, bool]]:
    """(id, held) of the other ratings of the version in a window, by raters the company does not know and not
    released by the team (one indexed range read)."""
    return list(db.session.execute(sa.select(Rating.id, Rating.held).where(
        Rating.version_id == rating.version_id, Rating.id != rating.id, Rating.vouched.is_(None),
        Rating.release_id.is_(None), *conditions)).all())


def apply_rules(rating: Rating, rules: HoldRules, active: set[int]) -> list[Rating]:
    """Hold the new rating when a rule fires, and the earlier ratings of its window that still count (their
    contribution leaves the sums here). Returns the earlier ratings held now. Called before the new rating's own
    contribution is added, with the version's sums locked."""
    if rating.vouched is not None:
        return []
    burst: list[tuple[int, bool]] = []
    network: list[tuple[int, bool]] = []
    if rating.new_account:
        burst = _unvouched_window(rating, Rating.new_account.is_(True),
                                  Rating.created_at >= burst_since(rating.created_at, rules))
    if rating.network_hash is not None:
        network = _unvouched_window(rating, Rating.network_hash == rating.network_hash,
                                    Rating.created_at >= network_since(rating.created_at, rules))
    reason = reason_for(vouched=rating.vouched, new_account=rating.new_account, burst_count=len(burst) + 1,
                        network_count=len(network) + 1, rules=rules)
    if reason is None:
        return []
    rating.held, rating.hold_reason = True, reason
    still_counted = [rating_id for rating_id, held in (burst if reason == BURST else network) if not held]
    if not still_counted:
        return []
    earlier = list(db.session.scalars(sa.select(Rating).where(Rating.id.in_(still_counted))
                                      .options(selectinload(Rating.scores))))
    for other in earlier:
        before, cred_before = stored.counted(other, active), part(other)
        other.held, other.hold_reason = True, reason
        stored.move(other.version_id, before, None)
        move_credibility(other.version_id, cred_before, part(other))
    return earlier


# --------------------------------------------------------------------------- the team: held ratings, releases

def held_ratings(version: Version) -> list[Rating]:
    """The version's held ratings, oldest first, with their raters and scores (for the team)."""
    return list(db.session.scalars(
        sa.select(Rating).where(Rating.version_id == version.id, Rating.held.is_(True))
        .options(selectinload(Rating.user), selectinload(Rating.scores)).order_by(Rating.created_at, Rating.id)))


def release(user: User, product: Product, rating_ids: Sequence[int], note: str) -> RatingRelease:
    """Count these held ratings of the product from now on. The note, who and the stage before and after are kept
    as a line of the stage history; the figures move through the usual rating-saved event (which records a stage
    change when there is one)."""
    from cocreate.maturity.services import last_stages

    note = (note or "").strip()
    if not note:
        raise HoldError(N_("Say in a note why these ratings may count: it is kept in the stage history."))
    if len(note) > NOTE_MAX:
        raise HoldError(N_("Keep the note under %(n)s characters."), n=NOTE_MAX)
    if not rating_ids:
        raise HoldError(N_("Choose the held ratings to release."))
    ratings = list(db.session.scalars(
        sa.select(Rating).join(Version, Version.id == Rating.version_id)
        .where(Rating.id.in_(set(rating_ids)), Version.product_id == product.id, Rating.held.is_(True))
        .options(selectinload(Rating.scores)).order_by(Rating.id)))
    if len(ratings) != len(set(rating_ids)):
        raise HoldError(N_("Some of those ratings are not held (any more): reload the page and choose again."))
    stage_before = last_stages([product.id])[product.id]
    entry = RatingRelease(product_id=product.id, version_id=ratings[0].version_id, released_by_id=user.id, note=note,
                          ratings=len(ratings), stage_before=stage_before, stage_after=stage_before)
    db.session.add(entry)
    db.session.flush()
    active = stored.active_ids(product.id)
    for version_id in sorted({r.version_id for r in ratings}):
        stored.lock(version_id)
    for rating in ratings:
        cred_before = part(rating)
        rating.held, rating.release_id = False, entry.id
        stored.move(rating.version_id, None, stored.counted(rating, active))
        move_credibility(rating.version_id, cred_before, part(rating))
    db.session.flush()
    events.rating_saved.send(ratings[0], product=product)  # the stage is judged again (once)
    entry.stage_after = last_stages([product.id])[product.id]
    db.session.flush()
    return entry


def releases_of(product: Product) -> list[RatingRelease]:
    return list(db.session.scalars(
        sa.select(RatingRelease).where(RatingRelease.product_id == product.id)
        .options(selectinload(RatingRelease.version), selectinload(RatingRelease.released_by))
        .order_by(RatingRelease.created_at.desc(), RatingRelease.id.desc())))
