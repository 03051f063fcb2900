"""Every marked text is translated in every catalogue, the compiled catalogues are current, and nothing a user
reads is left unmarked."""

import re

import pytest
from babel.messages.mofile import read_mo

from cocreate.i18n_catalogs import LOCALES, extract, po_path, read
from tests.i18n.unmarked import report

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def source():
    return extract()


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def test_no_user_facing_text_is_left_unmarked():
    left = report()
    assert not left, "texts not marked for translation:\n" + "\n".join(
        f"{file}: {problem}" for file, problems in left.items() for problem in problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_marked_text_is_translated(source, locale):
    catalog = read(locale)
    missing, untranslated, fuzzy = [], [], []
    for message in source:
        if not message.id:
            continue
        entry = catalog.get(message.id, context=message.context)
        if entry is None:
            missing.append(_ids(message)[0])
        elif entry.fuzzy:
            fuzzy.append(_ids(message)[0])
        elif not all(_strings(entry)):
            untranslated.append(_ids(message)[0])
    assert not missing, f"{locale}: not in the catalogue (run `make translations`): {missing[:20]}"
    assert not untranslated, f"{locale}: {len(untranslated)} texts without a translation: {untranslated[:20]}"
    assert not fuzzy, f"{locale}: fuzzy (unchecked) translations: {fuzzy[:20]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    """A translation that drops %(title)s hides data; one that invents a placeholder crashes the page."""
    wrong = []
    for message in read(locale):
        if not message.id or not all(_strings(message)):
            continue
        expected = sorted(PLACEHOLDER.findall(_ids(message)[-1]))
        for string in _strings(message):
            if sorted(PLACEHOLDER.findall(string)) != expected and sorted(
                    PLACEHOLDER.findall(_ids(message)[0])) != sorted(PLACEHOLDER.findall(string)):
                wrong.append((_ids(message)[0], string))
    assert not wrong, f"{locale}: placeholders differ: {wrong[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_current(locale):
    """The app reads the .mo files: a translation edited in the .po and not compiled would never show."""
    with open(po_path(locale).with_suffix(".mo"), "rb") as f:
        compiled = {_ids(m): _strings(m) for m in read_mo(f) if m.id}
    written = {_ids(m): _strings(m) for m in read(locale) if m.id and not m.fuzzy and all(_strings(m))}
    assert compiled == written, f"{locale}: run `make translations` to compile the catalogue"


def test_the_unmarked_text_check_finds_what_it_should(tmp_path):
    """The check above must be able to fail: plain text, attributes, literals, flash() and form labels."""
    from tests.i18n.unmarked import unmarked_in_python, unmarked_in_template

    page = tmp_path / "page.html"
    page.write_text('<h1>Your ideas</h1><img alt="A chart" src="x.png">{{ name if name else "deleted user" }}'
                    '<p>{{ _("Marked") }}</p><p class="muted small">{% trans %}Also marked{% endtrans %}</p>')
    found = " ".join(unmarked_in_template(page))
    assert "Your ideas" in found and "A chart" in found and "deleted user" in found
    assert "Marked" not in found and "muted small" not in found

    code = tmp_path / "routes.py"
    code.write_text('flash("Saved.", "success")\nflash(_("Fine."))\nname = StringField("Display name")\n'
                    'form.title.errors.append(f"Too long: {n}")\nlabel = StringField(_l("Fine too"))\n')
    found = " ".join(unmarked_in_python(code))
    assert "Saved." in found and "Display name" in found and "Too long" in found
    assert "Fine" not in found
