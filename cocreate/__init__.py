"""Cocreate: companies improve their prototypes together with their customers."""

from flask import Flask

from cocreate.config import Config


def create_app(config: type | dict | None = None) -> Flask:
    """Build the app. No I/O here: no migrations, no seeding, no network."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)

    from cocreate import cli, errors, i18n, security, web_setup
    from cocreate.extensions import cache, csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)

    web_setup.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    from cocreate.api.routes import bp as api_bp
    from cocreate.api.token_routes import bp as tokens_bp
    from cocreate.auth.routes import bp as auth_bp
    from cocreate.companies.routes import bp as companies_bp
    from cocreate.ideas.routes import bp as ideas_bp
    from cocreate.main import bp as main_bp
    from cocreate.maturity.routes import bp as maturity_bp
    from cocreate.products.routes import bp as products_bp

    for blueprint in (main_bp, auth_bp, companies_bp, products_bp, ideas_bp, maturity_bp):
        app.register_blueprint(blueprint)
    from cocreate.feeds.routes import bp as feeds_bp
    from cocreate.ideas.csv_routes import bp as ideas_csv_bp
    from cocreate.webhooks.routes import bp as webhooks_bp

    for blueprint in (api_bp, tokens_bp, webhooks_bp, ideas_csv_bp, feeds_bp):
        app.register_blueprint(blueprint)

    from cocreate import notifications

    notifications.init_app(app)
    from cocreate.ambassadors.routes import bp as ambassadors_bp

    app.register_blueprint(ambassadors_bp)
    from cocreate import images

    images.init_app(app)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app
