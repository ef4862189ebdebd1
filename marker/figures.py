"""Figures in a sentence: numbers written in digits that are not dates ("300,000", "£6 bn", "20%").

Read from token attributes alone (``like_num``, the text, currency signs), so that marking does not
run spaCy's entity recogniser: it took about half of spaCy's time per essay for this one use. The
rule counts what the recogniser's CARDINAL, PERCENT, QUANTITY and MONEY entities with a digit
counted, and leaves out what it called a date, a time or an ordinal ("18 months", "1920s",
"14th"); the precision feature (:func:`marker.features.precision`) counts the distinct figures.
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span, Token

from .tuning import TUNING

_ORDINAL = re.compile(r"\d+(st|nd|rd|th)", re.I)
#: Joins two numbers into one figure: "5,000-10,000", "5,000–10,000".
_RANGE = frozenset({"-", "–", "—"})


def is_number(tok: Token) -> bool:
    """A number written with digits: "300,000", "3.5", "1/2"; not "14th", "1920s", "WW1" or "two".

    >>> import spacy
    >>> [is_number(t) for t in spacy.blank("en")("300,000 3.5 14th 1920s WW1 two")]
    [True, True, False, False, False, False]
    """
    return tok.like_num and any(c.isdigit() for c in tok.text) and not _ORDINAL.fullmatch(tok.text)


def find_figures(sent: Span, dates: set[int]) -> list[str]:
    """The figures of a sentence, as written, in order; ``dates`` are the token indices of its dates.

    A figure is a number with a currency sign before it and scale words or a percent sign after
    it (``TUNING.evidence.figure_words``). A number before a unit of time (``figure_not_before``)
    is a span or a time of day, and one after "Article" or "Point" (``figure_not_after``) names a
    part of a text: neither is a figure.

    >>> import spacy
    >>> doc = spacy.blank("en")("In 1919 they sent 14,000 troops, spent £2 million and waited 18 months.")
    >>> find_figures(doc[:], {1})
    ['14,000', '£2 million']
    """
    doc, not_after = sent.doc, TUNING.evidence.figure_not_after
    out = []
    i = sent.start
    while i < sent.end:
        if i in dates or not is_number(doc[i]) or (i > sent.start and doc[i - 1].lower_ in not_after):
            i += 1
            continue
        start, end = i, _figure_end(doc, i + 1, sent.end, dates)
        if (
            start > sent.start
            and doc[start - 1].lower_ == "between"
            and _is_at(doc, end + 1, sent.end, "and")
        ):
            end = _figure_end(doc, end + 2, sent.end, dates)  # "between 5,000 and 10,000" is one figure
        if start > sent.start and doc[start - 1].is_currency:
            start -= 1
        if not _time_follows(doc, end, sent.end):
            out.append(doc[start:end].text)
        i = end
    return out


def _figure_end(doc: Doc, end: int, stop: int, dates: set[int]) -> int:
    """Where a figure that starts before ``end`` ends: after its scale words and a range's second number."""
    words = TUNING.evidence.figure_words
    while end < stop and end not in dates:
        if doc[end].lower_ in words:
            end += 1
        elif doc[end].text in _RANGE and end + 1 < stop and is_number(doc[end + 1]) and end + 1 not in dates:
            end += 2
        else:
            break
    return end


def _time_follows(doc: Doc, at: int, stop: int) -> bool:
    """Whether a unit of time comes next ("18 months", "an 18-month war" is read as "18 - month")."""
    if at < stop and doc[at].text in _RANGE:
        at += 1
    if at >= stop:
        return False
    return doc[at].lower_ in TUNING.evidence.figure_not_before


def _is_at(doc: Doc, at: int, stop: int, word: str) -> bool:
    """Whether ``word`` comes just before ``at`` and a number at ``at``."""
    return at < stop and doc[at - 1].lower_ == word and is_number(doc[at])
