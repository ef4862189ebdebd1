"""The Batch page's gradebook: a batch's marks into a Canvas, Moodle or Google Classroom export.

The same as ``marker gradebook`` (:func:`marker.gradebook.fill_gradebook`): the teacher uploads
the platform's CSV export, chooses the column, and downloads the filled file to import back.
Who could not be matched is named both ways (in the batch but not the gradebook, and in the
gradebook but not the batch).
"""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

import streamlit as st

from marker.errors import GradebookError
from marker.gradebook import LAYOUT_NAMES, GradebookFill, fill_gradebook, inspect_gradebook

from .shared import ICON, error_text, md

#: AppTest cannot upload files, so tests put the path of a gradebook export on disk in
#: st.session_state["gradebook_input_path"]; it is used when nothing is uploaded.
INPUT_PATH_KEY = "gradebook_input_path"
FILLED_KEY = "gradebook_filled"


def _export() -> tuple[str, bytes] | None:
    upload = st.file_uploader(
        "Gradebook export (CSV)",
        type=["csv"],
        key="gradebook_upload",
        help="Canvas: Grades > Export. Moodle: the assignment's 'Download grading worksheet'. "
        "Google Classroom: Grades > 'Download grades as CSV'. Use the file as it was downloaded.",
    )
    if upload is not None:
        return upload.name, upload.getvalue()
    path = st.session_state.get(INPUT_PATH_KEY)
    return (Path(path).name, Path(path).read_bytes()) if path else None


def show(results_csv: bytes) -> None:
    """Upload an export, choose the column, fill it from this batch's results.csv, download it."""
    st.subheader("Fill a gradebook")
    st.caption(
        "Put these marks into the gradebook your platform exported, then import the filled file back. "
        "Only the chosen column's cells of matched students change; everything else stays as exported."
    )
    export = _export()
    if export is None:
        return
    name, data = export
    try:
        info = inspect_gradebook(data, name)
    except GradebookError as exc:
        st.error(error_text(exc))
        return
    st.caption(md(f"{name}: {LAYOUT_NAMES[info.layout]}, {info.students} students."))
    column = st.selectbox("Column to fill", info.columns, key="gradebook_column")
    this = hashlib.sha256(data + b"\0" + results_csv + b"\0" + str(column).encode()).hexdigest()
    if st.button("Fill in the marks", key="gradebook_fill"):
        try:
            filled = fill_gradebook(data, results_csv, column, gradebook_name=name, results_name="this batch")
        except GradebookError as exc:
            st.error(error_text(exc))
            return
        st.session_state[FILLED_KEY] = {"for": this, "name": name, "fill": filled}
    saved = st.session_state.get(FILLED_KEY)
    if saved and saved["for"] == this:
        _show_fill(saved["name"], saved["fill"])


def _show_fill(name: str, filled: GradebookFill) -> None:
    """What was filled, who was not matched (both ways), and the download."""
    first, *notes = filled.report()[: 1 + len(filled.notes)]
    st.success(md(first))
    for note in notes:
        st.caption(md(note))
    changed = [
        f"{w.student}: {w.old} \u2192 {w.new}" for w in filled.written if w.old.strip() and w.old != w.new
    ]
    for title, names, draw in [
        ("In this batch but not in the gradebook", filled.not_in_gradebook, st.warning),
        ("In the gradebook but not in this batch", filled.not_in_results, st.warning),
        ("Not written: the match is doubtful", filled.ambiguous, st.warning),
        ("Matched but not marked (cell left as it was)", filled.not_marked, st.info),
        ("Replaced what the cell held before", changed, st.info),
    ]:
        if names:
            draw(md(f"{title} ({len(names)}): " + "; ".join(names)))
    stem = PurePosixPath(name).stem or "gradebook"
    st.download_button(
        "Download the filled gradebook",
        filled.data,
        file_name=f"{stem}-filled.csv",
        mime="text/csv",
        key="gradebook_download",
        on_click="ignore",
        icon=ICON["download"],
    )
