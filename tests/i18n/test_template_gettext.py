"""Translations in templates cost no context copy, and say exactly what Jinja's own gettext said."""

import jinja2.runtime
import pytest
from flask import render_template_string

from cocreate.i18n import in_language_of
from tests import factories

# A {% set %} inside a loop or block is what makes Jinja hand its own gettext a copy of the context per call.
LOOP = """{% for name in names %}{% set shown = name %}{{ _("Hello %(name)s,", name=shown) }}|{% endfor %}
{%- block greeting %}{% set n = 3 %}{{ ngettext("%(num)d vote", "%(num)d votes", n) }}{% endblock %}"""


def test_no_context_is_copied_for_each_translation_in_a_loop_or_block(app, monkeypatch):
    copies = []
    original = jinja2.runtime.Context.derived

    def counting(self, locals=None):
        copies.append(locals)
        return original(self, locals)

    monkeypatch.setattr(jinja2.runtime.Context, "derived", counting)
    with app.test_request_context():
        html = render_template_string(LOOP, names=["Ada", "<b>Bo</b>"] * 50)
    assert copies == []
    assert html.count("Hello Ada,") == 50 and "Hello &lt;b&gt;Bo&lt;/b&gt;," in html and "3 votes" in html


@pytest.mark.parametrize("locale", ["nl", "it"])
def test_templates_translate_escape_and_format_as_before(app, locale):
    with app.test_request_context(), in_language_of(factories.UserFactory(locale=locale)):
        html = render_template_string('{{ _("Hello %(name)s,", name=who) }} {% trans %}Save{% endtrans %} '
                                      '{{ _("100%% sure") if false else "" }}', who="<i>Eva</i>")
    assert "&lt;i&gt;Eva&lt;/i&gt;" in html and "Hello" not in html  # translated, the name escaped


def test_one_request_can_write_in_several_languages(app):
    """Mail is written in each reader's language inside one request: the per-request catalogue follows."""
    template = '{{ _("Save") }}'
    with app.test_request_context():
        english = render_template_string(template)
        with in_language_of(factories.UserFactory(locale="nl")):
            dutch = render_template_string(template)
        with in_language_of(factories.UserFactory(locale="it")):
            italian = render_template_string(template)
        again = render_template_string(template)
    assert english == again == "Save" and len({english, dutch, italian}) == 3
