"""The meaning stage: how close an answer's sentences and the whole answer are in meaning to
the mark scheme's points and the model answers, with the encoder (all-MiniLM-L6-v2,
:mod:`marker.encoder`).

Reads the evidence's sentences and the answer's text, and the question's points, full-mark
model answers and question (from the :class:`~marker.index.QuestionIndex`); writes

- :func:`point_similarity`: each counting sentence's best cosine with each point's wordings
  (label, aliases, explanation), which the points stage reads to credit a point said in other
  words (every question with points: essays and short answers alike);
- :class:`Meaning` (:func:`understand`): for short answers marked by their match (the scheme's
  ``short_answers``), the answer's cosine with the closest model answer and with the question,
  and a word-by-word alignment: each content word piece of the model answer against its
  closest in the answer (recall), and the reverse (precision); for a key written in parts
  (``CoverageMarking.parts``), the same against each part alone (``Meaning.parts``).

The vectors of the model answers, the points' wordings and the question are made once per
rubric version and kept with the index (``QuestionIndex.cache``), and on disk between
processes (:mod:`marker.rubric_cache`, keyed by the texts and the encoder); those of answers and
sentences met lately are kept in this process (:func:`answer_vectors`). Thresholds are in
``TUNING.points.meaning_*``.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from spacy.lang.en.stop_words import STOP_WORDS

from . import rubric_cache
from .encoder import DIMENSION, TokenVectors, load_encoder
from .tuning import TUNING

if TYPE_CHECKING:
    from .evidence import Sentence
    from .index import QuestionIndex


@dataclass(frozen=True)
class Meaning:
    """How close the answer's meaning is to the closest model answer (all in -1..1, mostly 0..1)."""

    #: Cosine of the answer with the closest model answer.
    similarity: float
    #: Share of the answer's content aligned with the best model answer (mean best cosine).
    precision: float
    #: Share of the best model answer's content the answer says (mean best cosine).
    recall: float
    #: Cosine of the answer with the question (restating the question is not answering it).
    question_similarity: float
    #: log of (answer words + 1) / (model answer words + 1): a short fragment or a long essay.
    length_ratio: float
    #: The same against each part of a key written in parts (``CoverageMarking.parts``).
    parts: tuple[Meaning, ...] = ()

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def as_features(self) -> dict[str, float]:
        return {
            "meaning_similarity": self.similarity,
            "meaning_precision": self.precision,
            "meaning_recall": self.recall,
            "meaning_f1": round(self.f1, 4),
            "question_similarity": self.question_similarity,
            "length_ratio": self.length_ratio,
        }


NO_MEANING = Meaning(0.0, 0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class _Text:
    vector: np.ndarray
    content: np.ndarray  # content word pieces (stop words left out unless nothing else is left)
    n_words: int


def _prepared(tv: TokenVectors, text: str) -> _Text:
    keep = [i for i, t in enumerate(tv.tokens) if t.removeprefix("##") not in STOP_WORDS]
    content = tv.pieces[keep] if keep else tv.pieces
    return _Text(tv.vector, content, len(text.split()))


@dataclass(frozen=True)
class MeaningIndex:
    """The model answers and the question as vectors, made once per rubric version."""

    references: tuple[_Text, ...]
    question: _Text

    @classmethod
    def build(cls, model_texts: list[str], question: str) -> MeaningIndex:
        texts = [*model_texts, question]
        encoded = rubric_cache.encode_tokens(texts)
        prepared = [_prepared(tv, t) for tv, t in zip(encoded, texts, strict=True)]
        return cls(tuple(prepared[:-1]), prepared[-1])


def _align(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean best cosine of each row of ``a`` in ``b`` (precision) and of each row of ``b`` in ``a``."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    sims = a @ b.T
    return float(sims.max(axis=1).mean()), float(sims.max(axis=0).mean())


def meaning_index(index: QuestionIndex) -> MeaningIndex | None:
    """The question's model answers as vectors, made on first use and kept with the index."""
    if index.model_set is None or not index.model_set.texts:
        return None
    if "meaning" not in index.cache:
        index.cache["meaning"] = MeaningIndex.build(list(index.model_set.texts), index.question.question)
    return index.cache["meaning"]


#: Vectors of answers and sentences met lately, most recent last: a calibration of the same
#: scripts, a redraft's unchanged sentences and a padded copy are not encoded again.
_RECENT: OrderedDict[str, np.ndarray] = OrderedDict()
_RECENT_SIZE = 20_000
_RECENT_LOCK = threading.Lock()


def _remember(text: str, vector: np.ndarray) -> None:
    with _RECENT_LOCK:
        _RECENT[text] = vector
        _RECENT.move_to_end(text)
        while len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)


def forget_recent() -> None:
    """Drop the vectors kept of recent texts (benchmarks time marking without them)."""
    with _RECENT_LOCK:
        _RECENT.clear()


def part_indexes(index: QuestionIndex) -> tuple[MeaningIndex, ...]:
    """Each part of a key written in parts as vectors (its wordings, and the question), made on
    first use and kept with the index."""
    if "meaning_parts" not in index.cache:
        index.cache["meaning_parts"] = tuple(
            MeaningIndex.build(list(part.texts), index.question.question) for part in index.part_sets
        )
    return index.cache["meaning_parts"]


def answer_vectors(texts: list[str]) -> np.ndarray:
    """The unit meaning vectors of texts (those met lately in this process are not encoded again)."""
    with _RECENT_LOCK:
        known = {t: _RECENT[t] for t in texts if t in _RECENT}
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    if todo:
        for t, v in zip(todo, load_encoder().encode(todo), strict=True):
            known[t] = v
            _remember(t, v)
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    return np.stack([known[t] for t in texts])


def _unit_mean(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm else mean


def model_answers_centroid(texts: Sequence[str]) -> np.ndarray | None:
    """Where a question's model answers lie in meaning: each answer's paragraphs (split at blank
    lines) encoded, averaged per answer, and the answers averaged (unit length). The vectors are
    kept in the rubric cache, so a new process reads them. None without text."""
    answers = [[p.strip() for p in text.split("\n\n") if p.strip()] for text in texts]
    answers = [a for a in answers if a]
    if not answers:
        return None
    vectors = rubric_cache.encode([p for a in answers for p in a])
    per_answer, start = [], 0
    for a in answers:
        per_answer.append(_unit_mean(vectors[start : start + len(a)]))
        start += len(a)
    return _unit_mean(np.stack(per_answer))


def closest_question(paragraphs: Sequence[str], centroids: dict[str, np.ndarray]) -> str | None:
    """Of the questions whose model-answer centroids are given, the one an answer's paragraphs
    are closest to in meaning (the mean of their vectors). On the 120 validation essays this
    tells an answer written to a neighbouring question of the topic from a weak answer to the
    question itself in all but four (one answer to a neighbouring question reads as the
    question's, three weak or narrative answers as another's).

    >>> closest_question([], {"q": np.ones(DIMENSION)}) is None
    True
    """
    paragraphs = [p for p in paragraphs if p.strip()]
    if not paragraphs or not centroids:
        return None
    answer = _unit_mean(answer_vectors(list(paragraphs)))
    return max(centroids, key=lambda q: float(answer @ centroids[q]))


def point_vectors(index: QuestionIndex) -> list[np.ndarray]:
    """Per point of the mark scheme, the vectors of its wordings (label, aliases, explanation),
    made on first use and kept with the index."""
    if "points" not in index.cache:
        wordings = [
            [p.label, *p.aliases, *([p.explanation] if p.explanation else [])] for p in index.question.points
        ]
        flat = (
            rubric_cache.encode([w for ws in wordings for w in ws]) if wordings else np.zeros((0, DIMENSION))
        )
        out, start = [], 0
        for ws in wordings:
            out.append(flat[start : start + len(ws)])
            start += len(ws)
        index.cache["points"] = out
    return index.cache["points"]


def question_vector(index: QuestionIndex) -> np.ndarray:
    """The question's own vector, made once per rubric version and kept with the index."""
    if "question" not in index.cache:
        index.cache["question"] = rubric_cache.encode([index.question.question])[0]
    return index.cache["question"]


def point_similarity(sentences: Sequence[Sentence], index: QuestionIndex) -> np.ndarray | None:
    """The best cosine of each sentence with each point's wordings (sentences by their index,
    points in the scheme's order); 0 for sentences that cannot earn (repeats, copied text,
    filler, fragments) and where the sentence is closer to the question itself than to the
    point. None when the question has no points."""
    if not index.question.points or not sentences:
        return None
    min_words = TUNING.points.meaning_min_words
    # Only sentences that say something beyond the question's own words and stock essay words
    # ("the intervention had an impact on the outcome in some ways" says no point).
    given = index.question_terms | TUNING.evidence.generic_terms
    chosen = [
        s
        for s in sentences
        if s.counts and not s.filler and s.n_words >= min_words and any(t not in given for t in s.terms)
    ]
    sims = np.zeros((max(s.index for s in sentences) + 1, len(index.question.points)), dtype=np.float32)
    if not chosen:
        return sims
    vectors = answer_vectors([s.text for s in chosen])
    rows = [s.index for s in chosen]
    # A sentence closer to the question than to a point only restates the question ("the
    # intervention had an impact on the outcome"): it says no point, however close it sounds.
    restating = vectors @ question_vector(index)
    for j, wordings in enumerate(point_vectors(index)):
        if len(wordings):
            best = (vectors @ wordings.T).max(axis=1)
            sims[rows, j] = np.where(best > restating, best, 0.0)
    return sims


def prepare(index: QuestionIndex) -> None:
    """Load the encoder and make the question's vectors now (points, model answers, the
    question), so that the first answer is marked as quickly as the rest."""
    if index.question.points:
        point_vectors(index)
        question_vector(index)
    if index.scheme.short_answers:
        meaning_index(index)
        part_indexes(index)


def understand(text: str, index: QuestionIndex) -> Meaning:
    """The answer's :class:`Meaning` against the question's model answers (none: ``NO_MEANING``)."""
    return understand_many([text], index)[0]


def understand_many(texts: list[str], index: QuestionIndex) -> list[Meaning]:
    """:func:`understand` for many answers to one question, encoded together (faster)."""
    refs = meaning_index(index)
    parts = part_indexes(index) if refs is not None else ()
    todo = [t for t in texts if t.strip()] if refs is not None else []
    encoded = dict(zip(todo, load_encoder().encode_tokens(todo), strict=True)) if todo else {}
    out = []
    for text in texts:
        if text not in encoded or refs is None:
            out.append(NO_MEANING)
            continue
        answer = _prepared(encoded[text], text)
        _remember(text, answer.vector)
        _remember(text.strip(), answer.vector)  # a one-sentence answer is its own sentence
        whole = _compare(answer, refs)
        out.append(replace(whole, parts=tuple(_compare(answer, part) for part in parts)) if parts else whole)
    return out


def _compare(answer: _Text, refs: MeaningIndex) -> Meaning:
    similarity = max(float(answer.vector @ r.vector) for r in refs.references)
    best = (-1.0, 0.0, 0.0, 0)
    for ref in refs.references:
        precision, recall = _align(answer.content, ref.content)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        if f1 > best[0]:
            best = (f1, precision, recall, ref.n_words)
    _, precision, recall, ref_words = best
    return Meaning(
        similarity=round(similarity, 4),
        precision=round(precision, 4),
        recall=round(recall, 4),
        question_similarity=round(float(answer.vector @ refs.question.vector), 4),
        length_ratio=round(math.log((answer.n_words + 1) / (ref_words + 1)), 4),
    )
