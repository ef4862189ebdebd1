"""Advisories: signs that an answer needs a teacher's eye (gaming, off the question, not English).

Each advisory explains itself and may cap the level or mark, so that gaming cannot
buy marks. :func:`check_answer` runs a fixed list of small named checks, in order.

Reads: :class:`~marker.evidence.Evidence` (mentions, sentences with their repeats and
skeletons, stopword share), the answer's ``Features``, the :class:`~marker.rubric.Question`
(kind, maximum mark, period) and, for essays, its :class:`~marker.structure.Structure`.
Writes: a list of :class:`Advisory`. Pure functions; every threshold and cap is
``TUNING.guards`` in ``marker/tuning.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .bank import cue_prefix
from .concepts import LOOSE
from .evidence import Evidence
from .features import Features
from .index import Scheme
from .nlp import MODEL_NAMES
from .rubric import Question
from .spelling import english_words
from .structure import Structure, leaning_words, stance
from .tuning import TUNING

_G = TUNING.guards


@dataclass(frozen=True)
class Advisory:
    code: str
    message: str
    cap_level: int | None = None
    cap_mark: int | None = None


def keyword_word_share(evidence: Evidence, question: Question) -> float:
    """Share of the answer's words that are names of concepts or the mark scheme's cue phrases.

    High in keyword salad, whichever kind of keyword is stuffed in.
    """
    words = _name_words(evidence, question, None)
    return words / evidence.n_words if evidence.n_words else 0.0


def listed_name_share(evidence: Evidence, question: Question) -> float:
    """Share of the words of the answer's list sentences that are names (concepts or cue phrases).

    Near 1 in keyword salad (lists of bare names); low in notes, whose listed lines say
    something about the names ("no flow control", "+ simple, but wastes addresses"). 1.0 when
    no sentence is a list: then nothing says the lists are notes.
    """
    listed = {s.index for s in evidence.sentences if s.is_list}
    total = sum(s.n_words for s in evidence.sentences if s.index in listed)
    return min(1.0, _name_words(evidence, question, listed) / total) if total else 1.0


def _name_words(evidence: Evidence, question: Question, sentences: set[int] | None) -> int:
    """Words inside names (concepts or cue phrases; overlapping matches once), in the given sentences or all."""
    cue = cue_prefix(question)
    spans = sorted(
        {
            (m.start, m.end)
            for m in evidence.mentions
            if m.how != LOOSE
            and (m.concept or m.key.startswith(cue))
            and (sentences is None or m.sent in sentences)
        }
    )
    words, last_end = 0, -1
    for start, end in spans:
        if start >= last_end:
            words += len(evidence.text[start:end].split())
            last_end = end
    return words


def english_share(evidence: Evidence) -> float:
    """Share of the answer's words that are English: its stopwords, and the content words that are
    English lemmas. Acronyms (``TSAP``, ``CSMA``, ``IPv6``: two capitals or more) are left
    out: they are no language's words. 0.0 when it cannot tell (no lexicon, no words), so that
    the stopword share alone decides.
    """
    lexicon = english_words(MODEL_NAMES)
    if not lexicon:
        return 0.0
    acronyms = {w.lower() for w in re.findall(r"\b\w*[A-Z]\w*[A-Z]\w*\b", evidence.text)}
    acronyms |= {w.lower().rstrip("s") for w in acronyms}
    terms = [
        t for s in evidence.sentences for t in s.terms if t.isalpha() and t not in acronyms and len(t) > 1
    ]
    n_stop = evidence.stopword_share * evidence.n_words
    known = n_stop + sum(t in lexicon for t in terms)
    total = n_stop + len(terms)
    return known / total if total else 0.0


@dataclass(frozen=True)
class _Answer:
    """What every check looks at: the answer's evidence and features, the question, and
    whether the answer is keyword salad (some checks give way to that one)."""

    evidence: Evidence
    features: Features
    question: Question
    structure: Structure | None
    keyword_share: float
    salad: bool
    scheme: Scheme
    #: Asked only when needed: whether the answer is closer in meaning to this question than to any
    #: other of its topic (None when there is no other to compare with).
    on_question: Callable[[], bool | None] | None = None

    @property
    def levels(self) -> bool:
        return self.scheme.essay


def is_salad(
    features: Features, keyword_share: float, short_answers: bool, listed_names: float = 1.0
) -> bool:
    """Lists of bare names, or names making up most of the words of an answer that does not argue.

    ``listed_names`` is the share of the listed words that are names (:func:`listed_name_share`):
    notes whose listed lines say something about the names ("- no flow control") are not salad.
    """
    listed = features.list_share >= _G.salad_list_share and listed_names >= _G.salad_listed_name_share
    dense = (
        keyword_share >= _G.salad_keyword_share
        and features.analysis_share < _G.salad_max_analysis_share
        and features.n_sentences >= _G.salad_min_sentences
    )
    salad = features.distinct_concepts >= _G.salad_min_concepts and (listed or dense)
    if short_answers:
        # A right short answer is dense in the model answer's nouns and often lists parts
        # ("bulbs A and C, switch Z and the battery"): only a longer list of names is salad.
        salad = salad and features.n_words >= _G.short_answer_words and listed
    return salad


def _keyword_salad(a: _Answer) -> list[Advisory]:
    if not a.salad:
        return []
    return [
        Advisory(
            "keyword-salad",
            f"Much of this answer names concepts without using them ({a.keyword_share:.0%} of its words are "
            f"names; {a.features.list_share:.0%} sit in lists). Names earn credit only inside sentences that "
            "explain or argue something. A teacher should read it.",
            **_hold_low(a),
        )
    ]


def _not_english(a: _Answer) -> list[Advisory]:
    # Salad is also poor in stopwords; it is reported as salad, not as another language.
    if a.salad or not (
        a.features.n_words >= _G.not_english_min_words
        and a.evidence.stopword_share < _G.not_english_stopword_share
        and english_share(a.evidence) < _G.not_english_word_share
    ):
        return []
    return [
        Advisory(
            "not-english",
            "This does not read as English prose (very few ordinary English words), so it cannot be "
            "marked reliably. If it is in another language or garbled, a teacher should read it.",
            **_hold_lowest(a),
        )
    ]


def _formulaic(a: _Answer) -> list[Advisory]:
    formulaic = formulaic_sentences(a.evidence)
    if a.salad or not formulaic:
        return []
    return [
        Advisory(
            "formulaic",
            f"{len(formulaic)} of {len(a.evidence.sentences)} sentences follow one template "
            f"(e.g. \u201c{_clip(formulaic[0].text)}\u201d) with only the names changed. "
            "Templated sentences do not show understanding; a teacher should read it.",
            **_hold_low(a),
        )
    ]


def _repetition(a: _Answer) -> list[Advisory]:
    sentences = a.evidence.sentences
    repeats = [s for s in sentences if s.repeat]
    if not repeats or (
        len(repeats) < _G.repeat_min_sentences and len(repeats) / max(1, len(sentences)) < _G.repeat_min_share
    ):
        return []
    return [
        Advisory(
            "repetition",
            f"{len(repeats)} sentence{'s are' if len(repeats) > 1 else ' is'} repeated, word for word or nearly "
            f"(first: \u201c{_clip(repeats[0].text)}\u201d). Repeats earn nothing more.",
        )
    ]


def _off_topic(a: _Answer) -> list[Advisory]:
    f = a.features
    if (
        a.salad
        or f.n_words < _G.off_topic_min_words
        or f.points_credited != 0
        or f.points_partial > _G.off_topic_max_partial
    ):
        return []
    # A weak essay on the question itself makes no point either ("The Rapallo Treaty was very
    # significant because it changed the way other countries saw the Soviet Union."): it is thin,
    # not about something else, when it names something of the topic and reads closer to this
    # question than to any other of its topic. (Naming nothing, it is about something else
    # whichever question it happens to be nearest.)
    if (
        a.levels
        and any(m.concept for m in a.evidence.mentions)
        and a.on_question is not None
        and a.on_question()
    ):
        return []
    return [
        Advisory(
            "off-topic",
            "This answer does not seem to address this question: it makes none of the mark scheme's "
            "points and shares little with the model answers. Check the question id.",
            **_hold_lowest(a),
        )
    ]


def _copied_question(a: _Answer) -> list[Advisory]:
    if a.features.question_share < _G.copied_question_share:
        return []
    return [
        Advisory(
            "copied-question",
            f"About {a.features.question_share:.0%} of this answer repeats the question's own words. "
            "Restating the question earns nothing: answer it.",
            **_hold_lowest(a),
        )
    ]


def _copied(a: _Answer) -> list[Advisory]:
    share = a.features.copied_share
    if share < _G.copied_share:
        return []
    return [
        Advisory(
            "copied",
            f"About {share:.0%} of this answer repeats the question or a model answer word for "
            "word (runs of eight or more words). Copied sentences earn nothing; a teacher should read it.",
            **(_hold_low(a) if share >= _G.copied_cap_share else {}),
        )
    ]


def _padding(a: _Answer) -> list[Advisory]:
    f = a.features
    if f.filler_share < _G.padding_filler_share or f.n_words < _G.padding_min_words:
        return []
    return [
        Advisory(
            "padding",
            f"About {f.filler_share:.0%} of the words say nothing about the question (no event, person, "
            "date or idea from it). Length earns nothing by itself: cut the padding and develop your points.",
        )
    ]


def _structure(a: _Answer) -> list[Advisory]:
    """Drift, evidence outside the period and an inconsistent judgement (essays only)."""
    s, out = a.structure, []
    if s is None or not a.levels:
        return []
    if s.drifting:
        verb = "come" if len(s.drifting) > 1 else "comes"
        terms = ", ".join(s.focus_terms[: _G.drift_terms_shown])
        out.append(
            Advisory(
                "drift",
                f"{_paragraphs(s.drifting).capitalize()} never {verb} back to the question "
                f"({terms}...). Link every paragraph to the question.",
            )
        )
    if s.out_of_period:
        period = a.question.period
        out.append(
            Advisory(
                "out-of-period",
                f"The evidence in {_paragraphs(s.out_of_period)} comes "
                f"from outside the question's period ({period.start}-{period.end}). Use it "
                "only as context, and say how it bears on the question.",
            )
        )
    if s.inconsistent:
        out.append(Advisory("inconsistent", _inconsistent_text(a.evidence, s)))
    return out


#: How many leaning words the "inconsistent" advisory quotes from each end (display only: kept out of
#: TUNING, whose every value is part of the marking's fingerprint that saved calibrations check).
_LEANING_SHOWN = 3


def _inconsistent_text(evidence: Evidence, s: Structure) -> str:
    """The advisory for a conclusion that leans the other way to the introduction, quoting the
    words that lean each way, so the pupil can judge whether they really contradict each other."""
    by_index = {x.index: x for x in evidence.sentences}

    def quoted(indices: tuple[int, ...]) -> str:
        words = leaning_words([by_index[i] for i in indices if i in by_index])
        lean = stance([by_index[i] for i in indices if i in by_index])
        shown = list(dict.fromkeys(w for w, sign in words if sign == lean))[:_LEANING_SHOWN]
        return ", ".join(f"\u2018{w}\u2019" for w in shown)

    return (
        f"The conclusion ({quoted(s.conclusion)}) leans the opposite way to the introduction "
        f"({quoted(s.thesis)}). Keep one line of argument, or explain why your view changed."
    )


def _too_short(a: _Answer) -> list[Advisory]:
    n_words = a.features.n_words
    if not a.levels or not 0 < n_words < _G.short_essay_words:
        return []
    # Said as the answer box counts (words between spaces, "Brest-Litovsk," and "1919" each one),
    # so the pupil reads the number shown under the box; the check itself counts words of letters.
    shown = len(a.evidence.text.split())
    return [
        Advisory(
            "too-short",
            f"At {shown} words this is very short for a {a.question.max_mark}-mark essay; "
            "the higher levels need developed, supported argument.",
        )
    ]


#: The checks, in the order their advisories are listed.
CHECKS: tuple[Callable[[_Answer], list[Advisory]], ...] = (
    _keyword_salad,
    _not_english,
    _formulaic,
    _repetition,
    _off_topic,
    _copied_question,
    _copied,
    _padding,
    _structure,
    _too_short,
)


def check_answer(
    evidence: Evidence,
    features: Features,
    question: Question,
    structure: Structure | None,
    scheme: Scheme,
    on_question: Callable[[], bool | None] | None = None,
) -> list[Advisory]:
    """Every advisory for one answer, from :data:`CHECKS` in order; the scheme says what kind of
    answer it is. ``on_question`` says, when asked, whether the answer reads closer to this
    question than to the other questions of its topic (:meth:`marker.engine.Marker.mark_doc`)."""
    share = keyword_word_share(evidence, question)
    salad = is_salad(features, share, scheme.short_answers, listed_name_share(evidence, question))
    answer = _Answer(evidence, features, question, structure, share, salad, scheme, on_question)
    out = [advisory for check in CHECKS for advisory in check(answer)]
    if scheme.short_answers:
        # A one-sentence answer that is right says what the model answer says, often in the
        # question's own words; its mark already is its match with the model answer.
        out = [a for a in out if a.code not in _G.coverage_exempt]
    return out


def _paragraphs(indices: tuple[int, ...]) -> str:
    """ "paragraph 3" or "paragraphs 2, 4" (1-based, as a student counts them).

    >>> _paragraphs((2,)), _paragraphs((1, 3))
    ('paragraph 3', 'paragraphs 2, 4')
    """
    numbers = ", ".join(str(p + 1) for p in indices)
    return f"paragraph{'s' if len(indices) > 1 else ''} {numbers}"


def _hold_low(a: _Answer) -> dict:
    """The cap for gaming: level 2 on an essay marked by levels, else half marks."""
    if a.levels:
        return {"cap_level": _G.gaming_cap_level}
    # The epsilon keeps a product such as 0.29 x 100 (28.999... in floats) from flooring to 28.
    return {"cap_mark": max(0, math.floor(a.question.max_mark * _G.gaming_cap_mark_share + 1e-9))}


def _hold_lowest(a: _Answer) -> dict:
    """The cap for answers that address nothing: level 1 on an essay marked by levels, else a mark of 0."""
    if a.levels:
        return {"cap_level": _G.off_question_cap_level}
    return {"cap_mark": 0}


def formulaic_sentences(evidence: Evidence, min_share: float = _G.formulaic_min_share) -> list:
    """Sentences sharing a function-word skeleton with at least two others, if they are many.

    Only claims count: parallel list items ("To reduce routing tables.", "(A, B, forward)") are a
    list, which the salad check judges by its names; and a skeleton of punctuation alone is a
    format, not a template of words with the names swapped.
    """
    least = _G.formulaic_min_sentences
    counts: dict[tuple[str, ...], int] = {}
    for s in evidence.sentences:
        if _template_candidate(s):
            counts[s.skeleton] = counts.get(s.skeleton, 0) + 1
    same = [s for s in evidence.sentences if _template_candidate(s) and counts[s.skeleton] >= least]
    return same if len(same) >= least and len(same) >= min_share * len(evidence.sentences) else []


def _template_candidate(s) -> bool:
    """A sentence whose skeleton is compared: a claim, not a repeat, with function words in its skeleton."""
    return (
        s.is_claim
        and not s.repeat
        and len(s.skeleton) >= _G.formulaic_min_skeleton
        and any(w.isalpha() for w in s.skeleton)
    )


def _clip(text: str, n: int = _G.quote_chars) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"
