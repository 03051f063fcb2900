"""The team's panel of rating comments (issue 14.4) filters in place with htmx, and as a plain form without
JavaScript."""

import pytest
import sqlalchemy as sa

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

WORDS = {3: "Three stars: it scans, slowly.", 4: "Four: good, the export is clumsy.", 5: "Five: best scanner yet."}


@pytest.fixture
def commented(live_server, sample):
    """The sample's ratings of the current version, each with a comment (their scores are all 3, 4 or 5); the
    comments go again afterwards (the sample is shared by the session)."""
    from cocreate.auth.models import User
    from cocreate.extensions import db
    from cocreate.maturity.models import Rating, RatingScore
    from cocreate.products.models import Product

    def write(comment_of) -> None:
        with live_server.app.app_context():
            product = db.session.scalar(sa.select(Product).where(Product.slug == sample["product"]))
            # The sample's own three raters only: other tests (the widget's, the held ratings') rate this version too.
            sample_raters = sa.select(User.id).where(User.email.like("customer%@sample.example"))
            for rating in db.session.scalars(sa.select(Rating).where(Rating.version_id == product.current_version.id,
                                                                     Rating.user_id.in_(sample_raters))):
                score = db.session.scalar(sa.select(RatingScore.score).where(RatingScore.rating_id == rating.id)
                                          .limit(1))
                rating.comment = comment_of(score)
            db.session.commit()

    write(lambda score: WORDS[score])
    yield sample
    write(lambda score: "")


def test_filters_swap_the_panel_in_place(new_page, commented):
    page = new_page()
    log_in(page, commented["owner"])
    page.goto(f"/p/{commented['product']}/maturity")
    panel = page.locator("#comments")
    for text in WORDS.values():
        panel.get_by_text(text).wait_for()
    page.evaluate("window.__sameDocument = true")
    panel.get_by_label("Score", exact=True).select_option("5")
    page.locator("#comments .rating-comment").filter(has_text="Four").wait_for(state="detached")
    assert page.locator("#comments .rating-comment").count() == 1
    assert WORDS[5] in page.locator("#comments").inner_text()
    assert page.evaluate("window.__sameDocument === true")  # swapped in place, not a new page
    assert "score=5" in page.url


def test_filters_work_without_javascript(new_page, commented):
    page = new_page(java_script_enabled=False)
    log_in(page, commented["owner"])
    page.goto(f"/p/{commented['product']}/maturity")
    page.locator("#comments").get_by_label("Score", exact=True).select_option("3")
    page.locator("#comments").get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "score=3" in page.url
    text = page.locator("#comments").inner_text()
    assert WORDS[3] in text and WORDS[4] not in text and WORDS[5] not in text
