"""A product's Atom feed: valid Atom, new ideas, shipped ideas and released versions, inert user text."""

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from cocreate.companies.models import Role
from cocreate.extensions import db
from cocreate.ideas.models import Status
from cocreate.ideas.services import change_status
from cocreate.products.models import Visibility
from tests import factories
from tests.conftest import count_queries, login

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, slug):
    response = client.get(f"/p/{slug}/feed.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)  # noqa: S314 (our own response)


def check_atom(root) -> None:
    """RFC 4287's required elements: feed and entries have id, title, updated (RFC 3339); authors present."""
    assert root.tag == f"{ATOM}feed"
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, (element, name)
        datetime.fromisoformat(element.find(f"{ATOM}updated").text)
        assert element.find(f"{ATOM}updated").text.endswith("+00:00")
        assert element.find(f"{ATOM}link[@rel='alternate']") is not None
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))


def test_feed_has_new_ideas_shipped_ideas_and_released_versions(client):
    product = factories.ProductFactory(name="Rocket")
    member = factories.member(product.company, Role.PRODUCT)
    version = factories.VersionFactory(product=product, label="v3", released_on=date.today() - timedelta(days=2))
    factories.VersionFactory(product=product, label="v9", released_on=date.today() + timedelta(days=30))
    idea = factories.idea(product, title="Dark mode", description="Please")
    change_status(idea, member, Status.SHIPPED, shipped_version_id=version.id)
    factories.idea(product, title="Offline mode")
    db.session.commit()
    root = feed(client, product.slug)
    check_atom(root)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert set(titles) == {"New idea: Dark mode", "New idea: Offline mode", "Shipped in v3: Dark mode",
                           "Rocket v3 released"}  # v9 is not released yet
    assert root.find(f"{ATOM}entry/{ATOM}link").get("href").startswith("http://localhost/p/")


def test_user_text_is_escaped_and_the_feed_stays_valid(client):
    product = factories.ProductFactory(name="A & B <Labs>")
    factories.idea(product, title="<script>alert(1)</script> & ]]>", description="<img src=x onerror=alert(1)>")
    root = feed(client, product.slug)
    check_atom(root)
    entry = root.find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "New idea: <script>alert(1)</script> & ]]>"
    assert "<img" not in entry.findtext(f"{ATOM}content")  # Markdown HTML, sanitised: the tag is shown as text
    assert root.find(f"{ATOM}title").text.startswith("A & B <Labs>")


def test_product_page_links_its_feed(client):
    product = factories.ProductFactory()
    html = client.get(f"/p/{product.slug}").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in html
    assert f'href="/p/{product.slug}/feed.atom"' in html


def test_private_product_feed_is_hidden_from_others(client):
    product = factories.ProductFactory(visibility=Visibility.PRIVATE)
    assert client.get(f"/p/{product.slug}/feed.atom").status_code in (303, 404)
    login(client, factories.UserFactory())
    assert client.get(f"/p/{product.slug}/feed.atom").status_code == 404
    client.post("/logout")
    login(client, factories.member(product.company, Role.MARKETING))
    check_atom(feed(client, product.slug))


def test_empty_product_feed_is_valid(client):
    check_atom(feed(client, factories.ProductFactory().slug))


def test_feed_queries_do_not_grow_with_ideas(client):
    product = factories.ProductFactory()
    factories.idea(product)
    with count_queries() as few:
        client.get(f"/p/{product.slug}/feed.atom")
    for _ in range(10):
        factories.idea(product)
    with count_queries() as many:
        client.get(f"/p/{product.slug}/feed.atom")
    assert many() == few()


def test_the_feed_is_linked_visibly_from_the_product_and_its_idea_list(client):
    """Issue 14.11: the feeds were linked from nowhere a person could see."""
    import re

    product = factories.ProductFactory()
    feed = f"/p/{product.slug}/feed.atom"
    for path in (f"/p/{product.slug}", f"/p/{product.slug}/ideas"):
        html = client.get(path).get_data(as_text=True)
        assert f'<link rel="alternate" type="application/atom+xml" title="{product.name}: ideas and versions" ' \
               f'href="{feed}">' in html, path
        visible = html.split('<main id="main"', 1)[1]
        assert re.search(rf'<a [^>]*href="{re.escape(feed)}"[^>]*>[^<]*(Atom)[^<]*</a>', visible), path
    assert client.get(feed).status_code == 200
