"""The marking engine: answer text -> spaCy Doc -> stages -> Feedback.

The stages, one pass each, in this order (each module's docstring says what it reads and writes):

1. :mod:`marker.evidence`  Doc -> Evidence (the only stage that reads spaCy objects);
2. :mod:`marker.points`    the mark scheme's points credited;
3. :mod:`marker.structure` thesis, conclusion, the question's demand, drift;
4. :mod:`marker.features`  answer-level measures and judgement;
5. :mod:`marker.guards`    advisories, with the caps they put on gamed answers;
6. :mod:`marker.placement` the mark, by the question's scheme (levels, points or coverage);
7. :mod:`marker.advice`    the Feedback, with next steps (and :mod:`marker.factcheck` for dates).

What does not depend on the answer is built once per rubric version (:mod:`marker.index`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from sklearn import config_context
from spacy.language import Language
from spacy.tokens import Doc

from . import rubric_cache
from .advice import build_feedback, empty_feedback
from .answer_keys import read_model_answers
from .bank import QuestionBank, concept_entry, cue_prefix, point_entries
from .concepts import SPANS_KEY
from .errors import MAX_ANSWER_CHARS, AnswerTooLongError, MarkerError
from .evidence import Evidence, gather, terms_of
from .factcheck import check_facts
from .features import compute_features
from .feedback import Feedback
from .guards import check_answer
from .index import QuestionIndex
from .meaning import (
    NO_MEANING,
    Meaning,
    closest_question,
    model_answers_centroid,
    point_similarity,
    prepare,
    understand,
    understand_many,
)
from .nlp import build_pipeline
from .placement import scheme_for
from .points import score_points
from .relevance import subject_of
from .rubric import CoverageMarking, ModelAnswer, Question, Topic
from .similarity import ModelAnswerSet
from .structure import Structure, analyse


class Marker:
    """Marks answers against a question bank. Build once (it loads spaCy), then call many times::

        m = Marker()
        m.mark("rapallo-significance", "The Treaty of Rapallo...").mark

    Safe to share between threads (the Streamlit app does): the pipeline and the matcher's
    patterns are used under one lock, held while answers are parsed (not while they are scored).
    """

    def __init__(self, bank: QuestionBank | None = None, nlp: Language | None = None):
        self.bank = bank if bank is not None else QuestionBank.load()
        self.nlp = nlp if nlp is not None else build_pipeline(self.bank.entries(), rubric_cache.lemmatise)
        self._indexes: dict[tuple[str, str], QuestionIndex] = {}
        self._registered: set[str] = {e.key.rsplit(":", 1)[0] + ":" for e in self.bank.entries()}
        self._lock = threading.RLock()
        #: Model-answer centroids of a question and the other questions of its topic, by their texts.
        self._centroids: dict[tuple, dict[str, np.ndarray]] = {}

    # ------------------------------------------------------------------ questions

    def use_question(self, question: Question) -> None:
        """Add or replace a question in the bank (a teacher's saved edit)."""
        with self._lock:
            self.bank.add_question(question)
            self._register(question)

    def use_topic(self, topic: Topic) -> None:
        """Add a topic (a question built from model answers brings its own) and teach the matcher
        its concepts. Concept ids the matcher already knows keep their entries."""
        with self._lock:
            self.bank.topics.setdefault(topic.id, topic)
            matcher = self.nlp.get_pipe("marker_concepts")
            fresh = [e for e in map(concept_entry, topic.concepts) if e.key not in matcher.entries]
            if fresh:
                matcher.add_entries(fresh)

    @contextmanager
    def pipeline(self) -> Iterator[Language]:
        """The spaCy pipeline, held under the marker's lock, for parsing outside marking
        (building a question from model answers) while other threads mark."""
        with self._lock:
            yield self.nlp

    def use_model_answer(self, answer: ModelAnswer) -> None:
        """Add or replace a model answer (a teacher's saved edit)."""
        with self._lock:
            self.bank.add_model_answer(answer)

    def _register(self, question: Question) -> None:
        """Teach the matcher a rubric version's cue phrases (once per version)."""
        prefix = cue_prefix(question)
        if prefix not in self._registered:
            self.nlp.get_pipe("marker_concepts").add_entries(point_entries(question))
            self._registered.add(prefix)

    def index(self, question: Question, model_answers: list[ModelAnswer] | None = None) -> QuestionIndex:
        """The answer-independent part of marking a question, built once per rubric version."""
        answers = self.bank.answers_for(question.id) if model_answers is None else model_answers
        key = (question.id, question.version + "|" + ",".join(f"{a.name}:{a.intended_mark}" for a in answers))
        if key not in self._indexes:
            self._indexes[key] = build_index(self.nlp, question, self.bank.topic_for(question), answers)
        return self._indexes[key]

    def warm(self, question_id: str) -> bool:
        """Build a question's index now, so that its first answer is marked as quickly as the rest.

        Parsing the mark scheme and model answers, and making their meaning vectors, takes
        seconds: the app does it while the student writes. True if the index had to be built, False if it was there already.
        """
        with self._lock:
            question = self.bank.question(question_id)
            self._register(question)
            before = len(self._indexes)
            index = self.index(question)
            prepare(index)
            if index.scheme.essay:
                self._topic_centroids(index)  # asked of a weak essay (``guards``): ready before it comes
            return len(self._indexes) > before

    # ------------------------------------------------------------------ marking

    def mark(self, question_id: str, text: str) -> Feedback:
        """Mark one answer to a question of the bank."""
        return self.mark_many(question_id, [text])[0]

    def mark_many(
        self, question_id: str, texts: Iterable[str], batch_size: int = 16, n_process: int = 1
    ) -> list[Feedback]:
        """Mark many answers to one question of the bank in a single ``nlp.pipe`` pass."""
        return self.mark_question(
            self.bank.question(question_id), texts, batch_size=batch_size, n_process=n_process
        )

    def mark_question(
        self,
        question: Question,
        texts: Iterable[str],
        model_answers: list[ModelAnswer] | None = None,
        batch_size: int = 16,
        n_process: int = 1,
    ) -> list[Feedback]:
        """Mark answers against a question object, which need not be in the bank (a rubric being edited).

        Its topic must be in the bank. ``model_answers`` defaults to the bank's for its id.
        """
        texts = [check_text(t) for t in texts]
        with self._lock:
            self._register(question)
            index = self.index(question, model_answers)
        out: list[Feedback | None] = [None if t.strip() else empty_feedback(index) for t in texts]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        # The pipeline (with the matcher's patterns) is the only state marking shares, so the
        # lock is held while it parses, one batch at a time; the stages after it (the encoder
        # above all) run outside it, so that one answer is encoded while another thread's is
        # parsed, and many threads marking at once wait for each other only to parse.
        step = batch_size if n_process == 1 else max(1, len(todo))  # worker processes start once
        for start in range(0, len(todo), step):
            chunk = todo[start : start + step]
            with self._lock:
                docs = list(
                    self.nlp.pipe(
                        (texts[i] for i in chunk),
                        batch_size=batch_size,
                        n_process=n_process,
                        component_cfg=reading(index),
                    )
                )
            meanings = understand_many([texts[i] for i in chunk], index) if index.scheme.short_answers else []
            with _trusted_inputs():
                for k, (i, doc) in enumerate(zip(chunk, docs, strict=True)):
                    out[i] = self.mark_doc(index, doc, meanings[k] if meanings else None)
        return [fb for fb in out if fb is not None]

    def mark_doc(self, index: QuestionIndex, doc: Doc, meaning: Meaning | None = None) -> Feedback:
        """Mark an already-parsed answer (the Doc must come from this marker's pipeline, parsed
        with :func:`reading` of the question's index, as :meth:`mark_question` parses).

        One pass per stage, in order; each reads what the earlier ones wrote. ``meaning`` is
        the meaning stage's result when it was worked out for many answers together.
        """
        question = index.question
        evidence = gather(doc, index)
        points = score_points(evidence, index, point_similarity(evidence.sentences, index))
        structure = structure_of(evidence, index)
        if meaning is None:
            meaning = understand(evidence.text, index) if index.scheme.short_answers else NO_MEANING
        features = compute_features(evidence, points, index, structure, meaning)
        advisories = check_answer(
            evidence, features, question, structure, index.scheme, lambda: self._on_question(index, evidence)
        )
        placement = index.scheme.place(evidence, points, structure, features, advisories)
        facts = check_facts(evidence, index.topic, question)
        return build_feedback(
            question, index.topic, placement, points, facts, advisories, features, evidence, structure
        )

    def _on_question(self, index: QuestionIndex, evidence: Evidence) -> bool | None:
        """Whether an answer reads closer in meaning to its question's model answers than to those
        of any other question of the topic in the bank; None when no other has model answers."""
        centroids = self._topic_centroids(index)
        if centroids is None:
            return None
        by_paragraph: dict[int, list[str]] = {}
        for s in evidence.sentences:
            by_paragraph.setdefault(s.paragraph, []).append(s.text)
        paragraphs = [" ".join(texts) for texts in by_paragraph.values()]
        closest = closest_question(paragraphs, centroids)
        return None if closest is None else closest == index.question.id

    def _topic_centroids(self, index: QuestionIndex) -> dict[str, np.ndarray] | None:
        """The model-answer centroids of the index's question and of the other questions of its topic
        (:func:`~marker.meaning.model_answers_centroid`), made once per set of texts."""
        own = index.question
        with self._lock:
            texts = {own.id: tuple(a.text for a in index.model_answers)}
            for q in self.bank.questions.values():
                if q.topic == own.topic and q.id != own.id:
                    texts[q.id] = tuple(a.text for a in self.bank.answers_for(q.id))
        texts = {q: t for q, t in texts.items() if t}
        if own.id not in texts or len(texts) < 2:
            return None
        key = tuple(sorted(texts.items()))
        if key not in self._centroids:
            made = {q: model_answers_centroid(t) for q, t in texts.items()}
            self._centroids[key] = {q: c for q, c in made.items() if c is not None}
        return self._centroids[key]


def reading(index: QuestionIndex) -> dict[str, dict[str, bool]]:
    """spaCy's ``component_cfg`` for parsing answers to a question: in an essay marked by levels a
    misspelt word is read as the name, cue word or connective it misspells (``spelling``,
    :mod:`marker.concepts`); a short answer is read as written (on the public short-answer sets the
    spelling pass moved agreement). A new dict each time: spaCy's ``pipe`` adds keys to it.

    >>> from types import SimpleNamespace as NS
    >>> reading(NS(scheme=NS(essay=True))), reading(NS(scheme=NS(essay=False)))
    ({'marker_concepts': {'spelling': True}}, {})
    """
    return {SPANS_KEY: {"spelling": True}} if index.scheme.essay else {}


def _trusted_inputs():
    """scikit-learn without its checks of arguments and of NaN in arrays, for marking's own calls.

    Marking makes three TF-IDF rows per answer (its char n-grams against the model answers, its
    sentences' terms against the points, its terms against the model answers) and normalises
    each with scikit-learn's ``normalize`` (:func:`marker.similarity.tfidf_rows`), on arrays
    marker builds itself. scikit-learn checks each call's parameters and arrays first (when
    marking still called the vectorizers' ``transform``: about 1.4 ms of a 4 ms ``transform``
    of an essay, measured on this project's 2-core machine, 0.5 s of CPU in 120 essays). The
    results are the same with or without the checks; the setting is scikit-learn's thread-local
    configuration, so other threads keep theirs.
    """
    return config_context(assume_finite=True, skip_parameter_validation=True)


def structure_of(evidence: Evidence, index: QuestionIndex) -> Structure:
    """The structure stage (:mod:`marker.structure`), given what it needs of the question."""
    question = index.question
    prefix = cue_prefix(question, index.version)
    return analyse(
        evidence,
        index.question_terms,
        question.question,
        question.command_word,
        (question.period.start, question.period.end) if question.period else None,
        frozenset(prefix + p.id for p in question.points),
        frozenset(c for p in question.points for c in p.concepts),
        essay=index.scheme.essay,
    )


def check_text(text: str) -> str:
    if not isinstance(text, str):
        raise MarkerError(f"An answer must be text, not {type(text).__name__}.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerTooLongError(len(text))
    return text


def load_marker(questions: str | Path | None = None) -> Marker:
    """A marker over the shipped bank, or over the questions of an import file (see :mod:`marker.authoring`).

    Raises:
        RubricErrors: the file is malformed (every problem, with its line and field).
        MarkerError: the file does not exist.
    """
    if questions is None:
        return Marker()
    from .authoring import bank_from_specs, load_specs

    path = Path(questions)
    if not path.is_file():
        raise MarkerError(f"No such questions file: {path}")
    specs = load_specs(path)
    nlp = build_pipeline(lemmatiser=rubric_cache.lemmatise)
    bank = bank_from_specs(specs, nlp, str(path))
    nlp.get_pipe("marker_concepts").add_entries(bank.entries())
    return Marker(bank, nlp)


def build_index(nlp: Language, question: Question, topic: Topic, answers: list[ModelAnswer]) -> QuestionIndex:
    """Parse the mark scheme, the model answers and the question once, and build their index."""
    texts = [p.text for p in question.points] + [a.text for a in answers] + [question.question]
    wordings = [[p.label, *p.aliases] for p in question.points]
    # Parsed once per rubric version and kept on disk for the next process (marker.rubric_cache).
    docs = rubric_cache.parse(nlp, texts + [w for ws in wordings for w in ws])
    wording_docs = iter(docs[len(texts) :])
    docs = docs[: len(texts)]
    n = len(question.points)
    answer_docs = docs[n : n + len(answers)]
    top = max((a.intended_mark for a in answers), default=0)
    full = [d for a, d in zip(answers, answer_docs, strict=True) if a.intended_mark == top]
    model_set = ModelAnswerSet.build(full, docs[-1])
    point_terms, question_terms = [terms_of(d) for d in docs[:n]], terms_of(docs[-1])
    subject = subject_of(question_terms, point_terms)
    return QuestionIndex.build(
        question,
        topic,
        answers,
        point_terms=point_terms,
        answer_terms=[terms_of(d) for d in answer_docs],
        question_terms=question_terms,
        scheme=scheme_for(question, model_set, subject, topic.period or question.period),
        model_set=model_set,
        wording_terms=[[terms_of(next(wording_docs)) for _ in ws] for ws in wordings],
        part_sets=_part_sets(nlp, question, docs[-1]),
    )


def _part_sets(nlp: Language, question: Question, question_doc: Doc) -> tuple[ModelAnswerSet, ...]:
    """Each part of a key written in parts, read as the key of a 1-mark question (its alternatives
    and key idea), prepared as that part's full-mark answers."""
    marking = question.marking
    if not isinstance(marking, CoverageMarking) or not marking.parts:
        return ()
    out = []
    for part in marking.parts:
        read = read_model_answers(question.question, 1, [(part, 1, None)], 1, nlp)
        texts = [text for _name, text, _mark, _level in read.answers] or [part]
        out.append(ModelAnswerSet.build(rubric_cache.parse(nlp, texts), question_doc))
    return tuple(out)
