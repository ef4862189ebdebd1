"""Batch marking page (teachers): mark a class set, see how the class did, download the results."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath

import altair as alt
import pandas as pd
import streamlit as st

from marker import analytics
from marker.app import gradebook_view, scan_review
from marker.app.shared import ICON, error_text, md, resources, teacher_gate, workspace
from marker.batch import run_batch
from marker.errors import MarkerError
from marker.export import results_table
from marker.records import ResultRecord
from marker.scripts import DEFAULT_LIMITS

#: AppTest cannot upload files, so tests put the path of a file or folder on disk in
#: st.session_state["batch_input_path"]; when it is set and nothing is uploaded, the page
#: marks that path instead. Nothing on the page sets it.
INPUT_PATH_KEY = "batch_input_path"
RESULT_KEY = "batch_result"
SINGLE_INPUTS = (".zip", ".csv", ".xlsx")
UPLOAD_TYPES = ["zip", "csv", "xlsx", "txt", "md", "docx", "pdf", "png", "jpg", "jpeg"]
MAX_UPLOAD_MB = DEFAULT_LIMITS.max_archive_bytes // 1_000_000
LIMITS_HELP = (
    "A .zip of scripts (.txt, .md, .docx, .pdf, or scans and photos as .pdf, .png or .jpg, one "
    "file per student, named after the student), a CSV or XLSX table with an 'answer' column (and "
    "optionally student, script_id, question_id), or several script files at once. Scans and "
    "photos are read by OCR on this computer, and you check the text before it is marked. Limits: "
    f"{DEFAULT_LIMITS.max_script_bytes // 1_000_000} MB per script, {MAX_UPLOAD_MB} MB per zip or "
    f"table, {DEFAULT_LIMITS.max_entries:,} files per zip, {DEFAULT_LIMITS.max_table_rows:,} rows "
    f"per table, {DEFAULT_LIMITS.max_ocr_pages} scanned pages per script."
)
DOWNLOADS = [
    ("csv", "results.csv", "text/csv", "Results CSV"),
    (
        "xlsx",
        "results.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Results Excel",
    ),
    ("feedback", "feedback.zip", "application/zip", "Feedback pages"),
    ("report", "report.html", "text/html", "Class report"),
]
#: The two ways a script is not marked, worded as everywhere else (CLI, CSV, report).
STATUS_HELP = {
    "failed": "Read, but the marker raised an error on it (please report it).",
    "rejected": "Could not be used: unreadable, empty or too large, no or an unknown question, a bad table row.",
}
STATUS_COLOURS = {"credited": "#8ce99a", "partly": "#ffe066", "missing": "#ffa8a8"}
STATUS_OF_VALUE = {1.0: "credited", 0.5: "partly", 0.0: "missing"}
STATUS_SYMBOLS = {"credited": "\u2713", "partly": "\u00bd", "missing": "\u2717"}


def _file_name(name: str, used: set[str]) -> str:
    """An uploaded file's own name, without any folders, distinct among the files saved."""
    base = PurePosixPath(name.replace("\\", "/")).name.lstrip(".") or "upload"
    stem, suffix = PurePosixPath(base).stem, PurePosixPath(base).suffix
    candidate, n = base, 2
    while candidate.lower() in used:
        candidate, n = f"{stem}-{n}{suffix}", n + 1
    used.add(candidate.lower())
    return candidate


def save_uploads(files: list, folder: Path) -> Path:
    """One zip or table is saved as it is; anything else goes into a folder of scripts."""
    used: set[str] = set()
    if len(files) == 1 and PurePosixPath(files[0].name).suffix.lower() in SINGLE_INPUTS:
        path = folder / _file_name(files[0].name, used)
        path.write_bytes(files[0].getvalue())
        return path
    scripts = folder / "scripts"
    scripts.mkdir()
    for f in files:
        (scripts / _file_name(f.name, used)).write_bytes(f.getvalue())
    return scripts


def coverage_chart(records: list[ResultRecord]) -> tuple[alt.Chart | None, list[str]]:
    """Students × points (P1, P2, ... keyed by the returned labels), coloured by how fully each
    point was covered. Short column names keep long point labels from squeezing the grid."""
    matrix = analytics.coverage_matrix(records)
    if matrix.empty or not len(matrix.columns):
        return None, []
    labels = [str(c) for c in matrix.columns]
    short = {label: f"P{i}" for i, label in enumerate(labels, 1)}
    cells = [
        {
            "student": str(name),
            "point": short[str(label)],
            "label": str(label),
            "status": STATUS_OF_VALUE[value],
            "symbol": STATUS_SYMBOLS[STATUS_OF_VALUE[value]],
        }
        for name, row in matrix.iterrows()
        for label, value in row.items()
        if value in STATUS_OF_VALUE  # NaN: the point is not in this student's question
    ]
    base = alt.Chart(pd.DataFrame(cells)).encode(
        x=alt.X(
            "point:N",
            sort=list(short.values()),
            title="mark-scheme point",
            axis=alt.Axis(labelAngle=0, orient="top"),
        ),
        y=alt.Y("student:N", sort=[str(i) for i in matrix.index], title=None, axis=alt.Axis(labelLimit=200)),
        tooltip=["student", alt.Tooltip("label:N", title="point"), "status"],
    )
    cells_chart = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "status:N",
            title="point",
            scale=alt.Scale(domain=list(STATUS_COLOURS), range=list(STATUS_COLOURS.values())),
        )
    )
    # A symbol in every cell, as in the printed report: colour is never the only cue.
    symbols = base.mark_text(fontSize=13, fontWeight="bold", color="#212529").encode(text="symbol:N")
    chart = (cells_chart + symbols).properties(height=alt.Step(26))
    return chart, labels


def distribution_chart(records: list[ResultRecord]) -> alt.Chart | None:
    dist = analytics.mark_distribution(records)
    if dist.empty:
        return None
    return (
        alt.Chart(dist)
        .mark_bar(color="#4c6ef5")
        .encode(
            x=alt.X("mark:O", title="mark", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="scripts", axis=alt.Axis(tickMinStep=1)),
            tooltip=["mark", "count"],
        )
        .properties(height=240)
    )


def missed_chart(records: list[ResultRecord]) -> alt.Chart | None:
    missed = analytics.most_missed(records)
    if not missed:
        return None
    frame = pd.DataFrame(missed)[["label", "missed_share", "partial_share", "n"]]
    return (
        alt.Chart(frame)
        .mark_bar(color="#fa5252")
        .encode(
            x=alt.X(
                "missed_share:Q",
                title="share of scripts missing it",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
            tooltip=[
                alt.Tooltip("label:N", title="point"),
                alt.Tooltip("missed_share:Q", title="missed", format=".0%"),
                alt.Tooltip("partial_share:Q", title="partly", format=".0%"),
                alt.Tooltip("n:Q", title="scripts"),
            ],
        )
        .properties(height=alt.Step(30))
    )


def run(question_id: str, uploads: list, input_path: str | None, texts: dict[str, str] | None = None) -> None:
    """Mark the upload (or the test's path) and keep what the page shows in the session.

    Scans and photos are read first and held for the teacher to check (``texts`` None); they
    are marked with the texts the teacher checked (``texts``).
    """
    st.session_state.pop(RESULT_KEY, None)
    bar = st.progress(0.0, text="Reading the scripts\u2026")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Marked {done} of {total} scripts")

    try:
        with tempfile.TemporaryDirectory(prefix="marker-batch-") as tmp:
            source = save_uploads(uploads, Path(tmp)) if uploads else Path(str(input_path))
            if texts is None and (scans := scan_review.read_by_ocr(source)):
                scan_review.keep(scans)
                bar.empty()
                return
            # One process: the app shares this machine with everyone using it.
            result = run_batch(
                source,
                question_id,
                Path(tmp) / "out",
                engine="local",
                processes=1,
                progress=progress,
                workspace=workspace(),
                texts=texts,
            )
            downloads = {key: path.read_bytes() for key, path in result.outputs.items()}
    except MarkerError as exc:
        bar.empty()
        st.error(error_text(exc))
        return
    except Exception as exc:  # never a traceback; what was marked is saved and resumes
        bar.empty()
        st.error(
            md(
                f"Marking stopped unexpectedly ({type(exc).__name__}: {exc}). Every script marked so far "
                "is saved: press \u201cMark the batch\u201d again to carry on."
            )
        )
        return
    scan_review.clear()
    bar.progress(1.0, text=f"Done: {result.summary()}")
    st.session_state[RESULT_KEY] = {
        "name": source.name,
        "result": result,
        "downloads": downloads,
    }


def show(saved: dict) -> None:
    """The batch's counts, downloads and table, what was not marked, and how the class did."""
    result = saved["result"]
    records: list[ResultRecord] = result.records
    st.subheader(f"Results: {md(saved['name'])}")
    cols = st.columns(4)
    cols[0].metric("Marked", result.n_marked)
    cols[1].metric("Failed", result.n_failed, help=STATUS_HELP["failed"])
    cols[2].metric("Rejected", result.n_rejected, help=STATUS_HELP["rejected"])
    cols[3].metric("Duplicates", len(result.duplicates), help="Scripts whose text repeats an earlier one.")
    if result.reuse_note():  # the same scripts marked before, from the command line or here
        st.info(md(result.reuse_note()), icon=ICON["info"])
    for note in result.notes:
        st.info(md(note), icon=ICON["info"])
    cols = st.columns(len(DOWNLOADS))
    for col, (key, name, mime, label) in zip(cols, DOWNLOADS, strict=True):
        col.download_button(
            label,
            saved["downloads"][key],
            file_name=name,
            mime=mime,
            key=f"batch_download_{key}",
            on_click="ignore",
            icon=ICON["download"],
        )
    # Text cells, so a blank shows as an empty cell, not "None" or "nan" (as in the CSV).
    table = pd.DataFrame(results_table(records)).astype(object)
    if "ocr_confidence" in table:  # a share as text ("97%"), like the other text cells
        table["ocr_confidence"] = [
            f"{v:.0%}" if isinstance(v, float) and v == v else None for v in table["ocr_confidence"]
        ]
    st.dataframe(table.where(table.notna(), ""), hide_index=True, width="stretch")
    show_not_marked(result)
    gradebook_view.show(saved["downloads"]["csv"])
    st.subheader("How the class did")
    if not result.n_marked:
        st.info("No script was marked, so there are no class figures yet.")
        return
    show_class(records)


def show_not_marked(result) -> None:
    """The scripts that failed or were rejected, with why, and the duplicate texts."""
    records: list[ResultRecord] = result.records
    problems = [
        {
            "script_id": r.script_id,
            "status": r.status,
            "student": name,
            "source": r.source,
            "reason": r.error or "not marked",
        }
        for name, r in zip(analytics.student_labels(records), records, strict=True)
        if r.feedback is None
    ]
    if problems:
        st.subheader("Not marked")
        st.caption("Fix these files (or type the answers into a table) and mark the batch again.")
        st.dataframe(pd.DataFrame(problems), hide_index=True, width="stretch")
    if result.duplicates:
        with st.expander(f"Duplicate texts ({len(result.duplicates)})"):
            st.caption("Each was marked; check whether one student's work was handed in twice or copied.")
            st.dataframe(
                pd.DataFrame(result.duplicates, columns=["script", "same text as"]),
                hide_index=True,
                width="stretch",
            )


def show_class(records: list[ResultRecord]) -> None:
    """Coverage, the mark distribution, the most-missed points and the commonest slips."""
    coverage, labels = coverage_chart(records)
    if coverage is not None:
        st.markdown("**Mark-scheme coverage** (one row per student)")
        st.altair_chart(coverage, width="stretch")
        st.caption("  \n".join(f"P{i}: {md(label)}" for i, label in enumerate(labels, 1)))
    st.markdown("**Mark distribution**")
    dist = distribution_chart(records)
    if dist is not None:
        st.altair_chart(dist, width="stretch")
    st.markdown("**Most-missed points**")
    missed = missed_chart(records)
    if missed is not None:
        st.altair_chart(missed, width="stretch")
    else:
        st.caption("No mark-scheme points to count.")
    st.markdown("**Commonest factual slips**")
    slips = analytics.common_slips(records)
    if not slips:
        st.caption("No factual slips found.")
        return
    rows = [
        {
            "slip": s["label"],
            "kind": "error" if s["severity"] == "error" else "note",
            "scripts": s["count"],
            "students": ", ".join(s["students"]),
        }
        for s in slips
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


marker, loaded, _ = resources()
bank = marker.bank

st.title("Batch marking")
if not teacher_gate():
    st.stop()
for problem in loaded.problems:
    st.warning(md(f"A saved rubric could not be used and the shipped one is in use instead: {problem}"))
if not bank.questions:
    st.info("The question bank has no questions yet. Add one on the Rubrics page.")
    st.stop()

question_id = st.selectbox(
    "Question",
    list(bank.questions),
    format_func=lambda i: f"{i}: {bank.questions[i].question}",
    key="batch_question",
    help="Scripts are marked against this question, except table rows whose question_id column names another.",
)
uploads = st.file_uploader(
    "Students' scripts",
    type=UPLOAD_TYPES,
    accept_multiple_files=True,
    key="batch_upload",
    help=LIMITS_HELP,
    max_upload_size=MAX_UPLOAD_MB,
)
input_path = st.session_state.get(INPUT_PATH_KEY)
st.caption(
    "Marking runs on this computer and is saved as it goes: if it stops, mark the same scripts again "
    "to carry on where it left off."
)
if st.button("Mark the batch", type="primary", key="batch_run", disabled=not (uploads or input_path)):
    scan_review.clear()
    run(question_id, uploads or [], input_path)
if scan_review.pending() and scan_review.show():
    run(question_id, uploads or [], input_path, texts=scan_review.texts())
    if st.session_state.get(RESULT_KEY):
        st.rerun()  # the results in place of the texts just checked

saved = st.session_state.get(RESULT_KEY)
if saved is None and not scan_review.pending():
    st.info(
        "Upload a class set to begin: a .zip of scripts, a CSV or Excel table with an 'answer' column, "
        "or several script files. Then press \u201cMark the batch\u201d.",
        icon=ICON["upload"],
    )
elif saved is not None:
    show(saved)
