"""The features stage: the answer-level measures placement reads, and how far the answer judges.

Reads the :class:`~marker.evidence.Evidence`, the credited points, the question's
:class:`~marker.index.QuestionIndex`, the :class:`~marker.structure.Structure` and the
:class:`~marker.meaning.Meaning`; writes
:class:`Features` (coverage, analysis, balance, judgement, precision, similarity to the model
answers, the match, list/filler/copied shares). Repeats, copied text and filler count for
nothing here, so padding an answer cannot raise any measure. Numbers in ``TUNING.features``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .evidence import ANALYTIC_ROLES, Evidence, Sentence
from .fitted import load_defaults, zero_shot_inputs
from .meaning import NO_MEANING, Meaning
from .points import CREDITED, MISSING, PARTIAL, PointResult
from .roles import COUNTER, EVALUATION, is_conclusion_opener, opens_by_inference
from .similarity import Match, copied_share, tfidf_rows, words_of
from .structure import Structure, closing, judges
from .tuning import TUNING

if TYPE_CHECKING:
    from .index import QuestionIndex

JUDGEMENT_ORDER = ("none", "stated", "supported", "substantiated")


@dataclass(frozen=True)
class Features:
    """The numbers behind a mark; calibration (a later issue) learns from these."""

    n_words: int
    n_sentences: int
    n_paragraphs: int
    n_claims: int
    n_analytic: int
    points_credited: int
    points_partial: int
    coverage: float
    weighted_points: float
    analysis_share: float
    balance: bool
    judgement: str
    precision: int
    similarity: float
    model_estimate: float | None
    list_share: float
    distinct_concepts: int
    answers_demand: bool = False
    n_drifting: int = 0
    filler_share: float = 0.0
    copied_share: float = 0.0
    #: Share of the answer's words that only repeat the question (six-word runs).
    question_share: float = 0.0
    #: Match with the closest full-mark model answer (see :mod:`marker.similarity`).
    match_score: float = 0.0
    match_recall: float = 0.0
    clause_recall: float = 0.0
    char_similarity: float = 0.0
    negation_mismatch: bool = False
    #: Closeness of meaning to the closest model answer (see :mod:`marker.meaning`; short answers).
    meaning_similarity: float = 0.0
    meaning_precision: float = 0.0
    meaning_recall: float = 0.0
    question_similarity: float = 0.0
    length_ratio: float = 0.0
    #: Share of full credit estimated by the defaults fitted on public data (:mod:`marker.fitted`)
    #: from the match in words and in meaning; None where the meaning stage did not run.
    meaning_estimate: float | None = None
    #: The parts of a key written in parts (``CoverageMarking.parts``) that the answer does not say:
    #: each part's share of full credit, as the defaults estimate it against that part alone,
    #: is below their cut point for a 1-mark answer.
    parts_unsaid: tuple[str, ...] = ()
    #: Developed, relevant explanation in sentence units (:func:`developed_explanation`): distinct
    #: analytic sentences counted by length, in full when they make a point of the mark scheme.
    development: float = 0.0


def compute_features(
    evidence: Evidence,
    points: list[PointResult],
    index: QuestionIndex,
    structure: Structure | None = None,
    meaning: Meaning = NO_MEANING,
) -> Features:
    """Every answer-level measure, in one pass over the evidence."""
    sents = evidence.sentences
    substantive = substantive_sentences(evidence)
    analytic = [s for s in substantive if s.is_claim and s.role in ANALYTIC_ROLES]
    mentioned = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    counter_points = {p.id for p in points if p.theme == "counter-argument" and p.status != MISSING}
    judgement, _ = judgement_status(evidence, by_length=index.scheme.essay)
    if structure is not None and not structure.answers_demand and judgement in ("supported", "substantiated"):
        judgement = "stated"  # a conclusion that does not answer the question's demand is no judgement on it
    similarity, estimate = model_similarity(evidence, index)
    match = evidence.match
    return Features(
        n_words=evidence.n_words,
        n_sentences=len(sents),
        n_paragraphs=evidence.n_paragraphs,
        n_claims=sum(1 for s in substantive if s.is_claim),
        n_analytic=len(analytic),
        development=developed_explanation(evidence, points, substantive),
        points_credited=sum(p.status == CREDITED for p in points),
        points_partial=sum(p.status == PARTIAL for p in points),
        **_coverage(points),
        analysis_share=round(len(analytic) / len(substantive) if substantive else 0.0, 3),
        balance=bool(counter_points)
        or any(s.role == COUNTER and s.index in mentioned and not s.repeat for s in sents),
        judgement=judgement,
        precision=precision(evidence, index),
        similarity=round(similarity, 3),
        model_estimate=None if estimate is None else round(estimate, 1),
        list_share=_word_share(evidence, [s for s in sents if s.is_list]),
        distinct_concepts=len(evidence.concept_ids()),
        answers_demand=bool(structure and structure.answers_demand),
        n_drifting=len(structure.drifting) if structure else 0,
        filler_share=_word_share(evidence, [s for s in sents if s.filler]),
        copied_share=_word_share(evidence, [s for s in sents if s.copied]),
        question_share=round(
            copied_share(words_of(evidence.text), index.question_runs, TUNING.evidence.question_run), 3
        ),
        match_score=match.score,
        match_recall=match.recall,
        clause_recall=match.clause_recall,
        char_similarity=match.char_similarity,
        negation_mismatch=match.negation_mismatch,
        meaning_similarity=meaning.similarity,
        meaning_precision=meaning.precision,
        meaning_recall=meaning.recall,
        question_similarity=meaning.question_similarity,
        length_ratio=meaning.length_ratio,
        meaning_estimate=short_answer_estimate(match, index, meaning),
        parts_unsaid=parts_unsaid(evidence, index, meaning),
    )


def short_answer_estimate(match: Match, index: QuestionIndex, meaning: Meaning) -> float | None:
    """The fitted defaults' share of full credit for a short answer (None without meaning)."""
    defaults = load_defaults()
    if meaning is NO_MEANING or defaults is None or index.model_set is None:
        return None
    full_at = getattr(index.question.marking, "full_at", None) or index.model_set.full_at
    inputs = zero_shot_inputs(
        match.score,
        full_at,
        index.question.max_mark,
        match.recall,
        match.char_similarity,
        meaning.as_features(),
    )
    return round(defaults.zero_shot.share(inputs), 4)


def parts_unsaid(evidence: Evidence, index: QuestionIndex, meaning: Meaning) -> tuple[str, ...]:
    """The parts of a key written in parts that the answer does not say: each part is marked as
    the key of a 1-mark question (the defaults' share against it alone, cut where they cut
    1-mark answers)."""
    defaults = load_defaults()
    marking = index.question.marking
    n = len(index.part_sets)
    if defaults is None or not n or len(meaning.parts) != n or len(evidence.part_matches) != n:
        return ()
    unsaid = []
    for text, part, match, part_meaning in zip(
        marking.parts, index.part_sets, evidence.part_matches, meaning.parts, strict=True
    ):
        inputs = zero_shot_inputs(
            match.score, part.full_at, 1, match.recall, match.char_similarity, part_meaning.as_features()
        )
        if defaults.zero_shot.mark(defaults.zero_shot.share(inputs), 1) < 1:
            unsaid.append(text)
    return tuple(unsaid)


def development(analytic: list[Sentence]) -> float:
    """Analytic sentences counted by length: one unit per ``development_unit_words`` words (at
    least one a sentence, at most ``development_cap``), so that run-on writing is not short-changed.

    >>> from types import SimpleNamespace as S
    >>> development([S(n_words=12), S(n_words=50), S(n_words=400)])
    6.5
    """
    tuning = TUNING.features
    units = (
        min(max(s.n_words / tuning.development_unit_words, 1.0), tuning.development_cap) for s in analytic
    )
    return round(sum(units), 2)


def developed_explanation(
    evidence: Evidence, points: list[PointResult], substantive: list[Sentence]
) -> float:
    """How much relevant explanation the answer gives, in sentence units (:func:`development`).

    An analytic claim that makes a point of the mark scheme counts in full; one that makes none
    (comment on nothing the question asks about) counts ``development_unargued_weight``; a claim
    that makes a point without a connective counts ``development_evidence_weight`` when it stands
    within ``development_evidence_reach`` sentences of an analytic claim of its paragraph (the
    evidence that develops the point, as pupils write it: "Genoa showed the limits: ..."). Only
    substantive sentences count (:func:`substantive_sentences`: no repeat, copied text or filler),
    so neither padding nor a list of names adds anything.

    >>> from types import SimpleNamespace as S
    >>> ev = S(sentences=[S(index=0, start=0, end=9), S(index=1, start=10, end=30)])
    >>> sents = [S(index=0, paragraph=0, n_words=20, is_claim=True, role="analysis"),
    ...          S(index=1, paragraph=0, n_words=40, is_claim=True, role="narrative")]
    >>> developed_explanation(ev, [S(status=CREDITED, evidence=[S(start=10)])], sents)
    1.5
    """
    tuning = TUNING.features
    pointed = _point_sentences(evidence, points)
    claims = [s for s in substantive if s.is_claim]
    analytic = [s for s in claims if s.role in ANALYTIC_ROLES]
    reach = tuning.development_evidence_reach
    evidence_for = [
        s
        for s in claims
        if s.role not in ANALYTIC_ROLES
        and s.index in pointed
        and any(a.paragraph == s.paragraph and abs(a.index - s.index) <= reach for a in analytic)
    ]
    units = (
        development([s for s in analytic if s.index in pointed])
        + tuning.development_unargued_weight * development([s for s in analytic if s.index not in pointed])
        + tuning.development_evidence_weight * development(evidence_for)
    )
    return round(units, 2)


def _point_sentences(evidence: Evidence, points: list[PointResult]) -> set[int]:
    """Indices of the sentences that earned a point of the mark scheme (in full or in part)."""
    starts = [q.start for p in points if p.status != MISSING for q in p.evidence]
    return {s.index for s in evidence.sentences if any(s.start <= x < s.end for x in starts)}


def substantive_sentences(evidence: Evidence) -> list[Sentence]:
    """Sentences that can earn analysis: long enough, counted, not filler."""
    min_words = TUNING.features.min_sentence_words
    return [s for s in evidence.sentences if s.n_words >= min_words and s.counts and not s.filler]


def _coverage(points: list[PointResult]) -> dict[str, float]:
    """Weighted points (relative to the mean weight) and the weighted share of the scheme covered."""
    weights = [p.weight for p in points]
    mean_w = sum(weights) / len(weights)
    credit = {CREDITED: 1.0, PARTIAL: TUNING.features.partial_credit, MISSING: 0.0}
    weighted = sum(credit[p.status] * p.weight / mean_w for p in points)
    coverage = sum(credit[p.status] * p.weight for p in points) / sum(weights)
    return {"coverage": round(coverage, 3), "weighted_points": round(weighted, 2)}


def _word_share(evidence: Evidence, sentences: list[Sentence]) -> float:
    if not evidence.n_words:
        return 0.0
    return round(sum(s.n_words for s in sentences) / evidence.n_words, 3)


def precision(evidence: Evidence, index: QuestionIndex) -> int:
    """Specific details used in claims: distinct named people, places, events, dates, and figures.

    Repeats and near-duplicates add nothing: each distinct sentence counts once.
    """
    tuning = TUNING.features
    claims = {s.index for s in evidence.sentences if s.is_claim and not s.repeat}
    specifics = {
        m.concept
        for m in evidence.mentions
        if m.concept and m.sent in claims and index.concept_kinds.get(m.concept) in tuning.specific_kinds
    }
    dates = {(d.year, d.month) for d in evidence.dates if d.sent in claims}
    return len(specifics) + len(dates) + min(len(evidence.figures), tuning.max_figures)


def judgement_status(evidence: Evidence, by_length: bool = False) -> tuple[str, tuple[int, ...]]:
    """How far the answer reaches a judgement, and the sentences that state it.

    Each distinct sentence counts once (repeats and near-duplicates are left out by
    :meth:`~marker.evidence.Evidence.argued_sentences`), and a filler sentence is never the judgement.

    - "stated": a concluding or evaluative sentence at the end (or opened as a conclusion);
    - "supported": the conclusion also gives reasons with evidence (two analytic
      sentences naming events or dates, or a judgement that says "because");
    - "substantiated": the conclusion is a developed weighing: at least two analytic
      sentences, three distinct pieces of evidence and some fifty words.

    The conclusion is :func:`~marker.structure.closing`'s: the last paragraph, or the last sentences
    of an answer in one paragraph, from an essay's late "In conclusion, ..." if that comes earlier.

    With ``by_length`` (essays marked by levels) the conclusion's analytic sentences count by
    length, as development does (:func:`development`): a pupil's one long run-on sentence can
    weigh as much as two; and a conclusion of one sentence opened by inference ("Therefore ...")
    weighs the paragraph it draws from as well (:func:`inferred_from`). Short answers keep the count of sentences, which their fitted
    calibrators read.
    """
    tuning = TUNING.features
    sents = evidence.sentences
    counting = evidence.argued_sentences()
    if not counting:
        return "none", ()
    # The same closing sentences the structure reads as the conclusion (one setting for both).
    tail = closing(evidence, TUNING.structure.conclusion_fallback_sentences, essay=by_length)
    candidates = _judgement_candidates(evidence, counting, tail, essay=by_length)
    if not candidates:
        return "none", ()
    ids = tuple(sorted({s.index for s in candidates}))
    # What the judgement weighs: the conclusion, and in an essay the paragraph that a one-sentence
    # conclusion opened by inference ("Therefore ...") draws from.
    weighed = (inferred_from(evidence, tail) if by_length else []) + tail
    tail_ids = {s.index for s in weighed} | set(ids)
    mentioned = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    reasoned = [s for s in weighed if s.role in ANALYTIC_ROLES and s.index in mentioned]
    count = development if by_length else len
    because = any("because" in sents[i].role_cues for i in ids)
    if not (
        count(reasoned) >= tuning.supported_min_reasons or (because and any(i in mentioned for i in ids))
    ):
        return "stated", ids
    evidence_items = {m.concept for m in evidence.mentions if m.concept and m.sent in tail_ids}
    evidence_items |= {str(d.year) for d in evidence.dates if d.sent in tail_ids}
    # Filler in the conclusion neither weighs anything nor makes it longer.
    analytic = [s for s in weighed if s.role in ANALYTIC_ROLES and not s.filler]
    words = sum(s.n_words for s in weighed if not s.filler)
    if (
        count(analytic) >= tuning.substantiated_min_analytic
        and len(evidence_items) >= tuning.substantiated_min_items
        and words >= tuning.substantiated_min_words
    ):
        return "substantiated", ids
    return "supported", ids


def inferred_from(evidence: Evidence, tail: list[Sentence]) -> list[Sentence]:
    """The argued sentences of the paragraph a one-sentence conclusion draws from, when it opens by
    inference ("Therefore the intervention was a secondary factor: ...", "So Rapallo was highly
    significant ...": :func:`~marker.roles.opens_by_inference`); otherwise none.

    Such a conclusion states what the paragraph before it argued, so that paragraph's weighing is
    the conclusion's, as it is when a pupil writes the two as one paragraph. A conclusion opened
    "Overall" or "In conclusion" sums up the whole essay and weighs only its own words.
    """
    if len(tail) != 1 or not opens_by_inference(tail[0].text):
        return []
    before = [s for s in evidence.argued_sentences() if s.paragraph < tail[0].paragraph]
    return [s for s in before if s.paragraph == before[-1].paragraph] if before else []


def _judgement_candidates(
    evidence: Evidence, counting: list[Sentence], tail: list[Sentence], essay: bool = False
) -> list[Sentence]:
    """Sentences that state a judgement: evaluative or concluding sentences of the closing
    paragraph, and evaluative conclusion openers late in the answer. A filler sentence ("Overall
    there were many reasons...") is none of them (:meth:`~marker.evidence.Evidence.may_judge`). In an
    essay a misspelt opener ("In conlusion") opens a conclusion too."""
    late = len(evidence.sentences) * TUNING.features.late_opener_share
    may_judge = evidence.may_judge()
    candidates = [s for s in tail if s.index in may_judge and judges(s, essay)]
    return candidates + [
        s
        for s in counting
        if s not in tail
        and s.index in may_judge
        and is_conclusion_opener(s.text, essay)
        and s.role == EVALUATION
        and s.index >= late
    ]


def model_similarity(evidence: Evidence, index: QuestionIndex) -> tuple[float, float | None]:
    """Cosine similarity to the closest model answer, and a mark estimated from the closest few."""
    # Only sentences that say something count, so padding cannot move the estimate.
    terms = [t for s in evidence.sentences if s.counts and not s.filler for t in s.terms]
    if index.model_matrix is None or not terms:
        return 0.0, None
    sims = (tfidf_rows(index.vectorizer, [Counter(terms)]) @ index.model_matrix.T).toarray()[0]
    order = np.argsort(-sims, kind="stable")[: TUNING.features.estimate_neighbours]
    top = sims[order]
    if top.sum() <= 0:
        return 0.0, None
    estimate = float((top * index.model_marks[order]).sum() / top.sum())
    return float(top[0]), estimate
