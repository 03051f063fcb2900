"""Command-line entry points: `flask seed-demo`, `create-user`, `backup`, `translations` (the worker and the
scheduled tasks: cocreate/tasks.py)."""

import click
from flask import Flask

from cocreate.extensions import db


def init_app(app: Flask) -> None:
    @app.cli.group("translations")
    def translations() -> None:
        """The en/nl/it catalogues in cocreate/translations (make translations)."""

    @translations.command("update")
    def translations_update() -> None:
        """Extract the marked texts into messages.pot and merge them into every language."""
        from cocreate.i18n_catalogs import update

        for locale, missing in update().items():
            click.echo(f"{locale}: {missing} texts to translate")

    @translations.command("compile")
    def translations_compile() -> None:
        """Compile the .po files into the .mo files the app reads."""
        from cocreate.i18n_catalogs import compile_all

        compile_all()

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
            raise click.ClickException(f"{error.email} has an account already.") from error
        db.session.commit()
        click.echo(f"Created {user.email}.")

    @app.cli.command("backup")
    @click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
                  help="Where to write the backup (default: instance/backups/).")
    def backup_command(directory: str | None) -> None:
        """Write a consistent copy of the database (SQLite backup API, or pg_dump for PostgreSQL) and an archive
        of the uploaded images."""
        from pathlib import Path

        from cocreate.backup import BackupError, backup

        target_dir = Path(directory) if directory else Path(app.instance_path) / "backups"
        from cocreate.images.services import folder as uploads_folder

        try:
            paths = backup(db.engine.url, target_dir, uploads=uploads_folder().parent)
        except BackupError as error:
            raise click.ClickException(str(error)) from error
        for path in paths:
            click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")
