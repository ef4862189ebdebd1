"""What every page shares: the workspace (bank, marker, store, calibrations), loaded once per process."""

from __future__ import annotations

import contextlib
import gc
import os
import re
import secrets
import threading
import time
from pathlib import Path

import streamlit as st

from marker.access import AttemptLimiter, Caller, attempt, class_mode, idle_expired, same_secret
from marker.app.icons import ICON as ICON  # the pages' icons, re-exported
from marker.engine import Marker
from marker.store import Store, data_dir
from marker.tuning import TUNING
from marker.userbank import LoadedBank
from marker.workspace import Workspace


@st.cache_resource(show_spinner="Loading the English language model and the question bank (first time only)…")
def _workspace(data: str) -> Workspace:
    ws = Workspace(Path(data))
    ws.marker  # noqa: B018  (load spaCy now, under the spinner, not on the first Mark)
    # The question the Practise page opens on, ready before anyone can press Mark; the others
    # are prepared when chosen (warm_soon).
    first = first_question(ws)
    if first is not None:
        ws.warm(first)
    # The pipeline, the encoder and the bank are some 200,000 objects that live as long as the
    # process. Streamlit collects garbage after every run, and a full collection walked them all
    # each time (0.16 s of CPU per run, up to 0.9 s under load, holding up every other session:
    # the collector keeps the GIL). Frozen, the collector skips them.
    gc.collect()
    gc.freeze()
    return ws


def first_question(ws: Workspace) -> str | None:
    """The question the Practise page shows first: the first question of the first topic."""
    questions = list(ws.bank.questions.values())
    return next((q.id for topic in ws.bank.topics for q in questions if q.topic == topic), None)


def workspace() -> Workspace:
    """The workspace of this data folder: the same bank and calibrations as ``marker mark`` and batches.

    What another process saved since the last run (``marker rubric save``, ``marker calibrate``)
    is taken in first, so the app never marks with an older version than the CLI.
    """
    ws = _workspace(str(data_dir()))
    ws.refresh()
    return ws


@st.cache_resource(show_spinner=False)
def _warming(data: str, question_id: str, version: str) -> threading.Thread:
    """One background build of a question's index per rubric version (Streamlit runs this once per key)."""
    ws = _workspace(data)

    def build() -> None:
        # A question removed meanwhile: its first Mark says what is wrong.
        with contextlib.suppress(Exception):
            ws.warm(question_id)

    thread = threading.Thread(target=build, name=f"marker-warm-{question_id}", daemon=True)
    thread.start()
    return thread


def warm_soon(question_id: str, version: str) -> None:
    """Parse the question's mark scheme and model answers in the background while the student writes.

    That takes seconds the first time, once per rubric version; done here, the click on Mark
    only marks the answer.
    """
    _warming(str(data_dir()), question_id, version)


def resources() -> tuple[Marker, LoadedBank, Store]:
    """The marker (spaCy loaded once per process), the bank as loaded, and the store, for this data folder."""
    ws = workspace()
    return ws.marker, ws.loaded, ws.store


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")


def md(text: str) -> str:
    """Escape text (student words, rubric text) so Markdown shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def error_text(exc: Exception) -> str:
    """An error's message for st.error: its first line, then one bullet per further line (each row).

    Everything is escaped: messages quote what the teacher uploaded (ids, file names).
    """
    first, *rest = str(exc).splitlines() or [""]
    return "\n".join([md(first), "", *[f"- {md(line.strip())}" for line in rest if line.strip()]])


def teacher_passcode() -> str | None:
    """The passcode from MARKER_TEACHER_PASSCODE or st.secrets, if one is set."""
    code = os.environ.get("MARKER_TEACHER_PASSCODE")
    if code:
        return code
    try:
        return st.secrets.get("MARKER_TEACHER_PASSCODE") or None
    except Exception:  # no secrets.toml: that is the normal local case
        return None


@st.cache_resource(show_spinner=False)
def _limiter(data: str) -> AttemptLimiter:
    """One count of wrong codes and passcodes per server process and data folder."""
    return AttemptLimiter()


def limiter() -> AttemptLimiter:
    return _limiter(str(data_dir()))


def caller() -> Caller:
    """This browser session and its client's address ("local" for this computer, which Streamlit
    gives as None; anything but a string, as under AppTest, counts as this computer too)."""
    session = st.session_state.setdefault("access_session", secrets.token_hex(8))
    address = st.context.ip_address
    return Caller(session=session, client=address if isinstance(address, str) and address else "local")


def teacher_gate() -> bool:
    """Ask for the passcode when one is set (compared in constant time). True when the page may show.

    Wrong passcodes are limited per session and per client; an unlocked session locks again after
    ``TUNING.access.teacher_idle_minutes`` without use. In class mode the teachers' pages need a passcode.
    """
    code = teacher_passcode()
    if code is None:
        if class_mode(workspace().store).on:
            st.error(
                "Class mode is on, so the teachers' pages need a passcode: set MARKER_TEACHER_PASSCODE "
                "(or the same key in .streamlit/secrets.toml) and restart the app, or start it with "
                "MARKER_CLASS_MODE=0 to switch class mode off.",
                icon=ICON["error"],
            )
            return False
        st.info(
            "Local single-user mode: no teacher passcode is set, so anyone using this computer can edit "
            "rubrics. Set MARKER_TEACHER_PASSCODE to require one.",
            icon=ICON["info"],
        )
        return True
    now = time.monotonic()
    active = st.session_state.get("teacher_active_at")
    if active is not None and not idle_expired(active, now):
        st.session_state["teacher_active_at"] = now
        return True
    if active is not None:
        del st.session_state["teacher_active_at"]
        minutes = f"{TUNING.access.teacher_idle_minutes:g}"
        st.warning(
            f"Your teacher session ended after {minutes} minutes without use: enter the passcode again.",
            icon=ICON["warning"],
        )
    with st.form("passcode_form"):
        st.text_input("Teacher passcode", type="password", key="passcode")
        st.form_submit_button("Unlock", on_click=_try_passcode, args=(code,))
    if problem := st.session_state.pop("passcode_problem", None):
        st.error(problem)
    return False


def _try_passcode(code: str) -> None:
    """The Unlock button's callback: it runs before the page, so the passcode typed can be taken
    out of the session's widget state at once (a widget's value cannot be changed once drawn)."""
    entered = st.session_state.get("passcode") or ""
    st.session_state["passcode"] = ""
    tried = attempt(limiter(), "teacher", caller(), lambda: same_secret(entered, code))
    if tried.ok:
        st.session_state["teacher_active_at"] = time.monotonic()
    else:
        st.session_state["passcode_problem"] = tried.message("That passcode is not right.")
