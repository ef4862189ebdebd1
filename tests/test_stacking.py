"""The models stacked into a question's own calibrator: out-of-fold scores that never see their own mark."""

from __future__ import annotations

import numpy as np

from marker.stacking import (
    fit_meaning_model,
    fit_shared,
    fit_text_model,
    folds,
    meaning_scores,
    shared_inputs,
    shared_probability,
    shared_view,
)


def _vectors(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors in two clusters (mark 1 near one direction, mark 0 near the opposite)."""
    rng = np.random.default_rng(seed)
    y = np.array([1, 0] * (n // 2))
    base = np.zeros(384)
    base[0] = 1.0
    X = np.outer(2 * y - 1, base) + 0.3 * rng.standard_normal((n, 384)) / np.sqrt(384)
    return X / np.linalg.norm(X, axis=1, keepdims=True), y


def test_stacking_meaning_scores_are_out_of_fold():
    """A script marked against everything like it: its own score follows its neighbours (its mark
    was not in the fold that scored it), while the final model fitted on all of them is used for
    new answers."""
    X, y = _vectors(40)
    y_teacher = y.copy()
    y_teacher[0] = 0  # one odd mark among the 1s
    model, scores = fit_meaning_model(X, y_teacher, max_mark=1, text_min=30)
    assert model is not None and scores.shape == (40,)
    assert scores[0] > 0.5  # scored by a model that never saw its mark
    assert np.mean(scores[y == 1][1:] > 0.5) == 1.0 and np.mean(scores[y == 0] < 0.5) == 1.0
    assert meaning_scores(model, X[2:3])[0] > 0.5 > meaning_scores(model, X[1:2])[0]


def test_stacking_meaning_model_needs_marks_out_of_one_enough_scripts_and_both_marks_in_folds():
    X, y = _vectors(40)
    assert fit_meaning_model(X, y, max_mark=2, text_min=30) == (None, None)
    assert fit_meaning_model(X[:20], y[:20], max_mark=1, text_min=30) == (None, None)
    one_right = np.zeros(40, dtype=int)
    one_right[3] = 1
    assert fit_meaning_model(X, one_right, max_mark=1, text_min=30) == (None, None)
    two_right = one_right.copy()
    two_right[5] = 1
    model, scores = fit_meaning_model(X, two_right, max_mark=1, text_min=30)
    assert model is not None and len(scores) == 40


def test_stacking_folds_keep_both_marks_in_every_training_fold():
    y = np.array([1] * 3 + [0] * 40)
    split = folds(y, binary=True)
    assert split.get_n_splits() == 3
    for train, _ in split.split(np.zeros(len(y)), y):
        assert set(y[train]) == {0, 1}
    assert folds(np.array([1] + [0] * 40), binary=True) is None
    assert folds(np.arange(40) % 3, binary=False).get_n_splits() == 5


def test_stacking_words_model_scores_each_fitting_script_out_of_fold():
    answers = [f"the current has a route round through bulb {i}" for i in range(20)] + [
        f"the switch is made of plastic number {i}" for i in range(20)
    ]
    y = np.array([1] * 20 + [0] * 20)
    model, scores = fit_text_model(answers, y, max_mark=1, text_min=30)
    assert model is not None and np.all(scores[:20] > 0.5) and np.all(scores[20:] < 0.5)
    assert fit_text_model(answers[:20], y[:20], max_mark=1, text_min=30) == (None, None)


def test_stacking_shared_inputs_are_log_odds_and_a_missing_model_reads_as_even_odds():
    words, near = np.array([0.5, 0.9]), np.array([0.1, 0.5])
    rows = shared_inputs(words, None, near, np.array([1.0, 0.0]), np.array([0.7, 0.2]))
    assert rows.shape == (2, 5)
    assert np.allclose(rows[:, 0], [0.0, np.log(9)]) and np.allclose(rows[:, 1], 0.0)
    assert np.allclose(rows[:, 2], [np.log(1 / 9), 0.0]) and rows[:, 3:].tolist() == [[1.0, 0.7], [0.0, 0.2]]
    # the stacked scores of an own calibrator's columns: engine features, words, meaning, neighbours
    X = np.column_stack([np.array([[1.0, 0.7], [0.0, 0.2]]), words, np.array([0.5, 0.5]), near])
    assert np.allclose(
        shared_view(X, ("engine_share", "meaning_estimate"), True, True),
        shared_inputs(words, np.array([0.5, 0.5]), near, X[:, 0], X[:, 1]),
    )
    assert np.allclose(
        shared_view(X[:, [0, 1, 2, 4]], ("engine_share", "meaning_estimate"), True, False), rows
    )


def test_stacking_shared_stacker_needs_two_questions_with_both_marks():
    """One stacker for a teacher's 0/1 questions: fitted on every question's scripts, only when
    there are two questions or more and both marks among their scripts."""
    rng = np.random.default_rng(0)
    y = np.array([1, 0] * 20)
    scores = np.where(y == 1, 0.8, 0.2) + 0.1 * rng.standard_normal(40)
    inputs = shared_inputs(scores, scores, scores, y * 1.0, y * 0.5)
    assert fit_shared([inputs], [y]) is None
    assert fit_shared([inputs[:20], inputs[20:]], [np.ones(20), np.ones(20)]) is None
    model = fit_shared([inputs[:20], inputs[20:]], [y[:20], y[20:]])
    p = shared_probability(model, inputs)
    assert np.mean((p >= 0.5) == y) == 1.0
