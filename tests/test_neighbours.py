"""The correction shared by a teacher's questions kept as neighbours (marker.neighbours)."""

from __future__ import annotations

import numpy as np
import pytest

from marker.neighbours import (
    OffsetLogistic,
    corrected_log_odds,
    corrected_marks,
    fit_correction,
    question_offset,
)


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


def test_neighbours_question_offset_follows_its_scripts_held_near_nothing_by_its_prior():
    """A question whose teacher marks above what the shared correction says gets a shift up (one
    below, a shift down), larger from twenty scripts than from ten, never as far as the scripts
    alone would put it, and none with a prior variance of nothing."""
    model = OffsetLogistic().fit(*_scripts(500, weight=0.0))
    X = np.zeros((20, 2))  # the corrected model says even odds for every script
    up10, up20 = question_offset(model, X[:10], np.ones(10)), question_offset(model, X, np.ones(20))
    assert 0 < up10 < up20 < 4.0
    mixed = np.array([1, 1, 1, 0] * 5)  # three in four at full marks: log(3) from the scripts alone
    assert 0 < question_offset(model, X, mixed) < np.log(3) - corrected_log_odds(model, X).mean()
    assert question_offset(model, X, np.zeros(20)) < 0
    assert question_offset(model, X, np.ones(20), variance=0.0) == 0.0


def test_neighbours_corrected_marks_move_with_the_question_offset():
    X, y = _scripts(200)
    model = OffsetLogistic().fit(X, y)
    z = corrected_log_odds(model, X)
    assert corrected_marks(model, X, 0.5).tolist() == (z + 0.5 >= 0).astype(int).tolist()
    assert (
        corrected_marks(model, X, 0.5).sum()
        > corrected_marks(model, X).sum()
        > corrected_marks(model, X, -0.5).sum()
    )
