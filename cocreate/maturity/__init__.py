"""Ratings per touchpoint, self-assessments, thresholds, the maturity board, promises and response times."""

import click
from flask import Flask


def init_app(app: Flask) -> None:
    from cocreate.maturity import emotions, helpers, subscribers, tasks  # noqa: F401 - tasks registers them
    from cocreate.maturity.routes import bp

    app.register_blueprint(bp)
    helpers.init_app(app)
    emotions.init_app(app)
    subscribers.connect()

    @app.cli.group("maturity")
    def maturity_cli() -> None:
        """The stored figures of the board (cocreate/maturity/stored.py)."""

    @maturity_cli.command("verify")
    def verify() -> None:
        """Recompute every product's figures from the raw facts and report where the stored ones differ."""
        import sqlalchemy as sa

        from cocreate.extensions import db
        from cocreate.maturity.stored import differences
        from cocreate.misses.services import should_be_open
        from cocreate.products.models import Product

        products = list(db.session.scalars(sa.select(Product).order_by(Product.id)))
        problems = differences(products) + should_be_open([p.id for p in products])  # and every miss opened
        for problem in problems:
            click.echo(problem)
        if problems:
            raise click.ClickException(f"{len(problems)} differences; `flask maturity rebuild` recomputes them.")
        click.echo(f"{len(products)} products: the stored figures match the facts.")

    @maturity_cli.command("rebuild")
    @click.option("--if-missing", is_flag=True, help="Only when there are ratings but no stored sums yet.")
    def rebuild(if_missing: bool) -> None:
        """Recompute every version's sums from its ratings and every product's figures (after loading data in
        bulk, or once after the upgrade that added them)."""
        import sqlalchemy as sa

        from cocreate.extensions import db
        from cocreate.maturity import stored
        from cocreate.maturity.models import Rating, VersionTally
        from cocreate.maturity.services import refresh_stages
        from cocreate.products.models import Product, Version

        if if_missing and (db.session.scalar(sa.select(VersionTally.version_id).limit(1)) is not None
                           or db.session.scalar(sa.select(Rating.id).limit(1)) is None):
            click.echo("The stored sums are there (or there is nothing to sum): nothing rebuilt.")
            return

        stored.rebuild(list(db.session.scalars(sa.select(Version.id))))  # the credibility counts too
        changes = refresh_stages(list(db.session.scalars(sa.select(Product))))
        db.session.commit()
        click.echo(f"Sums and figures rebuilt; {len(changes)} stage changes recorded.")
