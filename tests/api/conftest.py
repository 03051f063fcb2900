import pytest

from cocreate.api.services import create_token
from cocreate.extensions import db
from tests import factories


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(user) -> str:
    _row, token = create_token(user, "tests")
    db.session.commit()
    return token


@pytest.fixture
def api_user():
    return factories.UserFactory()


@pytest.fixture
def auth(api_user) -> dict:
    return bearer(token_for(api_user))
