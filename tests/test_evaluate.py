"""Evaluation and calibration from the command line: figures, reports, and every bad input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from marker.cli import app
from marker.evaluate import (
    blank_fit_note,
    bootstrap_ci,
    evaluate,
    figures,
    fit_calibrations,
    leave_out_overlap,
)
from marker.tables import load_table, read_table, screen_scripts

from .conftest import IMPORT_DIR, PAPERS_DIR

runner = CliRunner()
QUESTIONS = str(IMPORT_DIR / "questions.yaml")
MARKED = str(IMPORT_DIR / "marked.csv")
TEST = str(IMPORT_DIR / "test.csv")


def run(*args):
    return runner.invoke(app, list(args))


def test_evaluate_figures_known_values():
    f = figures([0, 1, 2, 2], [0, 1, 1, 2])
    assert (f["n"], f["exact"], f["adjacent"], f["mae"]) == (4, 0.75, 1.0, 0.25)
    one = figures([1, 1, 0, 0], [1, 0, 0, 0], max_mark=1)
    # accuracy 3/4; F1 of class 1 = 2/3, of class 0 = 0.8, macro 0.7333; kappa (0.75 - 0.5) / 0.5
    assert (one["accuracy"], one["macro_f1"], one["kappa"]) == (0.75, 0.7333, 0.5)


def test_evaluate_bootstrap_interval_contains_the_estimate_and_narrows_with_n():
    human = [0, 1, 2, 3, 1, 2] * 5
    machine = [0, 1, 2, 2, 1, 3] * 5
    small = bootstrap_ci(human[:6], machine[:6])
    big = bootstrap_ci(human, machine)
    assert big["exact"][0] <= figures(human, machine)["exact"] <= big["exact"][1]
    assert big["exact"][1] - big["exact"][0] < small["exact"][1] - small["exact"][0]


def test_evaluate_fixture_known_figures(import_marker):
    scripts = read_table(TEST, require=("question_id", "answer", "mark"))
    report = evaluate(import_marker, scripts)
    assert report.overall["n"] == 8
    assert report.per_question["bulb-circuit"]["exact"] == 1.0
    assert report.per_question["bulb-circuit"]["accuracy"] == 1.0
    assert report.per_question["photosynthesis"]["n"] == 4
    assert "accuracy" not in report.per_question["photosynthesis"]  # a 3-mark question
    assert report.confusion["bulb-circuit"]["matrix"] == [[2, 0], [0, 2]]
    assert report.notes and "uncertain" in report.notes[0]
    bias = {b["mark"]: b for b in report.bias["bulb-circuit"]}
    assert bias[0]["n"] == 2 and bias[1]["mean_difference"] == 0


def test_evaluate_cli_json_has_the_documented_keys(data_env):
    result = run("evaluate", QUESTIONS, "--scripts", TEST, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("n", "qwk", "exact", "adjacent", "mae", "pearson", "per_question", "calibration"):
        assert key in data
    assert set(data["per_question"]["bulb-circuit"]) >= {"qwk", "accuracy", "macro_f1", "kappa"}
    assert data["calibration"].startswith("none")


def test_evaluate_calibrate_on_fits_in_memory_and_leaves_nothing(data_env):
    result = run("evaluate", QUESTIONS, "--scripts", TEST, "--calibrate-on", MARKED, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "fitted in memory" in data["calibration"] and "before_calibration" in data
    assert not (data_env / "calibrations").exists()


def test_evaluate_never_fits_on_the_scripts_it_measures(data_env):
    result = run("evaluate", QUESTIONS, "--scripts", MARKED, "--calibrate-on", MARKED, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 24 and "before_calibration" not in data  # nothing was left to fit on
    assert (
        "24 scripts appear in both files (the same text): kept in the test set and left out of fitting."
        in (data["notes"])
    )


def test_calibrate_saves_and_mark_uses_it(data_env, tmp_path):
    result = run("calibrate", QUESTIONS, "--scripts", MARKED)
    assert result.exit_code == 0, result.output
    assert "bulb-circuit: fitted on 12 scripts" in result.output
    assert (data_env / "calibrations" / "bulb-circuit.joblib").exists()
    answer = tmp_path / "a.txt"
    answer.write_text("Bulb A is still in a closed path with the battery.", encoding="utf-8")
    marked = run("mark", "-q", "bulb-circuit", "--questions", QUESTIONS, str(answer), "--json")
    assert marked.exit_code == 0, marked.output
    assert json.loads(marked.stdout)["calibrated"] is True
    text = run("mark", "-q", "bulb-circuit", "--questions", QUESTIONS, str(answer))
    assert "Calibrated" in text.stdout
    plain = run(
        "mark", "-q", "bulb-circuit", "--questions", QUESTIONS, str(answer), "--uncalibrated", "--json"
    )
    assert json.loads(plain.stdout)["calibrated"] is False
    saved = run("evaluate", QUESTIONS, "--scripts", TEST, "--use-saved-calibration", "--json")
    assert "saved calibrations" in json.loads(saved.stdout)["calibration"]


@pytest.mark.parametrize(
    "csv_text, expected",
    [
        ("question_id,answer\nbulb-circuit,It is on.\n", ["missing column", "mark"]),
        (
            "script_id,question_id,answer,mark\nx1,bulb-circuit,On.,4\nx2,bulb-circuit,Off.,-1\n",
            ["row 2", "row 3", "outside"],
        ),
        ("script_id,question_id,answer,mark\nx1,no-such,On.,1\n", ["row 2", "no-such", "bulb-circuit"]),
        # The good row goes through (too few to calibrate), the repeated one is set aside and named.
        (
            "script_id,question_id,answer,mark\nx1,bulb-circuit,On.,1\nx1,bulb-circuit,Off.,0\n",
            ["x1", "row 3", "also used for bulb-circuit on row 2", "1 marked script"],
        ),
    ],
)
def test_calibrate_bad_scripts_name_rows_and_save_nothing(data_env, tmp_path, csv_text, expected):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = run("calibrate", QUESTIONS, "--scripts", str(path))
    assert result.exit_code == 2
    for word in expected:
        assert word.lower() in result.output.lower(), result.output
    assert "Traceback" not in result.output
    assert not (data_env / "calibrations").exists()


def test_calibrate_too_few_scripts_saves_nothing(data_env, tmp_path):
    path = tmp_path / "few.csv"
    rows = "".join(f"s{i},bulb-circuit,Answer number {i} about the bulb.,{i % 2}\n" for i in range(5))
    path.write_text("script_id,question_id,answer,mark\n" + rows, encoding="utf-8")
    result = run("calibrate", QUESTIONS, "--scripts", str(path))
    assert result.exit_code == 2
    assert "5 marked scripts" in result.output and "nothing was saved" in result.output
    assert not (data_env / "calibrations").exists()


def test_rubric_new_writes_editable_files(tmp_path):
    result = run("rubric", "new", QUESTIONS, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rubrics" / "questions" / "bulb-circuit.yaml").exists()
    assert len(list((tmp_path / "model_answers" / "photosynthesis").glob("*.md"))) == 2
    check = run("rubric", "validate", str(tmp_path / "rubrics"), str(tmp_path / "model_answers"))
    assert check.exit_code == 0, check.output


def test_unknown_question_file_and_id_are_clear(data_env, tmp_path):
    missing = run("evaluate", str(tmp_path / "nope.yaml"), "--scripts", TEST)
    assert missing.exit_code == 2 and "No such questions file" in missing.output
    unknown = run("mark", "-q", "nope", "--questions", QUESTIONS, "-")
    assert unknown.exit_code == 2 and "bulb-circuit" in unknown.output


# --- teachers' files as they come (tests/fixtures/papers) -------------------------------

PAPERS_Q = str(PAPERS_DIR / "questions.yaml")
PAPERS_TEST = str(PAPERS_DIR / "test.csv")
PAPERS_CAL = str(PAPERS_DIR / "calibration.csv")


def papers(path: str) -> list:
    kept, _ = screen_scripts(load_table(path).scripts, {"4.1": 1, "Q3a": 3}, need_mark=True)
    return kept


def test_evaluate_blank_answers_are_marked_zero_and_counted(papers_marker):
    report = evaluate(papers_marker, papers(PAPERS_TEST))
    blank = [r for r in report.rows if not r.script.text]
    assert [(r.script.script_id, r.machine) for r in blank] == [("P02", 0), ("P04", 0)]
    assert "empty" in blank[0].feedback.summary.lower()
    assert report.n_blank == 2 and report.overall["n"] == 8
    assert "2 blank answers were marked 0 and counted (the teacher gave 0 to 2)." in report.notes


def test_evaluate_reports_the_same_answer_from_two_pupils(papers_marker):
    report = evaluate(papers_marker, papers(PAPERS_TEST))
    assert report.shared == [["P02", "P03"]]
    assert any("P02 (Nia), P03 (Oli)" in n and "may be copying" in n for n in report.notes)
    assert report.to_json()["shared_answers"] == [["P02", "P03"]]


def test_evaluate_leaves_scripts_in_both_files_out_of_fitting():
    train, test = papers(PAPERS_CAL), papers(PAPERS_TEST)
    kept, note = leave_out_overlap(train, test)
    assert [s.script_id for s in kept] == ["C01", "C03", "C04", "C06"]  # C04 is blank: never "the same"
    assert (
        note
        == "2 scripts appear in both files (the same text): kept in the test set and left out of fitting."
    )
    assert leave_out_overlap(kept, test) == (kept, None)


def test_calibrate_fit_calibrations_leaves_blank_answers_out(papers_marker):
    scripts = papers(PAPERS_CAL)
    cals, notes = fit_calibrations(papers_marker, scripts, pooled=False, min_scripts=2)
    assert cals["4.1"].n_scripts == 3  # C01, C02 and C03: the blank C04 is left out
    assert (
        blank_fit_note(scripts)
        == "1 blank answer (marked 0) left out of fitting: a blank answer is always 0."
    )
    assert blank_fit_note(scripts[:1]) is None


def test_evaluate_cli_takes_a_papers_file_as_it_comes(data_env):
    result = run("evaluate", PAPERS_Q, "--scripts", PAPERS_TEST, "--calibrate-on", PAPERS_CAL, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["n"] == 8 and data["n_blank"] == 2 and data["shared_answers"] == [["P02", "P03"]]
    notes = " | ".join(data["notes"])
    for part in (
        "3 rows of",
        "row 10: mark 'seven' is not a number",
        "row 11: unknown question id 'q3a' (did you mean 'Q3a'?",
        "row 12: script_id 'P04' is also used for 4.1 on row 8",
        "2 scripts appear in both files (the same text): kept in the test set and left out of fitting.",
        "2 blank answers were marked 0 and counted",
        "may be copying",
    ):
        assert part in notes, notes
    text = run("evaluate", PAPERS_Q, "--scripts", PAPERS_TEST)
    assert text.exit_code == 0 and "4.1" in text.stdout and "Q3a" in text.stdout


def test_calibrate_cli_lists_rows_set_aside_and_fits_on_the_rest(data_env, tmp_path):
    rows = "".join(
        f"S{i:02},4.1,{'' if i == 0 else f'Answer {i}: the bulb is in a closed path.'},{i % 2}\n"
        for i in range(12)
    )
    path = tmp_path / "papers.csv"
    path.write_text(
        "script_id,question_id,answer,mark\n" + rows + "S01,4.1,Repeated.,1\nS20,4.1,Fine.,x\n",
        encoding="utf-8",
    )
    result = run("calibrate", PAPERS_Q, "--scripts", str(path))
    assert result.exit_code == 0, result.output
    assert (
        "2 rows of" in result.output
        and "row 14: script_id 'S01' is also used for 4.1 on row 3" in result.output
    )
    assert "1 blank answer (marked 0) left out of fitting" in result.output
    assert "4.1: fitted on 11 scripts" in result.output
    assert (data_env / "calibrations" / "4.1.joblib").exists()


def test_calibrate_cli_refuses_a_file_with_no_usable_row(data_env, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("script_id,question_id,answer,mark\nx,4.1,On.,seven\ny,4.2,On.,1\n", encoding="utf-8")
    result = run("calibrate", PAPERS_Q, "--scripts", str(path))
    assert (
        result.exit_code == 2
        and "row 2: mark 'seven'" in result.output
        and "row 3: unknown question id '4.2'" in result.output
    )
    assert not (data_env / "calibrations").exists()


POOLED_QUESTIONS = """
- id: circuit
  question: "Why does bulb A stay lit when switch Y is opened?"
  max_mark: 1
  model_answers: ["Bulb A is still in a closed path with the battery."]
- id: melting
  question: "Why does ice melt on a warm day?"
  max_mark: 1
  model_answers: ["Heat from the warm air is transferred to the ice."]
- id: magnet
  question: "Why does the nail stick to the magnet?"
  max_mark: 1
  model_answers: ["The nail is made of iron, which is a magnetic material."]
"""
NEW_POOLED_QUESTION = """
- id: photo
  question: "How do plants get their food?"
  max_mark: 1
  model_answers: ["Plants make their food by photosynthesis, using light."]
"""
POOLED_ANSWERS = {
    "circuit": (
        [
            "Bulb A is still in a closed path with the battery.",
            "There is still a closed path through bulb A.",
        ],
        ["The switch is broken.", "Because it is a bulb."],
    ),
    "melting": (
        ["Heat from the warm air goes into the ice.", "The warm air transfers heat to the ice."],
        ["Ice is cold.", "Because water is wet."],
    ),
    "magnet": (
        ["The nail is iron, a magnetic material.", "Iron is magnetic and the nail is made of it."],
        ["The nail is sharp.", "Magnets are red."],
    ),
}


def _pooled_scripts(teacher_agrees: bool):
    from marker.scripts import Script, text_sha

    out = []
    for qid, (right, wrong) in POOLED_ANSWERS.items():
        for k in range(3):  # the same answers by several students, as a class set has
            for text, good in [(t, True) for t in right] + [(t, False) for t in wrong]:
                mark = int(good) if teacher_agrees else int(not good)
                sid = f"{qid}-{k}-{len(out)}"
                out.append(Script(sid, "", text, qid, mark, f"row {sid}", text_sha(text)))
    return out


def test_a_pooled_calibration_is_used_only_if_it_marks_unseen_questions_better(tmp_path):
    """Left-out questions decide: a teacher who marks like the rubric gets no pooled calibrator
    (it could only add noise on a new question); one who marks against it gets one."""
    from marker.engine import load_marker

    path = tmp_path / "questions.yaml"
    path.write_text(POOLED_QUESTIONS, encoding="utf-8")
    marker = load_marker(path)
    agreeing = _pooled_scripts(teacher_agrees=True)
    cals, notes = fit_calibrations(marker, agreeing, min_scripts=2)
    assert "*1" not in cals
    assert any("No pooled calibration for questions out of 1" in n for n in notes), notes
    opposed = _pooled_scripts(teacher_agrees=False)
    cals, notes = fit_calibrations(marker, opposed, min_scripts=2)
    assert "*1" in cals, notes
    assert not any("No pooled calibration" in n for n in notes)


def test_a_pooled_calibrator_compares_answers_with_model_answers_only_where_left_out_questions_say_so(
    tmp_path,
):
    """The pooled calibrator is checked with and without each answer's meaning pair with its
    question's model answers; the one fitted is one that passed, and it marks a new question's
    answers (its model answers found by the marker)."""
    from marker.engine import load_marker
    from marker.evaluate import apply_calibrations, mark_scripts
    from marker.pooled import model_answers, pooled_choice
    from marker.scripts import Script

    path = tmp_path / "questions.yaml"
    path.write_text(POOLED_QUESTIONS + NEW_POOLED_QUESTION, encoding="utf-8")
    marker = load_marker(path)
    assert model_answers(marker, marker.bank.question("magnet")) == (
        "The nail is made of iron, which is a magnetic material.",
    )
    for teacher_agrees in (True, False):
        scripts = _pooled_scripts(teacher_agrees)
        feedbacks = mark_scripts(marker, scripts)
        refs = [model_answers(marker, marker.bank.question(s.question_id)) for s in scripts]
        pairs, why_not, _ = pooled_choice(scripts, feedbacks, refs, list(range(len(scripts))), 1, 2)
        cals, notes = fit_calibrations(marker, scripts, feedbacks, min_scripts=2)
        if teacher_agrees:  # neither kind beats the rubric on left-out questions
            assert not pairs and why_not and "*1" not in cals
            continue
        assert why_not is None and cals["*1"].meaning_pairs is pairs, notes
        new = [
            Script("n1", "", "Plants make food from light.", "photo", 1, "row n1", "n1"),
            Script("n2", "", "Plants are green.", "photo", 0, "row n2", "n2"),
        ]
        done, _ = apply_calibrations(marker, new, mark_scripts(marker, new), cals)
        assert all(fb.calibrated for fb in done)


def test_a_pooled_calibration_that_cannot_be_checked_on_left_out_questions_is_not_fitted(tmp_path):
    """Twelve scripts of one question and three of another: left out in turn, the other question's
    three scripts are too few to fit on, so nothing says a pooled calibrator would help a new
    question, and none is fitted (before, it was fitted on all fifteen unchecked)."""
    from marker.engine import load_marker

    path = tmp_path / "questions.yaml"
    path.write_text(POOLED_QUESTIONS, encoding="utf-8")
    marker = load_marker(path)
    opposed = _pooled_scripts(teacher_agrees=False)
    scripts = [s for s in opposed if s.question_id == "circuit"] + [
        s for s in opposed if s.question_id == "melting"
    ][:3]
    cals, notes = fit_calibrations(marker, scripts)
    assert "*1" not in cals and "circuit" in cals
    assert any("too few marked scripts" in n and "to fit one and check it" in n for n in notes), notes


@pytest.mark.parametrize(
    "calibrated, rubric, helps",
    [
        ({"qwk": 0.45, "exact": 0.60}, {"qwk": 0.40, "exact": 0.60}, True),
        # Higher QWK bought by spreading marks away from the commonest one: exact agreement falls.
        ({"qwk": 0.45, "exact": 0.55}, {"qwk": 0.40, "exact": 0.60}, False),
        # Ahead by less than the margin: which questions were left out can do that much.
        ({"qwk": 0.41, "exact": 0.62}, {"qwk": 0.40, "exact": 0.60}, False),
    ],
)
def test_pooled_calibration_must_beat_the_rubric_on_qwk_by_a_margin_and_on_exact(calibrated, rubric, helps):
    from marker.pooled import pooled_helps

    assert pooled_helps(calibrated, rubric) is helps


def test_pooled_calibration_must_be_ahead_on_every_group_of_left_out_questions():
    """Far ahead on one group of left-out questions and behind on another passes the margin on
    all of them together, but a new question is like one group: no pooled calibrator."""
    from marker.pooled import pooled_helps

    together = ({"qwk": 0.45, "exact": 0.62}, {"qwk": 0.40, "exact": 0.60})
    ahead = ({"qwk": 0.60, "exact": 0.70}, {"qwk": 0.40, "exact": 0.60})
    behind = ({"qwk": 0.35, "exact": 0.58}, {"qwk": 0.40, "exact": 0.60})
    level_exact_lost = ({"qwk": 0.45, "exact": 0.55}, {"qwk": 0.40, "exact": 0.60})
    assert pooled_helps(*together, [ahead, ahead]) is True
    assert pooled_helps(*together, [ahead, behind]) is False
    assert pooled_helps(*together, [ahead, level_exact_lost]) is False


def _scripts_csv(path, scripts) -> str:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["script_id", "question_id", "answer", "mark"])
        out.writerows([s.script_id, s.question_id, s.text, s.mark] for s in scripts)
    return str(path)


def test_calibrate_cli_saves_a_pooled_calibration_that_marks_a_question_without_scripts(data_env, tmp_path):
    """`marker calibrate` saves what the agreement benchmark's unseen-question rows measure: a
    pooled calibration per maximum mark, kept only where it passes its check, and used for a
    question with no scripts of its own. A later upload whose check fails removes it, so an old
    verdict never outlives a newer one."""
    questions = tmp_path / "questions.yaml"
    questions.write_text(POOLED_QUESTIONS + NEW_POOLED_QUESTION, encoding="utf-8")
    answer = tmp_path / "a.txt"
    answer.write_text("Plants make their food by photosynthesis, using light.", encoding="utf-8")

    def mark_new() -> dict:
        result = run("mark", "-q", "photo", "--questions", str(questions), str(answer), "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    assert mark_new()["calibrated"] is False
    opposed = _scripts_csv(tmp_path / "opposed.csv", _pooled_scripts(teacher_agrees=False))
    result = run("calibrate", str(questions), "--scripts", opposed)
    assert result.exit_code == 0, result.output
    assert "questions out of 1 with no calibration of their own: fitted on 36 scripts" in result.output
    assert "on questions left out in turn (3 groups) QWK 1.000" in result.output
    assert (data_env / "calibrations" / "pooled-1.joblib").exists()
    pooled = mark_new()
    # The teacher marks against the rubric: the model answer itself is marked 0 on the new question.
    assert pooled["calibrated"] is True and pooled["mark"] == 0
    assert "other questions out of 1" in pooled["summary"]
    saved = run("evaluate", str(questions), "--scripts", opposed, "--use-saved-calibration", "--json")
    assert "3 question(s), 1 pooled by maximum mark" in json.loads(saved.stdout)["calibration"]

    agreeing = _scripts_csv(tmp_path / "agreeing.csv", _pooled_scripts(teacher_agrees=True))
    result = run("calibrate", str(questions), "--scripts", agreeing)
    assert result.exit_code == 0, result.output
    assert "No pooled calibration for questions out of 1" in result.output
    assert "pooled-1.joblib) was removed" in result.output
    assert not (data_env / "calibrations" / "pooled-1.joblib").exists()
    assert mark_new()["calibrated"] is False


def test_calibrate_short_answer_question_marked_all_alike_gets_its_own_calibration(tmp_path):
    """Every script of a short-answer question given full marks: the question keeps its scripts
    as neighbours instead of being refused (and left to a pooled calibrator or the rubric)."""
    from marker.engine import load_marker

    path = tmp_path / "questions.yaml"
    path.write_text(POOLED_QUESTIONS, encoding="utf-8")
    marker = load_marker(path)
    scripts = [s for s in _pooled_scripts(teacher_agrees=True) if s.question_id == "circuit" and s.mark == 1]
    scripts = scripts * 2  # twelve scripts, all marked 1
    cals, notes = fit_calibrations(marker, scripts, pooled=False)
    assert "circuit" in cals, notes
    assert cals["circuit"].model is None and cals["circuit"].memory is not None
    assert not any("same mark" in n for n in notes)
