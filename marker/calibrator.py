"""The calibrator itself: a scikit-learn estimator from the engine's features to a teacher's marks.

:mod:`marker.calibrate` fits it on a question's marked scripts (or on many questions' scripts: a
pooled calibrator) and saves it with what it was fitted on.

Marks out of more than 1 are a ridge regression rounded, or (``ordinal``, a short-answer question's
own calibrator) a cumulative logistic model: one weight per feature and a cut point between each
two marks, the mark the most probable one. Rounding a ridge regression pulls every mark towards
the commonest: on SAF's training split (each question's first or a random 30, 40 or 50 scripts
fitted, its other scripts measured) the ordinal model agreed better with the tutors
(docs/agreement-history.md, "Stop 34").
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
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
        ordinal: marks out of more than 1 from a cumulative logistic model (:func:`fit_ordinal`,
            penalised ``alpha |w|² / 2``): ``predict`` gives the most probable mark and
            ``predict_proba`` each mark's probability. False: ridge regression.

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
        ordinal: bool = False,
    ):
        self.max_mark = max_mark
        self.alpha = alpha
        self.class_weight = class_weight
        self.block_start = block_start
        self.block_weight = block_weight
        self.ordinal = ordinal

    def __setstate__(self, state: dict) -> None:
        # A calibrator saved before ``ordinal`` existed (calibration format 9) is a ridge one: give it
        # the attribute, so that it prints and reports its parameters like any other.
        state.setdefault("ordinal", False)
        super().__setstate__(state)

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
        elif self.ordinal and self.max_mark is not None and self.max_mark > 1:
            self.binary_ = False
            marks = np.clip(np.rint(y), 0, self.max_mark).astype(int)
            self.model_ = fit_ordinal(Z, marks, self.max_mark, self.alpha, mark_weights(marks, self.max_mark))
        else:
            self.binary_ = False
            self.model_ = Ridge(alpha=self.alpha).fit(Z, y.astype(float))
        return self

    def _has_probabilities(self) -> bool:
        return hasattr(self, "model_") and (self.binary_ or isinstance(self.model_, OrdinalModel))

    @available_if(_has_probabilities)
    def predict_proba(self, X) -> np.ndarray:
        """Each mark's probability (a fitted ordinal or 0/1 calibrator's; a ridge one has none)."""
        Z = self._scaled(validate_data(self, X, reset=False))
        return self.model_.predict_proba(Z) if self.binary_ else self.model_.probabilities(Z)

    def predict(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False)
        Z = self._scaled(X)
        if self.binary_:
            return self.model_.predict_proba(Z)[:, 1]
        if isinstance(self.model_, OrdinalModel):
            return self.model_.probabilities(Z).argmax(axis=1).astype(float)
        raw = self.model_.predict(Z)
        return raw if self.max_mark is None else np.clip(raw, 0, self.max_mark)

    def predict_mark(self, X) -> np.ndarray:
        """Whole marks in ``0..max_mark``."""
        out = np.rint(self.predict(X))
        if self.max_mark is not None:
            out = np.clip(out, 0, self.max_mark)
        return out.astype(int)


#: How far an ordinal calibrator weighs its scripts towards balanced marks: each script weighs
#: (n / (marks x scripts with its mark)) to this power (0: every script alike, 1: balanced). A
#: teacher gives few answers 0 (SAF's tutors 5 %); with every script alike wrong answers were marked
#: about 0.9 too high, balanced lost exact agreement: chosen among 0, 0.5 and 1 on SAF's training
#: split (docs/agreement-history.md, "Stop 34").
ORDINAL_BALANCE = 0.5


def mark_weights(y: np.ndarray, max_mark: int) -> np.ndarray:
    """Each script's weight in an ordinal fit (:data:`ORDINAL_BALANCE`), their mean 1.

    >>> mark_weights(np.array([0, 2, 2, 2]), 2).round(2).tolist()
    [1.46, 0.85, 0.85, 0.85]
    """
    counts = np.bincount(y, minlength=max_mark + 1).astype(float)
    per_mark = (len(y) / ((max_mark + 1) * np.maximum(counts, 1.0))) ** ORDINAL_BALANCE
    weights = per_mark[y]
    return weights * len(y) / weights.sum()


class OrdinalModel:
    """A fitted cumulative logistic model: P(mark <= k) = sigmoid(cuts[k] - Z @ coef)."""

    def __init__(self, coef: np.ndarray, cuts: np.ndarray):
        self.coef, self.cuts = coef, cuts

    def probabilities(self, Z: np.ndarray) -> np.ndarray:
        """Each mark's probability for each standardised row."""
        below = 1.0 / (1.0 + np.exp(-(self.cuts[None, :] - (Z @ self.coef)[:, None])))
        n = len(below)
        return np.diff(np.column_stack([np.zeros(n), below, np.ones(n)]), axis=1)


def fit_ordinal(
    Z: np.ndarray, y: np.ndarray, max_mark: int, alpha: float, weights: np.ndarray | None = None
) -> OrdinalModel:
    """The cumulative logistic model of whole marks ``y`` (``0..max_mark``) on standardised ``Z``,
    its weights paying ``alpha |w|² / 2`` against the log loss summed over the scripts (each script's
    weighed by ``weights``, 1 each when None).

    >>> Z = np.array([[-2.0], [-1.0], [0.0], [1.0], [2.0], [3.0]] * 3); y = np.array([0, 0, 1, 1, 2, 2] * 3)
    >>> fit_ordinal(Z, y, 2, 0.1).probabilities(np.array([[-2.0], [0.5], [3.0]])).argmax(axis=1).tolist()
    [0, 1, 2]
    """
    n, d = Z.shape
    k = max_mark + 1
    sw = np.ones(n) if weights is None else np.asarray(weights, dtype=float)

    def unpack(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return p[:d], p[d] + np.r_[0.0, np.cumsum(np.exp(p[d + 1 :]))]  # cut points in order

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        w, cuts = unpack(p)
        z = Z @ w
        ext = np.r_[-50.0, cuts, 50.0]
        upper = 1.0 / (1.0 + np.exp(-(ext[y + 1] - z)))
        lower = 1.0 / (1.0 + np.exp(-(ext[y] - z)))
        prob = np.clip(upper - lower, 1e-12, 1.0)
        d_up, d_low = sw * upper * (1 - upper) / prob, sw * lower * (1 - lower) / prob
        grad_ext = np.zeros(k + 1)
        np.add.at(grad_ext, y + 1, -d_up)
        np.add.at(grad_ext, y, d_low)
        grad_cuts = grad_ext[1:k]
        grad_gaps = np.array([grad_cuts[j + 1 :].sum() * np.exp(p[d + 1 + j]) for j in range(k - 2)])
        value = -(sw * np.log(prob)).sum() + alpha * (w**2).sum() / 2
        return float(value), np.r_[Z.T @ (d_up - d_low) + alpha * w, grad_cuts.sum(), grad_gaps]

    counts = np.bincount(y, minlength=k) + 0.5  # start at the marks' own shares
    below = np.cumsum(counts)[:-1] / counts.sum()
    start = np.log(below / (1 - below))
    p0 = np.r_[np.zeros(d), start[0], np.log(np.maximum(np.diff(start), 1e-3))]
    return OrdinalModel(*unpack(minimize(loss, p0, jac=True, method="L-BFGS-B").x))
