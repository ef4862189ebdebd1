"""What marking a question needs that does not depend on the answer: built once per rubric version.

Reads the question, its topic, the content words of its points, model answers and question
(parsed once by the engine) and its scheme object; writes a :class:`QuestionIndex`: the TF-IDF space of the mark scheme and model answers, the
runs of words that count as copied, the mark scheme's own words (a sentence using none is
filler), the full-mark model answers prepared for the match, and the marking scheme object
(:mod:`marker.placement`) chosen once from the question's kind of marking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .rubric import ModelAnswer, Question, Topic
from .similarity import ModelAnswerSet, word_runs, words_of
from .tuning import TUNING


class Scheme(Protocol):
    """What the index keeps of the question's marking scheme (:mod:`marker.placement` makes it).

    Declared here, not imported, so that the index depends on no stage: every stage may read it.
    """

    #: Whether a sentence saying most of a point's own words credits the point.
    credits_wordings: bool
    #: An essay marked by levels (the guards check its argument and cap it by level).
    essay: bool
    #: Short answers marked by their match with a model answer (some guards stand aside).
    short_answers: bool

    def place(self, *stage_results: Any) -> Any: ...

    def empty(self) -> Any: ...


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
    #: How the question is marked (levels, points or coverage): asked, never branched on.
    scheme: Scheme
    #: Content lemmas of the mark scheme's points and the question: a sentence using none is filler.
    scheme_terms: frozenset[str] = frozenset()
    #: Runs of ``TUNING.evidence.copy_run`` words of the model answers, to spot copied text.
    source_runs: frozenset[tuple[str, ...]] = frozenset()
    #: Runs of ``TUNING.evidence.question_run`` words of the question, to spot an answer that only repeats it.
    question_runs: frozenset[tuple[str, ...]] = frozenset()
    #: The full-mark model answers, for coverage marking and the match features.
    model_set: ModelAnswerSet | None = None
    #: Per part of a key written in parts (``CoverageMarking.parts``), its wordings prepared as
    #: full-mark answers of that part alone.
    part_sets: tuple[ModelAnswerSet, ...] = ()
    #: Per point, the content words of each of its wordings (label and aliases), cut to the stem length.
    point_wordings: tuple[tuple[frozenset[str], ...], ...] = ()
    #: Whether a sentence saying most of a point's own words credits it (see :mod:`marker.points`).
    credit_wordings: bool = False
    #: What later stages work out once per rubric version and keep here (the meaning stage's
    #: model-answer vectors), by stage name. Filled under the marker's lock.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """The question's rubric version (``Question.version``), worked out once per index.

        An index is built for one version of its question (:meth:`marker.engine.Marker.index`
        keys it by the version), and the stages read the version several times per answer
        (the matcher's keys of its cue phrases carry it): each time it fingerprints the whole
        rubric, 0.25 ms.
        """
        if "version" not in self.cache:
            self.cache["version"] = self.question.version
        return self.cache["version"]

    @classmethod
    def build(
        cls,
        question: Question,
        topic: Topic,
        model_answers: list[ModelAnswer],
        point_terms: list[tuple[str, ...]],
        answer_terms: list[tuple[str, ...]],
        question_terms: tuple[str, ...],
        scheme: Scheme,
        model_set: ModelAnswerSet | None = None,
        wording_terms: list[list[tuple[str, ...]]] | None = None,
        part_sets: tuple[ModelAnswerSet, ...] = (),
    ) -> QuestionIndex:
        """Fit the TF-IDF space on the mark scheme's own words and the model answers."""
        tuning = TUNING.evidence
        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=1)
        vectorizer.fit([*point_terms, *answer_terms, question_terms])
        # Restating the question is normal; copying a model answer is not. The question's own
        # runs are kept apart (question_runs) for the answer-level "copied the question" check.
        sources = [a.text for a in model_answers]
        wordings = tuple(
            tuple(frozenset(t[: tuning.stem] for t in terms) for terms in ws) for ws in (wording_terms or [])
        )
        return cls(
            question=question,
            topic=topic,
            model_answers=model_answers,
            vectorizer=vectorizer,
            point_matrix=vectorizer.transform(point_terms),
            model_matrix=vectorizer.transform(answer_terms) if answer_terms else None,
            model_marks=np.array([a.intended_mark for a in model_answers], dtype=float),
            question_terms=frozenset(question_terms),
            concept_kinds={c.id: c.kind for c in topic.concepts},
            scheme=scheme,
            scheme_terms=frozenset(
                t
                for terms in [*point_terms, question_terms]
                for t in terms
                if len(t) >= tuning.scheme_term_min_letters and t not in tuning.generic_terms
            ),
            source_runs=frozenset(
                run for text in sources for run in word_runs(words_of(text), tuning.copy_run)
            ),
            question_runs=frozenset(word_runs(words_of(question.question), tuning.question_run)),
            model_set=model_set,
            part_sets=part_sets,
            point_wordings=wordings,
            # Short-answer questions with no period (a science question, one built from model
            # answers) also credit a sentence that says most of a point's own words. History
            # points keep to their cue phrases and concepts, which the validation set was tuned on.
            credit_wordings=scheme.credits_wordings
            and question.period is None
            and len(wordings) == len(question.points),
        )
