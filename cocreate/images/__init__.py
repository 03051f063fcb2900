"""Images on products, versions and ideas (see processing.py for how an upload is checked)."""

import click
from flask import Flask, request


def init_app(app: Flask) -> None:
    from cocreate.images import tasks  # noqa: F401 - the worker and the web process know the same tasks
    from cocreate.images.routes import UPLOAD_ENDPOINTS, bp
    from cocreate.images.services import idea_pictures, product_covers, product_pictures

    app.register_blueprint(bp)
    app.jinja_env.globals.update(product_pictures=product_pictures, idea_pictures=idea_pictures,
                                 product_covers=product_covers)

    def allow_image_uploads():
        """Upload routes take IMAGE_MAX_BYTES (plus room for the form) instead of MAX_CONTENT_LENGTH. Runs
        before every other hook: CSRF and the NUL-byte check parse the body, and the limit applies then."""
        if request.endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
            request.max_content_length = app.config["IMAGE_MAX_BYTES"] + 64 * 1024

    app.before_request_funcs.setdefault(None, []).insert(0, allow_image_uploads)

    @app.cli.group("images")
    def images_cli() -> None:
        """Uploaded image files."""

    @images_cli.command("prune")
    def prune() -> None:
        """Delete image files no longer referred to (their product or idea was deleted)."""
        from cocreate.images.services import prune as prune_files

        click.echo(f"{prune_files()} files removed")
