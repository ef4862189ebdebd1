"""Models stacked into a question's own calibrator: the answers' words and, for 0/1 marks, their meaning.

Each is fitted on the marked scripts themselves, and what it gives a fitting script is its
out-of-fold score (the script's own mark never reaches it), so the calibrator learns how far to
trust it as it would be trusted on a new answer. :mod:`marker.calibrate` stacks the scores in as
one more feature each.

- **words** (from :data:`~marker.calibrate.TEXT_MIN` scripts): TF-IDF of words and word pairs,
  a logistic regression for 0/1 marks, a ridge regression otherwise;
- **meaning** (0/1 marks only, from the same number of scripts): a logistic regression on the
  answers' sentence vectors (:func:`marker.meaning.answer_vectors`), which sees that two answers
  say the same thing in other words. Chosen on the public training splits (question by question,
  fitted on its first 30 or 50 scripts, its other scripts measured; docs/agreement-history.md,
  "Stop 26"); not for marks out of more than 1, where it was not measured.

A teacher's 0/1 short-answer questions that each have their own calibrator also share a
**stacker** (:func:`fit_shared`): one logistic regression, fitted on all their scripts, from the
words', meaning and neighbours models' out-of-fold scores and the engine's and rubric's shares
(:func:`shared_inputs`) to the mark. A question's mark is then the mean of its own calibrator's
probability and the shared stacker's: thirty-odd scripts fit a calibrator of two dozen columns
loosely, and the same few scores read the same way on every question. Chosen on the SemEval
training splits only (docs/agreement-history.md, "Stop 27"). Questions out of more than 1 share
one the same way (:func:`fit_shared_marks`): an ordinal model of the same inputs, whose marks'
probabilities are averaged with the question's own ordinal calibrator's (docs/agreement-history.md,
"Stop 34").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

from .calibrator import MarkCalibrator

#: Inverse regularisation of the meaning model (on unit vectors of 384 numbers).
MEANING_C = 10.0
#: Inverse regularisation of the stacker shared by a teacher's 0/1 questions (five inputs).
SHARED_C = 1.0


def text_model(max_mark: int, binary: bool):
    """The words-to-mark model (unfitted)."""
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    if binary:
        return make_pipeline(vec, LogisticRegression(C=4.0, max_iter=1000))
    return make_pipeline(vec, Ridge(alpha=1.0))


def text_scores(model, answers: Sequence[str]) -> np.ndarray:
    """A fitted words model's score of each answer: its probability of the mark, or its mark."""
    last = model.steps[-1][1]
    if isinstance(last, LogisticRegression):
        return model.predict_proba(list(answers))[:, 1]
    return model.predict(list(answers))


def folds(y: np.ndarray, binary: bool) -> KFold | StratifiedKFold | None:
    """The folds of the out-of-fold scores: up to five, each training fold holding both marks of
    a 0/1 question (None when the rarer mark is too rare for two folds)."""
    k = min(5, len(y) // 5)
    if not binary:
        return KFold(k, shuffle=True, random_state=0) if k >= 2 else None
    k = min(k, int(np.bincount(y.astype(int), minlength=2).min()))
    return StratifiedKFold(k, shuffle=True, random_state=0) if k >= 2 else None


def fit_text_model(
    answers: Sequence[str], y: np.ndarray, max_mark: int, text_min: int
) -> tuple[object | None, np.ndarray | None]:
    """The words-to-mark model and its out-of-fold scores on the fitting scripts, from ``text_min``
    scripts on (None, None below that, or when a 0/1 question's rarer mark is too rare to fold)."""
    if len(y) < text_min:
        return None, None
    binary = max_mark == 1
    split = folds(y, binary)
    if split is None:
        return None, None
    model = text_model(max_mark, binary)
    if binary:
        scores = cross_val_predict(model, list(answers), y.astype(int), cv=split, method="predict_proba")[
            :, 1
        ]
    else:
        scores = cross_val_predict(model, list(answers), y, cv=split)
    model.fit(list(answers), y.astype(int) if binary else y)
    return model, scores


def fit_meaning_model(
    vectors: np.ndarray, y: np.ndarray, max_mark: int, text_min: int
) -> tuple[LogisticRegression | None, np.ndarray | None]:
    """The meaning-to-mark model of a 0/1 question and its out-of-fold probabilities on the fitting
    scripts, from ``text_min`` scripts on (None, None otherwise, as for the words model)."""
    if max_mark != 1 or len(y) < text_min or len(np.unique(y)) < 2:
        return None, None
    split = folds(y, binary=True)
    if split is None:
        return None, None
    X = np.asarray(vectors, dtype=np.float64)
    model = LogisticRegression(C=MEANING_C, max_iter=1000)
    scores = cross_val_predict(model, X, y.astype(int), cv=split, method="predict_proba")[:, 1]
    return model.fit(X, y.astype(int)), scores


def meaning_scores(model: LogisticRegression, vectors: np.ndarray) -> np.ndarray:
    """A fitted meaning model's probability of the mark for each answer's vector."""
    return model.predict_proba(np.asarray(vectors, dtype=np.float64))[:, 1]


def _log_odds(p: np.ndarray | None, n: int) -> np.ndarray:
    """Probabilities as log-odds (even odds where a model is missing)."""
    if p is None:
        return np.zeros(n)
    p = np.clip(np.asarray(p, dtype=float), 1e-3, 1 - 1e-3)
    return np.log(p / (1 - p))


def shared_inputs(
    words: np.ndarray | None,
    meaning: np.ndarray | None,
    near: np.ndarray,
    engine: np.ndarray,
    zero_shot: np.ndarray,
) -> np.ndarray:
    """What the shared stacker reads of each answer: the words', meaning and neighbours models'
    scores as log-odds (0 for a model the question lacks), the engine's share and the rubric's.

    >>> shared_inputs(None, np.array([0.5]), np.array([0.9]), np.array([1.0]), np.array([0.7])).round(2).tolist()
    [[0.0, 0.0, 2.2, 1.0, 0.7]]
    """
    n = len(near)
    return np.column_stack(
        [_log_odds(words, n), _log_odds(meaning, n), _log_odds(near, n), engine, zero_shot]
    )


def shared_view(
    X: np.ndarray, names: Sequence[str], words: bool, meaning: bool, max_mark: int = 1
) -> np.ndarray:
    """:func:`shared_inputs` from an own calibrator's columns ``X``: the engine's features (``names``),
    then the words' score and the meaning score (each if fitted), then the neighbours' share. Out of
    more than 1 the words' score is a mark, read as its share of ``max_mark``."""
    k = len(names) + words + meaning
    engine, zero_shot = (X[:, list(names).index(n)] for n in ("engine_share", "meaning_estimate"))
    words_score = np.clip(X[:, len(names)] / max_mark, 0.0, 1.0) if words else None
    return shared_inputs(words_score, X[:, k - 1] if meaning else None, X[:, k], engine, zero_shot)


def fit_shared(inputs: Sequence[np.ndarray], marks: Sequence[np.ndarray]) -> LogisticRegression | None:
    """The stacker shared by a teacher's 0/1 questions, fitted on every question's scripts
    (``inputs``: each question's :func:`shared_inputs` of its fitting scripts, out of fold; ``marks``:
    their 0/1 marks); None with fewer than two questions or one mark only."""
    if len(inputs) < 2:
        return None
    y = np.concatenate([np.asarray(m, dtype=int) for m in marks])
    if len(np.unique(y)) < 2:
        return None
    return LogisticRegression(C=SHARED_C, max_iter=1000).fit(np.vstack(inputs), y)


def fit_shared_marks(
    inputs: Sequence[np.ndarray], marks: Sequence[np.ndarray], max_mark: int
) -> MarkCalibrator | None:
    """The stacker shared by a teacher's short-answer questions out of ``max_mark`` (more than 1):
    an ordinal calibrator (:class:`~marker.calibrator.MarkCalibrator`, standardised inputs, weights
    penalised as :data:`SHARED_C` says) on every question's :func:`shared_inputs`; None with fewer
    than two questions or one mark only."""
    if len(inputs) < 2:
        return None
    y = np.concatenate([np.asarray(m, dtype=int) for m in marks])
    if len(np.unique(y)) < 2:
        return None
    return MarkCalibrator(max_mark=max_mark, alpha=1.0 / SHARED_C, ordinal=True).fit(np.vstack(inputs), y)


def shared_probability(model: LogisticRegression, inputs: np.ndarray) -> np.ndarray:
    """The shared stacker's probability of the mark for each answer's :func:`shared_inputs`."""
    return model.predict_proba(np.asarray(inputs, dtype=float))[:, 1]
