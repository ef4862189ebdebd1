"""The calibrator itself: a scikit-learn estimator from the engine's features to a teacher's marks.

:mod:`marker.calibrate` fits it on a question's marked scripts (or on many questions' scripts: a
pooled calibrator) and saves it with what it was fitted on.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data


class MarkCalibrator(RegressorMixin, BaseEstimator):
    """Maps feature rows to marks: ridge regression, or logistic regression for 0/1 marks.

    Args:
        max_mark: the question's maximum; with 1 the model is a logistic regression and
            ``predict`` returns the probability of the mark; otherwise predictions are clipped
            to ``0..max_mark``. ``None`` leaves them unclipped.
        alpha: regularisation strength (larger = closer to the engine's own mark).
        class_weight: the logistic regression's class weights for 0/1 marks: ``"balanced"``
            (the rarer mark weighs as much as the commoner) or ``None`` (every script alike).
        block_start: the first of the columns that weigh ``block_weight`` after standardising
            (a pooled calibrator's meaning pairs, :func:`pair_block`); None: every column alike.
        block_weight: the weight of those columns (below 1: penalised more than the others).

    >>> import numpy as np
    >>> X = np.array([[0.1], [0.2], [0.8], [0.9]] * 3); y = np.array([0, 0, 1, 1] * 3)
    >>> MarkCalibrator(max_mark=1).fit(X, y).predict_mark(np.array([[0.15], [0.85]])).tolist()
    [0, 1]
    """

    def __init__(
        self,
        max_mark: int | None = None,
        alpha: float = 1.0,
        class_weight: str | None = "balanced",
        block_start: int | None = None,
        block_weight: float = 1.0,
    ):
        self.max_mark = max_mark
        self.alpha = alpha
        self.class_weight = class_weight
        self.block_start = block_start
        self.block_weight = block_weight

    def _scaled(self, X) -> np.ndarray:
        Z = self.scaler_.transform(X)
        if self.block_start is not None:
            Z[:, self.block_start :] *= self.block_weight
        return Z

    def fit(self, X, y):
        X, y = validate_data(self, X, y, y_numeric=True)
        self.scaler_ = StandardScaler().fit(X)
        Z = self._scaled(X)
        self.binary_ = self.max_mark == 1 and set(np.unique(y)) <= {0, 1}
        if self.binary_ and len(np.unique(y)) == 2:
            self.model_ = LogisticRegression(
                C=1.0 / self.alpha, max_iter=1000, class_weight=self.class_weight
            ).fit(Z, y.astype(int))
        else:
            self.binary_ = False
            self.model_ = Ridge(alpha=self.alpha).fit(Z, y.astype(float))
        return self

    def predict(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False)
        Z = self._scaled(X)
        if self.binary_:
            return self.model_.predict_proba(Z)[:, 1]
        raw = self.model_.predict(Z)
        return raw if self.max_mark is None else np.clip(raw, 0, self.max_mark)

    def predict_mark(self, X) -> np.ndarray:
        """Whole marks in ``0..max_mark``."""
        out = np.rint(self.predict(X))
        if self.max_mark is not None:
            out = np.clip(out, 0, self.max_mark)
        return out.astype(int)
