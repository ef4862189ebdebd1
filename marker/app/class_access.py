"""Class access page (teachers): class mode on or off, codes for a class list, a new code for one student."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from marker.access import AccessError, class_mode, issue_codes, read_class_list, set_class_mode
from marker.app.shared import ICON, error_text, md, resources, teacher_gate, teacher_passcode
from marker.store import StoreError

#: The codes just issued, as the CSV to download (kept only in this session, only until "Forget").
ISSUED = "issued_codes"

marker, loaded, store = resources()

st.title("Class access")
if not teacher_gate():
    st.session_state.pop(ISSUED, None)  # a locked (or expired) session no longer holds codes
    st.stop()

st.subheader("Class mode")
mode = class_mode(store)
if mode.problem:
    st.warning(mode.problem, icon=ICON["warning"])
state = "on" if mode.on else "off"
st.markdown(
    f"Class mode is **{state}**. In class mode a student's drafts and marks open only with the "
    "student's code: one they choose the first time they type their name, or one you issue below. "
    "Off (local single-user mode), anyone using the app can open the drafts saved under any name."
)
if mode.source == "environment":
    st.info(
        f"MARKER_CLASS_MODE set class mode {state} when the app started; it wins over the switch here.",
        icon=ICON["info"],
    )
elif mode.on or teacher_passcode() is not None:
    if st.button(f"Switch class mode {'off' if mode.on else 'on'}", key="class_mode_button"):
        try:
            set_class_mode(store, not mode.on)
        except StoreError as exc:
            st.error(error_text(exc))
        else:
            st.rerun()
else:
    st.caption(
        "To switch class mode on, first set a teacher passcode (MARKER_TEACHER_PASSCODE), so that "
        "students cannot reach these pages."
    )

st.subheader("Codes for a class list")
with st.form("class_list_form"):
    pasted = st.text_area(
        "Class list: one name per line, or a CSV with a 'name' column (or 'first name' and 'last name')",
        key="class_list_text",
        height=160,
    )
    uploaded = st.file_uploader("\u2026or upload it (CSV or TXT)", type=["csv", "txt"], key="class_list_file")
    replace = st.checkbox(
        "Also give new codes to students who already have one (their old code stops working)",
        key="class_list_replace",
    )
    submitted = st.form_submit_button("Issue codes", key="issue_codes_button", type="primary")
if submitted:
    try:
        if uploaded is not None:
            try:
                text, source = uploaded.getvalue().decode("utf-8-sig"), uploaded.name
            except UnicodeDecodeError:
                raise AccessError(f"{uploaded.name} is not UTF-8 text: save it as CSV (UTF-8).") from None
        else:
            text, source = pasted, "The class list"
        names = read_class_list(text, source)
        bar = st.progress(0.0, text=f"Making codes for {len(names)} names\u2026")
        issued = issue_codes(store, names, replace=replace, progress=lambda done, n: bar.progress(done / n))
        bar.empty()
    except (AccessError, StoreError) as exc:
        st.error(error_text(exc), icon=ICON["error"])
    else:
        st.session_state[ISSUED] = (issued.csv(), len(issued.issued), issued.kept)

if ISSUED in st.session_state:
    data, n_issued, kept = st.session_state[ISSUED]
    st.success(f"{n_issued} code{'s' if n_issued != 1 else ''} issued.", icon=ICON["done"])
    if kept:
        shown = ", ".join(md(name) for name in kept[:20]) + (", \u2026" if len(kept) > 20 else "")
        st.caption(f"{len(kept)} kept the code they have: {shown}.")
    st.download_button(
        "Download the codes (CSV: name, code)",
        data=data,
        file_name="class-codes.csv",
        mime="text/csv",
        key="codes_download",
        icon=ICON["download"],
        on_click="ignore",
    )
    st.caption(
        "The codes are in this file only, and only until you press Forget or leave: marker keeps them "
        "hashed and cannot show them again. Hand each student their own; for a lost code, give that "
        "student a new one below."
    )
    if st.button("Forget these codes", key="forget_codes_button"):
        del st.session_state[ISSUED]
        st.rerun()

st.subheader("Students with a code")
codes = store.student_codes()
if not codes:
    st.caption("No student has a code yet.")
else:
    kinds = {"personal": "chosen by the student", "issued": "issued by a teacher"}
    rows = [{"name": c.name, "code": kinds[c.kind], "since": c.created_at.replace("T", " ")} for c in codes]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    names = {c.name_key: c.name for c in codes}
    chosen = st.selectbox("Student", list(names), format_func=names.get, key="new_code_student")
    if st.button("Give this student a new code", key="new_code_button"):
        try:
            issued = issue_codes(store, [names[chosen]], replace=True)
        except StoreError as exc:
            st.error(error_text(exc), icon=ICON["error"])
        else:
            (name, code), *_ = issued.issued
            st.success(
                f"New code for {md(name)}: **{code}** (their old code no longer works).", icon=ICON["done"]
            )
