"""Similar ideas while a title is typed: duplicates suggested by relevance, nothing rather than noise.

How it works (docs/ideas.md, "Similar ideas", has the measurements):

1. The typed title becomes *terms*: its words, lower-cased, without the stop words of the page's language
   (and English ones, and a few words every idea title uses, such as "add" or "option"), each cut to a light
   stem (a plural or Italian final vowel off: "mappe" -> "mapp") that matches as a prefix ("mapp" finds "mappa").
2. One indexed full-text query (``search.ranked_candidates``) finds the product's ideas that contain any
   term and orders them by the engine's own ranking, the title weighted over the description: SQLite FTS5's
   ``bm25(ideas_fts, 3.0, 1.0)``, PostgreSQL's ``ts_rank`` of the title as weight A and the description as
   weight B. It returns at most ``CANDIDATES`` ideas.
3. A candidate is suggested only when it covers enough of the title (the *relevance*, 0-1): each term counts
   1 when it is in the candidate's title, 0.4 when only in its description (the weights PostgreSQL gives A and
   B), divided by the number of terms. ``THRESHOLD`` and ``MIN_MATCHED`` decide; the engine's order is kept.
   The engine's raw score is not the threshold because it does not compare across products and queries: bm25's
   word weights depend on how many ideas a product has, and a word in more than half of them weighs nothing.
"""

import re
import unicodedata
from dataclasses import dataclass

# A candidate is shown when its relevance is at least THRESHOLD and it shares at least MIN_MATCHED terms with
# the title (or every term, when the title has fewer). Measured on tests/ideas/similar_pairs.py.
THRESHOLD = 0.5
MIN_MATCHED = 2
TITLE_WEIGHT, BODY_WEIGHT = 1.0, 0.4
CANDIDATES = 20
MAX_TERMS = 8

def _listed(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _listed("""
        a about above after again all also am an and any are as at be because been before being below between
        both but by can could did do does doing down during each even ever every few for from further had has
        have having he her here hers him his how i if in into is it its itself just let lets me more most my
        no nor not now of off on once only or other our ours out over own same she should so some such than
        that the their theirs them then there these they this those through to too under until up us very was
        we were what when where which while who whom why will with without would you your yours
        add adding allow allowing able option options please want wish like need make makes get use using new
        feature show showing see possible way won don isn doesn didn t s ll ve
        """),
    "nl": _listed("""
        aan al alle als altijd ben bij dan dat de der deze die dit doch doen door dus een eens en er ge geen
        geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je jij jou jouw kan
        kon kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat ons ook op over
        reeds s te tegen toch toen tot u uit uw van veel voor want waren was wat we wel werd wezen wie wil
        worden wordt zal ze zei zelf zich zij zijn zo zonder zou graag optie opties toevoegen kunnen mogelijk
        mogelijkheid willen nieuwe nieuw maken laten tonen zien even bijvoorbeeld wanneer dezelfde hetzelfde
        werkt werken
        """),
    "it": _listed("""
        a ad al alla alle allo agli ai all anche avere c che chi ci coi col come con contro cui da dal dalla
        dalle dallo dagli dai dall de degli dei del della delle dello dell di dove e ed essere gli ha hanno ho
        i il in io l la le lei lo loro lui ma mi mia mie miei mio ne negli nei nel nella nelle nello nell no
        noi non o per perche perché più piu po poi quale quando quella quelle quelli quello questa queste
        questi questo se sei si sia siamo sono su sul sulla sulle sullo sugli sui sull suo sua sue suoi ti tra
        fra tu tua tue tuo tuoi un una uno vi voi è era essere fare poter potere possibile possibilità
        possibilita opzione aggiungere vorrei nuova nuovo mostrare vedere favore sempre stesso stessa dopo
        troppi troppo funziona funzionare
        """),
}

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics, as SQLite FTS5's unicode61 tokenizer (remove_diacritics 2) reads text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


# Suffixes cut from a typed word (the first that fits, leaving at least `keep` letters): what is left matches the
# word's other forms as a prefix ("charging" -> "charg" finds charge, charger; "prenotazione" -> "prenot" finds
# prenotare). Italian words then lose their final vowel ("mappe" -> "mapp" finds mappa).
_SUFFIXES: dict[str, tuple[tuple[str, int], ...]] = {
    "en": (("ations", 4), ("ation", 4), ("ies", 3), ("ing", 4), ("ed", 4), ("s", 3), ("e", 4)),
    "nl": (("en", 3), ("e", 4), ("s", 4)),
    "it": (("azione", 4), ("azioni", 4), ("mente", 4), ("mento", 4), ("menti", 4), ("are", 4), ("ere", 4),
           ("ire", 4)),
}
# Dutch writes compounds as one word ("nachtmodus"): a Dutch term of at least this many letters also counts
# when it is inside a word of a candidate the engine found (by another term).
COMPOUND_PART = 5


def stem(word: str, language: str) -> str:
    """A light stem that still matches the word's other forms as a prefix; never shorter than three letters."""
    for suffix, keep in _SUFFIXES.get(language, _SUFFIXES["en"]):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep and not (suffix == "s" and word.endswith("ss")):
            word = word[: -len(suffix)]
            if language == "nl" and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
                word = word[:-1]  # ritten -> ritt -> rit
            return word
    if language == "it" and len(word) > 4 and word[-1] in "aeiou":
        return word[:-1]
    return word


_FOLDED_STOP_WORDS = {language: frozenset(fold(word) for word in words) for language, words in STOP_WORDS.items()}


def stop_words(language: str) -> frozenset[str]:
    """The page language's stop words; English ones too, since English titles are posted on every page."""
    return _FOLDED_STOP_WORDS.get(language, frozenset()) | _FOLDED_STOP_WORDS["en"]


def terms(title: str, language: str) -> list[str]:
    """The prefix terms of a typed title in the page's language (stop words left out, each term once)."""
    stop = stop_words(language)
    found: list[str] = []
    for word in tokens(title):
        if len(word) < 2 or word in stop or word.isdigit():
            continue
        term = stem(word, language)
        if term not in found:
            found.append(term)
    return found[:MAX_TERMS]


@dataclass(frozen=True)
class Match:
    relevance: float
    matched: int


def _found(term: str, words: list[str], language: str) -> bool:
    if language == "nl" and len(term) >= COMPOUND_PART:
        return any(term in word for word in words)
    return any(word.startswith(term) for word in words)


def relevance(query_terms: list[str], title: str, description: str, language: str = "en") -> Match:
    """How much of the typed title a candidate covers: 1 per term in its title, 0.4 per term only in its
    description, divided by the number of terms."""
    if not query_terms:
        return Match(0.0, 0)
    in_title, in_body = tokens(title), tokens(description)
    total, matched = 0.0, 0
    for term in query_terms:
        folded = fold(term)
        if _found(folded, in_title, language):
            total, matched = total + TITLE_WEIGHT, matched + 1
        elif _found(folded, in_body, language):
            total, matched = total + BODY_WEIGHT, matched + 1
    return Match(total / len(query_terms), matched)


def is_similar(query_terms: list[str], match: Match) -> bool:
    return match.relevance >= THRESHOLD and match.matched >= min(MIN_MATCHED, len(query_terms))
