"""Command-line entry points: `flask seed-demo`, `flask create-user`."""

import click
from flask import Flask

from cocreate.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only seed when the database holds no users yet.")
    def seed_demo(if_empty: bool) -> None:
        """Load the demo: 2 companies, 4 products, 40 customers and their feedback. Safe to run twice."""
        from cocreate.auth.models import User
        from cocreate.demo.seed import seed

        if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
            click.echo("The database has data already; demo not loaded.")
            return
        summary = seed()
        db.session.commit()
        click.echo(summary)

    @app.cli.command("create-user")
    @click.option("--name", prompt=True)
    @click.option("--email", prompt=True)
    @click.password_option()
    def create_user(name: str, email: str, password: str) -> None:
        """Create an account from the shell."""
        from cocreate.auth.passwords import password_problem
        from cocreate.auth.services import EmailTaken
        from cocreate.auth.services import create_user as create

        problem = password_problem(password)
        if problem:
            raise click.ClickException(problem)
        try:
            user = create(name=name, email=email, password=password)
        except EmailTaken as error:
            raise click.ClickException(f"{error} has an account already.") from error
        db.session.commit()
        click.echo(f"Created {user.email}.")
