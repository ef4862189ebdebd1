"""Fact check: dates said of known events, and events outside the question's period.

Pure functions over :class:`~marker.evidence.Evidence` and the topic's dated facts.
A date is only checked against the events it is *said of* (next to the event's name or
attached to it in the parse), or the facts it is said in the words of (a fact's
``phrasing``: "the Comintern was founded in 1921" dates "founded", said of the Comintern).
It is never flagged when another event named in the same sentence fits it, so that "two
years after Rapallo, in 1924, Britain recognised the USSR" is not called wrong, nor when it
is a bound ("by 1923").

Reads: :class:`~marker.evidence.Evidence` (dates with the events they are said of and the
words they date, concept mentions, sentences), the topic's concepts and dated facts, and the
question's period.
Writes: a list of :class:`FactIssue`, errors first. Which kinds of concept carry a date and
how far the period stretches are ``TUNING.facts`` in ``marker/tuning.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .clauses import Said
from .evidence import DateRef, Evidence
from .rubric import Fact, Period, Question, Topic, format_partial_date
from .tuning import TUNING

WRONG_DATE, OUTSIDE_PERIOD = "wrong-date", "outside-period"
#: Kinds of concept that have *a* date a year written beside them must fit (see TUNING.facts).
DATED_KINDS = frozenset(TUNING.facts.dated_kinds)


@dataclass(frozen=True)
class FactIssue:
    """One factual slip or note.

    ``start``/``end`` are character offsets of the words at fault in the answer; ``sentence``
    is the whole sentence, for context.
    """

    kind: str
    severity: str  # "error" (costs credibility, fix it) or "note" (check it is relevant)
    start: int
    end: int
    text: str
    sentence: str
    concept: str
    message: str
    correct: str


def _parts(value: str) -> tuple[int, int | None]:
    bits = value.split("-")
    return int(bits[0]), int(bits[1]) if len(bits) > 1 else None


def fits(date: DateRef, fact: Fact) -> bool:
    """Whether a written date agrees with a fact, at the precision both give.

    >>> from marker.rubric import Fact
    >>> f = Fact(id="r", concept="rapallo", event="signed", date="1922-04-16")
    >>> fits(DateRef(1922, 4, 16, 0, 0, "", 0), f), fits(DateRef(1923, None, None, 0, 0, "", 0), f)
    (True, False)
    """
    first_year, first_month = _parts(fact.date)
    last_year, last_month = _parts(fact.end) if fact.end else (first_year, first_month)
    if not first_year <= date.year <= last_year:
        return False
    if date.month is None:
        return True
    lo = (first_year, first_month or 1)
    hi = (last_year, last_month or 12)
    return lo <= (date.year, date.month) <= hi


class _Facts:
    """The topic's dated facts by concept, and which of them date the concept itself."""

    def __init__(self, topic: Topic):
        self.topic = topic
        self.by_concept: dict[str, list[Fact]] = {}
        for fact in topic.facts:
            self.by_concept.setdefault(fact.concept, []).append(fact)
        self.kinds = {c.id: c.kind for c in topic.concepts}

    def defining(self, concept_id: str | None) -> list[Fact]:
        """The checkable facts that date the concept itself (events and treaties only)."""
        if self.kinds.get(concept_id or "") not in DATED_KINDS:
            return []
        return [f for f in self.by_concept.get(concept_id or "", []) if f.check]

    def events(self, found: list[Fact]) -> list[Fact]:
        """Those of ``found`` that date an event or treaty (not a person's or a country's)."""
        return [f for f in found if self.kinds.get(f.concept) in DATED_KINDS]

    def phrased(self, said: Said, sentence: str) -> list[Fact]:
        """The checkable facts whose phrasing ``said`` is, in a sentence with none of its
        ``unless`` words (see :class:`~marker.rubric.Phrasing`)."""
        return [
            f
            for f in self.topic.facts
            if f.check
            and f.phrasing
            and _says(f, said)
            and not _has_words(sentence.lower(), f.phrasing.unless)
        ]


def _has_words(text: str, words: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", text) for w in words)


def _says(fact: Fact, said: Said) -> bool:
    """Whether a word a date is said with states ``fact`` in the words of its phrasing."""
    phrasing = fact.phrasing
    assert phrasing is not None
    concepts = said.undergo if phrasing.undergoes else said.of
    return (
        bool(said.words.intersection(v.lower() for v in phrasing.verbs))
        and bool(concepts.intersection(phrasing.of or [fact.concept]))
        and (not phrasing.needs or _has_words(said.text, phrasing.needs))
    )


def _wrong_date(date: DateRef, evidence: Evidence, facts: _Facts, fact: Fact) -> FactIssue:
    label = facts.topic.concept(fact.concept).label
    when = fact.describe_date()
    return FactIssue(
        kind=WRONG_DATE,
        severity="error",
        start=date.start,
        end=date.end,
        text=date.text,
        sentence=evidence.sentences[date.sent].text,
        concept=label,
        message=f"'{date.text}' does not fit {label}: {fact.event} ({when}).",
        correct=f"{fact.event} ({when})",
    )


def _wrong_dates(evidence: Evidence, facts: _Facts) -> list[FactIssue]:
    """Dates said of an event or treaty, or said in the words of a fact's phrasing ("the
    Comintern was founded in 1921"), that do not fit it; each date is flagged once.

    A date is never flagged when another event named in its sentence fits it (in its own clause,
    for a date said in a fact's phrasing), nor when it is a bound ("by 1923",
    ``TUNING.facts.relative_prepositions``) rather than the date of anything.
    """
    issues: list[FactIssue] = []
    for date in evidence.dates:
        if date.preposition in TUNING.facts.relative_prepositions:
            continue
        in_sentence = {m.concept for m in evidence.mentions if m.sent == date.sent and m.concept}
        fitting = [f for c in in_sentence for f in facts.by_concept.get(c, []) if fits(date, f)]
        checkable = next((facts.defining(key[2:]) for key in date.linked if facts.defining(key[2:])), [])
        phrased = [f for said in date.said for f in facts.phrased(said, evidence.sentences[date.sent].text)]
        # Words that state a fact date it in their own clause: an event named in another clause of
        # a run-on sentence ("... the intervention ..., denikin got to orel in 1920") is no alibi.
        in_clause = {c for said in date.said for c in said.of}
        if checkable and not fitting:  # no fact of anything named here fits the date
            fact = next((f for f in checkable if f in phrased), checkable[0])  # the one the words say
            issues.append(_wrong_date(date, evidence, facts, fact))
        elif phrased and not any(
            fits(date, f) for f in phrased + facts.events([f for f in fitting if f.concept in in_clause])
        ):
            issues.append(_wrong_date(date, evidence, facts, phrased[0]))
    return issues


#: Where a dated reference lies against the question's period.
BEFORE, INSIDE, AFTER = -1, 0, 1


def _event_side(facts: _Facts, cid: str | None, period: Period) -> int | None:
    """Whether a named event or treaty lies wholly before or after the period, or touches it;
    None when the topic gives it no date."""
    dated = facts.defining(cid)
    if not dated:
        return None
    if max(f.years[1] for f in dated) < period.start:
        return BEFORE
    return AFTER if min(f.years[0] for f in dated) > period.end else INSIDE


def _year_side(year: int, period: Period) -> int:
    """Whether a year written lies before or after the period, give or take the slack."""
    slack = TUNING.facts.period_slack_years
    return BEFORE if year < period.start - slack else AFTER if year > period.end + slack else INSIDE


def relied_on(evidence: Evidence, facts: _Facts, period: Period) -> dict[int, frozenset[int]]:
    """Paragraphs whose argument relies on evidence from outside the period, by side
    (``BEFORE`` or ``AFTER``).

    A sentence lies before (after) the period when every dated reference in it (a year written,
    an event or treaty of the topic's facts named) does. A paragraph relies on that side as
    evidence when it has at least ``TUNING.facts.reliance_min_sentences`` such sentences,
    naming at least ``reliance_min_references`` distinct events or years, and they make at least
    ``reliance_share`` of its sentences with a dated reference. A passing sentence of background
    ("after the First World War, Germany resented Versailles") is context, which examiners
    credit, and so is a passing sentence on what came after ("the USA did not recognise the USSR
    until 1933" in an answer on 1918-1924): neither is noted. An answer that dates nothing within
    the period relies on whatever it dates outside it ("Germany agreed to train troops in Russia in
    1925." to a question on 1922).
    """
    tuning = TUNING.facts
    by_sent: dict[int, dict[str, int]] = {}  # sentence -> distinct dated reference -> side of the period
    for d in evidence.dates:
        by_sent.setdefault(d.sent, {})[f"y{d.year}"] = _year_side(d.year, period)
    for m in evidence.mentions:
        side = _event_side(facts, m.concept, period)
        if side is not None:
            by_sent.setdefault(m.sent, {})[f"c{m.concept}"] = side
    dated: dict[int, int] = {}  # paragraph -> sentences with a dated reference
    outside: dict[tuple[int, int], int] = {}  # (side, paragraph) -> sentences wholly on that side
    refs: dict[tuple[int, int], set[str]] = {}
    for sent, sides in by_sent.items():
        para = evidence.sentences[sent].paragraph
        dated[para] = dated.get(para, 0) + 1
        for side in (BEFORE, AFTER):
            if all(s == side for s in sides.values()):
                outside[side, para] = outside.get((side, para), 0) + 1
                refs.setdefault((side, para), set()).update(sides)
    # An answer that dates nothing within the period relies on what it dates outside it, however little.
    nothing_inside = not any(INSIDE in sides.values() for sides in by_sent.values())
    return {
        side: frozenset(
            p
            for (s, p), n in outside.items()
            if s == side
            and (
                nothing_inside
                or (
                    n >= tuning.reliance_min_sentences
                    and len(refs[s, p]) >= tuning.reliance_min_references
                    and n >= tuning.reliance_share * dated[p]
                )
            )
        )
        for side in (BEFORE, AFTER)
    }


def _noted(side: int, paragraph: int, relied: dict[int, frozenset[int]]) -> bool:
    """Whether a reference outside the period is noted: only where its paragraph relies on that side."""
    return side in relied and paragraph in relied[side]


def _events_outside(
    evidence: Evidence, facts: _Facts, period: Period, relied: dict[int, frozenset[int]]
) -> list[FactIssue]:
    """Events named that lie wholly outside the question's period, in paragraphs that rely on
    that side of it (:func:`relied_on`): noted once each."""
    issues: list[FactIssue] = []
    seen: set[str] = set()
    for mention in evidence.mentions:
        cid = mention.concept
        if not cid or cid in seen:
            continue
        side = _event_side(facts, cid, period)
        if side is not None and _noted(side, evidence.sentences[mention.sent].paragraph, relied):
            dated = facts.defining(cid)
            seen.add(cid)
            fact = dated[0]
            label = facts.topic.concept(cid).label
            issues.append(
                FactIssue(
                    kind=OUTSIDE_PERIOD,
                    severity="note",
                    start=mention.start,
                    end=mention.end,
                    text=mention.text,
                    sentence=evidence.sentences[mention.sent].text,
                    concept=label,
                    message=(
                        f"{label} ({fact.describe_date()}) is outside the question's period "
                        f"({period.start}-{period.end}): use it only as context and say why it matters."
                    ),
                    correct=f"{fact.event} ({fact.describe_date()})",
                )
            )
    return issues


def _years_outside(
    evidence: Evidence, period: Period, noted: list[FactIssue], relied: dict[int, frozenset[int]]
) -> list[FactIssue]:
    """Years written outside the period (give or take the slack), in paragraphs that rely on that
    side of it (:func:`relied_on`), once each, and at most one note per sentence (a sentence already
    noted for an event outside the period gets none)."""
    noted_sentences = {i.sentence for i in noted if i.kind == OUTSIDE_PERIOD}
    issues: list[FactIssue] = []
    years_noted: set[int] = set()
    for date in evidence.dates:
        side = _year_side(date.year, period)
        if date.year in years_noted or not _noted(side, evidence.sentences[date.sent].paragraph, relied):
            continue
        sentence = evidence.sentences[date.sent].text
        if sentence in noted_sentences:
            continue
        years_noted.add(date.year)
        noted_sentences.add(sentence)
        issues.append(
            FactIssue(
                kind=OUTSIDE_PERIOD,
                severity="note",
                start=date.start,
                end=date.end,
                text=date.text,
                sentence=sentence,
                concept="",
                message=(
                    f"{date.text} is outside the question's period ({period.start}-{period.end}): "
                    "make sure the point answers the question."
                ),
                correct="",
            )
        )
    return issues


def check_facts(evidence: Evidence, topic: Topic, question: Question) -> list[FactIssue]:
    """Every fact issue of one answer.

    Wrong dates are errors; when the question has a period, events and years outside it are
    notes where the argument relies on them (:func:`relied_on`), and the whole list is sorted errors
    first, then by position in the answer.
    """
    facts = _Facts(topic)
    issues = _wrong_dates(evidence, facts)
    period = question.period
    if period is None:
        return issues
    relied = relied_on(evidence, facts, period)
    issues += _events_outside(evidence, facts, period, relied)
    issues += _years_outside(evidence, period, issues, relied)
    issues.sort(key=lambda i: (i.severity != "error", i.start))
    return issues


__all__ = ["FactIssue", "check_facts", "fits", "format_partial_date", "WRONG_DATE", "OUTSIDE_PERIOD"]
