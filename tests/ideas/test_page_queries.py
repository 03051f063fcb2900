"""An idea's page and the roadmap cost the same number of queries whatever the number of rows."""

from datetime import date, timedelta

from cocreate.extensions import db
from cocreate.ideas import services
from cocreate.ideas.models import Status
from tests import factories
from tests.conftest import count_queries, login


def _queries(client, path: str) -> tuple[int, str]:
    with count_queries() as n:
        response = client.get(path)
    assert response.status_code == 200
    return n(), response.get_data(as_text=True)


def test_idea_page_costs_the_same_for_2_and_20_comments(client):
    product = factories.ProductFactory()
    idea = factories.idea(product, title="Comment magnet")
    viewer = factories.UserFactory()
    login(client, viewer)

    def comment(i: int) -> None:
        author = factories.UserFactory(name=f"Commenter {i}")
        first = services.add_comment(idea, author, f"Comment number {i}")
        services.add_comment(idea, factories.UserFactory(), f"Reply to {i}", parent_id=first.id)
        db.session.commit()

    comment(0)
    path = f"/p/{product.slug}/ideas/{idea.id}"
    client.get(path)  # warm up
    few, html = _queries(client, path)
    assert "Comment number 0" in html
    for i in range(1, 10):
        comment(i)
    many, html = _queries(client, path)
    assert "Comment number 9" in html and "Reply to 9" in html and "Commenter 9" in html
    assert few == many, (few, many)


def test_roadmap_costs_the_same_for_3_and_30_ideas(client):
    product = factories.ProductFactory()
    team = factories.member(product.company)
    version = factories.VersionFactory(product=product, label="v1.0")

    def ideas(n: int, start: int = 0) -> None:
        for i in range(start, start + n):
            idea = factories.idea(product, title=f"Road {i:02d}")
            status = (Status.PLANNED, Status.IN_PROGRESS, Status.SHIPPED)[i % 3]
            if status == Status.SHIPPED:
                services.change_status(idea, team, status, shipped_version_id=version.id)
            else:
                services.change_status(idea, team, status, promised_on=date.today() + timedelta(days=30))
            db.session.commit()

    ideas(3)
    path = f"/p/{product.slug}/roadmap"
    client.get(path)
    few, html = _queries(client, path)
    assert "Road 02" in html
    ideas(27, start=3)
    many, html = _queries(client, path)
    assert "Road 29" in html and "v1.0" in html
    assert few == many, (few, many)


def test_a_signed_in_product_page_reads_its_product_once(client):
    """The single sign-on check before every /p/<slug> page and the page's own look-up share one read
    (cocreate/lookups.py: product_by_slug), also when the check does not send the person away (a private product
    they may see)."""
    import sqlalchemy as sa

    from cocreate.products.models import Visibility

    product = factories.ProductFactory(slug="bike", visibility=Visibility.PRIVATE)
    viewer = factories.member(product.company)
    db.session.commit()
    login(client, viewer)
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "after_cursor_execute", listener)
    try:
        for path in ("/p/bike/ideas", "/p/bike", "/p/bike/roadmap"):
            statements.clear()
            assert client.get(path).status_code == 200
            by_slug = [s for s in statements if "products.slug =" in s]
            assert len(by_slug) == 1, (path, by_slug)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", listener)
