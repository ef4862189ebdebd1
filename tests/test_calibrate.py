"""Calibration: the estimator's contract, fitting to a teacher, saving and loading."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from marker import calibrate, marking_version
from marker.calibrate import MarkCalibrator, fit_calibration, usable
from marker.calibrator import OrdinalModel
from marker.errors import CalibrationError
from marker.evaluate import figures
from marker.feedback import ENGINE_VERSION
from marker.tuning import TUNING
from marker.validation import load_validation
from marker.workspace import Workspace


def _name(check) -> str:
    return getattr(getattr(check, "func", check), "__name__", str(check))


_CHECKS = parametrize_with_checks(
    [
        MarkCalibrator(),
        MarkCalibrator(max_mark=None, alpha=0.1),
        MarkCalibrator(class_weight=None),
        MarkCalibrator(block_start=1, block_weight=0.1),
    ]
)
# The array-API checks need SciPy's experimental array API switched on before import; the
# calibrator only ever sees NumPy arrays, so they are left out rather than skipped.
_PARAMS = [p for p in _CHECKS.args[1] if "array_api" not in _name(p[1])]


#: Bulb-circuit answers a teacher accepts (about the current's route, which the model answers do
#: not word) and wrong ones: the scripts of the few-script and 0/1 calibrator tests.
BULB_RIGHT = (
    "The current can still flow round through A and back to the cell.",
    "Current still has a route through A back to the cell.",
    "There is still a route for current through bulb A and the cell.",
    "Current can go round through A to the cell still.",
    "A still has current flowing round from the cell.",
)
BULB_WRONG = (
    "Because switch Y is broken.",
    "Bulb A is brighter than bulb B.",
    "The switch is made of plastic.",
    "Because bulb B goes out.",
    "It uses less energy.",
)


@pytest.mark.parametrize(_CHECKS.args[0], _PARAMS)
def test_calibrate_estimator_contract(estimator, check):
    check(estimator)


def test_calibrate_binary_marks_use_probabilities():
    X = np.array([[0.1], [0.3], [0.7], [0.9]] * 5)
    y = np.array([0, 0, 1, 1] * 5)
    model = MarkCalibrator(max_mark=1).fit(X, y)
    p = model.predict(np.array([[0.0], [1.0]]))
    assert 0 <= p[0] < 0.5 < p[1] <= 1
    assert model.predict_mark(np.array([[0.0], [1.0]])).tolist() == [0, 1]


def test_calibrate_predictions_clipped_to_the_mark_range():
    X = np.arange(20, dtype=float).reshape(-1, 1)
    model = MarkCalibrator(max_mark=5).fit(X, np.clip(np.arange(20), 0, 5))
    assert model.predict(np.array([[-50.0], [500.0]])).tolist() == [0.0, 5.0]


@pytest.fixture(scope="module")
def harsh_teacher(shipped_marker):
    """Validation essays of one question marked by a teacher three marks harsher than the scheme."""
    answers = sorted(load_validation(question="rapallo-significance"), key=lambda a: a.name)
    fbs = shipped_marker.mark_many("rapallo-significance", [a.text for a in answers])
    marks = [max(0, a.intended_mark - 3) for a in answers]
    return answers, fbs, marks


def test_calibrate_learns_a_harsher_teacher_from_ten_scripts(shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    rng = np.random.default_rng(0)
    order = rng.permutation(len(answers))
    held = order[20:]
    before = figures([marks[i] for i in held], [fbs[i].mark for i in held])
    maes = []
    for n in (10, 20):
        train = order[:n]
        cal = fit_calibration(
            q.id,
            q.version,
            q.max_mark,
            [fbs[i] for i in train],
            [answers[i].text for i in train],
            [marks[i] for i in train],
        )
        done = cal.apply([fbs[i] for i in held], [answers[i].text for i in held])
        assert all(fb.calibrated and "Calibrated" in fb.summary for fb in done)
        maes.append(figures([marks[i] for i in held], [fb.mark for fb in done])["mae"])
    # From ten scripts it already moves towards the teacher; with twenty it does not get worse.
    assert maes[0] < before["mae"]
    assert maes[1] <= maes[0] + 0.25


def test_calibrate_levels_follow_the_calibrated_mark(shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks)
    for fb in cal.apply(fbs, [a.text for a in answers]):
        low, high = fb.band
        assert low <= fb.mark <= high or fb.mark == 0


def test_calibrate_uses_text_features_from_enough_scripts(shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks, text_min=30)
    assert cal.text_model is not None and cal.n_scripts == 30 and cal.cv
    few = fit_calibration(q.id, q.version, q.max_mark, fbs[:12], [a.text for a in answers[:12]], marks[:12])
    assert few.text_model is None


def test_calibrate_save_load_round_trip(tmp_path, shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks)
    path = calibrate.save(cal, tmp_path)
    assert path.exists() and not list(path.parent.glob("*.tmp"))
    again = calibrate.load(tmp_path, q.id)
    assert again.rubric_version == q.version and again.data_fingerprint == cal.data_fingerprint
    texts = [a.text for a in answers]
    assert [f.mark for f in again.apply(fbs, texts)] == [f.mark for f in cal.apply(fbs, texts)]
    assert calibrate.load(tmp_path, "no-such-question") is None


def test_calibrate_stale_rubric_is_not_used(tmp_path, shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, "old-version", q.max_mark, fbs, [a.text for a in answers], marks)
    used, why = usable(cal, q.version)
    assert used is None and "old-version" in why and "marker calibrate" in why


def test_calibrate_fitted_to_another_marking_is_not_used(shipped_marker, harsh_teacher):
    """After an upgrade that moves marks (tuning, shipped models, engine code), a calibration fitted
    on the old features is set aside, saying why, until the teacher calibrates again."""
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks)
    assert cal.versions["marking"] == marking_version.fingerprint()
    assert usable(cal, q.version) == (cal, "")
    old = replace(cal, versions={**cal.versions, "marking": "0123456789abcdef"})
    used, why = usable(old, q.version)
    assert used is None and "another version of marker's marking" in why and "marker calibrate" in why


def test_calibrate_fitted_to_another_marking_is_named_where_marking_happens(
    tmp_path, shipped_marker, harsh_teacher
):
    """The workspace (app, CLI, batch) marks without it and says why."""
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks)
    calibrate.save(replace(cal, versions={**cal.versions, "marking": "0123456789abcdef"}), tmp_path)
    ws = Workspace(tmp_path)
    assert ws.calibration(q.id)[0] is None
    assert "another version of marker's marking" in ws.calibration_note(q.id)
    calibrate.save(cal, tmp_path)
    used, why = ws.calibration(q.id)  # calibrated again under this marking: used
    assert used is not None and used.versions["marking"] == marking_version.fingerprint() and why == ""


def test_marking_fingerprint_follows_tuning_models_and_engine():
    tuning = marking_version.marking_tuning()
    assert "access" not in tuning and "conclusion_markers" in tuning["structure"]
    models = marking_version.shipped_models()
    assert models and "zero_shot" in models and "provenance" not in models
    today = marking_version.digest(ENGINE_VERSION, tuning, models)
    assert today == marking_version.fingerprint()
    moved = copy.deepcopy(tuning)
    moved["placement"][next(iter(moved["placement"]))] = "changed"
    refit = {**models, "zero_shot": {**models["zero_shot"], "intercept": 9.0}}
    assert (
        len(
            {
                today,
                marking_version.digest(ENGINE_VERSION, moved, models),
                marking_version.digest(ENGINE_VERSION, tuning, refit),
                marking_version.digest("9.9.9", tuning, models),
            }
        )
        == 4
    )


def test_marking_fingerprint_leaves_out_advisory_word_lists():
    """A word list that only an advisory reads (the inconsistent-judgement advisory's hedges) moves no
    mark, so changing it keeps the fingerprint, and the teachers' saved calibrations with it; a value
    that moves marks (the conclusion's fallback sentences) changes it."""
    models = marking_version.shipped_models()

    def fingerprint_with(**values) -> str:
        changed = TUNING.model_copy(update={"structure": TUNING.structure.model_copy(update=values)})
        return marking_version.digest(ENGINE_VERSION, marking_version.marking_tuning(changed), models)

    today = marking_version.fingerprint()
    assert fingerprint_with() == today
    assert fingerprint_with(hedge_phrases=("more or less",), contrast_words=("but",), too_window=3) == today
    assert fingerprint_with(conclusion_fallback_sentences=3) != today
    assert "hedge_phrases" not in marking_version.marking_tuning()["structure"]


def test_marking_fingerprint_is_the_same_in_every_process():
    """A calibration saved by one process is checked by another (the app after a restart, a batch
    worker): the tuning's word lists are sets, iterated in another order under each hash seed."""
    code = "from marker.marking_version import fingerprint; print(fingerprint())"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2", "3")
    }
    assert seen == {marking_version.fingerprint()}


def test_calibrate_damaged_file_gives_a_clear_error(tmp_path):
    (tmp_path / "calibrations").mkdir()
    (tmp_path / "calibrations" / "q.joblib").write_bytes(b"not a pickle")
    with pytest.raises(CalibrationError, match="marker calibrate"):
        calibrate.load(tmp_path, "q")


def test_calibrate_refuses_too_few_or_uniform_scripts(shipped_marker, harsh_teacher):
    answers, fbs, marks = harsh_teacher
    q = shipped_marker.bank.question("rapallo-significance")
    with pytest.raises(CalibrationError, match="9 marked scripts.*at least 10"):
        fit_calibration(q.id, q.version, q.max_mark, fbs[:9], [a.text for a in answers[:9]], marks[:9])
    with pytest.raises(CalibrationError, match="same mark"):
        fit_calibration(q.id, q.version, q.max_mark, fbs[:12], [a.text for a in answers[:12]], [5] * 12)


@pytest.mark.parametrize("n_correct, text_model", [(2, True), (1, False)])
def test_calibrate_binary_with_a_rare_mark_still_fits(import_marker, n_correct, text_model):
    """Thirty-odd scripts with only one or two right answers: every fold keeps both marks, or the
    answers' words are left out rather than the fit failing."""
    right = ["Bulb A is still in a closed path with the battery."] * n_correct
    wrong = [f"Because of reason number {i}." for i in range(32 - n_correct)]
    texts = right + wrong
    marks = [1] * n_correct + [0] * len(wrong)
    q = import_marker.bank.question("bulb-circuit")
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, marks, text_min=30)
    assert (cal.text_model is not None) is text_model
    assert cal.apply(fbs[:1], texts[:1])[0].calibrated


def test_calibrate_few_short_answer_scripts_vote_as_neighbours(import_marker):
    """Ten marked short answers: the teacher's scripts are kept as neighbours (no per-question
    fit), and a new answer close to the teacher's full-mark scripts follows them."""
    q = import_marker.bank.question("bulb-circuit")
    # This teacher accepts answers about the current's route, which the model answers do not word.
    right = list(BULB_RIGHT)
    wrong = list(BULB_WRONG)
    texts = right + wrong
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 5 + [0] * 5)
    assert cal.model is None and cal.memory is not None and cal.memory.shape == (10, 384)
    assert "marked scripts" in cal.describe()
    new = ["The current still has a route round through A to the cell.", "Because switch Y is plastic."]
    new_fbs = import_marker.mark_question(q, new)
    assert [fb.mark for fb in cal.apply(new_fbs, new)] == [1, 0]


def test_calibrate_short_answers_all_marked_alike_keep_their_scripts_as_neighbours(import_marker):
    """A teacher who gave every one of a short-answer question's first scripts full marks has
    still said something: the scripts are kept as neighbours (not refused, not replaced by a
    calibration of other questions), and a new answer like them gets full marks too."""
    q = import_marker.bank.question("bulb-circuit")
    # This teacher accepts answers about the current's route, which the model answers do not word.
    texts = [
        "The current can still flow round through A and back to the cell.",
        "Current still has a route through A back to the cell.",
        "There is still a route for current through bulb A and the cell.",
        "Current can go round through A to the cell still.",
        "A still has current flowing round from the cell.",
        "The current flows from the cell through A and back again.",
        "Current still goes round A and the cell.",
        "There is a route for the current through A.",
        "The current has a way round through bulb A.",
        "Current can still get round through A to the cell.",
    ]
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 10)
    assert cal.model is None and cal.memory is not None and cal.memory.shape == (10, 384)
    new = ["The current still has a route round through A to the cell."]
    new_fbs = import_marker.mark_question(q, new)
    assert new_fbs[0].mark == 0  # the rubric alone does not see it
    assert [fb.mark for fb in cal.apply(new_fbs, new)] == [1]


def test_calibrate_few_short_answer_scripts_tell_a_not_apart(tmp_path, import_marker):
    """Ten marked short answers that differ from each other by a "not": closeness in meaning
    hardly sees it, closeness in words does, so a new answer follows the scripts it shares its
    words with (and the calibration keeps the scripts' words through saving and loading)."""
    q = import_marker.bank.question("bulb-circuit")
    right = [
        "Bulb A is still in a closed circuit with the battery.",
        "A is in a closed circuit with the cell.",
        "Bulb A is still part of a closed loop.",
        "A is still in a complete circuit.",
        "Bulb A still has a closed path to the battery.",
    ]
    wrong = [
        "Bulb A is not in a closed circuit with the battery.",
        "A is not in a closed circuit with the cell.",
        "Bulb A is not part of a closed loop.",
        "A is not in a complete circuit.",
        "Bulb A has no closed path to the battery.",
    ]
    texts = right + wrong
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 5 + [0] * 5)
    assert cal.model is None and cal.memory_texts == tuple(texts)
    new = [
        "Bulb A is still in a closed circuit.",
        "Bulb A is not in a closed circuit.",
        "A is in a complete circuit with the battery.",
        "A is not in a complete circuit with the battery.",
    ]
    new_fbs = import_marker.mark_question(q, new)
    assert [fb.mark for fb in cal.apply(new_fbs, new)] == [1, 0, 1, 0]
    calibrate.save(cal, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.memory_texts == tuple(texts)
    assert [fb.mark for fb in again.apply(new_fbs, new)] == [1, 0, 1, 0]


def test_calibrate_few_scripts_weigh_the_rubric_by_how_the_teacher_marked_beside_it(tmp_path, import_marker):
    """Ten wrong answers marked 0, as the rubric rates them too: a clear answer unlike any of them
    keeps more of the rubric's estimate than if the rubric had rated those scripts high (a teacher
    harsher than the rubric). The scripts' zero-shot shares are saved with the calibration, and
    one saved without them is refused with what to do."""
    from dataclasses import replace

    q = import_marker.bank.question("bulb-circuit")
    wrong = [
        *BULB_WRONG,
        "Y does not control anything.",
        "The battery is very strong.",
        "Because it is a parallel thing.",
        "Bulb A has more voltage.",
        "I don't know.",
    ]
    fbs = import_marker.mark_question(q, wrong)
    cal = fit_calibration(q.id, q.version, 1, fbs, wrong, [0] * 10)
    assert cal.memory_zero_shot is not None and max(cal.memory_zero_shot) < 0.6  # the rubric agrees
    new = ["Bulb A is still in a closed path with the battery."]
    new_fbs = import_marker.mark_question(q, new)
    agreeing = cal.neighbour_shares(new_fbs, new)[0]
    harsher = replace(cal, memory_zero_shot=np.full(10, 0.95)).neighbour_shares(new_fbs, new)[0]
    assert agreeing > harsher + 0.1
    calibrate.save(cal, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert np.allclose(again.memory_zero_shot, cal.memory_zero_shot)
    with pytest.raises(CalibrationError, match="marker calibrate"):
        replace(cal, memory_zero_shot=None).neighbour_shares(new_fbs, new)


def _bulb_scripts() -> tuple[list[str], list[int]]:
    """Seventy bulb-circuit scripts, right and wrong in turn (each of BULB_RIGHT and BULB_WRONG
    after seven different openings), with the teacher's marks 1 and 0."""
    texts, marks = [], []
    for lead in ("", "I think ", "Well, ", "Because ", "So ", "Yes, ", "Maybe "):
        for r, w in zip(BULB_RIGHT, BULB_WRONG, strict=True):
            texts += [lead + r, lead + w]
            marks += [1, 0]
    return texts, marks


def test_calibrate_short_answer_calibrator_out_of_one_weighs_every_script_alike(import_marker):
    """From 30 scripts, a short-answer question's own 0/1 calibrator is a logistic regression
    whose scripts all weigh the same (balanced classes lost agreement on the public training
    sets); it is still an estimator whose parameters say so."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts[:34])
    cal = fit_calibration(q.id, q.version, 1, fbs, texts[:34], marks[:34])
    assert cal.model is not None and cal.model.binary_
    assert cal.model.get_params()["class_weight"] is None
    assert cal.model.model_.class_weight is None
    assert MarkCalibrator().get_params()["class_weight"] == "balanced"  # pooled and essays: as before


def test_calibrate_a_fit_that_is_one_fold_of_a_check_skips_its_own_check(import_marker):
    """A calibrator fitted inside a check of calibrators (a pooled one on left-out questions) is
    not cross-validated again: the same model and marks, no cross-validated agreement."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts[:34])
    checked = fit_calibration(q.id, q.version, 1, fbs, texts[:34], marks[:34])
    fold = fit_calibration(q.id, q.version, 1, fbs, texts[:34], marks[:34], cross_validate=False)
    assert checked.cv and fold.cv == {}
    new = texts[34:]
    new_fbs = import_marker.mark_question(q, new)
    assert fold.predict_marks(new_fbs, new).tolist() == checked.predict_marks(new_fbs, new).tolist()
    assert {0, 1} <= set(fold.predict_marks(new_fbs, new).tolist())


def test_calibrate_columns_of_a_block_weigh_less_after_standardising():
    """A pooled calibrator's meaning pairs are many columns: weighed down after standardising they
    are penalised more than the engine's features, so a column of the block moves the mark less."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 1] > 0).astype(int)  # the second column says it all
    plain = MarkCalibrator(max_mark=1).fit(X, y)
    weighed = MarkCalibrator(max_mark=1, block_start=1, block_weight=0.05).fit(X, y)
    probe = np.array([[0.0, 1.0], [0.0, -1.0]])
    spread_plain = np.ptp(plain.predict(probe))
    spread_weighed = np.ptp(weighed.predict(probe))
    assert spread_plain > 0.9 and spread_weighed < 0.5 * spread_plain


def test_calibrate_meaning_pair_of_an_answer_and_its_closest_model_answer(import_marker):
    """[u*v, |u-v|] with the closest model answer v: an answer that is one of the model answers
    pairs with itself (no difference); an answer the meaning stage did not read, or a question
    without model answers, gives zeros."""
    from marker.calibrate import pair_block
    from marker.meaning import answer_vectors

    q = import_marker.bank.question("bulb-circuit")
    models = ("Bulb A is still in a closed path with the battery.", "Heat from the warm air melts the ice.")
    texts = [models[0], "The current still has a route through A.", "", models[1]]
    fbs = import_marker.mark_question(q, texts)
    block = pair_block(fbs, texts, [models, models, models, ()])
    assert block.shape == (4, 768)
    u = answer_vectors([models[0]])[0]
    assert np.allclose(block[0, :384], u * u, atol=1e-6) and np.allclose(block[0, 384:], 0, atol=1e-6)
    v = answer_vectors([models[0]])[0]  # the bulb answer's closest model answer is the bulb one
    w = answer_vectors([texts[1]])[0]
    assert np.allclose(block[1, 384:], np.abs(w - v), atol=1e-6)
    assert not block[2].any() and not block[3].any()


def test_calibrate_pooled_calibrator_with_meaning_pairs_needs_the_model_answers(import_marker):
    """Fitted with each script's model answers, a calibration says so, weighs the pairs down, and
    is not applied without them (it would read other columns than it was fitted on)."""
    from marker.calibrate import PAIR_WEIGHT, POOLED_FEATURES

    q = import_marker.bank.question("bulb-circuit")
    texts = list(BULB_RIGHT + BULB_WRONG) * 2
    marks = [1] * 5 + [0] * 5 + [1] * 5 + [0] * 5
    fbs = import_marker.mark_question(q, texts)
    models = ("Bulb A is still in a closed path with the battery.",)
    cal = fit_calibration(
        "*1",
        "",
        1,
        fbs,
        texts,
        marks,
        text_min=10**9,
        feature_names=POOLED_FEATURES,
        references=[models] * 20,
    )
    assert cal.meaning_pairs and cal.model is not None
    assert cal.model.get_params()["block_start"] == len(POOLED_FEATURES)
    assert cal.model.get_params()["block_weight"] == PAIR_WEIGHT
    assert cal.model.n_features_in_ == len(POOLED_FEATURES) + 768
    with pytest.raises(CalibrationError, match="model answers"):
        cal.apply(fbs[:2], texts[:2])
    done = cal.apply(fbs[:2], texts[:2], [models, models])
    assert all(fb.calibrated for fb in done)
    plain = fit_calibration("*1", "", 1, fbs, texts, marks, text_min=10**9, feature_names=POOLED_FEATURES)
    assert not plain.meaning_pairs and plain.model.n_features_in_ == len(POOLED_FEATURES)
    assert plain.apply(fbs[:2], texts[:2])  # no model answers needed


def test_calibrate_a_calibration_saved_before_meaning_pairs_is_not_loaded(tmp_path, import_marker):
    """Format 5 added the calibrator's block of meaning-pair columns: a format-4 file is not used."""
    q = import_marker.bank.question("bulb-circuit")
    texts = list(BULB_RIGHT + BULB_WRONG)
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 5 + [0] * 5)
    calibrate.save(cal, tmp_path)
    assert calibrate.load(tmp_path, q.id) is not None
    cal.versions["format"] = 4
    calibrate.save(cal, tmp_path)
    assert calibrate.load(tmp_path, q.id) is None


def test_calibrate_a_short_answer_calibrator_out_of_one_stacks_the_answers_meaning(tmp_path, import_marker):
    """From 30 scripts a 0/1 question's own calibrator stacks a model of the answers' meaning (out
    of fold) and the neighbours model's whole mark beside its share; it is saved and loaded with
    them, and a new answer that says what the accepted scripts say, in other words, gets the mark."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts[:34])
    cal = fit_calibration(q.id, q.version, 1, fbs, texts[:34], marks[:34])
    assert cal.meaning_model is not None and "meaning" in cal.describe()
    # engine features, words, meaning, then the neighbours' share and whole mark
    assert cal.model.n_features_in_ == len(calibrate.FEATURE_NAMES) + 4
    near = cal.features(fbs[:4], texts[:4])[:, -2:]
    assert set(near[:, 1].tolist()) <= {0.0, 1.0} and np.all((near[:, 0] >= 0) & (near[:, 0] <= 1))
    new = ["A still gets current going round from the cell.", "Bulb B is brighter than bulb A."]
    new_fbs = import_marker.mark_question(q, new)
    assert [fb.mark for fb in cal.apply(new_fbs, new)] == [1, 0]
    calibrate.save(cal, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.meaning_model is not None
    assert again.predict_marks(new_fbs, new).tolist() == cal.predict_marks(new_fbs, new).tolist()


def test_calibrate_meaning_is_stacked_only_for_marks_out_of_one_from_enough_scripts(
    import_marker, shipped_marker, harsh_teacher
):
    """Fewer than 30 scripts (neighbours alone), a mark too rare to fold, or an essay: no meaning model."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts[:20])
    assert fit_calibration(q.id, q.version, 1, fbs, texts[:20], marks[:20]).meaning_model is None
    rare = ["Bulb A is still in a closed path with the battery."] + [
        f"Because of reason {i}." for i in range(31)
    ]
    rare_fbs = import_marker.mark_question(q, rare)
    cal = fit_calibration(q.id, q.version, 1, rare_fbs, rare, [1] + [0] * 31)
    assert cal.meaning_model is None and cal.model.n_features_in_ == len(calibrate.FEATURE_NAMES) + 1
    answers, essay_fbs, essay_marks = harsh_teacher
    essay = shipped_marker.bank.question("rapallo-significance")
    cal = fit_calibration(
        essay.id,
        essay.version,
        essay.max_mark,
        essay_fbs,
        [a.text for a in answers],
        essay_marks,
        text_min=30,
    )
    assert cal.text_model is not None and cal.meaning_model is None


def test_calibrate_short_answer_questions_share_a_stacker_whose_probability_is_averaged_in(
    tmp_path, import_marker
):
    """0/1 short-answer questions with their own calibrators share one stacker of the words',
    meaning and neighbours' scores: each question's mark is then the mean of its own calibrator's
    probability and the stacker's; it is saved with the calibration. One question alone, or a
    question kept as neighbours, gets none."""
    from marker.evaluate import share_stacker
    from marker.stacking import shared_view

    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts)
    one = fit_calibration(q.id, q.version, 1, fbs[:34], texts[:34], marks[:34])
    other = fit_calibration(q.id, q.version, 1, fbs[34:68], texts[34:68], marks[34:68])
    few = fit_calibration(q.id, q.version, 1, fbs[:20], texts[:20], marks[:20])
    assert one.shared_inputs.shape == (34, 5) and few.shared_inputs is None and few.shared is None
    new = ["A still gets current going round from the cell.", "Bulb B is brighter than bulb A."]
    new_fbs = import_marker.mark_question(q, new)
    alone = one.predict_marks(new_fbs, new).tolist()
    share_stacker({"one": one})
    assert one.shared is None and "other questions" not in one.describe()
    share_stacker({"one": one, "other": other, "few": few})
    assert one.shared is other.shared is not None and few.shared is None
    # the note on each calibrated mark says the teacher's other questions share in it
    assert "averaged with a model of the teacher's other questions" in one.describe()
    X = one.features(new_fbs, new)
    view = shared_view(X, calibrate.FEATURE_NAMES, one.text_model is not None, one.meaning_model is not None)
    mean = (one.model.predict(X) + one.shared.predict_proba(view)[:, 1]) / 2
    assert one.predict_marks(new_fbs, new).tolist() == (mean >= 0.5).astype(int).tolist() == alone == [1, 0]
    calibrate.save(one, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.shared is not None
    assert again.predict_marks(new_fbs, new).tolist() == [1, 0]


@pytest.mark.parametrize("older", [5, 6, 7])
def test_calibrate_a_calibration_saved_in_an_older_format_is_not_loaded(tmp_path, import_marker, older):
    """Format 6 stacks the answers' meaning into a 0/1 calibrator, format 7 may hold the stacker
    shared by a teacher's 0/1 questions, format 8 the correction shared by those kept as
    neighbours, format 9 each one's own shift of it and format 10 ordinal calibrators out of more
    than 1: a file of format 5 to 7 is not used (format 8 is read with no shift, below; format 9
    out of 2 as its ridge regression)."""
    q = import_marker.bank.question("bulb-circuit")
    texts = list(BULB_RIGHT + BULB_WRONG)
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 5 + [0] * 5)
    cal.versions["format"] = older
    calibrate.save(cal, tmp_path)
    assert calibrate.load(tmp_path, q.id) is None
    assert calibrate.FORMAT_VERSION == 10 and calibrate.READABLE_FORMATS == (8, 9, 10)


def _three_questions_kept_as_neighbours(import_marker):
    """The bulb-circuit question, its seventy scripts, the first sixty marked, and three calibrations
    of twenty scripts each (as three 0/1 questions kept as neighbours), by name "q0", "q20", "q40"."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_scripts()
    fbs = import_marker.mark_question(q, texts[:60])
    cals = {
        f"q{k}": fit_calibration(q.id, q.version, 1, fbs[k : k + 20], texts[k : k + 20], marks[k : k + 20])
        for k in (0, 20, 40)
    }
    return q, texts, fbs, cals


def test_calibrate_questions_kept_as_neighbours_share_a_correction_averaged_with_the_shipped_model(
    tmp_path, import_marker
):
    """0/1 short-answer questions kept as neighbours (fewer than 30 scripts each) share one
    correction of the shipped neighbours model, fitted on all their scripts (each left out of its
    own neighbours): a question's mark is the mean of its probability and the shipped share, and
    the note on the mark says so; it is saved with the calibration. One question alone, or fewer
    than fifty scripts in all, keep the shipped model's marks."""
    from marker.evaluate import share_stacker
    from marker.neighbours import corrected_marks, correction_inputs

    q, texts, fbs, cals = _three_questions_kept_as_neighbours(import_marker)
    one = cals["q0"]
    assert one.model is None and one.correction_inputs.shape == (20, 22)
    new = ["A still gets current going round from the cell.", "Bulb B is brighter than bulb A."]
    new_fbs = import_marker.mark_question(q, new)
    shipped = one.predict_marks(new_fbs, new).tolist()
    share_stacker({"q0": one})
    share_stacker({"q0": one, "q20": cals["q20"]})  # 40 scripts in all
    assert one.correction is None and "other questions" not in one.describe()
    share_stacker(cals)
    assert one.correction is cals["q20"].correction is cals["q40"].correction is not None
    assert "a correction fitted on the teacher's other questions" in one.describe()
    inputs = correction_inputs(
        one.neighbour_rows(new_fbs, new), calibrate.feature_matrix(new_fbs, calibrate.POOLED_FEATURES)
    )
    assert np.allclose(1 / (1 + np.exp(-inputs[:, 0])), one.neighbour_shares(new_fbs, new))
    got = one.predict_marks(new_fbs, new).tolist()
    assert got == corrected_marks(one.correction, inputs).tolist() == shipped == [1, 0]
    assert "correction fitted" in one.apply(new_fbs, new)[0].summary
    calibrate.save(one, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.correction is not None and again.predict_marks(new_fbs, new).tolist() == [1, 0]


def test_calibrate_questions_kept_as_neighbours_each_shift_the_shared_correction_to_their_scripts(
    tmp_path, import_marker
):
    """Each 0/1 question kept as neighbours also gets its own shift of the shared correction's
    log-odds, fitted on its own scripts (each left out of its own neighbours): a question whose
    teacher gave every script full marks is shifted up, one who gave none is shifted down, and
    its marks are the shifted ones; the shift is saved with the calibration."""
    from marker.evaluate import share_stacker
    from marker.neighbours import corrected_marks, correction_inputs, question_offset

    q, texts, fbs, cals = _three_questions_kept_as_neighbours(import_marker)
    cals["all"] = fit_calibration(q.id, q.version, 1, fbs[:20], texts[:20], [1] * 20)
    cals["none"] = fit_calibration(q.id, q.version, 1, fbs[20:40], texts[20:40], [0] * 20)
    share_stacker(cals)
    one = cals["q0"]
    assert one.correction_offset == question_offset(
        one.correction, one.correction_inputs, np.rint(one.memory_shares)
    )
    assert cals["all"].correction_offset > 0 > cals["none"].correction_offset
    assert "shifted to this question's scripts" in cals["all"].describe()
    new = list(texts[60:])
    new_fbs = import_marker.mark_question(q, new)
    for cal in cals.values():
        inputs = correction_inputs(
            cal.neighbour_rows(new_fbs, new), calibrate.feature_matrix(new_fbs, calibrate.POOLED_FEATURES)
        )
        expected = corrected_marks(cal.correction, inputs, cal.correction_offset)
        assert cal.predict_marks(new_fbs, new).tolist() == expected.tolist()
    calibrate.save(cals["all"], tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.correction_offset == cals["all"].correction_offset


def test_calibrate_a_format_8_calibration_is_read_with_no_shift(tmp_path, import_marker):
    """A calibration saved before questions kept as neighbours had their own shift (format 8) is
    still used, and marks as it did: with no shift."""
    q = import_marker.bank.question("bulb-circuit")
    texts = list(BULB_RIGHT + BULB_WRONG)
    fbs = import_marker.mark_question(q, texts)
    cal = fit_calibration(q.id, q.version, 1, fbs, texts, [1] * 5 + [0] * 5)
    cal.versions["format"] = 8
    del cal.__dict__["correction_offset"]  # as a format-8 file holds it: no such field
    calibrate.save(cal, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again is not None and again.correction_offset == 0.0
    assert again.predict_marks(fbs, texts).tolist() == cal.predict_marks(fbs, texts).tolist()


BULB_HALF = (
    "Bulb A stays on.",
    "A stays lit.",
    "Bulb A keeps shining.",
    "A is still on.",
    "Bulb A does not go out.",
)


def _bulb_out_of_two() -> tuple[list[str], list[int]]:
    """Thirty-six bulb-circuit scripts marked out of 2 as a teacher marks: most answers right (2) or
    half right (1, the conclusion without the reason), two wrong ones given 0."""
    texts, marks = [], []
    for lead in ("", "I think ", "Well, ", "So "):
        texts += [lead + r for r in BULB_RIGHT] + [lead + h for h in BULB_HALF[: 3 if lead else 5]]
        marks += [2] * 5 + [1] * (3 if lead else 5)
    return texts + ["Because switch Y is broken.", "The switch is made of plastic."], marks + [0, 0]


def test_calibrate_out_of_two_marks_a_wrong_answer_0_as_the_teacher_does(import_marker):
    """From 30 scripts, a short-answer question's own calibrator out of 2 is ordinal: a wrong answer,
    like the two its teacher gave 0 among thirty-four 1s and 2s, is marked 0 (main's rounded ridge
    regression, pulled towards the commoner marks, gave it 1), and right and half-right answers keep
    2 and 1."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_out_of_two()
    cal = fit_calibration(q.id, q.version, 2, import_marker.mark_question(q, texts), texts, marks)
    assert isinstance(cal.model.model_, OrdinalModel)
    new = [
        "It uses less energy.",
        "Bulb A keeps shining.",
        "Current still goes round through A back to the cell.",
    ]
    assert cal.predict_marks(import_marker.mark_question(q, new), new).tolist() == [0, 1, 2]


def test_calibrate_out_of_two_questions_share_an_ordinal_stacker(tmp_path, import_marker):
    """Short-answer questions out of 2 with their own calibrators share one ordinal stacker of the
    same inputs as the 0/1 questions' (the words' score read as a share of the mark): a question's
    mark is the most probable of the mean of its own and the stacker's probabilities of each mark;
    it is saved with the calibration. A 0/1 question is not among them."""
    from marker.evaluate import share_stacker
    from marker.stacking import shared_view

    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_out_of_two()
    fbs = import_marker.mark_question(q, texts)
    one = fit_calibration(q.id, q.version, 2, fbs, texts, marks)
    other = fit_calibration(q.id, q.version, 2, fbs[::-1], texts[::-1], marks[::-1])
    bulb_texts, bulb_marks = _bulb_scripts()
    binary = fit_calibration(
        q.id, q.version, 1, import_marker.mark_question(q, bulb_texts[:34]), bulb_texts[:34], bulb_marks[:34]
    )
    assert one.shared_inputs.shape == (len(texts), 5)
    share_stacker({"one": one, "binary": binary})
    assert one.shared is None and binary.shared is None
    share_stacker({"one": one, "other": other, "binary": binary})
    assert one.shared is other.shared is not None and binary.shared is None
    assert isinstance(one.shared.model_, OrdinalModel)
    new = [
        "It uses less energy.",
        "Bulb A keeps shining.",
        "Current still goes round through A back to the cell.",
    ]
    new_fbs = import_marker.mark_question(q, new)
    X = one.features(new_fbs, new)
    view = shared_view(X, calibrate.FEATURE_NAMES, one.text_model is not None, False, max_mark=2)
    mean = (one.model.predict_proba(X) + one.shared.predict_proba(view)) / 2
    assert one.predict_marks(new_fbs, new).tolist() == mean.argmax(axis=1).tolist() == [0, 1, 2]
    calibrate.save(one, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    assert again.shared is not None and again.predict_marks(new_fbs, new).tolist() == [0, 1, 2]


def test_calibrate_a_format_9_calibration_out_of_two_marks_as_it_did(tmp_path, import_marker):
    """A calibration saved in format 9 (before ordinal calibrators) holds a ridge regression out of
    2: it is still read and marks with it, as it did when it was saved."""
    q = import_marker.bank.question("bulb-circuit")
    texts, marks = _bulb_out_of_two()
    cal = fit_calibration(q.id, q.version, 2, import_marker.mark_question(q, texts), texts, marks)
    X = cal.features(import_marker.mark_question(q, texts), texts)
    ridge = MarkCalibrator(max_mark=2, alpha=cal.model.alpha, class_weight=None).fit(X, marks)
    del ridge.ordinal  # as a format-9 file unpickles: the attribute did not exist
    cal.model, cal.versions["format"] = ridge, 9
    calibrate.save(cal, tmp_path)
    again = calibrate.load(tmp_path, q.id)
    new = [
        "It uses less energy.",
        "Bulb A keeps shining.",
        "Current still goes round through A back to the cell.",
    ]
    new_fbs = import_marker.mark_question(q, new)
    assert again is not None and not isinstance(again.model.model_, OrdinalModel)
    # It reads as a ridge calibrator in every way, its parameters too (they raised AttributeError).
    assert again.model.get_params()["ordinal"] is False and "MarkCalibrator" in repr(again.model)
    assert (
        again.predict_marks(new_fbs, new).tolist()
        == ridge.predict_mark(again.features(new_fbs, new)).tolist()
    )
