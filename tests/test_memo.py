"""Parts of pages kept by what they show (cocreate/memo.py: ``{% memo key %}``): rendered once per key and language,
never stale (a changed key is rendered again), with holes for what each request has of its own."""

from flask_babel import force_locale

from cocreate.extensions import db
from cocreate.ideas.models import Tag
from tests import factories
from tests.conftest import login

TEMPLATE = ('{% memo (name,), holes={"token": token} %}<p>{{ name }} {{ count() }} {{ _("Log in") }}'
            ' <input value="{{ hole("token") }}"></p>{% endmemo %}')


def test_a_kept_part_is_rendered_once_per_key_and_language_with_its_holes_filled_each_time(app):
    template = app.jinja_env.from_string(TEMPLATE)
    renders: list[int] = []

    def count() -> int:
        renders.append(1)
        return len(renders)

    with app.test_request_context("/"):
        assert template.render(name="Ann", token="t1", count=count) == '<p>Ann 1 Log in <input value="t1"></p>'
        assert template.render(name="Ann", token="t2", count=count) == '<p>Ann 1 Log in <input value="t2"></p>'
        assert template.render(name="Bob", token="t3", count=count) == '<p>Bob 2 Log in <input value="t3"></p>'
        assert template.render(name="<b>", token='"x"', count=count) == (
            '<p>&lt;b&gt; 3 Log in <input value="&#34;x&#34;"></p>')
        with force_locale("nl"):
            assert "Inloggen" in template.render(name="Ann", token="t4", count=count)
    assert len(renders) == 4


def test_the_idea_lists_head_and_filters_follow_the_product_and_the_filters(client):
    product = factories.ProductFactory(slug="bike", name="Bike")
    team = factories.member(product.company)
    db.session.commit()
    html = client.get("/p/bike/ideas").get_data(as_text=True)
    assert "Ideas for Bike" in html and 'id="tag"' not in html
    product.name = "Cargo bike"
    db.session.add(Tag(product_id=product.id, name="brakes"))
    db.session.commit()
    html = client.get("/p/bike/ideas?q=gears").get_data(as_text=True)
    assert "Ideas for Cargo bike" in html and ">brakes</option>" in html and 'value="gears"' in html
    assert "Record a voice from elsewhere" not in html
    login(client, team)
    assert "Record a voice from elsewhere" in client.get("/p/bike/ideas").get_data(as_text=True)
