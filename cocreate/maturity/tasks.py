"""This feature's background work: the board judged again as the clock moves."""

from __future__ import annotations

import sqlalchemy as sa
from huey import crontab

from cocreate import tasks
from cocreate.extensions import db
from cocreate.maturity.services import refresh_stages
from cocreate.products.models import Product


@tasks.periodic(crontab(minute="*/5"))
def refresh_board() -> int:
    """Every 5 minutes: every product's stage judged again, for what no event announces (a promised date
    passing, votes reordering the top ideas, a version's release day coming); changes are recorded and the
    stored figures (product_figures) are written again. Returns the number of stage changes."""
    products = list(db.session.scalars(sa.select(Product)))
    changes = refresh_stages(products)
    db.session.commit()
    return len(changes)
