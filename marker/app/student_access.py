"""The practice page's door to a student's drafts: open in local mode, behind the student's code in class mode."""

from __future__ import annotations

import streamlit as st

from marker.access import (
    AccessError,
    attempt,
    choose_code,
    class_mode,
    code_matches,
    may_choose_code,
    name_key,
)
from marker.app.shared import ICON, caller, limiter, md
from marker.store import Store, StoreError
from marker.tuning import TUNING

#: The name key whose drafts this browser session has opened with its code.
OPENED = "access_opened"


def student_gate(store: Store, typed: str) -> str:
    """The name whose drafts this session may open and save under ("" for none yet).

    Local mode: the name as typed, and a caption saying anyone here can open any name's drafts.
    Class mode: the student's name once their code is entered (or chosen, on first use); until
    then "" and a form for the code, so nothing of anyone's drafts is read.
    """
    mode = class_mode(store)
    if not mode.on:
        st.caption(
            "Local single-user mode: anyone using this computer can open the drafts saved under any "
            "name. A teacher can switch on class mode (Class access page) when the app serves a class."
        )
        return typed
    if mode.problem:
        st.warning(mode.problem, icon=ICON["warning"])
    if not typed:
        st.caption("Class mode: your drafts open with your name and your code.")
        return ""
    key = name_key(typed)
    record = store.student_code(key)
    if record is not None and st.session_state.get(OPENED) == key:
        return record.name
    st.session_state.pop(OPENED, None)  # another name typed (or its code removed): closed again
    if record is not None:
        _code_form(record)
    elif may_choose_code(store, typed):
        _choose_form(store, typed)
    else:
        st.warning(
            f"Drafts were saved under \u2018{md(typed)}\u2019 before class mode: ask your teacher for the "
            "code that opens them.",
            icon=ICON["warning"],
        )
    return ""


def _code_form(record) -> None:
    # clear_on_submit: what was typed does not stay in the page's widget state after a try.
    with st.form("student_code_form", clear_on_submit=True):
        entered = st.text_input(
            "Your code",
            type="password",
            key="student_code",
            max_chars=TUNING.access.code_max_chars,
            help="The code you chose the first time, or the one your teacher gave you. It opens your drafts.",
        )
        if st.form_submit_button("Open my drafts", key="student_code_button"):
            tried = attempt(limiter(), "student", caller(), lambda: code_matches(record, entered))
            if tried.ok:
                st.session_state[OPENED] = record.name_key
                st.rerun()
            st.error(tried.message("That code is not right for this name."), icon=ICON["error"])
    st.caption("Until your code is entered you can still mark answers, but nothing is saved under your name.")


def _choose_form(store: Store, typed: str) -> None:
    st.info(
        "Class mode: choose a code that only you know. Your drafts under this name will open only "
        "with it, so keep it to yourself (your teacher can reset it).",
        icon=ICON["info"],
    )
    with st.form("choose_code_form", clear_on_submit=True):
        limit = TUNING.access.code_max_chars
        code = st.text_input("Choose your code", type="password", key="new_code", max_chars=limit)
        repeat = st.text_input("Type it again", type="password", key="new_code_again", max_chars=limit)
        if st.form_submit_button("Keep my code", key="choose_code_button"):
            try:
                record = choose_code(store, typed, code, repeat)
            except (AccessError, StoreError) as exc:
                st.error(md(str(exc)), icon=ICON["error"])
            else:
                st.session_state[OPENED] = record.name_key
                st.rerun()
