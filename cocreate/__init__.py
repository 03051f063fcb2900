"""Cocreate: companies improve their prototypes together with their customers."""

from importlib import import_module

from flask import Flask

from cocreate.config import Config, check_settings

# The features, each a package whose ``init_app(app)`` registers its blueprints, template helpers, event
# subscribers and tasks. The order is the order of registration; nothing else depends on it.
FEATURES = ("main", "auth", "companies", "products", "ideas", "maturity", "misses", "notifications", "webhooks",
            "ambassadors", "images", "feeds", "api", "widget")


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app. No I/O here: no migrations, no seeding, no network. Raises ``config.SettingsError`` for
    settings the site must not run with (production without PUBLIC_URL or its own SECRET_KEY)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_settings(app.config)  # production without PUBLIC_URL or with a public SECRET_KEY: SettingsError

    from cocreate import cli, database, errors, frame, i18n, limit_storage, page_cache, security, tasks, web
    from cocreate.extensions import cache, csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    if not app.config.get("RATELIMIT_STORAGE_URI"):  # counted together by every worker, without Redis
        app.config["RATELIMIT_STORAGE_URI"] = limit_storage.default_uri(app.instance_path)
    limiter.init_app(app)
    cache.init_app(app)

    for core in (database, web, i18n, frame, security, errors, page_cache, tasks, cli):
        core.init_app(app)
    for feature in FEATURES:
        import_module(f"cocreate.{feature}").init_app(app)

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        # Flask's documented way to add WSGI middleware; Flask types wsgi_app as a method, so mypy objects.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
