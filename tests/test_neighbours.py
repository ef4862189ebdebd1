"""The correction shared by a teacher's questions kept as neighbours (marker.neighbours)."""

from __future__ import annotations

import numpy as np
import pytest

from marker.neighbours import OffsetLogistic, corrected_marks, fit_correction


def _scripts(n: int, seed: int = 0, weight: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` scripts whose mark follows their base log-odds plus ``weight`` times a second input."""
    rng = np.random.default_rng(seed)
    base, x = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(base + weight * x)))).astype(int)
    return np.column_stack([base, x]), y


def test_neighbours_correction_says_what_its_base_says_when_nothing_else_counts():
    """Marks that follow the base log-odds alone: the fitted correction keeps them (the weights,
    the base's own among them, stay near nothing), so the probability is about the base's."""
    X, y = _scripts(2000, weight=0.0)
    model = OffsetLogistic().fit(X, y)
    base = 1 / (1 + np.exp(-X[:, 0]))
    assert np.abs(model.coef_).max() < 0.15 and abs(model.intercept_) < 0.15
    assert np.abs(model.predict_proba(X)[:, 1] - base).mean() < 0.03
    assert model.predict(X).tolist() == (model.predict_proba(X)[:, 1] > 0.5).astype(int).tolist()


def test_neighbours_correction_moves_from_its_base_with_the_scripts_it_is_fitted_on():
    """Where another input decides marks beside the base, the correction learns it, less from a
    few scripts than from many (its pull to the base weighs against the scripts' summed loss)."""
    few = OffsetLogistic().fit(*_scripts(20))
    many = OffsetLogistic().fit(*_scripts(2000))
    assert many.coef_[1] > 1.0
    assert 0 < few.coef_[1] < many.coef_[1]


@pytest.mark.parametrize(
    ("sizes", "one_mark", "fitted"),
    [
        ((60,), False, False),  # one question: the shipped model alone
        ((20, 20), False, False),  # 40 scripts in all: too few
        ((20, 20, 20), True, False),  # every script one mark
        ((25, 25), False, True),
        ((10, 10, 10, 10, 10), False, True),
    ],
)
def test_neighbours_correction_needs_two_questions_fifty_scripts_and_both_marks(sizes, one_mark, fitted):
    parts = [_scripts(n, seed=i) for i, n in enumerate(sizes)]
    marks = [np.ones(len(y), dtype=int) if one_mark else y for _, y in parts]
    model = fit_correction([X for X, _ in parts], marks)
    assert (model is not None) is fitted


def test_neighbours_corrected_mark_is_the_mean_of_the_correction_and_the_shipped_share():
    X, y = _scripts(200)
    model = OffsetLogistic().fit(X, y)
    mean = (model.predict_proba(X)[:, 1] + 1 / (1 + np.exp(-X[:, 0]))) / 2
    assert corrected_marks(model, X).tolist() == (mean >= 0.5).astype(int).tolist()
