"""The one convention for refused changes: cocreate.refusal.Refused, shown by cocreate.web.change."""

import pytest
import sqlalchemy as sa

from cocreate.extensions import db
from cocreate.i18n import in_language_of
from cocreate.ideas.models import Tag
from cocreate.ideas.services import IdeaError, add_tag
from cocreate.maturity.services import MaturityError
from cocreate.products.services import ProductError
from cocreate.refusal import N_, Refused
from cocreate.web import change
from cocreate.webhooks.services import WebhookError
from tests import factories


def test_every_features_refusal_is_one_kind():
    for kind in (IdeaError, MaturityError, ProductError, WebhookError):
        assert issubclass(kind, Refused)


def test_a_refusal_speaks_the_readers_language_and_keeps_its_english(app):
    refusal = IdeaError(N_("The tag “%(name)s” exists already."), name="UX")
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        dutch = factories.UserFactory(locale="nl")
        with in_language_of(dutch):
            assert str(refusal) != refusal.english and "UX" in str(refusal)
    assert refusal.english == "The tag “UX” exists already."


def test_a_refused_change_is_rolled_back_and_its_reason_lands_on_the_field(app):
    product = factories.ProductFactory()
    db.session.commit()

    class Field:
        errors = ()

    field = Field()
    with app.test_request_context():
        with change(field) as done:
            add_tag(product, "Speed")  # written (flushed) …
            add_tag(product, "speed")  # … then refused: the whole change goes
        assert not done and field.errors == ["The tag “speed” exists already."]
        assert db.session.scalars(sa.select(Tag.name)).all() == []

        with change(field) as done:
            add_tag(product, "Speed")
        assert done and db.session.scalars(sa.select(Tag.name)).all() == ["Speed"]  # committed


def test_other_exceptions_are_not_swallowed(app):
    with app.test_request_context(), pytest.raises(RuntimeError), change():
        raise RuntimeError("a bug, not a refusal")
