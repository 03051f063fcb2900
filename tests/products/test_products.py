import re
from datetime import date, timedelta

import sqlalchemy as sa

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.notifications.models import Notification
from cocreate.products.models import Product, ProductInvitation, Version, Visibility
from tests import factories
from tests.conftest import login

FORM = {"name": "Fietsdeel", "slug": "", "tagline": "Bikes", "description": "Ride **now**",
        "visibility": "public"}


def test_product_owner_creates_a_product(client):
    company = factories.CompanyFactory()
    login(client, factories.member(company, Role.PRODUCT))
    response = client.post(f"/c/{company.slug}/products/new", data=FORM)
    assert response.status_code == 303
    product = db.session.scalar(sa.select(Product))
    assert product.slug == "fietsdeel" and product.company_id == company.id
    assert "<strong>now</strong>" in client.get("/p/fietsdeel").get_data(as_text=True)


def test_customer_cannot_create_a_product(client, logged_in):
    company = factories.CompanyFactory()
    assert client.get(f"/c/{company.slug}/products/new").status_code == 403
    assert client.post(f"/c/{company.slug}/products/new", data=FORM).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Product.id))) == 0


def test_marketing_cannot_create_a_product(client):
    company = factories.CompanyFactory()
    login(client, factories.member(company, Role.MARKETING))
    assert client.post(f"/c/{company.slug}/products/new", data=FORM).status_code == 403


def test_member_of_company_a_cannot_edit_company_b_product(client):
    a = factories.CompanyFactory()
    product = factories.ProductFactory(name="Theirs")
    login(client, factories.member(a, Role.OWNER))
    assert client.get(f"/p/{product.slug}/edit").status_code == 403
    assert client.post(f"/p/{product.slug}/edit", data={**FORM, "name": "Hijacked"}).status_code == 403
    assert client.post(f"/p/{product.slug}/versions/new",
                       data={"label": "v9", "released_on": "2026-01-01"}).status_code == 403
    assert db.session.get(Product, product.id).name == "Theirs"


def test_taken_slug_gets_a_clear_message_and_keeps_the_form(client):
    company = factories.CompanyFactory()
    factories.ProductFactory(slug="taken")
    login(client, factories.member(company, Role.PRODUCT))
    response = client.post(f"/c/{company.slug}/products/new", data={**FORM, "slug": "taken"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is taken" in page and "Ride **now**" in page


def test_a_private_products_address_cannot_be_found_through_another_companys_rename(app, client):
    """Issue 15.11: "the address is taken" told outsiders that a private product with that slug existed.
    A private product's address gets a random ending, so no other company can run into it."""
    a, b = factories.CompanyFactory(), factories.CompanyFactory()
    login(client, factories.member(a, Role.PRODUCT))
    assert client.post(f"/c/{a.slug}/products/new", data={**FORM, "name": "Launch", "slug": "secret-launch",
                                                            "visibility": "private"}).status_code == 303
    assert client.post(f"/c/{a.slug}/products/new", data={**FORM, "name": "Hidden Gem",
                                                            "visibility": "private"}).status_code == 303
    secret, gem = db.session.scalars(sa.select(Product).order_by(Product.id)).all()
    assert secret.slug.startswith("secret-launch-") and gem.slug.startswith("hidden-gem-")
    assert len(secret.slug) == len("secret-launch-") + 6

    rival = app.test_client()
    login(rival, factories.member(b, Role.OWNER))
    theirs = factories.ProductFactory(company=b, slug="rival-thing")
    renamed = rival.post(f"/p/{theirs.slug}/edit", data={**FORM, "name": "Rival", "slug": "secret-launch"})
    assert renamed.status_code == 303 and "taken" not in renamed.get_data(as_text=True)
    assert db.session.get(Product, theirs.id).slug == "secret-launch"
    assert rival.post(f"/c/{b.slug}/products/new", data={**FORM, "name": "Hidden Gem"}).status_code == 303
    assert db.session.scalar(sa.select(Product.slug).where(Product.company_id == b.id,
                                                           Product.name == "Hidden Gem")) == "hidden-gem"

    # The team keeps its address on an edit, and may drop the ending once the product is public.
    slug = secret.slug
    assert client.post(f"/p/{slug}/edit", data={**FORM, "name": "Launch 2", "slug": slug,
                                                 "visibility": "private"}).status_code == 303
    assert db.session.get(Product, secret.id).slug == slug
    assert client.post(f"/p/{slug}/edit", data={**FORM, "name": "Launch", "slug": "launch",
                                                 "visibility": "public"}).status_code == 303
    assert db.session.get(Product, secret.id).slug == "launch"


def test_bad_slug_and_long_name_are_refused(client):
    company = factories.CompanyFactory()
    login(client, factories.member(company, Role.PRODUCT))
    response = client.post(f"/c/{company.slug}/products/new", data={**FORM, "slug": "Not OK!", "name": "n" * 81})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Use lower-case letters, digits and dashes." in page
    assert "Field cannot be longer than 80 characters." in page


def test_script_in_markdown_is_inert(client):
    company = factories.CompanyFactory()
    login(client, factories.member(company, Role.PRODUCT))
    evil = ('<script>alert(1)</script>\n\n[click](javascript:alert(1)) "><img src=x onerror=alert(1)> '
            '{{7*7}} <div hx-get="/logout">x</div>')
    client.post(f"/c/{company.slug}/products/new", data={**FORM, "description": evil})
    page = client.get("/p/fietsdeel").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page  # shown as text, inert
    assert 'href="javascript' not in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert '<div hx-get="/logout"' not in page
    assert "{{7*7}}" in page and " 49 " not in page  # not evaluated as a template (ids may hold "49")


def test_versions_timeline_and_current_version(client):
    product = factories.ProductFactory()
    login(client, factories.member(product.company, Role.PRODUCT))
    today = date.today()
    for label, days in (("v0.1", -30), ("v0.2", -3), ("v0.3", 10)):
        response = client.post(f"/p/{product.slug}/versions/new", data={
            "label": label, "released_on": (today + timedelta(days=days)).isoformat(),
            "notes": f"Notes of {label}", "demo_url": "https://demo.example/" + label})
        assert response.status_code == 303
    db.session.refresh(product)
    assert [v.label for v in product.versions] == ["v0.3", "v0.2", "v0.1"]
    assert product.current_version.label == "v0.2"  # v0.3 is announced, not released
    page = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert page.index("<strong>v0.3</strong>") < page.index("<strong>v0.2</strong>") < page.index(
        "<strong>v0.1</strong>")
    assert "Upcoming" in page and "Current" in page


def test_version_input_is_checked(client):
    product = factories.ProductFactory()
    factories.VersionFactory(product=product, label="v0.1")
    login(client, factories.member(product.company, Role.PRODUCT))
    response = client.post(f"/p/{product.slug}/versions/new", data={
        "label": "v0.1", "released_on": "not a date", "demo_url": "javascript:alert(1)", "notes": "keep me"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the release date." in page and "Enter a full web address." in page and "keep me" in page
    response = client.post(f"/p/{product.slug}/versions/new", data={"label": "v0.1", "released_on": "2026-01-01"})
    assert response.status_code == 400 and "has a version “v0.1” already" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Version.id))) == 1


def test_the_version_form_offers_a_date_picker_filled_with_today_and_names_no_format(client):
    """Issue 14.11: it said "YYYY-MM-DD" beside a mm/dd/yyyy picker, and was empty."""
    product = factories.ProductFactory()
    login(client, factories.member(product.company, Role.PRODUCT))
    page = client.get(f"/p/{product.slug}/versions/new").get_data(as_text=True)
    assert f'id="released_on" name="released_on" required type="date" value="{date.today().isoformat()}"' in page
    assert "YYYY" not in page and "yyyy" not in page
    empty = client.post(f"/p/{product.slug}/versions/new", data={"label": "v1", "released_on": ""})
    assert empty.status_code == 400 and "Choose the release date." in empty.get_data(as_text=True)
    assert "YYYY" not in empty.get_data(as_text=True)


def test_edit_version(client):
    version = factories.VersionFactory(label="v0.1")
    login(client, factories.member(version.product.company, Role.OWNER))
    response = client.post(f"/p/{version.product.slug}/versions/{version.id}/edit",
                           data={"label": "v0.1.1", "released_on": "2026-01-02", "notes": "fixed"})
    assert response.status_code == 303
    assert db.session.get(Version, version.id).label == "v0.1.1"


def test_private_product_is_hidden_from_outsiders_and_shown_to_invited(app, client):
    product = factories.ProductFactory(visibility=Visibility.PRIVATE, name="Secret")
    owner = factories.member(product.company, Role.PRODUCT)
    customer = factories.UserFactory(email="guest@example.com")
    assert client.get(f"/p/{product.slug}").status_code == 404
    assert "Secret" not in client.get("/products").get_data(as_text=True)
    login(client, customer)
    assert client.get(f"/p/{product.slug}").status_code == 404

    team = app.test_client()
    login(team, owner)
    assert team.get(f"/p/{product.slug}").status_code == 200
    assert team.post(f"/p/{product.slug}/customers", data={"email": "guest@example.com"}).status_code == 303
    assert client.get(f"/p/{product.slug}").status_code == 404  # invited, not in until they accept
    invitation = db.session.scalar(sa.select(ProductInvitation))
    assert client.post(f"/invitations/products/{invitation.id}/accept").status_code == 303
    assert client.get(f"/p/{product.slug}").status_code == 200
    assert "Secret" in client.get("/products").get_data(as_text=True)


def _flash(response) -> str:
    page = response.get_data(as_text=True)
    return re.sub(r"\S+@example\.com", "EMAIL", re.search(r"<p class=\"flash [^\"]*\">(.*?)</p>", page, re.S).group(1))


def test_inviting_a_customer_does_not_tell_whether_the_address_has_an_account(app, client):
    """Issue 15.1: "No account uses this e-mail" told any product owner which addresses have an account."""
    product = factories.ProductFactory(visibility=Visibility.PRIVATE, name="Secret")
    login(client, factories.member(product.company, Role.PRODUCT))
    guest = factories.UserFactory(email="guest@example.com")
    known = client.post(f"/p/{product.slug}/customers", data={"email": "guest@example.com"}, follow_redirects=True)
    unknown = client.post(f"/p/{product.slug}/customers", data={"email": "nobody@example.com"},
                          follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert _flash(known) == _flash(unknown) and "No account" not in unknown.get_data(as_text=True)
    assert guest.name not in known.get_data(as_text=True)
    pending = sorted(db.session.scalars(sa.select(ProductInvitation.email)))
    assert pending == ["guest@example.com", "nobody@example.com"]  # the team sees both waiting alike

    # The customer with an account is told in the bell; whoever signs up with the other address later finds it.
    [note] = db.session.scalars(sa.select(Notification).where(Notification.user_id == guest.id)).all()
    assert note.kind == "customer_invitation" and "Secret" in note.subject and note.url == "/invitations"
    later = app.test_client()
    login(later, factories.UserFactory(email="nobody@example.com"))
    assert "Secret" in later.get("/invitations").get_data(as_text=True)


def test_an_invited_customer_may_decline_and_nobody_else_may_answer(app, client):
    from cocreate.products.services import invite_customer

    product = factories.ProductFactory(visibility=Visibility.PRIVATE, name="Secret")
    owner = factories.member(product.company, Role.PRODUCT)
    guest = factories.UserFactory(email="guest@example.com")
    invitation_id = invite_customer(product, guest.email, owner).id
    db.session.commit()
    stranger = app.test_client()
    login(stranger, factories.UserFactory())
    assert stranger.post(f"/invitations/products/{invitation_id}/accept").status_code == 404
    assert "Secret" not in stranger.get("/invitations").get_data(as_text=True)
    assert stranger.get(f"/p/{product.slug}").status_code == 404

    login(client, guest)
    response = client.post(f"/invitations/products/{invitation_id}/decline", follow_redirects=True)
    assert response.status_code == 200 and "You declined" in response.get_data(as_text=True)
    assert client.get(f"/p/{product.slug}").status_code == 404
    assert db.session.scalar(sa.select(ProductInvitation)) is None


def test_huge_and_malformed_ids_are_not_found(client):
    product = factories.ProductFactory()
    login(client, factories.member(product.company, Role.OWNER))
    assert client.get(f"/p/{product.slug}/versions/{2**63}/edit").status_code == 404
    assert client.get(f"/p/{product.slug}/versions/abc/edit").status_code == 404
    assert client.get(f"/users/{2**63}").status_code == 404
