"""A question's few marked scripts kept as neighbours, and the correction a teacher's questions share.

With fewer than :data:`~marker.calibrate.TEXT_MIN` scripts of a short-answer question, the
scripts are kept as they are: the shipped neighbours model (:mod:`marker.fitted`, fitted once on
public training data) gives a new answer its share of full credit from its zero-shot share, its
closeness in meaning and words to the teacher's full- and zero-mark scripts and how the teacher
marks the question beside the rubric (:func:`neighbour_rows`, :func:`shares_of`).

A teacher who calibrates several 0/1 questions this way has ten or twenty scripts of each: one
**correction** of the shipped model is fitted on all of them (:func:`fit_correction`), from each
script's inputs with the script itself left out of its question's neighbours (as a new answer is
not among them; :func:`correction_inputs`): the shipped model's log-odds, its fourteen inputs and
the engine's question-independent features. It is a logistic regression whose base is the
shipped model's log-odds (:class:`OffsetLogistic`), its weights held close to nothing
(:data:`CORRECTION_C`: with few scripts it changes little), and the mark is the mean of its
probability and the shipped share. Chosen on the SemEval training splits only (docs/agreement-history.md,
"Stop 28"); one question alone, fewer than fifty scripts in all, or marks out
of more than 1, keep the shipped model's marks.

The correction is one for all the teacher's questions, yet each question's teacher may mark it a
little above or below what the corrected model says: each question then also gets its own
**shift** of the corrected log-odds (:func:`question_offset`), fitted on its own scripts (each
left out of its own neighbours) with a prior that holds it near nothing, so that ten scripts move
it a little and twenty a little more (docs/agreement-history.md, "Stop 33").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from .errors import CalibrationError
from .feedback import Feedback
from .fitted import Logistic, load_defaults, logit, neighbour_inputs, word_similarities
from .meaning import answer_vectors

#: Inverse strength of the correction's pull to the shipped model (on the summed log loss of all
#: the teacher's scripts): chosen on the SemEval training splits (docs/agreement-history.md, "Stop 28").
CORRECTION_C = 0.1
#: Fewest questions, and scripts in all, that share a correction (fewer keep the shipped model): on
#: the training splits, teachers of two questions with ten scripts each (20 in all) were marked no
#: better than by the shipped model, teachers of five (50) a little better (docs/agreement-history.md).
MIN_QUESTIONS = 2
MIN_SCRIPTS = 50
#: Prior variance of a question's own shift of the corrected log-odds (:func:`question_offset`;
#: 0 leaves every question at the shared correction): chosen on the SemEval training splits
#: among 0.1, 0.25, 0.5, 1 and 2 (docs/agreement-history.md, "Stop 33").
OFFSET_VARIANCE = 0.25


def neighbours_model() -> Logistic:
    """The shipped neighbours model (a teacher-readable error when the defaults are missing)."""
    defaults = load_defaults()
    if defaults is None or defaults.neighbours is None:
        raise CalibrationError(
            "This calibration needs marker's fitted defaults, which are missing: reinstall marker."
        )
    return defaults.neighbours


def zero_shot_shares(feedbacks: Sequence[Feedback]) -> np.ndarray:
    """Each answer's zero-shot share (its meaning estimate; 0 for an empty answer)."""
    return np.array(
        [
            fb.features.meaning_estimate
            if fb.features is not None and fb.features.meaning_estimate is not None
            else 0.0
            for fb in feedbacks
        ]
    )


def neighbour_rows(
    vectors: np.ndarray,
    memory: np.ndarray,
    shares: np.ndarray,
    feedbacks: Sequence[Feedback],
    leave_out_self: bool = False,
    texts: tuple[list[str], list[str]] = ([], []),
    memory_zero_shot: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """The neighbours model's inputs of each answer; ``texts`` (the marked scripts' answers, then
    the answers') give the closeness in words, and ``memory_zero_shot`` (the marked scripts'
    zero-shot shares) how this teacher marks beside the rubric, when the shipped model uses them."""
    neighbours = neighbours_model()
    if any(name.startswith("teacher_") for name in neighbours.inputs) and (
        memory_zero_shot is None or len(memory_zero_shot) != len(memory)
    ):
        raise CalibrationError(
            "This calibration was saved without its scripts' zero-shot marks: run 'marker calibrate' again."
        )
    words = None
    if any(name.startswith("words_") for name in neighbours.inputs):
        if len(texts[0]) != len(memory):
            raise CalibrationError(
                "This calibration was saved without its scripts' words: run 'marker calibrate' again."
            )
        words = word_similarities(*texts)
    zero_shot = zero_shot_shares(feedbacks)
    shares = np.asarray(shares, dtype=float)
    return neighbour_inputs(vectors, memory, shares, zero_shot, leave_out_self, words, memory_zero_shot)


def shares_of(rows: Sequence[dict[str, float]]) -> np.ndarray:
    """The shipped neighbours model's share of full credit for each answer's inputs."""
    neighbours = neighbours_model()
    return np.array([neighbours.share(r) for r in rows])


def memory_of(
    feedbacks: Sequence[Feedback], answers: Sequence[str], shares: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[dict[str, float]], np.ndarray]:
    """The marked scripts kept as neighbours: their meaning vectors, their zero-shot shares, and
    each one's neighbours inputs and share with itself left out (as a new answer would not be
    among them)."""
    memory = answer_vectors(list(answers))
    memory_zero_shot = zero_shot_shares(feedbacks)
    texts = (list(answers), list(answers))
    rows = neighbour_rows(memory, memory, shares, feedbacks, True, texts, memory_zero_shot)
    return memory, memory_zero_shot, rows, shares_of(rows)


def correction_inputs(rows: Sequence[dict[str, float]], engine: np.ndarray) -> np.ndarray:
    """What the correction reads of each answer: the shipped model's log-odds first (its base),
    then the model's inputs and ``engine`` (the engine's question-independent features)."""
    neighbours = neighbours_model()
    base = [logit(neighbours.share(r)) for r in rows]
    inputs = [[r[name] for name in neighbours.inputs] for r in rows]
    return np.column_stack([base, np.asarray(inputs, dtype=float).reshape(len(base), -1), engine])


class OffsetLogistic(ClassifierMixin, BaseEstimator):
    """A logistic regression on top of a base log-odds: the first column of ``X``.

    The probability is ``sigmoid(X[:, 0] + Z @ coef_ + intercept_)`` with ``Z`` the standardised
    columns (the first among them): with no evidence the model says what the base says, and the
    weights pay ``|coef|² / (2 C)`` against the log loss summed over the scripts, so that a few
    dozen scripts move it little and a thousand move it more.

    >>> X = np.array([[0.0, 0.1], [0.0, 0.2], [0.0, 0.8], [0.0, 0.9]] * 5)
    >>> m = OffsetLogistic(C=10.0).fit(X, np.array([0, 0, 1, 1] * 5))
    >>> m.predict(np.array([[0.0, 0.1], [0.0, 0.9]])).tolist()
    [0, 1]
    """

    def __init__(self, C: float = CORRECTION_C):
        self.C = C

    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        self.classes_ = np.array([0, 1])
        y = (np.asarray(y) > 0).astype(float)
        self.scaler_ = StandardScaler().fit(X)
        Z, base = self.scaler_.transform(X), X[:, 0]

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = base + Z @ w[:-1] + w[-1]
            p = 1.0 / (1.0 + np.exp(-z))
            grad = np.r_[Z.T @ (p - y) + w[:-1] / self.C, (p - y).sum()]
            return float(np.logaddexp(0.0, z).sum() - y @ z + (w[:-1] ** 2).sum() / (2 * self.C)), grad

        w = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B").x
        self.coef_, self.intercept_ = w[:-1], float(w[-1])
        return self

    def decision_function(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, reset=False)
        return X[:, 0] + self.scaler_.transform(X) @ self.coef_ + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def fit_correction(inputs: Sequence[np.ndarray], marks: Sequence[np.ndarray]) -> OffsetLogistic | None:
    """The correction shared by a teacher's 0/1 questions kept as neighbours, fitted on all their
    scripts (``inputs``: each question's :func:`correction_inputs` of its scripts, each left out of
    its own neighbours; ``marks``: their 0/1 marks); None with fewer than :data:`MIN_QUESTIONS`
    questions or :data:`MIN_SCRIPTS` scripts, or with one mark only."""
    if len(inputs) < MIN_QUESTIONS or sum(len(x) for x in inputs) < MIN_SCRIPTS:
        return None
    y = np.concatenate([np.asarray(m, dtype=int) for m in marks])
    if len(np.unique(y)) < 2:
        return None
    return OffsetLogistic().fit(np.vstack(inputs), y)


def corrected_log_odds(model: OffsetLogistic, inputs: np.ndarray) -> np.ndarray:
    """The log-odds of the mean of the correction's probability and the shipped share."""
    shipped = 1.0 / (1.0 + np.exp(-inputs[:, 0]))
    mean = np.clip((model.predict_proba(inputs)[:, 1] + shipped) / 2, 1e-12, 1 - 1e-12)
    return np.log(mean / (1 - mean))


def question_offset(
    model: OffsetLogistic, inputs: np.ndarray, marks: np.ndarray, variance: float | None = None
) -> float:
    """A question's own shift of the corrected log-odds: the most probable one given its scripts
    (``inputs``: their :func:`correction_inputs`, each left out of its own neighbours; ``marks``:
    their 0/1 marks) and a normal prior of ``variance`` (:data:`OFFSET_VARIANCE`) around nothing.

    >>> X = np.zeros((10, 3)); m = OffsetLogistic().fit(np.zeros((4, 3)), np.array([0, 1, 0, 1]))
    >>> 0 < question_offset(m, X, np.ones(10)) < question_offset(m, np.zeros((20, 3)), np.ones(20))
    True
    """
    variance = OFFSET_VARIANCE if variance is None else variance
    if variance <= 0 or len(marks) == 0:
        return 0.0
    z, y, shift = corrected_log_odds(model, inputs), np.asarray(marks, dtype=float), 0.0
    for _ in range(50):  # Newton's steps on a concave log-posterior of one number
        p = 1.0 / (1.0 + np.exp(-(z + shift)))
        step = ((y - p).sum() - shift / variance) / ((p * (1 - p)).sum() + 1 / variance)
        shift += step
        if abs(step) < 1e-10:
            break
    return float(shift)


def corrected_marks(model: OffsetLogistic, inputs: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """0/1 marks: the mean of the correction's probability and the shipped share, from 0.5, its
    log-odds shifted by the question's ``offset`` (:func:`question_offset`)."""
    return (corrected_log_odds(model, inputs) + offset >= 0).astype(int)
