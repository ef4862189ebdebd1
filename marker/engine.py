"""The marking engine: answer text -> spaCy Doc -> evidence -> scores -> Feedback."""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc

from .bank import QuestionBank, point_entries
from .errors import MAX_ANSWER_CHARS, AnswerTooLongError, MarkerError
from .evidence import extract, terms_of
from .factcheck import check_facts
from .feedback import Feedback, build_feedback
from .guards import Advisory, check_answer
from .nlp import build_pipeline
from .rubric import Question
from .scoring import (
    QuestionIndex,
    compute_features,
    place_levels,
    place_points,
    score_points,
)


class Marker:
    """Marks answers against a question bank. Build once (it loads spaCy), then call many times::

    m = Marker()
    m.mark("rapallo-significance", "The Treaty of Rapallo...").mark
    """

    def __init__(self, bank: QuestionBank | None = None, nlp: Language | None = None):
        self.bank = bank if bank is not None else QuestionBank.load()
        self.nlp = nlp if nlp is not None else build_pipeline(self.bank.entries())
        self._indexes: dict[tuple[str, str], QuestionIndex] = {}

    # ------------------------------------------------------------------ questions

    def use_question(self, question: Question) -> None:
        """Add or replace a question (a teacher's edit) and teach the matcher its cue phrases."""
        self.bank.add_question(question)
        matcher = self.nlp.get_pipe("marker_concepts")
        matcher.remove_prefix(f"p:{question.id}:")
        matcher.remove_prefix(f"r:{question.id}:")
        matcher.add_entries(point_entries(question))

    def index(self, question_id: str) -> QuestionIndex:
        """The answer-independent part of marking a question, built once per rubric version."""
        question = self.bank.question(question_id)
        key = (question.id, question.version)
        if key not in self._indexes:
            answers = self.bank.answers_for(question.id)
            texts = [p.text for p in question.points] + [a.text for a in answers] + [question.question]
            docs = list(self.nlp.pipe(texts))
            n = len(question.points)
            self._indexes[key] = QuestionIndex.build(
                question,
                self.bank.topic_for(question),
                answers,
                point_terms=[terms_of(d) for d in docs[:n]],
                answer_terms=[terms_of(d) for d in docs[n : n + len(answers)]],
                question_terms=terms_of(docs[-1]),
            )
        return self._indexes[key]

    # ------------------------------------------------------------------ marking

    def mark(self, question_id: str, text: str) -> Feedback:
        """Mark one answer."""
        return self.mark_many(question_id, [text])[0]

    def mark_many(
        self, question_id: str, texts: Iterable[str], batch_size: int = 16, n_process: int = 1
    ) -> list[Feedback]:
        """Mark many answers to one question in a single ``nlp.pipe`` pass."""
        index = self.index(question_id)
        texts = [check_text(t) for t in texts]
        todo = [i for i, t in enumerate(texts) if t.strip()]
        out: list[Feedback | None] = [None if t.strip() else empty_feedback(index) for t in texts]
        docs = self.nlp.pipe((texts[i] for i in todo), batch_size=batch_size, n_process=n_process)
        for i, doc in zip(todo, docs, strict=True):
            out[i] = self.mark_doc(index, doc)
        return [fb for fb in out if fb is not None]

    def mark_doc(self, index: QuestionIndex, doc: Doc) -> Feedback:
        """Mark an already-parsed answer (the Doc must come from this marker's pipeline)."""
        question, topic = index.question, index.topic
        evidence = extract(doc)
        points = score_points(evidence, index)
        features = compute_features(evidence, points, index)
        advisories = check_answer(evidence, features, question)
        caps_level = [a.cap_level for a in advisories if a.cap_level is not None]
        caps_mark = [a.cap_mark for a in advisories if a.cap_mark is not None]
        if question.kind == "levels":
            placement = place_levels(question, features, min(caps_level) if caps_level else None)
        else:
            placement = place_points(question, points, min(caps_mark) if caps_mark else None)
        facts = check_facts(evidence, topic, question)
        return build_feedback(question, topic, placement, points, facts, advisories, features)


def check_text(text: str) -> str:
    if not isinstance(text, str):
        raise MarkerError(f"An answer must be text, not {type(text).__name__}.")
    if len(text) > MAX_ANSWER_CHARS:
        raise AnswerTooLongError(len(text))
    return text


def empty_feedback(index: QuestionIndex) -> Feedback:
    from .scoring import MISSING, Placement, PointResult

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
