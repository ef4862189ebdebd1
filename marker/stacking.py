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
  fitted on its first 30 or 50 scripts, its other scripts measured; README, "Agreement on public
  data"); not for marks out of more than 1, where it was not measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline

#: Inverse regularisation of the meaning model (on unit vectors of 384 numbers).
MEANING_C = 10.0


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
