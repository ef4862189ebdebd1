"""Scores from evidence: point coverage, similarity, precision, the levels ladder and the mark.

Pure functions over :class:`~marker.evidence.Evidence` and a :class:`QuestionIndex`
(the question with its TF-IDF space built from the mark scheme and model answers).
Deterministic: the same answer always gets the same result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .bank import cue_prefix, reject_key
from .evidence import ANALYTIC_ROLES, Evidence
from .roles import COUNTER
from .rubric import CoverageMarking, Level, LevelCriteria, LevelsMarking, ModelAnswer, Question, Topic
from .similarity import NO_MATCH, STEM, Match, ModelAnswerSet
from .structure import Structure

CREDITED, PARTIAL, MISSING = "credited", "partial", "missing"
#: A point is credited from this strength, partly covered from PARTIAL_AT.
CREDIT_AT, PARTIAL_AT = 0.6, 0.3
#: Kinds of concept that count as specific evidence (a name, not a general idea).
SPECIFIC_KINDS = {"person", "place", "organisation", "group", "event", "treaty"}
JUDGEMENT_ORDER = ("none", "stated", "supported", "substantiated")
#: Criteria that best fit cannot waive: judgement and balance are what separate the top levels.
KEY_CRITERIA = frozenset({"judgement", "balance"})


def _identity(terms):
    return terms


@dataclass
class QuestionIndex:
    """Everything about a question that does not depend on the answer, built once per rubric version."""

    question: Question
    topic: Topic
    model_answers: list[ModelAnswer]
    vectorizer: TfidfVectorizer
    point_matrix: sparse.csr_matrix
    model_matrix: sparse.csr_matrix | None
    model_marks: np.ndarray
    question_terms: frozenset[str]
    concept_kinds: dict[str, str]
    #: Content lemmas of the mark scheme's points and the question: a sentence using none is filler.
    scheme_terms: frozenset[str] = frozenset()
    #: Runs of COPY_RUN words of the model answers, to spot copied text.
    source_runs: frozenset[tuple[str, ...]] = frozenset()
    #: Runs of six words of the question, to spot an answer that only repeats it.
    question_runs: frozenset[tuple[str, ...]] = frozenset()
    #: The full-mark model answers, for coverage marking and the match features.
    model_set: ModelAnswerSet | None = None
    #: Per point, the content words of each of its wordings (label and aliases), cut to six letters.
    point_wordings: tuple[tuple[frozenset[str], ...], ...] = ()

    @classmethod
    def build(
        cls,
        question: Question,
        topic: Topic,
        model_answers: list[ModelAnswer],
        point_terms: list[tuple[str, ...]],
        answer_terms: list[tuple[str, ...]],
        question_terms: tuple[str, ...],
        model_set: ModelAnswerSet | None = None,
        wording_terms: list[list[tuple[str, ...]]] | None = None,
    ) -> QuestionIndex:
        """Fit the TF-IDF space on the mark scheme's own words and the model answers."""
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1)
        vectorizer.fit([*point_terms, *answer_terms, question_terms])
        point_matrix = vectorizer.transform(point_terms)
        model_matrix = vectorizer.transform(answer_terms) if answer_terms else None
        # Restating the question is normal; copying a model answer is not. The question's own
        # runs are kept apart (question_runs) for the answer-level "copied the question" check.
        sources = [a.text for a in model_answers]
        return cls(
            scheme_terms=frozenset(
                t
                for terms in [*point_terms, question_terms]
                for t in terms
                if len(t) > 2 and t not in GENERIC_TERMS
            ),
            source_runs=frozenset(run for text in sources for run in word_runs(words_of(text))),
            question_runs=frozenset(word_runs(words_of(question.question), 6)),
            model_set=model_set,
            point_wordings=tuple(
                tuple(frozenset(t[:STEM] for t in terms) for terms in wordings)
                for wordings in (wording_terms or [])
            ),
            question=question,
            topic=topic,
            model_answers=model_answers,
            vectorizer=vectorizer,
            point_matrix=point_matrix,
            model_matrix=model_matrix,
            model_marks=np.array([a.intended_mark for a in model_answers], dtype=float),
            question_terms=frozenset(question_terms),
            concept_kinds={c.id: c.kind for c in topic.concepts},
        )


#: Essay words that any answer to any question may use: they do not tie a sentence to this one.
GENERIC_TERMS = frozenset(
    [
        "important",
        "importance",
        "significant",
        "significance",
        "reason",
        "reasons",
        "factor",
        "factors",
        "question",
        "answer",
        "evidence",
        "historian",
        "historians",
        "argue",
        "argument",
        "view",
        "conclusion",
        "overall",
        "show",
        "shows",
        "mean",
        "means",
        "way",
        "ways",
        "time",
        "long",
        "lot",
        "many",
        "different",
        "consider",
        "considered",
        "matter",
        "mattered",
        "change",
        "changed",
        "result",
        "results",
        "cause",
        "caused",
        "effect",
        "effects",
        "impact",
        "impacts",
        "main",
        "key",
        "major",
        "minor",
        "great",
        "greater",
        "greatest",
        "policy",
        "period",
        "year",
        "years",
        "event",
        "events",
        "thing",
        "things",
        "point",
        "points",
        "extent",
        "far",
        "whole",
        "clear",
        "clearly",
        "also",
        "however",
        "although",
        "therefore",
        "thus",
        "new",
        "old",
        "good",
        "bad",
        "first",
        "second",
        "third",
        "look",
        "reach",
        "need",
        "take",
        "make",
        "give",
        "come",
        "see",
        "know",
        "think",
        "seem",
        "use",
        "try",
        "begin",
        "keep",
        "hold",
        "find",
        "put",
        "get",
        "say",
        "tell",
        "call",
        "work",
        "bring",
        "happen",
        "provide",
        "include",
        "continue",
        "understand",
        "discuss",
        "discussed",
        "carefully",
        "careful",
        "lot",
        "deal",
        "part",
        "fact",
        "case",
    ]
)

#: Copied text is found as shared runs of this many words.
COPY_RUN = 8
#: A sentence at least this much inside copied runs counts as copied...
COPIED_SHARE = 0.6
#: ...when that is at least this many words.
COPY_MIN_WORDS = 12
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_runs(words: list[str], n: int = COPY_RUN) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def copied_share(words: list[str], runs: frozenset[tuple[str, ...]], n: int = COPY_RUN) -> float:
    """Share of the words that sit inside a run of ``n`` words found in the sources.

    >>> src = frozenset(word_runs("the treaty broke the isolation of soviet russia in april".split()))
    >>> copied_share("indeed the treaty broke the isolation of soviet russia in april".split(), src)
    0.9090909090909091
    """
    if len(words) < n or not runs:
        return 0.0
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in runs:
            covered[i : i + n] = [True] * n
    return sum(covered) / len(words)


def prepare(evidence: Evidence, index: QuestionIndex) -> Evidence:
    """Mark the sentences that are copied or say nothing about this question."""
    q = index.question
    cue = cue_prefix(q)
    anchored = {m.sent for m in evidence.mentions if m.concept or m.key.startswith(cue)}
    anchored |= {d.sent for d in evidence.dates}
    sentences = []
    for s in evidence.sentences:
        words = words_of(s.text)
        share = copied_share(words, index.source_runs)
        # A stock phrase shared with a model answer ("a limited impact on the outcome of the
        # Civil War") is not copying: a copied sentence has most of its words, and at least
        # COPY_MIN_WORDS of them, inside runs taken from a model answer.
        copied = share >= COPIED_SHARE and share * len(words) >= COPY_MIN_WORDS
        filler = s.index not in anchored and len(set(s.terms) & index.scheme_terms) < 2
        sentences.append(replace(s, copied=copied, filler=filler) if (copied or filler) else s)
    return replace(evidence, sentences=tuple(sentences))


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


@dataclass(frozen=True)
class CriterionResult:
    name: str
    required: float | bool | str
    actual: float | bool | str
    status: str  # "met" | "nearly" | "not met"
    description: str
    #: Words of the answer that show it (for the criteria where a sentence can).
    evidence: tuple[Quote, ...] = ()


@dataclass(frozen=True)
class LevelCheck:
    level: int
    marks: tuple[int, int]
    descriptor: str
    reached: bool
    criteria: tuple[CriterionResult, ...]


@dataclass
class Placement:
    mark: int
    level: int | None
    band: tuple[int, int] | None
    ladder: list[LevelCheck] = field(default_factory=list)
    explanation: str = ""


# --------------------------------------------------------------------------- points


def score_points(evidence: Evidence, index: QuestionIndex) -> list[PointResult]:
    """How well each point of the mark scheme is covered, with the words that earned it."""
    q = index.question
    sents = evidence.sentences
    if not sents:
        return [PointResult(p.id, p.label, p.theme, p.weight, MISSING, 0.0) for p in q.points]
    sim = (index.vectorizer.transform([s.terms for s in sents]) @ index.point_matrix.T).toarray()
    by_sent: dict[int, list] = {}
    for m in evidence.mentions:
        by_sent.setdefault(m.sent, []).append(m)
    prefix, reject_prefix = cue_prefix(q), reject_key(q, "")
    # Short-answer questions with no period (a science question, one built from model answers)
    # also credit a sentence that says most of a point's own words, in any order and form:
    # "water and carbon dioxide are taken in" says "carbon dioxide is taken in". History
    # points keep to their cue phrases and concepts, which the validation set was tuned on.
    by_words = q.kind != "levels" and q.period is None and len(index.point_wordings) == len(q.points)
    stems = [frozenset(t[:STEM] for t in s.terms) for s in sents] if by_words else []
    given = frozenset(t[:STEM] for t in index.question_terms)
    results = []
    for j, point in enumerate(q.points):
        key, rejected = prefix + point.id, reject_prefix + point.id
        concepts = set(point.concepts)
        best, best_sents = 0.0, []
        for s in sents:
            if not s.counts:
                continue
            ms = by_sent.get(s.index, [])
            if any(m.key == rejected for m in ms):
                continue
            cue_hits = {m.text.lower() for m in ms if m.key == key}
            concept_hits = {m.concept for m in ms if m.concept in concepts}
            score = (
                0.5 * bool(cue_hits)
                + 0.15 * (len(cue_hits) >= 2)
                + 0.2 * bool(concept_hits)
                + 0.1 * (len(concept_hits) >= 2)
                + min(0.35, float(sim[s.index, j]))
            )
            if by_words:
                score = max(score, _wording_recall(stems[s.index], index.point_wordings[j], given))
            if not s.is_claim:
                score *= 0.5  # named but not used to claim anything
            score = min(score, 1.0)
            if score >= PARTIAL_AT:
                best_sents.append((score, s))
            best = max(best, score)
        best_sents.sort(key=lambda t: (-t[0], t[1].index))
        chosen = [s for _score, s in best_sents[:2]]
        quotes = tuple(Quote(s.start, s.end, s.text) for s in sorted(chosen, key=lambda s: s.index))
        chosen_ids = {s.index for s in chosen}
        cues = tuple(
            Quote(m.start, m.end, m.text)
            for m in evidence.mentions
            if m.sent in chosen_ids and (m.key == key or m.concept in concepts)
        )
        status = CREDITED if best >= CREDIT_AT else PARTIAL if best >= PARTIAL_AT else MISSING
        results.append(
            PointResult(
                point.id,
                point.label,
                point.theme,
                point.weight,
                status,
                round(best, 3),
                quotes if status != MISSING else (),
                cues if status != MISSING else (),
            )
        )
    return results


def _wording_recall(
    said: frozenset[str], wordings: tuple[frozenset[str], ...], given: frozenset[str]
) -> float:
    """The best share of a wording's content words that a sentence says (the question's own words aside).

    >>> _wording_recall(frozenset({"water", "absorb"}), (frozenset({"water", "absorb", "root"}),), frozenset())
    0.667
    """
    best = 0.0
    for words in wordings:
        wanted = (words - given) or words
        if wanted:
            best = max(best, len(said & wanted) / len(wanted))
    return round(best, 3)


# --------------------------------------------------------------------------- features


def judgement_status(evidence: Evidence) -> tuple[str, tuple[int, ...]]:
    """How far the answer reaches a judgement, and the sentences that state it.

    - "stated": a concluding or evaluative sentence at the end (or opened as a conclusion);
    - "supported": the conclusion also gives reasons with evidence (two analytic
      sentences naming events or dates, or a judgement that says "because");
    - "substantiated": the conclusion is a developed weighing: at least two analytic
      sentences, three distinct pieces of evidence and some fifty words.
    """
    from .roles import EVALUATION, is_conclusion_opener

    sents = evidence.sentences
    counting = evidence.argued_sentences()
    if not counting:
        return "none", ()
    last_para = counting[-1].paragraph
    one_paragraph = len({s.paragraph for s in counting}) == 1
    tail = counting[-2:] if one_paragraph else [s for s in counting if s.paragraph == last_para]
    candidates = [s for s in tail if s.role == EVALUATION or (s.is_claim and is_conclusion_opener(s.text))]
    candidates += [
        s
        for s in counting
        if s not in tail
        and is_conclusion_opener(s.text)
        and s.role == EVALUATION
        and s.index >= len(sents) * 0.6
    ]
    if not candidates:
        return "none", ()
    ids = tuple(sorted({s.index for s in candidates}))
    tail_ids = {s.index for s in tail} | set(ids)
    mentioned = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    reasoned = [s for s in tail if s.role in ANALYTIC_ROLES and s.index in mentioned]
    because = any("because" in sents[i].role_cues for i in ids)
    if not (len(reasoned) >= 2 or (because and any(i in mentioned for i in ids))):
        return "stated", ids
    evidence_items = {m.concept for m in evidence.mentions if m.concept and m.sent in tail_ids}
    evidence_items |= {str(d.year) for d in evidence.dates if d.sent in tail_ids}
    analytic = [s for s in tail if s.role in ANALYTIC_ROLES]
    words = sum(s.n_words for s in tail)
    if len(analytic) >= 2 and len(evidence_items) >= 3 and words >= 50:
        return "substantiated", ids
    return "supported", ids


def criterion_evidence(
    evidence: Evidence, points: list[PointResult], structure: Structure | None
) -> dict[str, tuple[Quote, ...]]:
    """For each criterion of the ladder, up to two quotations of the answer that show it."""

    def quote(s) -> Quote:
        return Quote(s.start, s.end, s.text)

    usable = [s for s in evidence.sentences if s.counts and not s.filler and s.n_words >= 4]
    analytic = [s for s in usable if s.is_claim and s.role in ANALYTIC_ROLES]
    named = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    out: dict[str, tuple[Quote, ...]] = {
        "points": tuple(q for p in points if p.status == CREDITED for q in p.evidence[:1])[:2],
        "analysis": tuple(quote(s) for s in analytic[:2]),
        "development": tuple(quote(s) for s in analytic[2:4]),
        "precision": tuple(quote(s) for s in usable if s.index in named and s.is_claim)[:2],
        "balance": tuple(quote(s) for s in analytic if s.role == COUNTER)[:2],
    }
    if structure is not None and structure.conclusion:
        by_index = {s.index: s for s in evidence.sentences}
        out["judgement"] = tuple(quote(by_index[i]) for i in structure.conclusion[:2])
    return out


def compute_features(
    evidence: Evidence,
    points: list[PointResult],
    index: QuestionIndex,
    structure: Structure | None = None,
    match: Match = NO_MATCH,
) -> Features:
    sents = evidence.sentences
    weights = [p.weight for p in points]
    mean_w = sum(weights) / len(weights)
    credit = {CREDITED: 1.0, PARTIAL: 0.5, MISSING: 0.0}
    weighted = sum(credit[p.status] * p.weight / mean_w for p in points)
    coverage = sum(credit[p.status] * p.weight for p in points) / sum(weights)
    # Repeats, copied text and filler earn nothing: padding an answer cannot raise its mark.
    substantive = [s for s in sents if s.n_words >= 4 and s.counts and not s.filler]
    analytic = [s for s in substantive if s.is_claim and s.role in ANALYTIC_ROLES]
    analysis_share = len(analytic) / len(substantive) if substantive else 0.0
    mentioned = {m.sent for m in evidence.mentions if m.concept} | {d.sent for d in evidence.dates}
    counter_points = {p.id for p in points if p.theme == "counter-argument" and p.status != MISSING}
    balance = bool(counter_points) or any(s.role == COUNTER and s.index in mentioned for s in sents)
    judgement, _ = judgement_status(evidence)
    if structure is not None and not structure.answers_demand and judgement in ("supported", "substantiated"):
        judgement = (
            "stated"  # a conclusion that does not answer the question's demand is not a judgement on it
        )
    claims = {s.index for s in sents if s.is_claim}
    specifics = {
        m.concept
        for m in evidence.mentions
        if m.concept and m.sent in claims and index.concept_kinds.get(m.concept) in SPECIFIC_KINDS
    }
    dates = {(d.year, d.month) for d in evidence.dates if d.sent in claims}
    precision = len(specifics) + len(dates) + min(len(evidence.figures), 3)
    similarity, estimate = model_similarity(evidence, index)
    words_in_lists = sum(s.n_words for s in sents if s.is_list)
    return Features(
        n_words=evidence.n_words,
        n_sentences=len(sents),
        n_paragraphs=evidence.n_paragraphs,
        n_claims=sum(1 for s in substantive if s.is_claim),
        n_analytic=len(analytic),
        points_credited=sum(p.status == CREDITED for p in points),
        points_partial=sum(p.status == PARTIAL for p in points),
        coverage=round(coverage, 3),
        weighted_points=round(weighted, 2),
        analysis_share=round(analysis_share, 3),
        balance=balance,
        judgement=judgement,
        precision=precision,
        similarity=round(similarity, 3),
        model_estimate=None if estimate is None else round(estimate, 1),
        list_share=round(words_in_lists / evidence.n_words, 3) if evidence.n_words else 0.0,
        distinct_concepts=len(evidence.concept_ids()),
        answers_demand=bool(structure and structure.answers_demand),
        n_drifting=len(structure.drifting) if structure else 0,
        filler_share=round(sum(s.n_words for s in sents if s.filler) / evidence.n_words, 3)
        if evidence.n_words
        else 0.0,
        copied_share=round(sum(s.n_words for s in sents if s.copied) / evidence.n_words, 3)
        if evidence.n_words
        else 0.0,
        question_share=round(copied_share(words_of(evidence.text), index.question_runs, 6), 3),
        match_score=match.score,
        match_recall=match.recall,
        clause_recall=match.clause_recall,
        char_similarity=match.char_similarity,
        negation_mismatch=match.negation_mismatch,
    )


def model_similarity(evidence: Evidence, index: QuestionIndex) -> tuple[float, float | None]:
    """Cosine similarity to the closest model answer, and a mark estimated from the two closest."""
    # Only sentences that say something count, so padding cannot move the estimate.
    terms = [t for s in evidence.sentences if s.counts and not s.filler for t in s.terms]
    if index.model_matrix is None or not terms:
        return 0.0, None
    sims = (index.vectorizer.transform([terms]) @ index.model_matrix.T).toarray()[0]
    order = np.argsort(-sims, kind="stable")[:2]
    top = sims[order]
    if top.sum() <= 0:
        return 0.0, None
    estimate = float((top * index.model_marks[order]).sum() / top.sum())
    return float(top[0]), estimate


# --------------------------------------------------------------------------- levels

# Default criteria for the levels of a five-level scheme, lowest first; other schemes are
# read off the same curve by the level's position (level / number of levels).
# Tuned on the shipped model answers (see the closing note of issue 2); a rubric can
# override any of them per level.
_POINT_SHARE = (0.04, 0.2, 0.35, 0.6, 0.7)
_ANALYSIS = (0.0, 0.1, 0.25, 0.35, 0.38)
_BALANCE = (False, False, False, True, True)
_JUDGEMENT = ("none", "none", "none", "stated", "substantiated")
_PRECISION_25 = (0, 2, 6, 15, 26)
_DEVELOPED_25 = (0, 2, 6, 11, 13)


def default_criteria(level: int, n_levels: int, n_points: int, max_mark: int) -> LevelCriteria:
    """What a level needs by default, from its position in the scheme.

    >>> default_criteria(5, 5, 10, 25).judgement
    'substantiated'
    """
    i = min(4, max(0, round(level / n_levels * 5) - 1))
    scale = min(1.0, max_mark / 25)
    return LevelCriteria(
        min_points=round(_POINT_SHARE[i] * n_points, 2),
        min_analysis=_ANALYSIS[i],
        balance=_BALANCE[i],
        judgement=_JUDGEMENT[i],
        min_precision=round(_PRECISION_25[i] * scale),
        min_developed=round(_DEVELOPED_25[i] * scale),
    )


def _criteria_for(level: Level, marking: LevelsMarking, question: Question) -> LevelCriteria:
    base = default_criteria(level.level, len(marking.levels), len(question.points), question.max_mark)
    given = level.criteria.model_dump(exclude_none=True)
    return base.model_copy(update=given)


def _numeric(name: str, required: float, actual: float, description: str) -> CriterionResult:
    if actual >= required:
        status = "met"
    elif required > 0 and actual >= 0.75 * required:
        status = "nearly"
    else:
        status = "not met"
    return CriterionResult(name, required, actual, status, description)


_JUDGEMENT_TEXT = {
    1: "reaches a judgement",
    2: "reaches a judgement supported by evidence",
    3: "reaches a well-substantiated judgement (a developed conclusion weighing the evidence)",
}


def check_level(
    level: Level, criteria: LevelCriteria, f: Features, quotes: dict[str, tuple[Quote, ...]] | None = None
) -> LevelCheck:
    quotes = quotes or {}
    results = [
        _numeric(
            "points",
            criteria.min_points or 0,
            f.weighted_points,
            f"covers at least {criteria.min_points:g} points of the mark scheme (weighted)",
        ),
        _numeric(
            "analysis",
            criteria.min_analysis or 0,
            f.analysis_share,
            f"at least {criteria.min_analysis:.0%} of sentences explain, analyse or evaluate",
        ),
        _numeric(
            "precision",
            criteria.min_precision or 0,
            f.precision,
            f"at least {criteria.min_precision} specific details (dates, names, events, figures)",
        ),
        _numeric(
            "development",
            criteria.min_developed or 0,
            f.n_analytic,
            f"at least {criteria.min_developed} distinct sentences that explain, analyse or evaluate",
        ),
    ]
    if criteria.balance:
        results.append(
            CriterionResult(
                "balance",
                True,
                f.balance,
                "met" if f.balance else "not met",
                "weighs other factors or a counter-argument",
            )
        )
    need = JUDGEMENT_ORDER.index(criteria.judgement or "none")
    have = JUDGEMENT_ORDER.index(f.judgement)
    if need:
        status = "met" if have >= need else "nearly" if have == need - 1 and have > 0 else "not met"
        results.append(
            CriterionResult(
                "judgement",
                criteria.judgement,
                f.judgement,
                status,
                _JUDGEMENT_TEXT[need],
            )
        )
    # A criterion asking for nothing ("at least 0 details") explains nothing: leave it out.
    results = [replace(r, evidence=quotes.get(r.name, ())) for r in results if r.required not in (0, 0.0)]
    statuses = [r.status for r in results]
    key_short = any(r.status != "met" for r in results if r.name in KEY_CRITERIA)
    reached = not key_short and "not met" not in statuses and statuses.count("nearly") <= 1
    return LevelCheck(level.level, tuple(level.marks), level.descriptor, reached, tuple(results))


def place_levels(
    question: Question,
    f: Features,
    cap_level: int | None = None,
    quotes: dict[str, tuple[Quote, ...]] | None = None,
) -> Placement:
    """Start at the lowest level and move up while the answer meets it; then place within the band."""
    marking = question.marking
    assert isinstance(marking, LevelsMarking)
    ladder = [check_level(lv, _criteria_for(lv, marking, question), f, quotes) for lv in marking.levels]
    if f.points_credited + f.points_partial == 0 and f.distinct_concepts == 0:
        return Placement(
            0, 0, (0, 0), ladder, "No creditable content: nothing relevant to the question was found."
        )
    reached = 0
    for check in ladder:
        if not check.reached:
            break
        reached = check.level
    if reached == 0:
        missing = ", ".join(c.description for c in ladder[0].criteria if c.status != "met")
        low = ladder[0].marks[0]
        return Placement(
            low,
            1,
            tuple(ladder[0].marks),
            ladder,
            f"Bottom of level 1: some relevant knowledge, but level 1 is not fully met ({missing}).",
        )
    capped = cap_level is not None and reached > cap_level
    if capped:
        reached = max(cap_level, 0)
    if reached == 0:
        return Placement(0, 0, (0, 0), ladder, "Held at 0 marks by an advisory (see advisories).")
    current = ladder[reached - 1]
    low, high = current.marks
    nxt = ladder[reached] if reached < len(ladder) else None
    frac = 0.5
    reasons = []
    if nxt is not None and not capped:
        share = sum({"met": 1.0, "nearly": 0.5}.get(c.status, 0.0) for c in nxt.criteria) / max(
            1, len(nxt.criteria)
        )
        frac = 0.2 + 0.6 * share
        missing = [c.name for c in nxt.criteria if c.status != "met"]
        if missing:
            reasons.append(f"short of level {nxt.level} on {', '.join(missing)}")
    elif nxt is None:
        margins = [min(2.0, _margin(c)) for c in current.criteria]
        frac = min(1.0, 0.4 + 0.3 * (sum(margins) / max(1, len(margins))))
    if any(c.status == "nearly" for c in current.criteria):
        frac -= 0.2
        reasons.append(
            "only nearly meets " + ", ".join(c.name for c in current.criteria if c.status == "nearly")
        )
    if f.model_estimate is not None and not capped:
        mid = (low + high) / 2
        frac += max(-0.1, min(0.1, (f.model_estimate - mid) / max(1, high - low) * 0.2))
    frac = min(1.0, max(0.0, frac))
    mark = low + round(frac * (high - low))
    position = "bottom" if frac < 0.34 else "middle" if frac < 0.67 else "top"
    text = f"Level {reached}, {position} of the band ({low}-{high})"
    if capped:
        text += f": held at level {reached} by an advisory"
    if reasons:
        text += ": " + "; ".join(reasons)
    return Placement(mark, reached, (low, high), ladder, text + ".")


def _margin(c: CriterionResult) -> float:
    if isinstance(c.required, bool | str):
        return 1.0 if c.status == "met" else 0.0
    if not c.required:
        return 1.0
    return float(c.actual) / float(c.required)


def place_points(question: Question, points: list[PointResult], cap_mark: int | None = None) -> Placement:
    n = sum(p.status == CREDITED for p in points)
    mark = question.marking.mark_for(n, question.max_mark)
    text = f"{n} point{'s' if n != 1 else ''} credited"
    if cap_mark is not None and mark > cap_mark:
        mark = cap_mark
        text += f"; held at {cap_mark} by an advisory"
    return Placement(mark, None, None, [], text + f": {mark}/{question.max_mark}.")


def place_coverage(
    question: Question, match: Match, full_at: float, cap_mark: int | None = None
) -> Placement:
    """Marks in proportion to the match with the closest model answer (full marks at ``full_at``)."""
    marking = question.marking
    assert isinstance(marking, CoverageMarking)
    full_at = marking.full_at or full_at
    mark = marking.mark_for(match.score, full_at, question.max_mark)
    share = min(match.score / full_at, 1.0)
    text = f"The answer says {share:.0%} of what a full-mark answer says"
    if match.said:
        text += f" (it has: {', '.join(match.said[:6])}"
        text += f"; it lacks: {', '.join(match.unsaid[:6])})" if match.unsaid else ")"
    if match.negation_mismatch:
        text += "; it negates what the model answer states (or the reverse)"
    if cap_mark is not None and mark > cap_mark:
        mark = cap_mark
        text += f"; held at {cap_mark} by an advisory"
    return Placement(mark, None, None, [], text + f": {mark}/{question.max_mark}.")
