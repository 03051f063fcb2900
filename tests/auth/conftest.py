import pytest

from cocreate.extensions import db
from tests.security.conftest import make_app  # noqa: F401 - a fixture


@pytest.fixture
def limited_app(make_app):  # noqa: F811
    """Rate limits on, counted in memory, fresh for each test; links from PUBLIC_URL; its app context is the test's."""
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", PUBLIC_URL="https://cocreate.example")
    with limited.app_context():
        yield limited
        db.session.remove()
