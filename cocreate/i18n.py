"""Languages: English (the source), Dutch and Italian, with Flask-Babel.

The language of a page is the signed-in user's setting, else the one a visitor picked in the footer (kept in
the session), else the best match of the browser's Accept-Language, else English. Mail goes out in the
recipient's language: their setting, else the language their browser asked for when they last logged in.

Templates mark text with ``_()`` / ``{% trans %}``; Python marks it with ``_`` (at request time) or ``_l``
(lazily, for form labels and other module-level text). ``make translations`` extracts and compiles the
catalogues in cocreate/translations; tests/i18n fails when a catalogue misses a string.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

from babel import Locale
from flask import Blueprint, Flask, abort, g, has_request_context, request, session, url_for
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_datetime,
    format_timedelta,
    get_locale,
    get_translations,
    ngettext,  # noqa: F401
)
from flask_babel import gettext as _  # noqa: F401 - re-exported: `from cocreate.i18n import _`
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_login import current_user
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup

from cocreate.extensions import csrf, db, utcnow
from cocreate.web import EmptyForm, safe_next, see_other

LANGUAGES = {"en": "English", "nl": "Nederlands", "it": "Italiano"}
DEFAULT_LOCALE = "en"

babel = Babel()
bp = Blueprint("i18n", __name__)


def supported(code: str | None) -> str | None:
    return code if code in LANGUAGES else None


def browser_locale() -> str:
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LOCALE


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and supported(current_user.locale):
        return current_user.locale
    return supported(session.get("locale")) or browser_locale()


def locale_of(user) -> str:
    """The language to write to this user in, outside their requests (mail, notifications)."""
    return supported(user.locale) or supported(user.browser_locale) or DEFAULT_LOCALE


def in_language_of(user):
    """``with in_language_of(user):`` texts made inside are in that user's language."""
    return force_locale(locale_of(user))


# --- Template filters: dates, numbers and relative times in the page's language ---------------------------

def _date(value: date | datetime | None, format: str = "medium") -> str:
    return "" if value is None else format_date(value, format)


def _datetime(value: datetime | None, format: str = "medium") -> str:
    return "" if value is None else format_datetime(value, format)


def _ago(value: datetime | date | None) -> str:
    """'3 hours ago', '3 uur geleden', 'in 2 giorni': relative to now, in the page's language."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=utcnow().tzinfo)
    delta: timedelta = value - utcnow()
    return format_timedelta(delta, add_direction=True, threshold=1)


@lru_cache(maxsize=32)
def _separators(locale: str) -> dict[int, str]:
    symbols = Locale.parse(locale).number_symbols
    symbols = symbols.get("latn", symbols)  # Babel 2.14+ keys the symbols by numbering system
    return str.maketrans({".": symbols["decimal"], ",": symbols["group"], "-": symbols["minusSign"]})


def format_number(value, digits: int | None = None) -> str:
    """A number as the page's language writes it ("1.234,5" in Dutch): Babel's format_decimal with its
    default pattern (digits=None: up to 3 decimals) or exactly `digits` decimals, rounded as Python rounds.
    Python formats and groups, the locale only swaps the symbols: the board formats hundreds of numbers a
    page, and Babel's own formatter (it parses its pattern on every call) took a third of the page's time."""
    if digits is None:
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{digits}f}"
    return text.translate(_separators(str(get_locale() or DEFAULT_LOCALE)))


def _number(value, digits: int | None = None) -> str:
    return "—" if value is None else format_number(value, digits)


@bp.post("/language")
@csrf.exempt  # checked below when it matters: for a signed-in account
def choose():
    """The footer's language picker: the account's setting when signed in, else this browser session's.

    Signed in, it changes the account, so it needs the CSRF token. A visitor's pages carry no token (they are
    the same for everyone, cached, and set no cookie): for them the worst a forged post can do is pick another
    language for their browser, which the picker undoes."""
    form = EmptyForm() if current_user.is_authenticated else EmptyForm(meta={"csrf": False})
    if not form.validate_on_submit():
        abort(400)
    code = supported(request.form.get("locale")) or None
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    if code:
        session["locale"] = code
    else:
        session.pop("locale", None)
    return see_other(safe_next(url_for("main.index")))


# Jinja's own new-style gettext functions take the whole template context (``pass_context``); inside a loop or a
# block, Jinja then copies that context for every call (``Context.derived``): 20-30 µs per ``_()``, ≈ 5 ms on a
# list page. These do the same work (translate, mark safe under autoescape, format with the variables, always as
# a format string) with only the evaluation context, which is never copied.

def _translations():
    """The request's catalogue, looked up once per request and language (a page calls gettext hundreds of times;
    Flask-Babel's own lookup costs ≈ 20 µs each). Keyed on the locale object, so ``force_locale`` (mail in the
    reader's language) gets its own."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    memo = getattr(ctx, "cocreate_translations", None)
    if memo is not None and locale is not None and memo[0] is locale:
        return memo[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if locale is not None:
        ctx.cocreate_translations = (locale, translations)
    return translations


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
    rv = _translations().ugettext(string)
    return (Markup(rv) if eval_ctx.autoescape else rv) % variables  # noqa: S704 - our catalogue, as in Jinja  # nosec B704


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    rv = _translations().ungettext(singular, plural, num)
    return (Markup(rv) if eval_ctx.autoescape else rv) % variables  # noqa: S704 - our catalogue, as in Jinja  # nosec B704


@pass_eval_context
def _template_pgettext(eval_ctx: EvalContext, context: str, string: str, **variables) -> str:
    variables.setdefault("context", context)
    rv = _translations().upgettext(context, string)
    return (Markup(rv) if eval_ctx.autoescape else rv) % variables  # noqa: S704 - our catalogue, as in Jinja  # nosec B704


@pass_eval_context
def _template_npgettext(eval_ctx: EvalContext, context: str, singular: str, plural: str, num: int,
                        **variables) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    rv = _translations().unpgettext(context, singular, plural, num)
    return (Markup(rv) if eval_ctx.autoescape else rv) % variables  # noqa: S704 - our catalogue, as in Jinja  # nosec B704


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LOCALE)
    app.jinja_env.globals.update(gettext=_template_gettext, _=_template_gettext, ngettext=_template_ngettext,
                                 pgettext=_template_pgettext, npgettext=_template_npgettext)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters.update(date=_date, datetime=_datetime, ago=_ago, number=_number)
    from cocreate import numbers  # it writes with format_number, from here

    app.jinja_env.filters.update(numbers.FILTERS)  # grade, signed_grade, points, hours, percent: one way each
    app.register_blueprint(bp)

    @app.after_request
    def vary_on_language(response):
        """The same URL answers in three languages: a shared cache must not hand a Dutch page to an Italian."""
        if response.mimetype == "text/html":
            response.vary.update(("Accept-Language", "Cookie"))
        return response

    @app.context_processor
    def languages():
        return {"LANGUAGES": LANGUAGES, "current_locale": str(get_locale() or DEFAULT_LOCALE)}
