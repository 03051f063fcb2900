"""The translation catalogues: extract the marked texts, update en/nl/it, compile. Used by `make translations`
(through `flask translations ...`) and by tests/i18n, which fail when a catalogue misses a string.

English is the source language; its catalogue is the identity, kept so every language has one file to copy-edit.
"""

import copy
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "cocreate" / "translations"
KEYWORDS = DEFAULT_KEYWORDS | {"_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
LOCALES = ("en", "nl", "it")
PROJECT = "Cocreate"


def extract() -> Catalog:
    """Every marked text of the code and the templates, as pybabel extract -F babel.cfg would find it."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project=PROJECT, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",),
        strip_comment_tags=True, directory_filter=_source_directory,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _source_directory(path: str) -> bool:
    """Only cocreate/ and templates/ (babel's default filter would also skip templates/_macros)."""
    relative = Path(path).resolve().relative_to(ROOT).parts
    return bool(relative) and relative[0] in ("cocreate", "templates") and "__pycache__" not in relative


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def read(locale: str) -> Catalog:
    with open(po_path(locale), "rb") as f:
        return read_po(f, locale=locale)


def _write_po(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        write_po(f, catalog, width=110, sort_output=False, ignore_obsolete=True, include_previous=False)


def update() -> dict[str, int]:
    """Write messages.pot, merge it into each language (new texts empty, gone texts dropped); English is filled
    with the source text. Returns, per language, how many texts still need a translation."""
    template = extract()
    _write_po(template, TRANSLATIONS / "messages.pot")
    missing = {}
    for locale in LOCALES:
        path = po_path(locale)
        catalog = read(locale) if path.exists() else Catalog(locale=locale, project=PROJECT, charset="utf-8")
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)  # update() shares the message objects
        catalog.fuzzy = False
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
                    message.flags.discard("fuzzy")
        _write_po(catalog, path)
        missing[locale] = sum(1 for m in catalog if m.id and not _translated(m))
    return missing


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(strings)


def compile_all() -> None:
    for locale in LOCALES:
        catalog = read(locale)
        with open(po_path(locale).with_suffix(".mo"), "wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
