"""Practise page: choose a question, write an answer, mark it, redraft and watch the mark move."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from marker.app.feedback_view import show_feedback
from marker.app.shared import ICON, md, resources, warm_soon, workspace
from marker.app.student_access import student_gate
from marker.charts import drafts_html
from marker.errors import MAX_ANSWER_CHARS, MarkerError
from marker.feedback import Feedback
from marker.render import CAPTION, change_html, compare_drafts, escape, feedback_css, heading_html
from marker.store import StoreError


def restore_latest_draft(key: str, student: str, drafts: list) -> None:
    """Put the student's latest draft in the answer box once they give their name.

    The box is filled when it holds nothing the student typed: it is empty, or it still
    holds what this page put there for someone else (another name typed on a shared computer
    must not keep the first student's answer). Called before the box is drawn, as Streamlit
    requires for setting a widget's value.
    """
    owner_key = f"{key}::owner"
    box = st.session_state.get(key) or ""
    owner = st.session_state.get(owner_key)  # (student, text) this page last put in the box
    untouched = not box.strip() or (owner is not None and box == owner[1])
    if untouched and (owner is None or owner[0] != student):
        text = drafts[-1].text if drafts else ""
        st.session_state[key] = text
        st.session_state[owner_key] = (student, text)


def mark_once(qid: str, version: str, text: str) -> Feedback:
    """The answer's feedback, marked once for the same text, rubric and saved calibrations.

    A second click on Mark while the first is being marked makes Streamlit stop that run as
    soon as marking ends and run the page again for the new click; the feedback is kept before
    anything is drawn, so that run shows it instead of marking the same answer again (under
    load, students click twice).
    """
    ws = workspace()
    key = (qid, version, ws.stamp, text)
    last = st.session_state.get("marked::last")
    if last is not None and last[0] == key:
        return last[1]
    # A teacher's saved calibration of this question sets the mark (the summary says so).
    feedback = ws.mark(qid, text)
    st.session_state["marked::last"] = (key, feedback)
    return feedback


# Streamlit's "running" figure and the bar above the page animate for as long as a run lasts:
# hidden, five pages waiting ten seconds each for their marks used about a third of the CPU
# (on this page the wait is for the mark, and the page says "Marking your answer" instead).
# Hidden, the figure's picture still changes five times a second (about half of what a waiting
# page costs): that is no CSS animation but a timer in Streamlit's own code (from half a second
# into a run, a React state changed every 200 ms to draw the next of six icons), which no style
# can stop; only `ui.hideTopBar` does, and it removes the page menu as well.
HIDE_RUNNING = "<style>[data-testid='stStatusWidget'],[data-testid='stDecoration']{display:none}</style>"
SCHEMES = {
    "levels": "levels of response",
    "points": "one mark per valid point",
    "coverage": "coverage of the model answer",
}


def question_header(question) -> str:
    """The question, how it is marked and how long an answer may be, as one piece of HTML (escaped).

    One element, not a heading and two captions (each parsed as Markdown): Streamlit's code in
    the browser draws every element on the page again when a run starts and when it ends (only
    empty placeholders are spared), so each element costs every student's browser on every Mark.
    """
    period = f" \u00b7 period {question.period.start}\u2013{question.period.end}" if question.period else ""
    facts = (
        f"{question.max_mark} marks \u00b7 command word: {escape(question.command_word)}{period}"
        f" \u00b7 marked by {SCHEMES[question.kind]}"
    )
    # Above the answer form, not under it: what is in the form's part of the page is drawn again on every Mark.
    limit = f"Answers can be up to {MAX_ANSWER_CHARS:,} characters (about {MAX_ANSWER_CHARS // 6:,} words)."
    return (
        f"{HIDE_RUNNING}<style>{feedback_css()}</style>"
        f'<h3 class="marker-question">{escape(question.question)}</h3>'
        f'<p class="marker-scheme" style="{CAPTION};margin:0 0 4px">{facts}</p>'
        f'<p class="marker-limit" style="{CAPTION};margin:0">{limit}</p>'
    )


marker, loaded, store = resources()
bank = marker.bank

st.title("Practise")
for problem in loaded.problems:
    st.warning(f"A saved rubric could not be used and the shipped one is in use instead: {problem}")

typed = st.text_input(
    "Your name or student id",
    key="student",
    help="Your drafts are kept under this name, on this computer only.",
).strip()
# The name whose drafts may be opened and saved: in class mode "" until the student's code is given.
student = student_gate(store, typed)
topics = {t.id: t.title for t in bank.topics.values()}
topic = st.selectbox("Topic", list(topics), format_func=topics.get, key="topic")
qids = [q.id for q in bank.questions.values() if q.topic == topic]
if not qids:
    st.info("This topic has no questions yet. A teacher can add one on the Rubrics page.")
    st.stop()
qid = st.selectbox("Question", qids, format_func=lambda i: bank.questions[i].question, key="question_id")
question = bank.question(qid)
# Parse the mark scheme and model answers now, while the student writes, not on their first Mark.
warm_soon(qid, question.version)

st.html(question_header(question))


WORD_COUNT = """<div id="wc" style="font:14px sans-serif;color:#555">{count} words</div>
<script>
const out = document.getElementById("wc");
const count = (text) => {{ const w = text.trim().match(/\\S+/g); return w ? w.length : 0; }};
try {{
  // The box as it is now (the count above is the server's, for when the page cannot be read).
  const box = window.parent.document.querySelector('textarea[aria-label="Your answer"]');
  if (box) out.textContent = count(box.value) + " words";
  // Listen on the page, not on one textarea: Streamlit replaces the element when it redraws.
  window.parent.document.addEventListener("input", (event) => {{
    const t = event.target;
    if (t && t.matches && t.matches('textarea[aria-label="Your answer"]')) out.textContent = count(t.value) + " words";
  }});
}} catch (e) {{ /* no access to the page: the server's count above still shows */ }}
</script>"""


def answer_form(answer_key: str) -> tuple[str, bool]:
    """The answer box with its live word count and the Mark button: (the answer, whether Mark was pressed)."""
    # enter_to_submit: Ctrl+Enter (Cmd+Enter on a Mac) in the answer box marks it; Enter alone is a new line.
    with st.form("answer_form", clear_on_submit=False, enter_to_submit=True):
        text = st.text_area(
            "Your answer",
            key=answer_key,
            height=320,
            max_chars=MAX_ANSWER_CHARS,
            placeholder="Write or paste your answer here, then press Mark (or Ctrl+Enter).",
        )
        count = st.empty()
        submitted = st.form_submit_button("Mark", type="primary", key="mark_button")
        # A live count while typing (the form only reaches the server on Mark). The page is
        # redrawn on Mark with the count the browser already shows: the frame keeps the count it
        # was drawn with then, so the browser does not load it again (it did on every Mark).
        shown = f"{answer_key}::words"
        if not submitted or shown not in st.session_state:
            st.session_state[shown] = len((st.session_state.get(answer_key) or "").split())
        count.iframe(WORD_COUNT.format(count=st.session_state[shown]), height=26)
    return text, submitted


def mark_and_save(
    qid: str, version: str, text: str, student: str, typed: str, drafts: list, slot
) -> tuple[list, bool]:
    """Mark the answer, keep it as this session's result and save it as a draft: the drafts, with
    it, and whether the feedback is to be drawn in ``slot``.

    ``slot`` (an ``st.empty()`` under the form) says "Marking your answer" meanwhile, and the
    feedback then takes its place: no element is drawn and taken away again on each Mark (each
    one costs every waiting student's browser a redraw). What went wrong stays in it instead.
    """
    answer_key = f"answer::{qid}"
    if not text.strip():
        slot.warning("Write your answer first: an empty answer is not marked or saved.", icon=ICON["write"])
        return drafts, False
    # HTML, as the feedback that takes its place is (a caption is Markdown: one more parser to run).
    slot.html(f'<p class="marker-marking" style="{CAPTION}">Marking your answer\u2026</p>')
    try:
        feedback = mark_once(qid, version, text)
    except MarkerError as exc:
        slot.error(str(exc))
        return drafts, False
    st.session_state["result"] = {"question_id": qid, "student": student, "text": text, "feedback": feedback}
    if not student:
        what = "Enter your code above" if typed else "Type your name or student id above"
        slot.info(f"{what} to keep your drafts and see your progress.")
        return drafts, False
    try:
        # The drafts read above and the one just saved (not all of them read again).
        drafts = [*drafts, store.add_draft(student, text, feedback)]
        st.session_state[f"{answer_key}::owner"] = (student, text)
        # Said above the mark (a toast slid in and out over every student's feedback).
        st.session_state["result"]["saved"] = len(drafts)
    except StoreError as exc:
        slot.error(f"{exc} Your answer is still in the box above.")
        return drafts, False
    return drafts, True


def show_result(question, student: str, drafts: list, slot=None) -> bool:
    """This session's last marked answer, or else the student's latest saved draft, with its feedback
    and, from the second draft on, the marks of all of them. True when it is this session's answer.
    The feedback goes in ``slot`` when there is one (the Mark's "Marking your answer").
    """
    result = st.session_state.get("result")
    # A result marked under another name is not shown (a shared computer); one marked before any
    # name was typed belongs to whoever types theirs.
    if result and (result["question_id"] != question.id or result["student"] not in ("", student)):
        result = None
    after = drafts_section(drafts, question.max_mark)
    if result:
        saved = result.get("saved") if result["student"] == student else None
        # The change since the previous draft stays on the page until the next Mark (a rerun for an
        # expander draws the same HTML, so the browser keeps it as it is, the ladder open or shut).
        latest = saved is not None and saved == len(drafts) >= 2
        previous = drafts[-2].feedback if latest else None
        note = f"{ICON['done']} Saved as your draft {saved} of this question."
        before = f'<p class="marker-saved" style="{CAPTION}">{note}</p>' if saved else ""
        show_feedback(result["text"], result["feedback"], previous, before=before, after=after, where=slot)
        return True
    if drafts:
        last = drafts[-1]
        st.caption(f"Your latest saved draft, marked {last.created_at.replace('T', ' ')} UTC.")
        if last.rubric_version != question.version:
            st.caption(
                "It was marked with an earlier version of this question's rubric; mark it again to update."
            )
        show_feedback(
            last.text, last.feedback, drafts[-2].feedback if len(drafts) >= 2 else None, after=after
        )
    return False


def drafts_section(drafts: list, max_mark: int) -> str:
    """The marks of the student's drafts of this question and what changed since the previous one:
    from the second draft on (one bar would only repeat the mark above it)."""
    if len(drafts) < 2:
        return ""
    return "".join(
        [
            heading_html("Your drafts of this question"),
            drafts_html([d.mark for d in drafts], max_mark),
            f'<div style="{CAPTION}">Your mark for each draft (out of {max_mark}), oldest first.</div>',
            change_html(compare_drafts(drafts[-2].feedback, drafts[-1].feedback)),
        ]
    )


def show_model_answers(qid: str, max_mark: int) -> None:
    # Drawn only while open (each Mark would otherwise send and draw every model answer again).
    box = st.expander("Model answers (open after your own attempt)", key="model_answers", on_change="rerun")
    if box.open:
        texts = []
        for answer in bank.answers_for(qid):
            level = f", level {answer.intended_level}" if answer.intended_level is not None else ""
            head = f"**{md(answer.name)}**: written for {answer.intended_mark}/{max_mark}{level}"
            note = f"  \n*{md(answer.note)}*" if answer.note else ""
            texts.append(f"{head}{note}\n\n{md(answer.text)}")
        box.markdown("\n\n---\n\n".join(texts))


def show_all_drafts(student: str) -> None:
    # Every draft of every question is read only while this is open, not on every Mark.
    box = st.expander("All your drafts", key="all_drafts", on_change="rerun")
    everything = store.drafts(student) if box.open else []
    if box.open and not everything:
        box.caption("No drafts are saved under this name yet.")
    if everything:
        with box:
            rows = []
            for d in everything:
                known = bank.questions.get(d.question_id)
                rows.append(
                    {
                        "question": known.question if known else f"(no longer in the bank: {d.question_id})",
                        "mark": f"{d.mark}/{d.max_mark}",
                        "marked at": d.created_at.replace("T", " "),
                    }
                )
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


@st.fragment
def answer_and_feedback(qid: str, student: str, typed: str) -> None:
    """The answer box, the feedback and the drafts: a Mark reruns this part of the page alone.

    The title, the name and the question above stay as they are (drawing them again on each
    Mark cost the server and every student's browser for nothing). A new name, topic or
    question reruns the whole page, and this with it.
    """
    question = workspace().bank.question(qid)  # the rubric version now in use
    drafts = store.drafts(student, qid) if student else []
    answer_key = f"answer::{qid}"
    restore_latest_draft(answer_key, student, drafts)
    text, submitted = answer_form(answer_key)
    slot = None
    if submitted:
        slot = st.empty()
        drafts, in_slot = mark_and_save(qid, question.version, text, student, typed, drafts, slot)
        slot = slot if in_slot else None
    shown = show_result(question, student, drafts, slot)
    if drafts or shown:
        show_model_answers(qid, question.max_mark)
    if student:
        show_all_drafts(student)


answer_and_feedback(qid, student, typed)
