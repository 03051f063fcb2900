"""What a customer felt: the fixed set of emotions a rating may name (docs/maturity.md, "The emotion layer").

The set is drawn from PrEmo, the Product Emotion Measure of Pieter Desmet (TU Delft; PrEmo2, 2012): twelve of
its fourteen emotions, the ones a customer can feel about a product or service (PrEmo's pride and shame are left
out: they are about oneself). Six are pleasant and six unpleasant; three of the pleasant ones are strong enough to call
*delight* (joy, admiration, fascination). A rating names at most one emotion for the whole version and one per
touchpoint it scores; every emotion is optional.

Keys (English, lower case) are stored in the database, counted in ``emotion_tallies`` and carried by the API and
the CSV export. Pages show ``label`` (a word in the reader's language), an icon (``templates/maturity/
_emotions.html``, inline SVG) and ``alt``, the text alternative read out for the icon.
"""

from __future__ import annotations

from dataclasses import dataclass

from cocreate.i18n import _l

POSITIVE, NEGATIVE = "positive", "negative"
WHOLE = 0  # the touchpoint id under which the emotion "for the whole version" is counted


@dataclass(frozen=True)
class Emotion:
    key: str
    family: str  # POSITIVE or NEGATIVE
    delight: bool
    label: object  # lazy string: the word in the reader's language
    alt: object  # lazy string: the text alternative of the icon

    @property
    def negative(self) -> bool:
        return self.family == NEGATIVE

    @property
    def family_class(self) -> str:
        """"delight", "positive" or "negative": the colour of its chip and of its part of a chart."""
        return NEGATIVE if self.negative else "delight" if self.delight else POSITIVE


EMOTIONS: tuple[Emotion, ...] = (
    Emotion("joy", POSITIVE, True, _l("Joy"), _l("A broad smile: it made me glad")),
    Emotion("admiration", POSITIVE, True, _l("Admiration"), _l("Eyes wide open: I admire how well it is done")),
    Emotion("fascination", POSITIVE, True, _l("Fascination"), _l("Raised eyebrows: it fascinated me")),
    Emotion("satisfaction", POSITIVE, False, _l("Satisfaction"), _l("A calm smile: it did what I needed")),
    Emotion("hope", POSITIVE, False, _l("Hope"), _l("Looking up: I hope for more of this")),
    Emotion("attraction", POSITIVE, False, _l("Attraction"), _l("A wanting look: it draws me to use it")),
    Emotion("boredom", NEGATIVE, False, _l("Boredom"), _l("A flat mouth: it bored me")),
    Emotion("dissatisfaction", NEGATIVE, False, _l("Dissatisfaction"), _l("A frown: it fell short of what I needed")),
    Emotion("sadness", NEGATIVE, False, _l("Sadness"), _l("A downturned mouth: it disappointed me")),
    Emotion("fear", NEGATIVE, False, _l("Fear"), _l("An open mouth: it worried me")),
    Emotion("contempt", NEGATIVE, False, _l("Contempt"), _l("A lopsided mouth: I think little of it")),
    Emotion("disgust", NEGATIVE, False, _l("Disgust"), _l("A wrinkled nose: it put me off")),
)
BY_KEY = {e.key: e for e in EMOTIONS}
KEYS = tuple(BY_KEY)
NEGATIVE_KEYS = frozenset(e.key for e in EMOTIONS if e.negative)
DELIGHT_KEYS = frozenset(e.key for e in EMOTIONS if e.delight)


def is_known(key: str | None) -> bool:
    return key in BY_KEY


def init_app(app) -> None:
    """Templates: ``emotions()`` (the set, in order) and ``emotion(key)``."""
    app.jinja_env.globals.update(emotions=lambda: EMOTIONS, emotion=BY_KEY.__getitem__)
