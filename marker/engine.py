"""The marking engine: answer text -> spaCy Doc -> evidence -> scores -> Feedback."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from .bank import QuestionBank, concept_entry, cue_prefix, point_entries
from .errors import MAX_ANSWER_CHARS, AnswerTooLongError, MarkerError
from .evidence import extract, terms_of
from .factcheck import check_facts
from .feedback import Feedback, build_feedback
from .guards import Advisory, check_answer
from .nlp import build_pipeline
from .rubric import ModelAnswer, Question, Topic
from .scoring import (
    MISSING,
    Placement,
    PointResult,
    QuestionIndex,
    compute_features,
    criterion_evidence,
    place_coverage,
    place_levels,
    place_points,
    prepare,
    score_points,
)
from .similarity import NO_MATCH, ModelAnswerSet
from .structure import analyse


class Marker:
    """Marks answers against a question bank. Build once (it loads spaCy), then call many times::

        m = Marker()
        m.mark("rapallo-significance", "The Treaty of Rapallo...").mark

    Safe to share between threads (the Streamlit app does): the pipeline and the matcher's
    patterns are used under one lock.
    """

    def __init__(self, bank: QuestionBank | None = None, nlp: Language | None = None):
        self.bank = bank if bank is not None else QuestionBank.load()
        self.nlp = nlp if nlp is not None else build_pipeline(self.bank.entries())
        self._indexes: dict[tuple[str, str], QuestionIndex] = {}
        self._registered: set[str] = {e.key.rsplit(":", 1)[0] + ":" for e in self.bank.entries()}
        self._lock = threading.RLock()

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
            texts = [p.text for p in question.points] + [a.text for a in answers] + [question.question]
            wordings = [[p.label, *p.aliases] for p in question.points]
            docs = list(self.nlp.pipe(texts + [w for ws in wordings for w in ws]))
            wording_docs = iter(docs[len(texts) :])
            docs = docs[: len(texts)]
            n = len(question.points)
            answer_docs = docs[n : n + len(answers)]
            top = max((a.intended_mark for a in answers), default=0)
            full = [d for a, d in zip(answers, answer_docs, strict=True) if a.intended_mark == top]
            self._indexes[key] = QuestionIndex.build(
                question,
                self.bank.topic_for(question),
                answers,
                point_terms=[terms_of(d) for d in docs[:n]],
                answer_terms=[terms_of(d) for d in docs[n : n + len(answers)]],
                question_terms=terms_of(docs[-1]),
                model_set=ModelAnswerSet.build(full, docs[-1]),
                wording_terms=[[terms_of(next(wording_docs)) for _ in ws] for ws in wordings],
            )
        return self._indexes[key]

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
            docs = self.nlp.pipe((texts[i] for i in todo), batch_size=batch_size, n_process=n_process)
            for i, doc in zip(todo, docs, strict=True):
                out[i] = self.mark_doc(index, doc)
        return [fb for fb in out if fb is not None]

    def mark_doc(self, index: QuestionIndex, doc: Doc) -> Feedback:
        """Mark an already-parsed answer (the Doc must come from this marker's pipeline)."""
        question, topic = index.question, index.topic
        evidence = prepare(extract(doc), index)
        points = score_points(evidence, index)
        structure = analyse(
            evidence,
            index.question_terms,
            question.question,
            question.command_word,
            (question.period.start, question.period.end) if question.period else None,
            frozenset(cue_prefix(question) + p.id for p in question.points),
            frozenset(c for p in question.points for c in p.concepts),
        )
        match = index.model_set.match(doc) if index.model_set else NO_MATCH
        features = compute_features(evidence, points, index, structure, match)
        advisories = check_answer(evidence, features, question, structure)
        caps_level = [a.cap_level for a in advisories if a.cap_level is not None]
        caps_mark = [a.cap_mark for a in advisories if a.cap_mark is not None]
        if question.kind == "levels":
            quotes = criterion_evidence(evidence, points, structure)
            placement = place_levels(question, features, min(caps_level) if caps_level else None, quotes)
        elif question.kind == "coverage":
            full_at = index.model_set.full_at if index.model_set else 0.5
            placement = place_coverage(question, match, full_at, min(caps_mark) if caps_mark else None)
        else:
            placement = place_points(question, points, min(caps_mark) if caps_mark else None)
        facts = check_facts(evidence, topic, question)
        return build_feedback(
            question, topic, placement, points, facts, advisories, features, evidence, structure
        )


def check_text(text: str) -> str:
    if not isinstance(text, str):
        raise MarkerError(f"An answer must be text, not {type(text).__name__}.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerTooLongError(len(text))
    return text


def empty_feedback(index: QuestionIndex) -> Feedback:
    question = index.question
    placement = Placement(
        0, 0 if question.kind == "levels" else None, None, [], "The answer is empty: 0 marks."
    )
    points = [PointResult(p.id, p.label, p.theme, p.weight, MISSING, 0.0) for p in question.points]
    advisory = Advisory("empty", "The answer is empty (or only spaces), so there is nothing to credit.")
    fb = build_feedback(question, index.topic, placement, points, [], [advisory], None)
    fb.next_steps = [
        f"Write an answer to: \u201c{question.question}\u201d",
        "Start with a sentence that answers the question directly, then support it with evidence.",
    ]
    return fb


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
    nlp = build_pipeline()
    bank = bank_from_specs(specs, nlp, str(path))
    nlp.get_pipe("marker_concepts").add_entries(bank.entries())
    return Marker(bank, nlp)
