"""Whether an essay marked by levels has anything to reward: the level descriptors' level 0.

Reads the answer's evidence and the points credited, against what the question asks about: its own
words, its subject (the words it shares with its mark scheme, :func:`subject_of`, worked out once
per rubric version) and the years of its topic. :mod:`marker.placement` places an answer with
nothing to reward at 0 ("no rewardable material", "nothing worthy of credit") rather than at the
bottom of level 1.
"""

from __future__ import annotations

from collections.abc import Iterable

from .concepts import FUZZY
from .evidence import Evidence, Mention
from .nlp import MODEL_NAMES
from .points import MISSING, PointResult
from .rubric import Period
from .similarity import words_of
from .spelling import english_words, read_word
from .tuning import TUNING


def goes_beyond_question(evidence: Evidence, question: str) -> bool:
    """Whether the answer names anything the question does not already say: a concept whose words
    are not all the question's, or a date the question does not give, in a sentence that counts.

    An answer that only restates the question ("The allied intervention had an impact on the
    outcome because"), or says it cannot remember, shows no knowledge: the level descriptors'
    level 0, "nothing worthy of credit". A wrong name or date still goes beyond the question (it
    is an attempt at knowledge), so only an answer with nothing of its own is held at 0. A name
    found through a misspelling is read as the words it misspells ("The allied intervension had an
    impact ... because" restates the question as its tidy twin does: :mod:`marker.spelling`).
    """
    asked = frozenset(words_of(question))
    lexicon = english_words(MODEL_NAMES)

    def own_words(m: Mention) -> set[str]:
        words = words_of(m.text)
        return {read_word(w, asked, lexicon) for w in words} if m.how == FUZZY else set(words)

    counting = {s.index for s in evidence.sentences if s.counts}
    return any(
        m.concept and m.sent in counting and not own_words(m) <= asked for m in evidence.mentions
    ) or any(d.sent in counting and str(d.year) not in asked for d in evidence.dates)


def subject_of(question_terms: Iterable[str], point_terms: Iterable[Iterable[str]]) -> frozenset[str]:
    """The question's subject: the content lemmas (cut to ``TUNING.evidence.stem`` letters) that the
    question and the points of its mark scheme share, leaving out the words any essay uses.

    For "Assess the impact of the Allied intervention on the outcome of the Russian Civil War." and
    its points: allied, intervention, outcome, Russia, war; the demand ("assess") is the question's
    alone. Short words and generic essay words are left out as for filler
    (``TUNING.evidence.scheme_term_min_letters``, ``generic_terms``).

    >>> sorted(subject_of(["assess", "treaty", "rapallo"], [["rapallo", "treaty", "germany"]]))
    ['rapall', 'treaty']
    """
    tuning = TUNING.evidence

    def stems(terms: Iterable[str]) -> set[str]:
        return {
            t[: tuning.stem]
            for t in terms
            if t.isalpha() and len(t) >= tuning.scheme_term_min_letters and t not in tuning.generic_terms
        }

    in_points = set().union(*(stems(terms) for terms in point_terms))
    return frozenset(stems(question_terms) & in_points)


def rewards_something(
    evidence: Evidence, points: list[PointResult], subject: frozenset[str], years: Period | None
) -> bool:
    """Whether an answer that credits no point in full still has something the question rewards: a
    point partly made with the point's own cue phrase or concepts, or a word of the question's
    subject (:func:`subject_of`), in the frame of the question's topic.

    The level descriptors' level 0 is "no rewardable material". An answer to a neighbouring question
    of the topic has some: its context names the question's subject or makes part of a point, and
    examiners put it at level 1. An answer about something else has none: trench warfare, for an
    account of the Allied intervention in Russia, names nothing the question or its points ask about
    (a partial match by one shared word alone, not the point's cue phrase or concepts, is not the
    point's substance: ``TUNING.points.similarity_cap``); and an answer whose every year lies outside
    the topic's years, give or take ``TUNING.facts.period_slack_years``, in at least
    ``TUNING.facts.reliance_min_sentences`` sentences is set in another period (the space race, for
    an essay on 1918-1924), whatever actors it shares with the question; one wrong year is a slip. A topic
    without years (an imported mark scheme) is read by its subject and points alone.
    """
    counting = [s for s in evidence.sentences if s.counts]
    index = {s.index for s in counting}
    if years is not None:
        slack = TUNING.facts.period_slack_years
        dated = [d for d in evidence.dates if d.sent in index]
        # Set in another period only when several sentences date it there: one wrong year in an
        # answer about the question ("the Americans landed at Vladivostok in 1930") is a slip.
        if len({d.sent for d in dated}) >= TUNING.facts.reliance_min_sentences and all(
            not years.start - slack <= d.year <= years.end + slack for d in dated
        ):
            return False
    if any(p.status != MISSING and p.cues for p in points):
        return True
    stem = TUNING.evidence.stem
    return any(t[:stem] in subject for s in counting for t in s.terms)
