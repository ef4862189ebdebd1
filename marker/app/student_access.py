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
from marker.store import Store, StoreError, StudentCode
from marker.tuning import TUNING

#: Whose drafts this browser session opened, and with which code: (name key, the code's hash). A new
#: code from a teacher (a lost code, or one a classmate saw) closes every session opened with the old one.
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
    if record is not None and st.session_state.get(OPENED) == (key, record.code_hash):
        return record.name
    st.session_state.pop(OPENED, None)  # another name typed, or a new code given: closed again
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


def _code_form(record: StudentCode) -> None:
    with st.form("student_code_form"):
        st.text_input(
            "Your code",
            type="password",
            key="student_code",
            max_chars=TUNING.access.code_max_chars,
            help="The code you chose the first time, or the one your teacher gave you. It opens your drafts.",
        )
        st.form_submit_button("Open my drafts", key="student_code_button", on_click=_try_code, args=(record,))
    if problem := st.session_state.pop("student_code_problem", None):
        st.error(problem, icon=ICON["error"])
    st.caption("Until your code is entered you can still mark answers, but nothing is saved under your name.")


def _try_code(record: StudentCode) -> None:
    """The button's callback: it runs before the page, so what was typed leaves the session's widget
    state at once (a widget's value cannot be changed once drawn)."""
    entered = st.session_state.get("student_code") or ""
    st.session_state["student_code"] = ""
    tried = attempt(limiter(), "student", caller(), lambda: code_matches(record, entered))
    if tried.ok:
        st.session_state[OPENED] = (record.name_key, record.code_hash)
    else:
        st.session_state["student_code_problem"] = tried.message("That code is not right for this name.")


def _choose_form(store: Store, typed: str) -> None:
    st.info(
        "Class mode: choose a code that only you know. Your drafts under this name will open only "
        "with it, so keep it to yourself (if you forget it, your teacher can give you a new one).",
        icon=ICON["info"],
    )
    with st.form("choose_code_form"):
        limit = TUNING.access.code_max_chars
        st.text_input("Choose your code", type="password", key="new_code", max_chars=limit)
        st.text_input("Type it again", type="password", key="new_code_again", max_chars=limit)
        st.form_submit_button("Keep my code", key="choose_code_button", on_click=_choose, args=(store, typed))
    if problem := st.session_state.pop("choose_code_problem", None):
        st.error(md(problem), icon=ICON["error"])


def _choose(store: Store, typed: str) -> None:
    """The button's callback (see :func:`_try_code`): keep the code chosen, or say why not."""
    code, repeat = (st.session_state.get(k) or "" for k in ("new_code", "new_code_again"))
    st.session_state["new_code"] = st.session_state["new_code_again"] = ""
    try:
        record = choose_code(store, typed, code, repeat)
    except (AccessError, StoreError) as exc:
        st.session_state["choose_code_problem"] = str(exc)
    else:
        st.session_state[OPENED] = (record.name_key, record.code_hash)
