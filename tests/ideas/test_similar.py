"""Similar ideas while typing a title (issue 14.3): relevant duplicates, nothing rather than noise, measured."""

import pytest

from cocreate.extensions import db
from cocreate.ideas import services, similar
from cocreate.products.models import Product
from tests import factories
from tests.conftest import count_queries
from tests.ideas.similar_pairs import EXISTING, TYPED

# Floors for the labelled set (docs/ideas.md reports the measured values and how they are computed).
PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.75
LANGUAGE_RECALL_FLOOR = 0.7


def _measure(language: str) -> tuple[int, int, int, list[str]]:
    """True positives, false positives, false negatives, and what went wrong, for one language's set."""
    product = factories.ProductFactory()
    for title, description in EXISTING[language]:
        factories.idea(product, title=title, description=description)
    tp = fp = fn = 0
    notes = []
    for typed, duplicate in TYPED[language]:
        shown = [idea.title for idea in services.similar_ideas(product, typed, language)]
        for title in shown:
            if title == duplicate:
                tp += 1
            else:
                fp += 1
                notes.append(f"noise: {typed!r} -> {title!r}")
        if duplicate is not None and duplicate not in shown:
            fn += 1
            notes.append(f"missed: {typed!r} -> {duplicate!r}")
    return tp, fp, fn, notes


def test_the_labelled_set_has_ten_pairs_per_language_of_both_kinds():
    for language in ("en", "nl", "it"):
        pairs = TYPED[language]
        assert len(pairs) >= 10
        assert sum(d is not None for _, d in pairs) >= 5 and sum(d is None for _, d in pairs) >= 5
        titles = {title for title, _ in EXISTING[language]}
        assert all(d in titles for _, d in pairs if d is not None)


def test_precision_and_recall_on_the_labelled_set(capsys):
    """Every suggestion counts: the labelled duplicate is a hit, anything else shown is noise."""
    totals = [0, 0, 0]
    report = []
    for language in ("en", "nl", "it"):
        tp, fp, fn, notes = _measure(language)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn)
        report.append(f"{language}: precision {precision:.2f} ({tp}/{tp + fp}), recall {recall:.2f} ({tp}/{tp + fn})"
                      + "".join(f"\n    {n}" for n in notes))
        assert recall >= LANGUAGE_RECALL_FLOOR, report[-1]
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    tp, fp, fn = totals
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    with capsys.disabled():
        print("\nsimilar ideas:", *report, f"all: precision {precision:.2f}, recall {recall:.2f}", sep="\n  ")
    assert precision >= PRECISION_FLOOR and recall >= RECALL_FLOOR, "\n".join(report)


def test_the_example_of_the_issue(client):
    product = factories.ProductFactory(slug="fietsdeel")
    for title, description in EXISTING["en"]:
        factories.idea(product, title=title, description=description)
    for _ in range(3):  # most-voted ideas no longer push themselves forward
        factories.idea(product, title="Reserve a bike for the whole day", description="For the weekend at the sea.")
    html = client.get("/p/fietsdeel/ideas/similar", query_string={"title": "Dark mode for the map at night"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Night mode on the map" in html
    assert html.count("<li") == 1, html


def test_stop_words_of_the_page_language_match_nothing(client):
    product = factories.ProductFactory(slug="fietsdeel")
    factories.idea(product, title="De kaart van de stad", description="Met alle stations van het net.")
    factories.idea(product, title="La mappa della città", description="Con tutte le stazioni della rete.")
    for language, typed in (("nl", "de van het met"), ("it", "la della con le"), ("en", "the for of with")):
        html = client.get("/p/fietsdeel/ideas/similar", query_string={"title": typed},
                          headers={"Accept-Language": language}).get_data(as_text=True)
        assert "<li" not in html, (language, html)
    html = client.get("/p/fietsdeel/ideas/similar", query_string={"title": "kaart van de stad"},
                      headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert "De kaart van de stad" in html and "mappa" not in html


def test_title_weighs_more_than_description():
    product = factories.ProductFactory()
    in_body = factories.idea(product, title="Better parking", description="Show free spots on the map at night.")
    in_title = factories.idea(product, title="Free spots on the map", description="Where can I park?")
    shown = services.similar_ideas(product, "Free spots on the map", "en")
    assert shown == [in_title] or shown[0] == in_title
    terms = similar.terms("Free spots on the map", "en")
    assert similar.relevance(terms, in_body.title, in_body.description).relevance < similar.THRESHOLD


def test_nothing_rather_than_noise():
    product = factories.ProductFactory()
    for title in ("Reserve a bike", "Faster unlock", "Child seat on some bikes", "Bike lights"):
        factories.idea(product, title=title)
    assert services.similar_ideas(product, "Bike racks at the station", "en") == []
    assert services.similar_ideas(product, "the and for", "en") == []


def test_a_suggestion_costs_one_query(app):
    product = factories.ProductFactory()
    for n in range(30):
        factories.idea(product, title=f"Night mode on the map {n}", description="Dark map at night.")
    product = db.session.get(Product, product.id)  # loaded before counting (the commits expired it)
    with count_queries() as queries:
        shown = services.similar_ideas(product, "Dark mode for the map at night", "en")
    assert len(shown) == 5
    assert queries() == 1


@pytest.mark.parametrize(("word", "language", "other"), [
    ("reservation", "en", "reserve"), ("charging", "en", "charger"), ("bikes", "en", "bike"),
    ("fietsen", "nl", "fiets"), ("ritten", "nl", "rit"), ("reserveren", "nl", "reservering"),
    ("mappe", "it", "mappa"), ("prenotazione", "it", "prenotare"), ("pagamento", "it", "pagare"),
])
def test_light_stems_match_other_forms_as_prefixes(word, language, other):
    assert similar.fold(other).startswith(similar.stem(similar.fold(word), language))
