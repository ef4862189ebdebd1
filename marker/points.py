"""The points stage: which points of the mark scheme the answer credits, with the words that earned them.

Reads the :class:`~marker.evidence.Evidence` and the question's
:class:`~marker.index.QuestionIndex`; writes one :class:`PointResult` per point (credited,
partly credited or missing, its strength, and the quoted sentences and cue words).
A sentence earns strength from the point's cue phrases, its concepts and its TF-IDF similarity
to the point (weights in ``TUNING.points``); repeats and copied sentences earn nothing, and a
sentence that claims nothing earns a share.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .bank import cue_prefix, reject_key
from .evidence import Evidence, Mention, Sentence
from .similarity import tfidf_rows
from .tuning import TUNING

if TYPE_CHECKING:
    import numpy as np

    from .index import QuestionIndex
    from .rubric import Point

CREDITED, PARTIAL, MISSING = "credited", "partial", "missing"


@dataclass(frozen=True)
class Quote:
    """Words of the answer: ``answer[start:end] == text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class PointResult:
    id: str
    label: str
    theme: str
    weight: float
    status: str
    strength: float
    #: The sentences that earned it, with the cue words inside them.
    evidence: tuple[Quote, ...] = ()
    cues: tuple[Quote, ...] = ()


def missing_points(index: QuestionIndex) -> list[PointResult]:
    """Every point of the question, none credited (an empty answer)."""
    return [PointResult(p.id, p.label, p.theme, p.weight, MISSING, 0.0) for p in index.question.points]


def score_points(
    evidence: Evidence, index: QuestionIndex, meaning: np.ndarray | None = None
) -> list[PointResult]:
    """How well each point of the mark scheme is covered, with the words that earned it.

    ``meaning``: the meaning stage's cosine of each sentence with each point
    (:func:`marker.meaning.point_similarity`); a sentence that says a point in other words
    earns it as if it used the point's cue phrase.
    """
    q = index.question
    sents = evidence.sentences
    if not sents:
        return missing_points(index)
    # As nested lists: each cell is read once per point and sentence, and a list's float is
    # read much faster than a numpy scalar (the same value: float32 cells widen exactly).
    sim = (
        (tfidf_rows(index.vectorizer, [Counter(s.terms) for s in sents]) @ index.point_matrix.T)
        .toarray()
        .tolist()
    )
    near = meaning.tolist() if meaning is not None else None
    counting = [s for s in sents if s.counts]
    by_sent: dict[int, list[Mention]] = {}
    for m in evidence.mentions:
        by_sent.setdefault(m.sent, []).append(m)
    prefix, reject_prefix = cue_prefix(q, index.version), reject_key(q, "", index.version)
    stem, tuning = TUNING.evidence.stem, TUNING.points
    said = [frozenset(t[:stem] for t in s.terms) for s in sents] if index.credit_wordings else []
    given = frozenset(t[:stem] for t in index.question_terms)
    results = []
    for j, point in enumerate(q.points):
        key, rejected = prefix + point.id, reject_prefix + point.id
        concepts = set(point.concepts)
        best, best_sents = 0.0, []
        for s in counting:
            ms = by_sent.get(s.index, [])
            if ms and any(m.key == rejected for m in ms):
                continue
            score = _strength(s, ms, key, concepts, sim[s.index][j])
            if near is not None:
                score = max(score, _meaning_strength(near[s.index][j]))
            if not s.is_claim:
                score *= tuning.unclaimed_factor  # named but not used to claim anything
            if said:
                # Saying the point's own words credits it even in a list: "CO2 and water" names
                # two items of a key asking to name them (short-answer questions only, see index).
                # An accepted wording said word for word ("CO2") is all of it, even where its
                # words are not content words.
                verbatim = any(m.key == key for m in ms)
                score = max(
                    score, 1.0 if verbatim else _wording_recall(said[s.index], index.point_wordings[j], given)
                )
            score = min(score, 1.0)
            if score >= tuning.partial_at:
                best_sents.append((score, s))
            best = max(best, score)
        results.append(_result(point, best, best_sents, evidence, key, concepts))
    return results


def _meaning_strength(cosine: float) -> float:
    """What a sentence earns towards a point from the closeness of its meaning alone."""
    tuning = TUNING.points
    if cosine >= tuning.meaning_credit:
        return tuning.credit_at
    if cosine >= tuning.meaning_partial:
        return tuning.partial_at
    return 0.0


def _strength(s: Sentence, ms: list[Mention], key: str, concepts: set[str], similarity: float) -> float:
    """What one sentence earns towards a point from its cue phrases, concepts and wording."""
    tuning = TUNING.points
    if not ms:  # most sentences name nothing: no hits (the same sum, term by term)
        return (
            tuning.cue * False
            + tuning.second_cue * False
            + tuning.concept * False
            + tuning.second_concept * False
            + min(tuning.similarity_cap, similarity)
        )
    cue_hits = {m.text.lower() for m in ms if m.key == key}
    concept_hits = {m.concept for m in ms if m.concept in concepts}
    return (
        tuning.cue * bool(cue_hits)
        + tuning.second_cue * (len(cue_hits) >= 2)
        + tuning.concept * bool(concept_hits)
        + tuning.second_concept * (len(concept_hits) >= 2)
        + min(tuning.similarity_cap, similarity)
    )


def _result(
    point: Point,
    best: float,
    best_sents: list[tuple[float, Sentence]],
    evidence: Evidence,
    key: str,
    concepts: set[str],
) -> PointResult:
    """The point's status, with its best sentences quoted and the cue words inside them."""
    tuning = TUNING.points
    best_sents.sort(key=lambda t: (-t[0], t[1].index))
    chosen = [s for _score, s in best_sents[: tuning.quotes_per_point]]
    quotes = tuple(Quote(s.start, s.end, s.text) for s in sorted(chosen, key=lambda s: s.index))
    chosen_ids = {s.index for s in chosen}
    cues = tuple(
        Quote(m.start, m.end, m.text)
        for m in evidence.mentions
        if m.sent in chosen_ids and (m.key == key or m.concept in concepts)
    )
    status = CREDITED if best >= tuning.credit_at else PARTIAL if best >= tuning.partial_at else MISSING
    return PointResult(
        point.id,
        point.label,
        point.theme,
        point.weight,
        status,
        round(best, 3),
        quotes if status != MISSING else (),
        cues if status != MISSING else (),
    )


def _wording_recall(
    said: frozenset[str], wordings: tuple[frozenset[str], ...], given: frozenset[str]
) -> float:
    """The best share of a wording's content words that a sentence says (the question's own words aside).

    "water and carbon dioxide are taken in" says "carbon dioxide is taken in", in any order and form.

    >>> _wording_recall(frozenset({"water", "absorb"}), (frozenset({"water", "absorb", "root"}),), frozenset())
    0.667
    """
    best = 0.0
    for words in wordings:
        wanted = (words - given) or words
        if wanted:
            best = max(best, len(said & wanted) / len(wanted))
    return round(best, 3)
