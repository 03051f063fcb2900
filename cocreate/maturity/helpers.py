"""Template helpers of the maturity pages: stages in the page's language, the product page's summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask_babel import format_timedelta

from cocreate.maturity import figures, services
from cocreate.products.models import Product


def init_app(app: Flask) -> None:
    """Grades, gaps and hours are written by cocreate.numbers (its filters are registered with the others)."""
    app.jinja_env.filters.update(stage_label=stage_label_filter, stage_class=stage_class)
    app.jinja_env.filters["account_age"] = account_age
    app.jinja_env.globals["product_maturity"] = product_maturity
    app.jinja_env.globals["promise_record"] = promise_record


def stage_label_filter(stage: str | None) -> str:
    """A stage's name in the page's language; the English value stays in the data."""
    return figures.stage_label(stage)


def stage_class(stage: str) -> str:
    return stage.lower().replace(" ", "-")


def product_maturity(product: Product) -> services.Maturity:
    """For the summary on the product page (templates/maturity/_product_summary.html)."""
    return services.current_maturity(product)


@dataclass(frozen=True)
class PromiseRecord:
    """The promise badge: kept of due, and the lower bound on the share kept (None: nothing due yet)."""

    kept: int
    due: int
    reliability: float | None


def promise_record(found: figures.Figures) -> PromiseRecord:
    """From the product's stored figures (the board's own count): never recomputed on a page view."""
    kept = figures.kept_count(found.promises_kept, found.promises_due)
    return PromiseRecord(kept, found.promises_due, figures.promise_reliability(kept, found.promises_due))


def account_age(rating) -> str:
    """How old the rater's account was when they rated ("3 hours", "2 days"), in the page's language."""
    if rating.rater_since is None:
        return "–"
    return format_timedelta(max(rating.created_at - rating.rater_since, timedelta(0)), threshold=1.5)
