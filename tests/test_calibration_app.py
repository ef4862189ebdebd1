"""The Calibrate & agreement page driven by Streamlit's AppTest, on the mini bank and the real pipeline."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from marker import calibrate

PAGE = str(Path(__file__).resolve().parent.parent / "marker" / "app" / "calibration.py")

# Answers to the mini bank's "mini-points" (out of 2), with the mark a teacher gave each.
MARKED = [
    ("Both countries renounced claims against each other and restored diplomatic relations.", 2),
    ("They gave up claims on each other and resumed relations as normal.", 2),
    ("Germany and Russia dropped claims and restored relations; there was also military cooperation.", 2),
    ("Each side cancelled debts and claims, and full diplomatic relations were restored.", 2),
    ("Diplomatic relations were restored between the two states.", 1),
    ("They renounced claims against each other.", 1),
    ("Germany could train troops in Russia in secret.", 1),
    ("The two countries resumed relations.", 1),
    ("It included secret military cooperation, so Germany could test weapons.", 1),
    ("They agreed to drop claims, which helped trade.", 1),
    ("The treaty was signed at Rapallo in Italy.", 0),
    ("It was about the weather in 1922.", 0),
    ("Lenin was in charge of Russia at the time.", 0),
    ("I do not know the answer to this question.", 0),
    ("The treaty was a big deal for Europe.", 0),
    ("They met at a conference in Genoa.", 0),
]


@pytest.fixture()
def data(tmp_path, monkeypatch, mini_env):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    yield tmp_path / "data"
    st.cache_resource.clear()  # the next test gets a fresh marker (a new question here stays here)


def write_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["script_id", "question_id", "answer", "mark"])
        w.writerows(rows)
    return path


@pytest.fixture()
def marked_csv(tmp_path) -> Path:
    rows = [(f"s{i:02}", "mini-points", text, str(mark)) for i, (text, mark) in enumerate(MARKED, 1)]
    return write_csv(tmp_path / "marked.csv", rows)


def page(input_path: Path | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if input_path is not None:
        at.session_state["cal_input_path"] = str(input_path)
    at.run()
    return at


def run(at: AppTest) -> AppTest:
    at.button(key="cal_run").click()
    at.run()
    return at


def saved_files(data: Path) -> list[Path]:
    folder = data / "calibrations"
    return sorted(folder.glob("*")) if folder.exists() else []


def test_calibration_app_empty_state_explains_what_to_upload(data):
    at = page()
    assert not at.exception
    assert at.title[0].value == "Calibrate & agreement"
    assert any("Upload a table of scripts you have marked" in i.value for i in at.info)
    assert not at.metric and not at.error
    assert not any(b.key == "cal_run" for b in at.button)


def test_calibration_app_measures_on_held_out_scripts(data, marked_csv):
    at = run(page(marked_csv))
    assert not at.exception and not at.error
    labels = {m.label for m in at.metric}
    assert {"QWK", "Exact agreement", "Within one mark", "Mean absolute error", "Pearson r"} <= labels
    # 16 scripts, 30% held out: 11 fitted on (enough to calibrate), 5 measured, side by side.
    assert any("11 scripts fitted on, 5 held out" in c.value for c in at.caption)
    assert [m.value for m in at.markdown if m.value.startswith("**")][:2] == [
        "**Rubric alone**",
        "**Calibrated to your marks**",
    ]
    assert any("95% bootstrap intervals" in c.value for c in at.caption)
    assert any("uncertain" in w.value for w in at.warning)
    assert saved_files(data) == []  # measuring never saves


def test_calibration_app_rubric_alone_on_every_script(data, marked_csv):
    at = page(marked_csv)
    at.checkbox(key="cal_holdout").uncheck()
    at = run(at)
    assert not at.exception and not at.error
    assert any("All 16 scripts measured with the rubric alone" in c.value for c in at.caption)
    assert not any("Calibrated" in m.value for m in at.markdown)
    assert any(m.label == "QWK" for m in at.metric)


def test_calibration_app_bad_rows_are_set_aside_and_named(data, tmp_path):
    rows = [(f"s{i:02}", "mini-points", text, str(mark)) for i, (text, mark) in enumerate(MARKED, 1)]
    rows[2] = ("s03", "mini-points", MARKED[2][0], "5")  # over the maximum of 2 (file row 4)
    rows[6] = ("s07", "no-such-question", MARKED[6][0], "1")  # file row 8
    at = run(page(write_csv(tmp_path / "bad.csv", rows)))
    assert not at.exception and not at.error
    message = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "row 4: mark 5 is outside 0-2 for mini-points" in message
    assert "row 8: unknown question id 'no-such-question'" in message
    assert any(m.label == "QWK" for m in at.metric)  # the other rows are measured
    assert saved_files(data) == []


def test_calibration_app_a_file_with_no_usable_row_is_refused(data, tmp_path):
    rows = [(f"s{i:02}", "no-such-question", text, str(mark)) for i, (text, mark) in enumerate(MARKED, 1)]
    at = run(page(write_csv(tmp_path / "bad.csv", rows)))
    assert not at.exception
    assert "unknown question id 'no-such-question'" in at.error[0].value.replace("\\", "")
    assert not at.metric and not any(b.key == "cal_save" for b in at.button)


def test_calibration_app_saves_a_calibration_that_loads_back(data, marked_csv):
    at = run(page(marked_csv))
    at.button(key="cal_save").click()
    at.run()
    assert not at.exception and not at.error
    assert "Saved 1 calibration" in at.success[-1].value
    cal = calibrate.load(data, "mini-points")
    assert cal is not None and cal.n_scripts == len(MARKED)  # fitted on every uploaded script
    table = at.dataframe[-1].value
    assert table["data fingerprint"].tolist() == [cal.data_fingerprint]
    assert table["rubric version"].tolist() == [cal.rubric_version]


def test_calibration_app_opens_a_disagreement_with_its_text_escaped(data, tmp_path):
    rows = [(f"s{i:02}", "mini-points", text, str(mark)) for i, (text, mark) in enumerate(MARKED, 1)]
    # A script the teacher gave full marks that says nothing: the marker disagrees.
    rows.append(("odd", "mini-points", "<b>Nothing</b> *here* at all.", "2"))
    at = page(write_csv(tmp_path / "odd.csv", rows))
    at.checkbox(key="cal_holdout").uncheck()
    at = run(at)
    at.selectbox(key="cal_open").select("odd")
    at.run()
    assert not at.exception
    assert "<b>Nothing</b> *here* at all." in [t.value for t in at.text]  # st.text: shown literally
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Your mark"] == "2 / 2" and metrics["marker's mark"] != "2 / 2"


def test_calibration_app_builds_and_saves_a_question_from_its_model_answer(data):
    at = page()
    at.text_input(key="newq_id").input("q-photosynthesis")
    at.number_input(key="newq_max").set_value(3)
    at.text_area(key="newq_text").input("Describe what a plant needs for photosynthesis and what it makes.")
    at.text_area(key="newq_answers").input(
        "The plant takes in carbon dioxide through its leaves and water through its roots. "
        "Chlorophyll absorbs light energy. Glucose is made and oxygen is released.\n---\n"
        "Plants use carbon dioxide, water and light to make glucose, releasing oxygen."
    )
    at.radio(key="newq_kind").set_value("points")
    at.button(key="newq_build").click()
    at.run()
    assert not at.exception and not at.error
    assert "Built \u2018q\\-photosynthesis\u2019" in at.success[0].value
    points = at.dataframe[0].value
    assert len(points) >= 3 and {"id", "label", "aliases", "concepts"} <= set(points.columns)
    at.button(key="newq_save").click()
    at.run()
    assert not at.exception and not at.error
    assert any("is in the question bank" in s.value for s in at.success)
    assert any("Saved to the data folder" in c.value for c in at.caption)
    # Saved for good: a fresh load of the bank from the data folder has the question and its topic.
    from marker.bank import QuestionBank
    from marker.userbank import load_bank

    again = load_bank(data, QuestionBank.load()).bank
    assert again.question("q-photosynthesis").max_mark == 3
    assert again.topic_for(again.question("q-photosynthesis")).id == "q-photosynthesis"
    assert len(again.answers_for("q-photosynthesis")) == 2


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("newq_id", "Bad Id!", "Id: use letters, digits, dots"),
        ("newq_id", "mini-points", "Id: there is already a question"),
        ("newq_answers", "  ", "Model answers:"),
    ],
)
def test_calibration_app_new_question_errors_name_the_field(data, field, value, expected):
    at = page()
    at.text_input(key="newq_id").input("q-new")
    at.text_area(key="newq_text").input("Why does bulb A stay lit?")
    at.text_area(key="newq_answers").input("Bulb A is still in a closed path with the battery.")
    (at.text_input if field == "newq_id" else at.text_area)(key=field).input(value)
    at.button(key="newq_build").click()
    at.run()
    assert not at.exception
    assert expected in at.error[0].value.replace("\\", "")
    assert not any(b.key == "newq_save" for b in at.button)


def test_calibration_app_needs_the_teacher_passcode_when_set(data, marked_csv, monkeypatch):
    monkeypatch.setenv("MARKER_TEACHER_PASSCODE", "s3cret")
    at = page(marked_csv)
    assert not at.exception
    assert not any(b.key in {"cal_run", "newq_build"} for b in at.button)
    at.text_input(key="passcode").input("s3cret")
    at.button[0].click()
    at.run()
    assert at.button(key="cal_run")
