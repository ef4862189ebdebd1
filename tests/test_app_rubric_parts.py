"""The Rubrics page shows a coverage question's key parts, one per line, to edit, check and save.

Driven by Streamlit's AppTest on a data folder holding a question added from its model answer
(a key in two labelled parts), as the Calibrate page adds one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from marker.new_question import build_from_form, save_new_question
from marker.workspace import Workspace

APP = str(Path(__file__).resolve().parent.parent / "app.py")
QID = "schlieffen-parts"
KEY = f"rb::{QID}::"
QUESTION = "Explain what the Schlieffen Plan was and why it failed."
PLAN = (
    "Plan: Germany would defeat France quickly by marching through Belgium, then turn east to fight Russia."
)
FAILURE = (
    "Failure: Belgian resistance and the British Expeditionary Force slowed the advance, and Russia "
    "mobilised faster than expected."
)
PLAN_ONLY = (
    "The Schlieffen Plan was Germany's plan to defeat France quickly by marching through Belgium and then "
    "turning east to fight Russia on the other front."
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A data folder with the question saved as version 1, its key read as two parts."""
    data = tmp_path_factory.mktemp("parts-data")
    ws = Workspace(data)
    built, problems = build_from_form(ws.marker, QID, QUESTION, 2, f"{PLAN}\n{FAILURE}", "", "coverage")
    assert problems == [] and built is not None and built.question.marking.parts == [PLAN, FAILURE]
    save_new_question(ws, built, built.question)
    return data


@pytest.fixture()
def data(folder, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("MARKER_DATA_DIR", str(copy))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    return copy


def rubrics_page(qid: str = QID) -> AppTest:
    """The real app's Rubrics page with the question chosen (the data folder from MARKER_DATA_DIR)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    at.selectbox(key="rubric_qid").select(qid)
    at.run()
    assert not at.exception
    return at


def save(at: AppTest, note: str) -> AppTest:
    at.text_input(key=KEY + "note").input(note)
    at.button(key=KEY + "save").click()
    at.run()
    assert not at.exception
    return at


def saved_parts(data: Path, version: int) -> list[str]:
    path = data / "rubrics" / "questions" / QID / f"v{version}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["marking"]["parts"]


def test_app_rubric_parts_are_shown_edited_saved_and_marked_with(data):
    at = rubrics_page()
    box = at.text_area(key=KEY + "parts")
    assert box.value == f"{PLAN}\n{FAILURE}"
    assert "A full mark needs every part" in box.help
    result = "Result: the war in the west became a stalemate of trenches."
    box.input(f"{PLAN}\n{FAILURE}\n{result}")
    at = save(at, "a third part")
    assert "Saved as version 2" in at.success[-1].value
    assert saved_parts(data, 2) == [PLAN, FAILURE, result]
    # after a restart the question is marked with the three parts, and the page shows them again
    ws = Workspace(data)
    assert ws.question(QID).marking.parts == [PLAN, FAILURE, result]
    feedback = ws.mark(QID, PLAN_ONLY, calibrated=False)
    assert "Failure" in [p.split(":")[0] for p in feedback.features.parts_unsaid]
    assert rubrics_page().text_area(key=KEY + "parts").value == f"{PLAN}\n{FAILURE}\n{result}"


def test_app_rubric_parts_problem_is_named_and_nothing_typed_is_lost(data):
    at = rubrics_page()
    typed = f"**Plan** <b>:\nGermany would march through Belgium.\n{FAILURE}"
    at.text_area(key=KEY + "parts").input(typed)
    at.run()
    assert not at.exception
    shown = at.error[0].value
    assert "Parts of the key, line 1" in shown and "ends with a colon" in shown
    assert "\\*\\*Plan\\*\\* \\<b\\>:" in shown  # the teacher's words are escaped
    at = save(at, "labels on their own lines")
    assert any("Not saved" in e.value for e in at.error)
    assert at.text_area(key=KEY + "parts").value == typed
    assert [v.number for v in Workspace(data).store.rubric_versions(QID)] == [1]


def test_app_rubric_parts_emptied_leave_no_parts(data):
    at = rubrics_page()
    at.text_area(key=KEY + "parts").input("")
    at = save(at, "no parts")
    assert "Saved as version 2" in at.success[-1].value
    assert saved_parts(data, 2) == []
    assert Workspace(data).question(QID).marking.parts == []


def test_app_rubric_parts_preview_names_the_part_unsaid(data):
    at = rubrics_page()
    at.selectbox(key=KEY + "preview_choice").select("(paste an answer)")
    at.run()
    at.text_area(key=KEY + "preview_text").input(PLAN_ONLY)
    at.button(key=KEY + "preview").click()
    at.run()
    assert not at.exception
    shown = next(m.value for m in at.markdown if "Parts of the key this answer does not say" in m.value)
    assert "Failure: Belgian resistance" in shown and "Plan:" not in shown
