"""Every page of the site, opened in Dutch and in Italian, shows no English text that has a translation.

The catalogue tests prove each marked text is translated; this proves the pages really ask for the
translation at request time (a label turned into a plain string at import time, or text built in a service
without `_()`, would still show in English here). Every GET route of the authorisation matrix is opened by
the role that may see it, in the small world of tests/security/world.py.
"""

import html
import re

import pytest

from cocreate.i18n_catalogs import read
from tests.security import world
from tests.security.matrix import CASES, OK

TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# Machine formats and downloads: not pages.
NOT_PAGES = {"static", "feeds.product_feed", "api-docs.openapi_json", "ideas_csv.export", "ambassadors.export",
             "auth.export_data", "images.show", "images.thumb", "notifications.unsubscribe"}
WORLD_DATA = {"Helpful"}  # the shortlist note in tests/security/world.py: what a person wrote, not our text
ROLE_ORDER = ("owner", "product", "marketing", "author", "customer", "outsider", "anonymous")


# An element marked lang="en" says its text is English on purpose (the API reference: the API speaks English).
ENGLISH_ON_PURPOSE = re.compile(r"<(\w+)\b[^>]*\blang=\"en\"[^>]*>.*?</\1>", re.S)


def _visible_text(page: str) -> str:
    page = ENGLISH_ON_PURPOSE.sub(" ", page.replace('<html lang="en"', "<html"))
    return " ".join(html.unescape(TAGS.sub(" ", page)).split())


def _english_phrases(locale: str) -> list[str]:
    """Texts of two words or more (or one capitalised word of 5+ letters) whose translation differs: seeing one
    of them on a page means it was not translated. Texts with placeholders are split at them, so their fixed
    parts count too."""
    phrases = set()
    catalog = read(locale)
    # Words the language itself uses ("Label", "Score" are Dutch too): as single words they prove nothing.
    vocabulary = {word for m in catalog for string in ((m.string,) if isinstance(m.string, str) else m.string)
                  for word in re.findall(r"\w+", string or "")}
    for message in catalog:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, translated in zip(ids, strings, strict=False):
            if not english or english == translated:
                continue
            for part in PLACEHOLDER.split(_visible_text(english)):
                part = part.strip(" .,:;·()“”\"'")
                long_enough = len(part.split()) >= 2 and len(part) >= 12 or (
                    re.fullmatch(r"[A-Z][a-z]{4,}", part) and part not in vocabulary and part not in WORLD_DATA)
                if long_enough and part not in _visible_text(translated):
                    phrases.add(part)
    return sorted(phrases)


def _page_cases():
    for case in CASES:
        if case.method != "GET" or case.endpoint in NOT_PAGES or case.endpoint.startswith("api."):
            continue
        role = next((r for r in ROLE_ORDER if case.expect.get(r) == OK), None)
        if role is not None:
            yield pytest.param(case, role, id=case.endpoint)


@pytest.fixture(scope="module")
def phrases():
    return {locale: _english_phrases(locale) for locale in ("nl", "it")}


@pytest.mark.parametrize(("case", "role"), list(_page_cases()))
def test_no_english_left_on_the_page(client, phrases, case, role):
    w = world.build()
    world.act_as(client, w.user(role))
    for locale in ("nl", "it"):
        response = client.get(case.path(w), headers={"Accept-Language": locale})
        if response.status_code == 303:  # a GET that only redirects (e.g. to the current version's form)
            continue
        assert response.status_code == 200, (locale, response.status_code)
        text = _visible_text(response.get_data(as_text=True))
        left = [phrase for phrase in phrases[locale] if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]
        assert not left, f"{case.path(w)} in {locale} still shows: {left[:8]}"


def test_the_check_sees_english_when_it_is_there(client, phrases):
    """The same pages in English show many of those phrases: the check above can fail."""
    w = world.build()
    world.act_as(client, w.user("owner"))
    text = _visible_text(client.get(f"/p/{w.product.slug}", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert len([phrase for phrase in phrases["nl"] if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)]) >= 3
