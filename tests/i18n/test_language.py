"""Which language a page is in (cocreate/i18n.py): the account's setting, else the footer's choice kept in the
session, else the browser's Accept-Language, else English; and dates and numbers in that language.

The Dutch and Italian page texts come from the compiled catalogues (cocreate/translations); the date, number and
relative-time formats come from Babel's CLDR data, whatever the catalogues hold.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel import dates as babel_dates
from flask import render_template_string

from cocreate.extensions import db, utcnow
from tests.conftest import login, sign_up

# The main navigation's "Log in" link (anonymous) and "Maturity board" link (everyone), per language.
NAV = {"en": ("Log in", "Maturity board"), "nl": ("Inloggen", "Volwassenheidsbord"),
       "it": ("Accedi", "Quadro di maturità")}


def lang_of(page: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match, "no <html lang> on the page"
    return match.group(1)


def home(client, accept_language: str | None = None) -> str:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- The browser's language -----------------------------------------------------------------------------

@pytest.mark.parametrize(("accept_language", "locale"), [
    ("nl", "nl"),
    ("nl-BE,nl;q=0.9,en;q=0.5", "nl"),
    ("it-IT,it;q=0.9", "it"),
    ("fr-FR,fr;q=0.9", "en"),  # no French: English
    ("", "en"),  # no header at all
])
def test_the_page_is_in_the_browsers_language(client, accept_language, locale):
    page = home(client, accept_language)
    assert lang_of(page) == locale
    log_in, board = NAV[locale]
    assert f">{log_in}</a>" in page
    assert f">{board}</a>" in page


def test_the_best_supported_match_wins(client):
    assert lang_of(home(client, "fr;q=1.0, it;q=0.8, nl;q=0.5")) == "it"
    assert lang_of(home(client, "de, nl;q=0.3")) == "nl"


# --- The account's setting ------------------------------------------------------------------------------

def save_profile_locale(client, user, locale: str):
    response = client.post("/profile", data={"name": user.name, "bio": "", "locale": locale})
    assert response.status_code == 303


def test_the_accounts_setting_beats_the_browser(client, logged_in):
    save_profile_locale(client, logged_in, "it")
    assert logged_in.locale == "it"
    page = home(client, "nl")
    assert lang_of(page) == "it"
    assert f">{NAV['it'][1]}</a>" in page


def test_the_browsers_language_again_when_the_setting_is_emptied(client, logged_in):
    save_profile_locale(client, logged_in, "it")
    save_profile_locale(client, logged_in, "")
    assert logged_in.locale is None
    assert lang_of(home(client, "nl")) == "nl"
    assert lang_of(home(client)) == "en"


def test_an_unknown_setting_means_the_browsers_language(client, logged_in):
    save_profile_locale(client, logged_in, "xx")  # not offered; handled as "the browser's language"
    assert logged_in.locale is None
    assert lang_of(home(client, "it")) == "it"


def test_the_setting_survives_logging_out_and_in_again(client, logged_in):
    save_profile_locale(client, logged_in, "nl")
    client.post("/logout")
    assert lang_of(home(client, "it")) == "it"  # signed out: not the account's setting
    login(client, logged_in)
    assert lang_of(home(client, "it")) == "nl"


# --- The footer's language picker -----------------------------------------------------------------------

def choose(client, locale: str, next_path: str | None = "/products", **headers):
    data = {"locale": locale}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/language", data=data, headers=headers)


def test_the_footer_offers_every_language_by_its_own_name(client):
    page = home(client, "it")
    assert 'action="/language"' in page
    for code, name in (("en", "English"), ("nl", "Nederlands"), ("it", "Italiano")):
        assert f'value="{code}" lang="{code}"' in page and f">{name}</option>" in page
    assert re.search(r'<option value="it" lang="it" selected>', page)


def test_an_anonymous_visitors_choice_is_kept_in_the_session(client):
    response = choose(client, "nl")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/products")
    with client.session_transaction() as session:
        assert session["locale"] == "nl"
    assert lang_of(home(client, "it")) == "nl"  # the choice beats the browser
    assert lang_of(home(client)) == "nl"


def test_a_signed_in_users_choice_is_saved_on_the_account(client, logged_in):
    assert choose(client, "it").status_code == 303
    assert logged_in.locale == "it"
    assert lang_of(home(client, "nl")) == "it"
    client.post("/logout")
    login(client, logged_in)
    assert lang_of(home(client, "nl")) == "it"  # a new session: the account remembers


def test_an_anonymous_choice_is_kept_when_signing_up(client):
    choose(client, "it")
    response = sign_up(client, {"name": "Giulia", "email": "giulia@example.com",
                                "password": "a long enough passphrase"})
    assert response.status_code == 303
    from cocreate.auth.services import find_by_email

    assert find_by_email("giulia@example.com").locale == "it"


@pytest.mark.parametrize("bad", ["xx", "", "EN", "nl-NL", "<script>", "x" * 500])
def test_a_bad_choice_falls_back_to_the_browsers_language(client, bad):
    choose(client, "nl")  # an earlier choice is dropped, not kept
    response = choose(client, bad)
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert "locale" not in session
    assert lang_of(home(client, "it-IT,it;q=0.9")) == "it"
    assert lang_of(home(client)) == "en"


def test_a_bad_choice_of_a_signed_in_user_clears_the_setting(client, logged_in):
    choose(client, "nl")
    assert choose(client, "xx").status_code == 303
    assert logged_in.locale is None
    assert lang_of(home(client, "it")) == "it"


def test_a_choice_without_a_locale_field_is_no_500(client):
    response = client.post("/language", data={})
    assert response.status_code == 303
    assert lang_of(home(client, "nl")) == "nl"


@pytest.mark.parametrize(("next_path", "target"), [
    ("/products", "/products"),
    ("/products/some-product?sort=new", "/products/some-product?sort=new"),
    ("https://evil.example/", "/"),
    ("//evil.example/products", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("products", "/"),
    ("", "/"),
    (None, "/"),
])
def test_the_picker_goes_back_only_to_pages_of_this_site(client, next_path, target):
    response = choose(client, "nl", next_path)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location in (target, "http://localhost" + target)


def test_the_picker_needs_the_csrf_token_when_it_changes_an_account(app, client, user):
    login(client, user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/language", data={"locale": "nl", "next": "/"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.refresh(user)
    assert user.locale is None


def test_a_visitor_picks_a_language_without_a_token(client, csrf):
    """A visitor's pages carry no token (shared, cached, no cookie); a forged post only picks a language."""
    response = client.post("/language", data={"locale": "nl", "next": "/"})
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session["locale"] == "nl"


# --- Logging in records the browser's language, for mail -----------------------------------------------

def test_login_records_the_browsers_language(client, user):
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery staple"},
                           headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.browser_locale == "it"
    assert user.locale is None  # recorded, not chosen: the pages keep following the browser
    client.post("/logout")
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"},
                headers={"Accept-Language": "nl"})
    db.session.refresh(user)
    assert user.browser_locale == "nl"


def test_login_with_an_unknown_language_records_english(client, user):
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"},
                headers={"Accept-Language": "fr"})
    db.session.refresh(user)
    assert user.browser_locale == "en"


# --- Dates, numbers and relative times ------------------------------------------------------------------

def render_in(app, accept_language: str, source: str, **context) -> str:
    # A fresh app context, as for every real request: Flask-Babel keeps the chosen locale on `g`.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": accept_language}):
        return render_template_string(source, **context)


DAY = date(2026, 11, 25)
MOMENT = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(("locale", "medium", "long"), [
    ("en", "Nov 25, 2026", "November 25, 2026"),
    ("nl", "25 nov 2026", "25 november 2026"),
    ("it", "25 nov 2026", "25 novembre 2026"),
])
def test_date_filter(app, locale, medium, long):
    assert render_in(app, locale, "{{ d|date }}", d=DAY) == medium
    assert render_in(app, locale, "{{ d|date }}", d=MOMENT) == medium
    assert render_in(app, locale, "{{ d|date('long') }}", d=DAY) == long
    assert render_in(app, locale, "[{{ d|date }}]", d=None) == "[]"


@pytest.mark.parametrize(("locale", "plain", "one_decimal", "percent"), [
    ("en", "1,234.5", "7.4", "90%"),
    ("nl", "1.234,5", "7,4", "90%"),
    ("it", "1.234,5", "7,4", "90%"),
])
def test_number_filters(app, locale, plain, one_decimal, percent):
    assert render_in(app, locale, "{{ n|number }}", n=1234.5) == plain
    assert render_in(app, locale, "{{ n|number(1) }}", n=7.4) == one_decimal
    assert render_in(app, locale, "{{ n|number(1) }}", n=7) == one_decimal.replace("4", "0")
    assert render_in(app, locale, "{{ n|percent }}", n=0.9) == percent
    assert render_in(app, locale, "{{ n|number }}", n=None) == "—"


@pytest.mark.parametrize(("locale", "hours_ago", "days_ago", "in_days"), [
    ("en", "3 hours ago", "2 days ago", "in 4 days"),
    ("nl", "3 uur geleden", "2 dagen geleden", "over 4 dagen"),
    ("it", "3 ore fa", "2 giorni fa", "tra 4 giorni"),
])
def test_ago_filter(app, locale, hours_ago, days_ago, in_days):
    now = utcnow()
    assert render_in(app, locale, "{{ t|ago }}", t=now - timedelta(hours=3)) == hours_ago
    assert render_in(app, locale, "{{ t|ago }}", t=now - timedelta(days=2)) == days_ago
    assert render_in(app, locale, "{{ t|ago }}", t=now + timedelta(days=4, minutes=1)) == in_days
    assert render_in(app, locale, "[{{ t|ago }}]", t=None) == "[]"


def test_pages_show_dates_in_the_accounts_language(client, logged_in):
    """End to end: with the account set to Dutch, the token page's dates are Dutch whatever the browser asks."""
    save_profile_locale(client, logged_in, "nl")
    assert client.post("/profile/tokens", data={"name": "Jira sync"}).status_code == 200
    page = client.get("/profile/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    today = utcnow().date()
    assert f">{babel_dates.format_date(today, 'medium', locale='nl')}</td>" in page  # "25 nov 2026"
    assert f">{babel_dates.format_date(today, 'medium', locale='en')}</td>" not in page


def test_pages_vary_on_language_for_caches(client):
    """One URL, three languages: a shared cache must key pages on Accept-Language and the session cookie."""
    vary = {v.strip() for v in client.get("/board").headers["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary


@pytest.mark.parametrize("locale", ["en", "nl", "it"])
def test_fast_number_format_matches_babel(app, locale):
    """format_number only swaps separators into Python's formatting: it must write what Babel writes."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    from cocreate.i18n import format_number

    values = [0, 7, -3, 1234, 1234567, 7.4, 9.95, 12.25, 0.5, -2.75, 1234.5678, 98765.4, 3.1415]
    with app.test_request_context(headers={"Accept-Language": locale}):
        for value in values:
            assert format_number(value) == format_decimal(value, locale=locale), value
            for digits in (0, 1, 2):
                expected = format_decimal(Decimal(f"{value:.{digits}f}"),
                                          format="#,##0." + "0" * digits if digits else "#,##0", locale=locale)
                assert format_number(value, digits) == expected, (value, digits)
