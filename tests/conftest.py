"""Fixtures: one app per test session, tables emptied after each test.

The suite runs on in-memory SQLite, or on PostgreSQL when TEST_DATABASE_URL is set. Under pytest-xdist
(`make test`, `make test-fast`: `-n`) every worker is a process with its own session, app and database: on
SQLite its own in-memory one, on PostgreSQL its own database made from TEST_DATABASE_URL (see pytest_configure).
"""

import os
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from jinja2 import StrictUndefined

from cocreate import create_app
from cocreate.config import TestConfig, database_url
from cocreate.extensions import db
from tests import factories


def _worker_database(config) -> tuple[sa.URL, sa.URL] | None:
    """(the given database, this worker's) when this process is an xdist worker on PostgreSQL, else None."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    given = os.environ.get("TEST_DATABASE_URL")
    if not worker or not given:
        return None
    url = sa.make_url(database_url(given))
    if not url.drivername.startswith("postgresql"):
        return None
    suffix = f"_{worker}"  # gw0, gw1, …
    return url, url.set(database=url.database[: 63 - len(suffix)] + suffix)  # 63: PostgreSQL's name limit


def _admin(url: sa.URL) -> sa.Engine:
    """CREATE/DROP DATABASE run outside a transaction, connected to the given database (it exists)."""
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


_OWN_DATABASE = pytest.StashKey[tuple[sa.URL, sa.URL]]()


def pytest_configure(config):
    """Under xdist, each worker on PostgreSQL gets a fresh database of its own, `<TEST_DATABASE_URL's>_gw<n>`,
    on the same server: `_clean_tables` empties every table after each test, which would wipe the rows of
    a test running at the same moment in another worker. TEST_DATABASE_URL and TestConfig then name the
    worker's database, for the suite's app, the second apps built from TestConfig and any subprocess."""
    databases = _worker_database(config)
    if databases is None:
        return
    given, own = databases
    engine = _admin(given)
    with engine.connect() as conn:  # a run that was killed may have left it behind
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = own.set(drivername="postgresql").render_as_string(hide_password=False)
    TestConfig.SQLALCHEMY_DATABASE_URI = own.render_as_string(hide_password=False)
    config.stash[_OWN_DATABASE] = (given, own)


def pytest_unconfigure(config):
    """Drops the worker's own database (WITH FORCE: a connection a test leaked must not keep it)."""
    databases = config.stash.get(_OWN_DATABASE, None)
    if databases is None:
        return
    given, own = databases
    engine = _admin(given)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
    engine.dispose()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups (--dist loadgroup)
def pytest_collection_modifyitems(config, items):
    """The browser tests all go to one xdist worker (`--dist loadgroup` in the Makefile) and run there one
    after another, as written: one Chromium, one live server and one `sample` for all of them instead of one
    per worker, and never two Chromiums at once on a 2-core machine while the other tests run beside them."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


class Client(FlaskClient):
    """Each request runs in its own app context, as in production: a fresh `g` and database session.

    The test's own session is expired afterwards, so objects it holds show what the request wrote.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app(TestConfig)
    app.config["UPLOAD_FOLDER"] = str(tmp_path_factory.mktemp("uploads"))  # never the repository's instance/
    app.test_client_class = Client
    from tests.test_errors import failing

    app.register_blueprint(failing)
    app.jinja_env.undefined = StrictUndefined
    with app.app_context():
        import cocreate.models  # noqa: F401

        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


_SEQUENCES: list[str] = []


def _sequences(conn) -> list[str]:
    """The id sequences of the schema, read once."""
    if not _SEQUENCES:
        _SEQUENCES.extend(conn.execute(sa.text(
            "SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema()"
        )).scalars())
    return _SEQUENCES


@pytest.fixture(autouse=True)
def _clean_tables(app):
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        # DELETE, children first: ten times faster than TRUNCATE on PostgreSQL for these tiny tables.
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
            if conn.dialect.name == "postgresql":  # ids start at 1 again, as after TRUNCATE … RESTART IDENTITY
                for sequence in _sequences(conn):
                    conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def csrf(app):
    """CSRF protection on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user, password: str = factories.PASSWORD, remember: bool = False):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def sign_up(client, data: dict, **request):
    """Sign up through the form and finish with the link the mail holds, as a person would; the last answer.
    ``request`` (e.g. ``environ_base``) goes with both requests."""
    from cocreate.auth.services import normalise_email
    from cocreate.notifications.models import MailMessage

    response = client.post("/signup", data=data, **request)
    assert response.status_code == 303, response.get_data(as_text=True)
    body = db.session.scalar(sa.select(MailMessage.body).where(
        MailMessage.to_address == normalise_email(data["email"])).order_by(MailMessage.id.desc()))
    match = re.search(r"(/signup/[\w-]+)", body or "")
    assert match, f"no sign-up link was mailed to {data['email']}"
    return client.post(match.group(1), **request)


@pytest.fixture
def user():
    return factories.UserFactory()


@pytest.fixture
def logged_in(client, user):
    login(client, user)
    return user


@contextmanager
def count_queries():
    """Counts the SQL statements run inside the block: `with count_queries() as n: ...; n()`."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        yield lambda: len(statements)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)


@pytest.fixture(autouse=True)
def _no_score_cells_from_another_test():
    """The leaderboard keeps its score cells per score run, stamped with the run's time: tests that refresh the
    scores with the same fixed clock in a database of their own would otherwise share stamps."""
    from cocreate.ambassadors.leaderboard import CELLS
    from cocreate.memo import FRAGMENTS

    CELLS.clear()
    FRAGMENTS.clear()  # the leaderboard's rows ({% memo %} in ambassadors/board.html) are keyed by the run's stamp too


@pytest.fixture(autouse=True)
def _empty_task_queue():
    """Tasks a test enqueued and did not run do not leak into the next test."""
    from tests import taskqueue

    yield
    taskqueue.clear()
