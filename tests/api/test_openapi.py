"""schemathesis against /api/v1/openapi.json on the Flask app (WSGI): no server errors, and every
response matches the document (status codes, content types, bodies, headers)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from cocreate.products.models import Visibility
from tests import factories
from tests.api.conftest import bearer, token_for

MAX_EXAMPLES = 15  # per operation and mode: the whole run stays well under a minute
# A schema-valid request may still break a rule the schema cannot express (a reply to a comment of
# another idea, a shipped status without its version): the API answers 422 with the rule's message. A 304 is the
# documented answer to a matching If-None-Match (schemathesis sends "*", which matches any ETag).
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "304", "401", "403", "404", "409", "422", "429"]}}})


@pytest.fixture
def world(app):
    """A team member's token, a public product with versions, ideas and comments, and a private one."""
    product = factories.ProductFactory(slug="widget")
    member = factories.member(product.company, Role.PRODUCT)
    factories.VersionFactory(product=product, label="v1")
    first = factories.idea(product, title="Offline mode")
    factories.idea(product, title="Dark mode")
    closed = factories.idea(product, title="Old idea")
    closed.status = Status.DECLINED
    db.session.commit()
    from cocreate.ideas.services import add_comment

    add_comment(first, member, "Good one")
    db.session.commit()
    hidden = factories.ProductFactory(slug="secret", visibility=Visibility.PRIVATE)
    secret = factories.idea(hidden, title="Hidden")
    return {"token": token_for(member), "idea_ids": [first.id, first.id, closed.id, secret.id]}


def test_document_is_served_without_a_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert {"/api/v1/products/{slug}/ideas", "/api/v1/products/{slug}/ratings", "/api/v1/products/{slug}/versions",
            "/api/v1/products/{slug}/stage-history", "/api/v1/products/{slug}/maturity",
            "/api/v1/products/{slug}/promises", "/api/v1/products/{slug}/touchpoints"} <= set(document["paths"])
    # Derived from the schemas: a nullable field is JSON Schema's null type (3.1), and a body refuses unknown fields.
    idea = document["components"]["schemas"]["IdeaOut"]["properties"]
    assert idea["promised_on"]["type"] == ["string", "null"]
    assert document["components"]["schemas"]["IdeaIn"]["additionalProperties"] is False


def _check(operation, headers: dict, known: dict, mode: GenerationMode):
    """A hypothesis test of one operation: each generated request is sent and its response validated.

    In valid requests, path parameters are mostly the world's real slug and ids (random ones would
    only ever meet 404s), sometimes the generated ones. Invalid requests are sent as generated.
    """

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(mode), st.sampled_from([*known["slug"], None]),
           st.sampled_from([*known["idea_id"], None]))
    def check(case, slug, idea_id):
        params = (case.path_parameters or {}) if mode == GenerationMode.POSITIVE else {}
        if "slug" in params and slug is not None:
            params["slug"] = slug
        if "idea_id" in params and idea_id is not None:
            params["idea_id"] = idea_id
        case.call_and_validate(headers=headers)

    return check


@pytest.mark.property
def test_api_conforms_to_its_document(app, world):
    """Every operation of the document, with a product team member's token. (The pytest plugin of
    schemathesis does not run under this pytest version, so operations are looped over here.)"""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    headers = bearer(world["token"])
    known = {"slug": ["widget", "widget", "secret"], "idea_id": world["idea_ids"]}
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    document = app.test_client().get("/api/v1/openapi.json").json
    assert len(operations) == sum(len([m for m in methods if m != "parameters"])
                                  for methods in document["paths"].values()) >= 20  # every one loaded
    for operation in operations:
        for mode in GenerationMode:  # valid requests, then invalid ones (which must get a 4xx)
            try:
                _check(operation, headers, known, mode)()
            except Exception as error:  # collect every operation's failures, then report them all
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)
