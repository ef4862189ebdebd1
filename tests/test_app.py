"""The Streamlit app driven by Streamlit's AppTest, on a real SQLite file and the real pipeline."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from marker.store import Store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ANSWER = (
    "The Treaty of Rapallo, signed in April 1922, ended Soviet isolation because Germany restored full "
    "diplomatic relations with Soviet Russia. However, it was not an alliance."
)


@pytest.fixture()
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    return tmp_path


def practice(question_id: str = "rapallo-significance", student: str = "Ada") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="student").input(student)
    at.selectbox(key="question_id").select(question_id)
    at.run()
    return at


def mark(at: AppTest, text: str) -> AppTest:
    at.text_area(key=f"answer::{at.selectbox(key='question_id').value}").input(text)
    at.button(key="mark_button").click()
    at.run()
    return at


def feedback_html(at: AppTest) -> str:
    """The feedback the page shows: one piece of HTML (the element that holds the marked-up answer)."""
    found = [h.value for h in at.html if 'class="marker-answer"' in h.value]
    assert len(found) == 1, f"{len(found)} pieces of HTML hold a marked-up answer"
    return found[0]


def shown_mark(at: AppTest) -> str | None:
    """The mark the page shows (its headline is HTML: a figure "Mark", e.g. "7 / 25"), or None."""
    for h in at.html:
        found = re.search(r'class="marker-mark"[^>]*>([^<]+)<', h.value)
        if found:
            return found.group(1)
    return None


def test_app_every_page_runs(data):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception and at.title[0].value == "Practise"
    at.switch_page("marker/app/rubrics.py")
    at.run()
    assert not at.exception and at.title[0].value == "Rubrics"
    assert "Local single-user mode" in at.info[0].value
    at.switch_page("marker/app/calibration.py")
    at.run()
    assert not at.exception
    at.switch_page("marker/app/batch.py")
    at.run()
    assert not at.exception


def test_app_marking_shows_mark_and_highlighted_evidence(data):
    at = mark(practice(), ANSWER)
    assert not at.exception
    mark_shown = shown_mark(at)
    assert mark_shown.endswith("/ 25") and int(mark_shown.split("/")[0]) > 0
    html = next(h.value for h in at.html if 'class="marker-answer"' in h.value)
    assert 'class="marker-credited"' in html and "\u2713" in html
    assert Store(data / "marker.sqlite3").drafts("Ada", "rapallo-significance")


def test_app_marking_the_same_answer_again_reuses_its_marking(data):
    """A second click on Mark (students click twice when the class marks at once) does not mark again."""
    at = mark(practice(), ANSWER)
    first = at.session_state["result"]["feedback"]
    at.button(key="mark_button").click()
    at.run()
    assert at.session_state["result"]["feedback"] is first  # the same object: not marked again
    assert len(Store(data / "marker.sqlite3").drafts("Ada", "rapallo-significance")) == 2  # still saved
    at = mark(at, ANSWER + " Germany also gained a partner against the Treaty of Versailles.")
    assert at.session_state["result"]["feedback"] is not first


def test_app_empty_answer_is_refused_and_not_stored(data):
    at = mark(practice(), "   ")
    assert "empty answer is not marked or saved" in at.warning[0].value
    assert shown_mark(at) is None
    assert Store(data / "marker.sqlite3").drafts("Ada") == []


def test_app_script_in_answer_is_shown_as_text(data):
    at = mark(practice(), ANSWER + " <script>alert('x')</script> <b>bold</b>")
    html = next(h.value for h in at.html if 'class="marker-answer"' in h.value)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    # Nor does any other piece of the feedback's HTML carry it as markup (the checklist quotes it too).
    assert not any("<script>alert" in h.value or "<b>bold" in h.value for h in at.html)


def test_app_drafts_persist_across_runs_and_show_progress(data):
    mark(practice(), ANSWER)
    st.cache_resource.clear()  # a new process: the marker and the database are opened afresh
    at = practice()
    assert any("latest saved draft" in c.value for c in at.caption)
    assert at.text_area(key="answer::rapallo-significance").value == ANSWER
    at = mark(at, ANSWER + " In 1923 the Treaty of Rapallo was renewed.")
    assert any("Since your previous draft" in h.value for h in at.html)
    assert len(Store(data / "marker.sqlite3").drafts("Ada", "rapallo-significance")) == 2
    # Another student sees none of Ada's drafts.
    other = practice(student="Ben")
    assert not any("Your drafts of this question" in h.value for h in other.html)


def test_app_model_answers_are_drawn_only_once_opened(data):
    at = mark(practice(), ANSWER)
    expander = next(e for e in at.expander if e.label.startswith("Model answers"))
    assert not expander.markdown  # closed: nothing of them is sent on each Mark
    at.session_state["model_answers"] = True  # the student opens it
    at.run()
    expander = next(e for e in at.expander if e.label.startswith("Model answers"))
    shown = " ".join(m.value for m in expander.markdown)
    from marker.bank import QuestionBank

    first = QuestionBank.load().answers_for("rapallo-significance")[0]
    assert "written for" in shown and first.text.split()[0] in shown


def test_app_draft_of_a_deleted_question_is_listed_not_fatal(data):
    from marker import mark as mark_answer

    store = Store(data / "marker.sqlite3")
    feedback = mark_answer("zinoviev-opinion", "The letter was published in the Daily Mail.")
    feedback.question_id = "a-deleted-question"
    store.add_draft("Ada", "old text", feedback)
    at = mark(practice(), ANSWER)
    assert not at.exception
    assert not at.dataframe  # the list of all drafts is read only when opened
    at.session_state["all_drafts"] = True  # the student opens "All your drafts"
    at.run()
    tables = [df.value for df in at.dataframe]
    assert any("(no longer in the bank: a-deleted-question)" in str(t.to_dict()) for t in tables)


def test_app_invalid_rubric_edit_is_refused_with_its_reason(data):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    at.selectbox(key="rubric_qid").select("rapallo-significance")
    at.run()
    at.number_input(key="rb::rapallo-significance::max").set_value(30)
    at.run()
    assert "the top level ends at 25 but max_mark is 30" in at.error[0].value.replace("\\", "")
    at.button(key="rb::rapallo-significance::save").click()
    at.run()
    assert any("Not saved" in e.value for e in at.error)
    assert not (data / "rubrics").exists()
    assert Store(data / "marker.sqlite3").rubric_versions("rapallo-significance") == []


def test_app_rubric_edit_saves_a_new_version_and_is_used(data):
    shipped = Path(APP).parent / "marker" / "shipped" / "rubrics" / "questions" / "zinoviev-opinion.yaml"
    before = shipped.read_text(encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    at.selectbox(key="rubric_qid").select("zinoviev-opinion")
    at.run()
    at.text_input(key="rb::zinoviev-opinion::command").input("describe briefly")
    at.text_input(key="rb::zinoviev-opinion::note").input("shorter command")
    at.button(key="rb::zinoviev-opinion::save").click()
    at.run()
    assert not at.exception
    assert "Saved as version 1" in at.success[-1].value
    versions = Store(data / "marker.sqlite3").rubric_versions("zinoviev-opinion")
    assert [v.number for v in versions] == [1] and versions[0].note == "shorter command"
    assert (data / "rubrics" / "questions" / "zinoviev-opinion" / "v1.yaml").exists()
    assert shipped.read_text(encoding="utf-8") == before
    # The practice page now marks with the new version, and records it with the draft.
    at = mark(
        practice("zinoviev-opinion"), "The forged letter was printed in the Daily Mail before the election."
    )
    draft = Store(data / "marker.sqlite3").drafts("Ada", "zinoviev-opinion")[-1]
    assert draft.rubric_version == versions[0].fingerprint


def test_app_teacher_pages_need_the_passcode_when_set(data, monkeypatch):
    monkeypatch.setenv("MARKER_TEACHER_PASSCODE", "s3cret")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("marker/app/rubrics.py")
    at.run()
    assert not at.selectbox  # nothing of the rubric editor shows
    at.text_input(key="passcode").input("wrong")
    at.button[0].click()
    at.run()
    assert "not right" in at.error[0].value
    at.text_input(key="passcode").input("s3cret")
    at.button[0].click()
    at.run()
    assert at.selectbox(key="rubric_qid")


def test_app_practice_uses_a_saved_calibration(data, shipped_marker):
    """A teacher's saved calibration sets the student's mark, and the page says so."""
    from marker import calibrate
    from marker.validation import load_validation

    answers = sorted(load_validation(question="rapallo-significance"), key=lambda a: a.name)
    fbs = shipped_marker.mark_many("rapallo-significance", [a.text for a in answers])
    q = shipped_marker.bank.question("rapallo-significance")
    marks = [max(0, a.intended_mark - 6) for a in answers]  # a much harsher teacher
    cal = calibrate.fit_calibration(q.id, q.version, q.max_mark, fbs, [a.text for a in answers], marks)
    calibrate.save(cal, data)
    at = mark(practice(), ANSWER)
    assert not at.exception
    expected = cal.apply([shipped_marker.mark(q.id, ANSWER)], [ANSWER])[0].mark
    assert shown_mark(at) == f"{expected} / 25"
    assert any("calibrated to your teacher" in h.value for h in at.html)
    assert Store(data / "marker.sqlite3").drafts("Ada", q.id)[-1].feedback.calibrated is True


def test_app_returning_student_gets_their_latest_draft_back(data):
    """The page is first drawn with no name (the answer box exists, empty); the name then brings the draft."""
    from marker import mark as mark_answer

    store = Store(data / "marker.sqlite3")
    for text in ("My first go at Rapallo.", ANSWER):
        store.add_draft("Ada", text, mark_answer("rapallo-significance", text))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.selectbox(key="question_id").select("rapallo-significance")
    at.run()
    box = at.text_area(key="answer::rapallo-significance")
    assert box.value == ""
    at.text_input(key="student").input("Ada")
    at.run()
    assert at.text_area(key="answer::rapallo-significance").value == ANSWER
    assert any("latest saved draft" in c.value for c in at.caption)
    # Another name on the same computer: Ada's answer does not stay in the box.
    at.text_input(key="student").input("Ben")
    at.run()
    assert at.text_area(key="answer::rapallo-significance").value == ""
    # An answer marked before the name was given is the student's own: the name does not replace it.
    at.text_input(key="student").input("")
    at.run()
    at = mark(at, "Rapallo was signed in 1922.")
    at.text_input(key="student").input("Ada")
    at.run()
    assert at.text_area(key="answer::rapallo-significance").value == "Rapallo was signed in 1922."


def test_app_feedback_details_read_cleanly(data):
    """Labelled mark change, whole rows in the mark scheme, percentages in the ladder, the date said once."""
    slip = ANSWER + " The Treaty of Rapallo was signed in 1925."
    at = mark(practice(), slip)
    page = feedback_html(at)
    errors = re.findall(r'<div class="marker-alert marker-error"[^>]*>(.*?)</div>', page)
    assert errors and all(e.count("1925") == 1 for e in errors), errors
    feedback = at.session_state["result"]["feedback"]
    assert page.count("<tr class=") == len(feedback.points)  # every row, no scrolling
    words = [html.escape(" ".join(p.evidence[0].text.split())) for p in feedback.points if p.evidence]
    assert all(f"{w}</td>" in page for w in words) and any(len(w) > 60 for w in words)
    # The ladder opens on a click: a <details> whose summary names it, the ladder inside it.
    ladder = re.search(
        r"<details[^>]*><summary[^>]*>Why this level\? The levels ladder</summary>(.*?)</details>", page
    )[1]
    assert 'class="marker-ladder"' in ladder and re.search(r"sentences explain.*this answer: \d+%", ladder)
    assert not re.search(r"this answer: 0\\?\.\d", ladder)
    # A redraft with the same mark: the change under the mark says what it is.
    at = mark(at, slip + " ")
    headline = next(h.value for h in at.html if "marker-mark" in h.value)
    assert re.search(r'class="marker-delta".*\+0 since your previous draft</dd>', headline)


def test_app_pages_use_no_icon_font_from_the_internet():
    """`:material/...` icons make the browser fetch the page icon from fonts.gstatic.com: emoji only."""
    pages = Path(APP).parent / "marker" / "app"
    used = re.compile(r"""["']:material/""")
    assert not [p.name for p in pages.glob("*.py") if used.search(p.read_text(encoding="utf-8"))]


def test_app_feedback_is_one_element_saying_it_was_saved_with_the_drafts_chart_from_the_second(data):
    """A Mark draws the feedback as one piece of HTML: no toast, no alerts or expanders of Streamlit's
    own; the drafts' chart (and the change since the previous draft) comes with the second draft."""
    at = mark(practice(), ANSWER)
    page = feedback_html(at)
    assert "Saved as your draft 1 of this question." in page
    assert not at.toast and not at.error and not at.info
    assert [e.label for e in at.expander] == [
        "Model answers (open after your own attempt)",
        "All your drafts",
    ]
    assert "marker-drafts" not in page and "Your drafts of this question" not in page  # one bar says nothing
    at = mark(at, ANSWER + " In 1923 the Treaty of Rapallo was renewed.")
    page = feedback_html(at)
    marks = [d.mark for d in Store(data / "marker.sqlite3").drafts("Ada", "rapallo-significance")]
    assert "Saved as your draft 2 of this question." in page
    assert f"oldest first: {marks[0]}, {marks[1]} (out of 25)" in page and "Since your previous draft" in page
    # Nothing saved without a name: no note saying it was.
    at = mark(practice(student=""), ANSWER)
    assert "Saved as your draft" not in feedback_html(at)
    assert "to keep your drafts" in at.info[0].value


def test_app_advisories_are_notes_in_the_feedback_with_their_text_escaped(data):
    from marker.app.feedback_view import alert_html

    at = mark(practice(), "Xq zzv plorb <b>kvaa</b> trenn vlu grop sniv. " * 12)
    notes = re.findall(r'<div class="marker-alert marker-warning"[^>]*>(.*?)</div>', feedback_html(at))
    assert any("does not read as English" in n for n in notes), notes
    assert "<b>kvaa" not in feedback_html(at)
    quoted = alert_html("warning", "e.g. \u201c<img src=x onerror=alert(1)>\u201d")
    assert "&lt;img src=x onerror=alert(1)&gt;" in quoted and "<img" not in quoted


def answer_part(at: AppTest) -> list:
    """The elements and blocks, in order, of the part of the page holding the answer form (a fragment)."""
    holder = next(
        b
        for b in at.main
        if any(getattr(c, "type", "") == "form" for c in getattr(b, "children", {}).values())
    )
    return [holder.children[i] for i in sorted(holder.children)]


def test_app_mark_draws_its_feedback_where_it_said_marking(data):
    """A Mark says "Marking your answer" under the form and draws the feedback in its place, so no
    element is drawn and taken away again on each Mark; the answers' length limit is said above the
    form, out of the part of the page a Mark draws again. Nothing went wrong: nothing else is said."""
    at = mark(practice(), ANSWER)
    main = answer_part(at)
    kinds = [getattr(e, "type", type(e).__name__) for e in main]
    form = next(i for i, e in enumerate(main) if getattr(e, "type", "") == "form")
    assert 'class="marker-answer"' in getattr(main[form + 1], "value", ""), kinds  # the feedback, next
    assert not any("Marking your answer" in h.value for h in [*at.caption, *at.html])
    assert not any("Answers can be up to" in str(getattr(e, "value", "")) for e in main)
    assert any("Answers can be up to" in h.value for h in at.html)
    # An empty answer: the warning takes the place, and this session's last feedback stays under it.
    at = mark(at, "   ")
    main = answer_part(at)
    form = next(i for i, e in enumerate(main) if getattr(e, "type", "") == "form")
    assert "empty answer is not marked" in str(getattr(main[form + 1], "value", ""))
    assert 'class="marker-answer"' in str(getattr(main[form + 2], "value", ""))
    # No name: the feedback is shown with the note under the form saying how to keep it.
    at = mark(practice(student=""), ANSWER)
    main = answer_part(at)
    form = next(i for i, e in enumerate(main) if getattr(e, "type", "") == "form")
    assert "to keep your drafts" in str(getattr(main[form + 1], "value", ""))
    assert 'class="marker-answer"' in str(getattr(main[form + 2], "value", ""))


def test_app_question_header_is_one_element_with_the_feedback_stylesheet(data):
    """The question, how it is marked and the answers' length limit are one piece of HTML above the
    answer form (each element on the page costs every student's browser a redraw on every Mark),
    with the stylesheet the feedback's classes use and the rule hiding the "running" figure."""
    at = practice()
    header = [h.value for h in at.html if "marker-question" in h.value]
    assert len(header) == 1
    head = header[0]
    assert re.search(r'<h3 class="marker-question">Evaluate the significance of the Rapallo Treaty', head)
    assert re.search(r"\d+ marks \u00b7 command word: .+ \u00b7 marked by ", head)
    assert "Answers can be up to" in head and "stStatusWidget" in head
    assert ".marker-answer .marker-credited," in head and ".marker-checklist th," in head
    # Nothing of it is drawn again as Markdown: no heading or caption repeats the question or the limit.
    assert not any("Rapallo Treaty" in m.value for m in at.markdown)
    assert not any("command word" in c.value or "Answers can be up" in c.value for c in at.caption)


def test_app_feedback_words_carry_classes_not_styles(data):
    """The marked-up answer, the role strip and the checklist (one span or cell per piece of the
    student's answer) are styled by the page's stylesheet: no style attribute on each of them."""
    at = mark(practice(), ANSWER)
    page = feedback_html(at)
    answer = page[page.index('<div class="marker-answer">') :]
    answer = answer[: answer.index("</div>")]
    assert 'class="marker-credited"' in answer and "style=" not in answer
    roles = page[page.index('<div class="marker-roles">') :]
    assert '<span class="marker-role-' in roles[: roles.index("</div>")]
    assert "style=" not in roles[: roles.index("</div>")]
    table = page[page.index('<table class="marker-checklist">') : page.index("</table>")]
    assert '<td class="marker-status">' in table and "style=" not in table
