"""Rubrics page (teachers): view and edit a question's mark scheme, preview its effect, save a new version."""

from __future__ import annotations

from typing import get_args

import pandas as pd
import streamlit as st

from marker.app.shared import ICON, md, resources, teacher_gate, workspace
from marker.bank import cross_check
from marker.errors import MarkerError, RubricError, RubricErrors
from marker.rubric import ModelAnswer, Question, Theme, validate_question
from marker.rubric_edit import (
    level_rows,
    parts_problems,
    parts_text,
    point_rows,
    rubric_from_rows,
    skeleton,
    thresholds_text,
    where,
)
from marker.store import StoreError
from marker.userbank import question_yaml

THEMES = list(get_args(Theme))  # the schema is the one list of themes
NEW = "__new__"

marker, loaded, store = resources()
bank = marker.bank

st.title("Rubrics")
if not teacher_gate():
    st.stop()


options = [NEW, *bank.questions]
qid = st.selectbox(
    "Question",
    options,
    index=1 if len(options) > 1 else 0,
    format_func=lambda i: "\u2795 New question\u2026" if i == NEW else f"{i}: {bank.questions[i].question}",
    key="rubric_qid",
)

if qid == NEW:
    with st.form("new_question_form"):
        st.markdown("**A new question.** Fill these in, then edit its points and levels below.")
        new_id = st.text_input("Id (as the paper numbers it, e.g. 4.1 or Q3a)", key="new_id")
        topic_id = st.selectbox(
            "Topic", list(bank.topics), format_func=lambda t: bank.topics[t].title, key="new_topic"
        )
        new_text = st.text_area("Question", key="new_text")
        kind = st.radio("Marking", ["levels", "points"], horizontal=True, key="new_kind")
        max_mark = st.number_input("Maximum mark", min_value=1, max_value=100, value=25, key="new_max")
        if st.form_submit_button("Start this question"):
            if new_id in bank.questions:
                st.error(f"There is already a question with id \u2018{new_id}\u2019.")
            else:
                st.session_state["new_base"] = skeleton(
                    new_id.strip(),
                    topic_id,
                    new_text,
                    kind,
                    int(max_mark),
                    period.model_dump() if (period := bank.topics[topic_id].period) else None,
                )
    base = st.session_state.get("new_base")
    if not base:
        st.stop()
else:
    base = bank.question(qid).model_dump(mode="json")
    versions = store.rubric_versions(qid)
    source = (
        f"saved version {versions[-1].number}"
        if qid in loaded.versions or versions
        else "shipped with marker"
    )
    st.caption(f"In use: {source} \u00b7 rubric fingerprint {bank.question(qid).version}")

key = f"rb::{base['id']}::"
is_levels = base["marking"]["kind"] == "levels"

st.subheader("Question")
c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
q_text = st.text_area("Question text", value=base["question"], key=key + "question")
command_word = c1.text_input("Command word", value=base["command_word"], key=key + "command")
period = base.get("period") or {}
# A blank period (a science question) stays blank: the inputs accept None.
start = c2.number_input("Period from", value=period.get("start"), step=1, key=key + "start")
end = c3.number_input("Period to", value=period.get("end"), step=1, key=key + "end")
max_mark = c4.number_input("Maximum mark", value=int(base["max_mark"]), step=1, key=key + "max")

st.subheader("Points of the mark scheme")
st.caption(
    "Aliases are the wordings that earn the point (separate them with ;). Concepts are knowledge-base ids."
)
points_df = pd.DataFrame(point_rows(base))
edited_points = st.data_editor(
    points_df,
    num_rows="dynamic",
    width="stretch",
    key=key + "points",
    hide_index=True,
    column_config={
        "theme": st.column_config.SelectboxColumn("theme", options=THEMES, required=True),
        "weight": st.column_config.NumberColumn("weight", min_value=0.1, max_value=5.0, step=0.5),
        "label": st.column_config.TextColumn("label", width="large"),
    },
)

if base.get("indicative_content"):
    # The examiners' content list as imported: kept with the rubric, shown beside the points.
    with st.expander("Indicative content (from the mark scheme)"):
        st.markdown("\n".join(f"- {md(item)}" for item in base["indicative_content"]))

parts: str | None = None
if base["marking"]["kind"] == "coverage":
    # A key in parts (read from "Purpose: ... / How: ..." at import): one part per line.
    st.subheader("Parts of the key")
    parts = st.text_area(
        "Parts a full-mark answer must each say (one per line)",
        value=parts_text(base),
        key=key + "parts",
        height=160,
        help="A full mark needs every part: an answer that leaves one out is held one mark below full "
        "marks, and its feedback names the part. Write each part on one line, its label first "
        "(‘Purpose: ...’). Leave the box empty for no parts: the closest model answer alone "
        "decides.",
    )

edited_levels = pd.DataFrame()
thresholds = ""
if is_levels:
    st.subheader("Levels")
    edited_levels = st.data_editor(
        pd.DataFrame(level_rows(base)),
        num_rows="dynamic",
        width="stretch",
        key=key + "levels",
        hide_index=True,
        column_config={"descriptor": st.column_config.TextColumn(width="large")},
    )
else:
    st.subheader("Marks for points")
    thresholds = st.text_input(
        "Mark table (mark: points needed, e.g. \u20184: 5, 3: 4, 2: 2, 1: 1\u2019); leave empty for one mark per point",
        value=thresholds_text(base),
        key=key + "thresholds",
    )

candidate = rubric_from_rows(
    base,
    {"question": q_text, "command_word": command_word, "start": start, "end": end, "max_mark": max_mark},
    edited_points.to_dict("records"),
    edited_levels.to_dict("records"),
    thresholds,
    parts,
)

problems: list[RubricError] = parts_problems(parts) if parts is not None else []
question: Question | None = None
try:
    question = validate_question(candidate, "the edited rubric")
    problems += cross_check(question, bank.topics, None)
except RubricErrors as exc:
    problems += exc.errors
if problems:
    question = None
    st.error(
        "**This rubric cannot be used yet.** Nothing is saved until these are fixed:\n\n"
        + "\n".join(f"- {where(p.field)}: {md(p.reason)}" for p in problems)
    )
else:
    st.success("The edited rubric is valid.", icon=ICON["done"])

st.subheader("Preview")
answers = bank.answers_for(base["id"])
choices = [a.name for a in answers] + ["(paste an answer)"]
chosen = st.selectbox("Answer to preview", choices, key=key + "preview_choice")
if chosen == "(paste an answer)":
    preview_text = st.text_area("Answer", key=key + "preview_text")
else:
    preview_text = next(a.text for a in answers if a.name == chosen)
    st.caption(
        f"Model answer written for {next(a.intended_mark for a in answers if a.name == chosen)} marks."
    )
if st.button("Preview the mark under these edits", key=key + "preview", disabled=question is None):
    if not preview_text.strip():
        st.warning("Paste an answer to preview.")
    else:
        try:
            # A model answer is compared with the others only (it would otherwise be a copy of itself).
            others = [a for a in answers if a.name != chosen]
            edited_fb = marker.mark_question(question, [preview_text], model_answers=others)[0]
            saved_fb = (
                marker.mark_question(bank.question(base["id"]), [preview_text], model_answers=others)[0]
                if base["id"] in bank.questions
                else None
            )
        except MarkerError as exc:
            st.error(str(exc))
        else:
            c1, c2 = st.columns(2)
            if saved_fb is not None:
                c1.metric("Rubric in use", f"{saved_fb.mark}/{saved_fb.max_mark}")
            c2.metric(
                "Edited rubric",
                f"{edited_fb.mark}/{edited_fb.max_mark}",
                delta=None if saved_fb is None else edited_fb.mark - saved_fb.mark,
            )
            st.dataframe(
                pd.DataFrame([{"point": p.label, "status": p.status} for p in edited_fb.points]),
                hide_index=True,
                width="stretch",
            )
            unsaid = edited_fb.features.parts_unsaid if edited_fb.features else ()
            if unsaid:
                st.markdown(
                    "**Parts of the key this answer does not say:**\n\n"
                    + "\n".join(f"- {md(part)}" for part in unsaid)
                )

st.subheader("Save")
note = st.text_input("What changed (kept with the version)", key=key + "note")
if st.button("Save as a new version", type="primary", key=key + "save"):
    if question is None:
        st.error("Not saved: fix the problems listed above first.")
    else:
        try:
            version = workspace().save_question(question, note)
        except (StoreError, RubricErrors, OSError) as exc:
            st.error(f"Not saved: {exc}. Your edits are still on this page.")
        else:
            st.session_state.pop("new_base", None)
            st.success(
                f"Saved as version {version.number} of \u2018{question.id}\u2019. Marks from now on use it; "
                "the shipped rubric is unchanged."
            )

with st.expander("Rubric as YAML (what is saved)"):
    st.code(question_yaml(question) if question else "(fix the problems above to see it)", language="yaml")

if base["id"] in bank.questions:
    with st.expander("Model answers"):
        for a in answers:
            st.markdown(
                f"**{md(a.name)}**: {a.intended_mark} marks"
                + (f", level {a.intended_level}" if a.intended_level is not None else "")
            )
        with st.form(key + "answer_form"):
            name = st.text_input("Name (an existing name replaces that answer)", key=key + "ma_name")
            mark = st.number_input(
                "Intended mark", min_value=0, max_value=int(base["max_mark"]), key=key + "ma_mark"
            )
            level = st.number_input(
                "Intended level (levels questions)", min_value=0, max_value=9, key=key + "ma_level"
            )
            text = st.text_area("Answer", key=key + "ma_text")
            if st.form_submit_button("Save model answer"):
                try:
                    answer = ModelAnswer(
                        question=base["id"],
                        intended_mark=int(mark),
                        text=text.strip(),
                        intended_level=int(level) if is_levels else None,
                        name=name.strip() or "teacher",
                    )
                    workspace().save_model_answer(answer)
                    st.success(f"Saved model answer \u2018{answer.name}\u2019.")
                except (ValueError, OSError) as exc:
                    st.error(f"Not saved: {exc}")
    history = store.rubric_versions(base["id"])
    if history:
        with st.expander(f"Version history ({len(history)})"):
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "version": v.number,
                            "fingerprint": v.fingerprint,
                            "saved": v.created_at,
                            "note": v.note,
                        }
                        for v in history
                    ]
                ),
                hide_index=True,
            )
