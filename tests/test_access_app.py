"""Who sees what, in the real app (AppTest, the real pipeline and SQLite): class mode's codes,
lockouts after wrong tries, the teacher session's expiry, and local mode as it was."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from marker.access import issue_codes, name_key
from marker.store import Store
from marker.tuning import TUNING

APP = str(Path(__file__).resolve().parent.parent / "app.py")
QID = "rapallo-significance"
ANSWER = (
    "The Treaty of Rapallo, signed in April 1922, ended Soviet isolation because Germany restored full "
    "diplomatic relations with Soviet Russia. However, it was not an alliance."
)
T = TUNING.access


@pytest.fixture()
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    monkeypatch.delenv("MARKER_CLASS_MODE", raising=False)
    return tmp_path


@pytest.fixture()
def class_mode(data, monkeypatch):
    monkeypatch.setenv("MARKER_CLASS_MODE", "1")
    return data


@pytest.fixture()
def every_log_line():
    """Everything logged while the test runs, at every level, Streamlit's own loggers included."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    keep = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger()] + [
        lg
        for lg in logging.Logger.manager.loggerDict.values()
        if isinstance(lg, logging.Logger) and not lg.propagate
    ]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(logging.DEBUG)
    yield lines
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(keep)
        lg.setLevel(level)


def practice(student: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.selectbox(key="question_id").select(QID)
    at.text_input(key="student").input(student)
    at.run()
    return at


def enter_code(at: AppTest, code: str) -> AppTest:
    at.text_input(key="student_code").input(code)
    at.button(key="student_code_button").click()
    at.run()
    return at


def shown(at: AppTest) -> str:
    """Every text the page shows, and every widget's value."""
    texts = [
        str(getattr(e, "value", ""))
        for kind in (
            "markdown",
            "caption",
            "error",
            "warning",
            "info",
            "success",
            "subheader",
            "title",
            "toast",
            "html",
        )
        for e in at.get(kind)
    ]
    texts += [str(w.value) for w in (*at.text_input, *at.text_area)]
    return "\n".join(texts)


def sees_drafts(at: AppTest) -> bool:
    """The page opens the name's drafts: its chart of them (from the second draft), its latest saved
    draft, or the list of all of them (offered only once the name may be opened)."""
    return (
        any("Your drafts of this question" in h.value for h in at.html)
        or any("latest saved draft" in c.value for c in at.caption)
        or any(e.label == "All your drafts" for e in at.expander)
    )


def test_access_app_local_mode_is_as_before_and_says_so(data):
    at = practice("Ada")
    assert not at.exception
    assert any("Local single-user mode: anyone using this computer" in c.value for c in at.caption)
    assert not any(w.key in {"student_code", "new_code"} for w in at.text_input)
    at.text_area(key=f"answer::{QID}").input(ANSWER)
    at.button(key="mark_button").click()
    at.run()
    assert Store(data / "marker.sqlite3").drafts("Ada", QID)
    # As the caption says: on one computer, a name is all it takes.
    other = practice("Ada")
    assert sees_drafts(other) and other.text_area(key=f"answer::{QID}").value == ANSWER


def test_access_app_class_mode_drafts_open_only_with_the_right_code(class_mode, every_log_line):
    ada = practice("Ada")
    assert not ada.exception and ada.text_input(key="new_code")
    ada.text_input(key="new_code").input("tulip77")
    ada.text_input(key="new_code_again").input("tulip77")
    ada.button(key="choose_code_button").click()
    ada.run()
    assert not ada.error and not any(w.key == "new_code" for w in ada.text_input)
    ada.text_area(key=f"answer::{QID}").input(ANSWER)
    ada.button(key="mark_button").click()
    ada.run()
    assert Store(class_mode / "marker.sqlite3").drafts("Ada", QID)

    # A classmate types Ada's name (another way) in another session: a code is asked for.
    ben = practice("ada")
    assert not sees_drafts(ben) and ben.text_area(key=f"answer::{QID}").value == ""
    enter_code(ben, "daisy99")
    assert "That code is not right for this name." in ben.error[0].value
    assert not sees_drafts(ben) and not any("marker-mark" in h.value for h in ben.html)
    assert ben.text_area(key=f"answer::{QID}").value == ""
    # Marking is still possible, but nothing goes under Ada's name.
    ben.text_area(key=f"answer::{QID}").input("Rapallo was signed in 1922.")
    ben.button(key="mark_button").click()
    ben.run()
    assert any("Enter your code above to keep your drafts" in i.value for i in ben.info)
    assert len(Store(class_mode / "marker.sqlite3").drafts("Ada", QID)) == 1

    # The right code opens them.
    enter_code(ben, "tulip77")
    assert not ben.error and sees_drafts(ben)
    assert ben.text_area(key=f"answer::{QID}").value == "Rapallo was signed in 1922."  # what was typed stays

    # Neither code shows on the page, in a widget, in the URL or in any log line.
    for at in (ada, ben):
        assert "tulip77" not in shown(at) and "daisy99" not in shown(at)
        assert not at.query_params
    assert every_log_line  # Streamlit's own debug lines: the capture works
    assert not any("tulip77" in line or "daisy99" in line for line in every_log_line)


def test_access_app_wrong_codes_lock_out_per_session_and_per_client(class_mode):
    store = Store(class_mode / "marker.sqlite3")
    (_, code), *_ = issue_codes(store, ["Ada"]).issued
    at = practice("Ada")
    for _ in range(T.session_free_failures - 1):
        enter_code(at, "WRONG-CODE")
        assert at.error[0].value == "That code is not right for this name."
    enter_code(at, "WRONG-CODE")
    wait = f"Too many wrong tries from here: try again in {T.lockout_first_seconds:g} seconds."
    assert at.error[0].value == f"That code is not right for this name. {wait}"
    # While locked out even the right code is not tried.
    enter_code(at, code)
    assert at.error[0].value == wait and not sees_drafts(at)
    assert "access_opened" not in at.session_state

    # New sessions from the same computer (new tabs) each stay within their own allowance, but
    # the computer's runs out: its last wrong code waits although its session tried only a few.
    left = T.client_free_failures - T.session_free_failures
    while left:
        fresh = practice("Ada")
        for _ in range(min(T.session_free_failures - 1, left)):
            enter_code(fresh, "WRONG-CODE")
            left -= 1
            assert fresh.error[0].value.endswith(wait) == (left == 0)


def test_access_app_issued_codes_from_the_class_access_page(data, monkeypatch):
    monkeypatch.setenv("MARKER_TEACHER_PASSCODE", "s3cret")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/class_access.py")
    at.run()
    assert not at.subheader  # nothing of the page before the passcode
    at.text_input(key="passcode").input("s3cret")
    at.button[0].click()
    at.run()
    assert "Class mode is **off**" in at.markdown[0].value
    at.button(key="class_mode_button").click()
    at.run()
    assert "Class mode is **on**" in at.markdown[0].value
    at.text_area(key="class_list_text").input("name\nAda Lovelace\nBen Jones\n")
    at.button(key="issue_codes_button").click()
    at.run()
    assert not at.exception and "2 codes issued." in at.success[0].value
    assert at.download_button(key="codes_download")
    rows = list(csv.DictReader(io.StringIO(at.session_state["issued_codes"][0])))
    codes = {r["name"]: r["code"] for r in rows}
    assert set(codes) == {"Ada Lovelace", "Ben Jones"}
    assert not any(code in shown(at) for code in codes.values())  # in the download only
    listed = at.dataframe[0].value
    assert list(listed["name"]) == ["Ada Lovelace", "Ben Jones"] and "code" in listed

    # Ben types his name and his code as a pupil would (lower case, no hyphen): his drafts open.
    ben = practice("ben jones")
    assert ben.text_input(key="student_code") and not any(w.key == "new_code" for w in ben.text_input)
    enter_code(ben, codes["Ben Jones"].lower().replace("-", ""))
    assert not ben.error and "access_opened" in ben.session_state
    ben.text_area(key=f"answer::{QID}").input(ANSWER)
    ben.button(key="mark_button").click()
    ben.run()
    # Kept under the name on the class list, whatever spelling was typed.
    assert Store(data / "marker.sqlite3").drafts("Ben Jones", QID)
    assert Store(data / "marker.sqlite3").student_code(name_key("Ben Jones")).kind == "issued"

    # Ben lost his slip: the teacher gives him a new code, shown once; his open session closes.
    at.selectbox(key="new_code_student").select(name_key("Ben Jones"))
    at.button(key="new_code_button").click()
    at.run()
    new_code = at.success[-1].value.split("**")[1]
    assert at.success[-1].value.startswith("New code for Ben Jones") and new_code != codes["Ben Jones"]
    ben.run()
    assert ben.text_input(key="student_code") and not sees_drafts(ben)
    enter_code(ben, codes["Ben Jones"])
    assert "not right" in ben.error[0].value
    enter_code(ben, new_code)
    assert not ben.error and sees_drafts(ben)


def test_access_app_teacher_session_expires_and_passcodes_are_limited(data, monkeypatch):
    monkeypatch.setenv("MARKER_TEACHER_PASSCODE", "s3cret")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    at.text_input(key="passcode").input("s3cret")
    at.button[0].click()
    at.run()
    assert at.selectbox(key="rubric_qid")
    # Used within the limit: still open, and the clock of inactivity starts again.
    at.session_state["teacher_active_at"] -= (T.teacher_idle_minutes - 1) * 60
    at.run()
    assert at.selectbox(key="rubric_qid") and not at.warning
    # Left alone longer than the limit: the next action asks for the passcode, and says why.
    at.session_state["teacher_active_at"] -= T.teacher_idle_minutes * 60 + 1
    at.run()
    assert not any(s.key == "rubric_qid" for s in at.selectbox)
    assert f"ended after {T.teacher_idle_minutes:g} minutes without use" in at.warning[0].value

    for _ in range(T.session_free_failures):
        at.text_input(key="passcode").input("guess")
        at.button[0].click()
        at.run()
    assert at.error[0].value.startswith("That passcode is not right. Too many wrong tries from here")
    at.text_input(key="passcode").input("s3cret")
    at.button[0].click()
    at.run()
    assert at.error[0].value.startswith("Too many wrong tries from here: try again in")
    assert not any(s.key == "rubric_qid" for s in at.selectbox)
    assert "s3cret" not in shown(at) and "guess" not in shown(at) and not at.query_params


def test_access_app_class_mode_without_a_passcode_keeps_teachers_pages_shut(class_mode):
    from marker import mark as mark_answer

    Store(class_mode / "marker.sqlite3").add_draft("Cy", "old", mark_answer(QID, "Rapallo, 1922."))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    assert "Class mode is on, so the teachers' pages need a passcode" in at.error[0].value
    assert not at.selectbox
    # Drafts saved under a name before class mode: only a teacher's code opens them.
    cy = practice("Cy")
    assert "before class mode: ask your teacher" in cy.warning[0].value
    assert not any(w.key in {"new_code", "student_code"} for w in cy.text_input) and not sees_drafts(cy)
