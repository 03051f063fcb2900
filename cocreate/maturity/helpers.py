"""Template helpers of the maturity pages: grades, gaps, hours and stages in the page's language."""

from __future__ import annotations

from flask import Flask

from cocreate.i18n import _, format_number
from cocreate.maturity import charts, figures, services
from cocreate.products.models import Product


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(grade=grade_filter, signed_grade=signed_grade_filter, hours=hours_filter,
                                 stage_label=stage_label_filter, stage_class=stage_class)
    app.jinja_env.globals["product_maturity"] = product_maturity


def grade_filter(value: float | None) -> str:
    """A grade with one decimal; a dash when there is none."""
    return charts.fmt(value)


def signed_grade_filter(value: float | None) -> str:
    """A gap in grade points with its sign and one decimal ("+2.0", "-0,5"); a dash when there is none."""
    if value is None:
        return "–"
    text = f"{value:+.1f}"
    return text[0] + format_number(float(text[1:]), 1)


def hours_filter(value: float) -> str:
    hours = format_number(value, 0)
    if value < 72:
        return _("%(hours)s h", hours=hours)
    return _("%(hours)s h (%(days)s days)", hours=hours, days=format_number(value / 24, 1))


def stage_label_filter(stage: str | None) -> str:
    """A stage's name in the page's language; the English value stays in the data."""
    return figures.stage_label(stage)


def stage_class(stage: str) -> str:
    return stage.lower().replace(" ", "-")


def product_maturity(product: Product) -> services.Maturity:
    """For the summary on the product page (templates/maturity/_product_summary.html)."""
    return services.current_maturity(product)
