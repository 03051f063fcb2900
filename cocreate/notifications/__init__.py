"""Closing the loop: subscriptions, in-app notifications, the mail queue, changelogs and promises."""


def init_app(app) -> None:
    from cocreate.notifications import cli

    cli.init_app(app)
