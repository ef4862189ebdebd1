"""Measuring agreement with a teacher's marks and saving calibrations, on the mini bank and the real pipeline."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pytest

from marker import agreement_report as ar
from marker import calibrate
from marker.errors import CalibrationError, MarkerError
from marker.ingest import Script

MARKED_CSV = Path(__file__).parent / "fixtures" / "mini_points_marked.csv"


def _script(sid: str, text: str, mark: float, qid: str = "q") -> Script:
    sha = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
    return Script(sid, "", text, qid, mark, f"row {sid}", sha)


@pytest.fixture(scope="module")
def scripts(mini_bank) -> list[Script]:
    scripts, notes = ar.load_scripts(MARKED_CSV.name, MARKED_CSV.read_bytes(), mini_bank)
    assert notes == []
    return scripts


@pytest.fixture(scope="module")
def held_out(mini_marker, scripts) -> ar.Measurement:
    return ar.measure(mini_marker, scripts, holdout=True, share=0.3)


def test_agreement_report_split_holds_out_each_mark_in_proportion():
    scripts = [_script(f"s{i}", f"answer {i}", i % 3) for i in range(30)]
    train, test = ar.split_scripts(scripts, 0.3)
    assert len(test) == 9 and len(train) == 21
    assert sorted(s.mark for s in test) == [0, 0, 0, 1, 1, 1, 2, 2, 2]  # every mark, in proportion
    assert ar.split_scripts(scripts, 0.3) == (train, test)  # seeded: the same split every time


def test_agreement_report_split_keeps_identical_answers_on_one_side():
    scripts = [_script(f"s{i}", f"answer {i}", i % 2) for i in range(10)]
    scripts += [_script(f"copy{i}", f"  answer   {i} ", i % 2) for i in range(10)]  # same words
    train, test = ar.split_scripts(scripts, 0.3)
    assert test and {s.sha for s in train}.isdisjoint({s.sha for s in test})


def test_agreement_report_split_keeps_a_lone_script_for_fitting():
    scripts = [_script("a", "one", 1, "q1"), *[_script(f"b{i}", f"t {i}", i % 2, "q2") for i in range(4)]]
    train, test = ar.split_scripts(scripts, 0.5)
    assert "a" in {s.script_id for s in train} and all(s.question_id == "q2" for s in test)


def test_agreement_report_load_scripts_sets_bad_rows_aside_and_names_them(mini_bank):
    rows = MARKED_CSV.read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].rsplit(",", 1)[0] + ",5"  # over the maximum of 2 (file row 4)
    rows[7] = rows[7].replace("mini-points", "no-such-question")  # file row 8
    scripts, notes = ar.load_scripts("bad.csv", "\n".join(rows).encode(), mini_bank)
    assert len(scripts) == len(rows) - 1 - 2  # the header and the two bad rows
    assert "row 4: mark 5 is outside 0-2 for mini-points" in notes[0]
    assert "row 8: unknown question id 'no-such-question'" in notes[0]
    only_bad = [rows[0], rows[3], rows[7]]
    with pytest.raises(MarkerError) as err:
        ar.load_scripts("bad.csv", "\n".join(only_bad).encode(), mini_bank)
    assert "mark 5 is outside 0-2" in str(err.value)
    with pytest.raises(MarkerError, match="no scripts"):
        ar.load_scripts("empty.csv", b"question_id,answer,mark\n", mini_bank)


def test_agreement_report_measure_fits_on_some_and_measures_the_others(held_out, scripts):
    m = held_out
    assert (m.n_train, m.n_test) == (11, 5) and m.holdout
    assert len(m.feedbacks) == len(scripts) and all(fb.question_id == "mini-points" for fb in m.feedbacks)
    measured = {r.script.script_id for r in m.report.rows}
    assert len(measured) == 5 and m.report.before is not None  # calibrated, with the rubric alone beside
    assert m.report.calibration == "fitted on 11 scripts, measured on 5 others held out"
    assert set(m.versions) == {"mini-points"}


def test_agreement_report_measure_rubric_alone_marks_every_script_once(mini_marker, scripts):
    calls = []
    m = ar.measure(mini_marker, scripts, holdout=False, share=0.3, progress=lambda d, t: calls.append((d, t)))
    assert (m.n_train, m.n_test) == (0, 16) and m.report.before is None
    assert [r.feedback for r in m.report.rows] == m.feedbacks
    assert calls[-1] == (16, 16)  # the progress count ends at the total


def test_agreement_report_measure_needs_a_script_to_hold_out(mini_marker, scripts):
    with pytest.raises(MarkerError, match="No script could be held out"):
        ar.measure(mini_marker, scripts[:1], holdout=True, share=0.3)


def test_agreement_report_save_calibrations_saves_one_that_loads_back(mini_marker, held_out, tmp_path):
    cals, notes = ar.save_calibrations(mini_marker, held_out, tmp_path)
    assert [c.question_id for c in cals] == ["mini-points"] and notes == []
    loaded = calibrate.load(tmp_path, "mini-points")
    assert loaded is not None and loaded.n_scripts == 16  # fitted on every uploaded script
    assert ar.saved_table(cals)[0]["data fingerprint"] == loaded.data_fingerprint


def test_agreement_report_save_marks_again_only_when_the_rubric_changed(mini_marker, held_out, tmp_path):
    def progress_of(measurement: ar.Measurement) -> list[tuple[int, int]]:
        calls: list[tuple[int, int]] = []
        ar.save_calibrations(mini_marker, measurement, tmp_path, progress=lambda d, t: calls.append((d, t)))
        return calls

    assert progress_of(held_out) == []  # the feedback it measured is reused
    stale = ar.Measurement(**{**held_out.__dict__, "versions": {"mini-points": "an-older-version"}})
    assert progress_of(stale)[-1] == (16, 16)  # every script marked again with the rubric in use


def test_agreement_report_save_refuses_too_few_scripts_and_saves_nothing(mini_marker, scripts, tmp_path):
    few = ar.measure(mini_marker, scripts[:4], holdout=False, share=0.3)
    with pytest.raises(CalibrationError, match="nothing was saved"):
        ar.save_calibrations(mini_marker, few, tmp_path)
    assert not calibrate.calibration_dir(tmp_path).exists() or not any(
        calibrate.calibration_dir(tmp_path).iterdir()
    )


def test_agreement_report_tables_for_the_charts(held_out):
    report = held_out.report
    conf = ar.confusion_frame(report.confusion["mini-points"])
    assert conf["count"].sum() == 5 and set(conf.columns) == {"teacher", "marker", "count"}
    bias, axis = ar.bias_frame(report.bias["mini-points"])
    assert axis == "mark" and bias["scripts"].sum() == 5
    assert set(bias["lean"]) <= {"harsher", "even", "more generous"}
    length = ar.length_frame(report, "mini-points")
    assert len(length) == 10 and set(length["who"]) == {"teacher", "marker"}
    table = ar.per_question_frame(report)
    assert table["question_id"].tolist() == ["mini-points"] and "QWK before calibration" in table
    row = report.rows[0]
    assert ar.row_for(report, row.script.script_id) is row and ar.row_for(report, "nope") is None
    assert len(ar.points_frame(row.feedback)) == len(row.feedback.points)


def test_agreement_report_figures_as_text(held_out):
    report = held_out.report
    assert ar.fmt("qwk", float("nan")) == "\u2013" and ar.delta("qwk", None, 0.5) == (None, "off")
    assert ar.delta("mae", 0.4, 0.6) == ("-0.200", "inverse")  # lower is better: shown as good
    text = ar.ci_text(report, "qwk")
    assert text is None or "resampling the 5 measured scripts" in text
    assert "Exact agreement" in ar.intervals_line(report)
    assert ar.lean(-0.5) == "harsher" and ar.lean(0) == "even" and not math.isnan(report.overall["mae"])


def test_agreement_report_save_keeps_a_pooled_calibration_the_app_then_marks_with(tmp_path):
    """Save calibration on the page saves the pooled calibration too (questions without scripts of
    their own, out of the same maximum), names it for a teacher in the saved table, and the
    workspace marks a new question with it."""
    from marker.workspace import Workspace

    from .test_evaluate import NEW_POOLED_QUESTION, POOLED_QUESTIONS, _pooled_scripts

    questions = tmp_path / "questions.yaml"
    questions.write_text(POOLED_QUESTIONS + NEW_POOLED_QUESTION, encoding="utf-8")
    ws = Workspace(tmp_path / "data", questions)
    measurement = ar.measure(ws.marker, _pooled_scripts(teacher_agrees=False), holdout=True, share=0.3)
    cals, notes = ar.save_calibrations(ws.marker, measurement, ws.data_dir)
    rows = {r["question_id"]: r for r in ar.saved_table(cals)}
    assert set(rows) == {
        "circuit",
        "magnet",
        "melting",
        "questions out of 1 with no calibration of their own",
    }
    assert rows["questions out of 1 with no calibration of their own"]["scripts"] == 36
    assert rows["questions out of 1 with no calibration of their own"][
        "checked on other questions"
    ].startswith("on questions left out in turn (3 groups) QWK")
    assert rows["circuit"]["checked on other questions"] == ""
    cal, why = ws.calibration("photo")
    assert cal is not None and cal.pooled and why == ""
    fb = ws.mark("photo", "Plants make their food by photosynthesis, using light.")
    assert fb.calibrated and fb.mark == 0
