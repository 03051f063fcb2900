"""Single sign-on with OpenID Connect against a real provider on 127.0.0.1 (tests/auth/oidc_provider.py, built with
Authlib's server side): discovery, PKCE, state and nonce, and the ID tokens that must be refused."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from cocreate.auth.models import CompanySSO, SSOIdentity, User
from cocreate.companies.models import Membership, Role
from cocreate.extensions import db
from cocreate.products.models import Product, ProductAccess, Visibility
from tests import factories
from tests.auth.oidc_provider import Provider, serve
from tests.conftest import login

PUBLIC = "http://cocreate.test"
SECRET = "s3cret-of-the-client"  # noqa: S105 - the test provider's


@pytest.fixture(scope="module")
def provider():
    provider = Provider()
    server, thread = serve(provider)
    yield provider
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def company(app, provider):
    app.config["PUBLIC_URL"] = PUBLIC
    provider.reset()
    company = factories.CompanyFactory(name="Acme", slug="acme")
    provider.add_client("cocreate-acme", SECRET, f"{PUBLIC}/sso/acme/callback")
    yield company
    app.config.pop("PUBLIC_URL", None)


@pytest.fixture
def connected(app, company, provider):
    owner = factories.member(company, Role.OWNER)
    client = app.test_client()
    login(client, owner)
    response = client.post("/c/acme/sso", data={"issuer": provider.issuer + "/", "client_id": "cocreate-acme",
                                                 "client_secret": SECRET, "enabled": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)
    return company


def sign_in(client, provider, *, state: str | None = None):
    """Through the provider and back; the app's last answer."""
    start = client.get("/sso/acme/login")
    assert start.status_code == 302, start.get_data(as_text=True)
    assert start.headers["Location"].startswith(provider.url + "/authorize")
    back = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    assert f"{callback.scheme}://{callback.netloc}" == PUBLIC  # the redirect URI comes from PUBLIC_URL
    query = callback.query
    if state is not None:
        query = query.replace(f"state={parse_qs(query)['state'][0]}", f"state={state}")
    return client.get(f"{callback.path}?{query}")


def signed_in_as(client) -> str | None:
    response = client.get("/profile")
    if response.status_code != 200:
        return None
    return db.session.scalar(sa.select(User.email).where(User.id == _profile_user(response)))


def _profile_user(response) -> int:
    import re

    return int(re.search(r"/users/(\d+)", response.get_data(as_text=True)).group(1))


def test_the_owner_connects_the_provider_and_the_secret_is_never_shown(app, connected, provider):
    row = db.session.get(CompanySSO, connected.id)
    assert row.issuer == provider.issuer and SECRET not in row.client_secret_encrypted
    owner_client = app.test_client()
    owner = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.role == Role.OWNER))
    login(owner_client, owner)
    page = owner_client.get("/c/acme/sso").get_data(as_text=True)
    assert provider.issuer in page and SECRET not in page and "/sso/acme/callback" in page
    kept = owner_client.post("/c/acme/sso", data={"issuer": provider.issuer, "client_id": "cocreate-acme",
                                                  "client_secret": "", "enabled": "y"})
    assert kept.status_code == 303
    from cocreate.auth.sso import decrypt

    assert decrypt(db.session.get(CompanySSO, connected.id).client_secret_encrypted) == SECRET


def test_a_member_signs_in_through_the_provider_with_pkce_state_and_nonce(app, connected, provider):
    member = factories.member(connected, Role.PRODUCT, email="alice@acme.test")
    client = app.test_client()
    done = sign_in(client, provider)
    assert done.status_code == 303, done.get_data(as_text=True)
    asked = provider.last_authorize
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["state"] and asked["nonce"] and asked["scope"] == "openid email profile"
    assert signed_in_as(client) == member.email
    identity = db.session.scalar(sa.select(SSOIdentity))
    assert (identity.user_id, identity.subject) == (member.id, "alice-1")
    again = app.test_client()
    assert sign_in(again, provider).status_code == 303 and signed_in_as(again) == member.email  # by the identity


def test_a_new_person_gets_a_verified_account(app, connected, provider):
    provider.person = {"sub": "bob-7", "email": "Bob@Acme.test", "email_verified": True, "name": "Bob"}
    client = app.test_client()
    assert sign_in(client, provider).status_code == 303
    user = db.session.scalar(sa.select(User).where(User.email == "bob@acme.test"))
    assert user.name == "Bob" and user.email_verified_at is not None


@pytest.mark.parametrize(("mode", "message"), [
    ("tampered", "does not carry a valid signature"),
    ("expired", "ID token has expired"),
    ("wrong-issuer", "not from the configured issuer"),
])
def test_a_bad_id_token_is_refused(app, connected, provider, mode, message):
    factories.member(connected, Role.PRODUCT, email="alice@acme.test")
    provider.mode = mode
    client = app.test_client()
    refused = sign_in(client, provider)
    assert refused.status_code == 400
    assert message in refused.get_data(as_text=True) and "Start again" in refused.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert db.session.scalar(sa.select(SSOIdentity)) is None


def test_a_mismatched_state_is_refused(app, connected, provider):
    client = app.test_client()
    refused = sign_in(client, provider, state="forged-state-from-elsewhere")
    assert refused.status_code == 400 and "state does not match" in refused.get_data(as_text=True)
    assert signed_in_as(client) is None
    without = client.get("/sso/acme/callback?code=abc")
    assert without.status_code == 400 and "state does not match" in without.get_data(as_text=True)


def test_an_unknown_issuer_is_refused(app, connected, provider):
    provider.discovery_issuer = "https://someone-else.example"
    client = app.test_client()
    refused = client.get("/sso/acme/login")
    assert refused.status_code == 502 and "that issuer is unknown here" in refused.get_data(as_text=True)
    owner = factories.member(connected, Role.OWNER)
    login(client, owner)
    client.post("/c/acme/sso/delete")  # connecting anew: the issuer is checked again
    setting = client.post("/c/acme/sso", data={"issuer": provider.issuer, "client_id": "x", "client_secret": "y"})
    assert setting.status_code == 400 and "that issuer is unknown here" in setting.get_data(as_text=True)


def test_an_outsiders_account_is_not_taken_over(app, connected, provider):
    outsider = factories.UserFactory(email="alice@acme.test")
    client = app.test_client()
    refused = sign_in(client, provider)
    assert refused.status_code == 403 and "exists already" in refused.get_data(as_text=True)
    assert signed_in_as(client) is None
    login(client, outsider)  # signed in, the provider confirming the same address: now they are connected
    assert sign_in(client, provider).status_code == 303
    assert db.session.scalar(sa.select(SSOIdentity.user_id)) == outsider.id


def test_customers_of_a_private_product_must_come_through_the_provider(app, connected, provider):
    product = factories.rated_product(connected, visibility=Visibility.PRIVATE)
    beta = factories.rated_product(connected, visibility=Visibility.PRIVATE)  # the owner asked it of one only
    customer = factories.UserFactory(email="alice@acme.test")
    db.session.add_all([ProductAccess(product_id=product.id, user_id=customer.id),
                        ProductAccess(product_id=beta.id, user_id=customer.id)])
    product.sso_required = True
    db.session.commit()
    client = app.test_client()
    login(client, customer)
    asked = client.get(f"/p/{product.slug}")
    assert asked.status_code == 403 and "Sign in through Acme" in asked.get_data(as_text=True)
    assert client.get(f"/p/{beta.slug}").status_code == 200
    outsider = app.test_client()
    login(outsider, factories.UserFactory())
    assert outsider.get(f"/p/{product.slug}").status_code == 404  # learns nothing
    member = app.test_client()
    login(member, factories.member(connected, Role.PRODUCT))
    assert member.get(f"/p/{product.slug}").status_code == 200  # the team is not asked
    assert sign_in(client, provider).status_code == 303
    assert client.get(f"/p/{product.slug}").status_code == 200


def test_sign_in_when_no_provider_is_connected_is_a_clear_page(app, company):
    response = app.test_client().get("/sso/acme/login")
    assert response.status_code == 404 and "has not connected an identity provider" in response.get_data(as_text=True)


def test_settings_change_without_a_round_trip_and_a_new_issuer_is_checked(app, connected, provider):
    owner = db.session.scalar(sa.select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.role == Role.OWNER))
    client = app.test_client()
    login(client, owner)
    private = factories.rated_product(connected, visibility=Visibility.PRIVATE, name="Beta")
    public = factories.rated_product(connected, name="Launched")
    page = client.get("/c/acme/sso").get_data(as_text=True)
    assert f'value="{private.id}"' in page and f'value="{public.id}"' not in page  # only private products
    provider.discovery_issuer = "https://someone-else.example"  # the provider misbehaves from now on
    toggled = client.post("/c/acme/sso", data={"issuer": provider.issuer, "client_id": "cocreate-acme",
                                               "required_products": str(private.id), "enabled": "y"})
    assert toggled.status_code == 303  # the same issuer: checked when it was entered
    assert db.session.get(Product, private.id).sso_required is True
    assert re.search(rf'<input checked[^>]* value="{private.id}"', client.get("/c/acme/sso").get_data(as_text=True))
    foreign = client.post("/c/acme/sso", data={"issuer": provider.issuer, "client_id": "cocreate-acme",
                                               "required_products": str(public.id), "enabled": "y"})
    assert foreign.status_code == 400 and "is not a valid choice" in foreign.get_data(as_text=True)
    lifted = client.post("/c/acme/sso", data={"issuer": provider.issuer, "client_id": "cocreate-acme",
                                              "enabled": "y"})
    assert lifted.status_code == 303 and db.session.get(Product, private.id).sso_required is False
    moved = client.post("/c/acme/sso", data={"issuer": provider.issuer + "/v2", "client_id": "cocreate-acme",
                                             "enabled": "y"})
    assert moved.status_code == 400 and "could not be read" in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CompanySSO, connected.id).issuer == provider.issuer  # nothing changed


def test_a_wrong_client_secret_is_a_clear_page_not_a_500(app, connected, provider):
    from cocreate.auth.sso import encrypt

    db.session.get(CompanySSO, connected.id).client_secret_encrypted = encrypt("not the secret")
    db.session.commit()
    client = app.test_client()
    refused = sign_in(client, provider)
    assert refused.status_code == 400 and "Signing in through the identity provider failed" in \
        refused.get_data(as_text=True)
    assert signed_in_as(client) is None
