"""Calibrate & agreement page (teachers): add a question from its model answer, then measure how far
the marker agrees with the teacher's own marks, calibrate it to them and save the calibration.

The page only draws: :mod:`marker.new_question` builds and saves a new question, and
:mod:`marker.agreement_report` splits, marks, measures, fits and saves. The report is measured on
scripts held out from the fit (or on the rubric alone): it never fits on what it measures.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st

from marker import agreement_report as ar
from marker.app.shared import ICON, error_text, md, resources, teacher_gate, workspace
from marker.authoring import Built
from marker.calibrate import MIN_SCRIPTS
from marker.errors import MarkerError, RubricErrors
from marker.evaluate import FEW_SCRIPTS, Report
from marker.new_question import build_from_form, edited_question, rubric_problems, save_new_question

KINDS = ["coverage", "points", "levels"]
KIND_HELP = {
    "coverage": "marks in proportion to how much of the model answer the student says",
    "points": "one mark per point (the points below, or the model answer's clauses)",
    "levels": "levels of response, with the mark range split evenly into levels",
}
UPLOAD_HELP = (
    "A CSV (UTF-8) or Excel (.xlsx) table, one marked script per row, with a header row naming the "
    "columns question_id, answer and mark (your mark, 0 to the question's maximum). Optional columns: "
    "script_id and student. Other columns are ignored."
)

marker, loaded, store = resources()
bank = marker.bank

st.title("Calibrate & agreement")
if not teacher_gate():
    st.stop()


# --------------------------------------------------------------------------- helpers


def read_input() -> tuple[str, bytes] | None:
    """The uploaded table, or (for tests) the file at ``st.session_state["cal_input_path"]``."""
    upload = st.file_uploader(
        "Marked scripts (CSV or Excel)", type=["csv", "xlsx"], key="cal_upload", help=UPLOAD_HELP
    )
    if upload is not None:
        return upload.name, upload.getvalue()
    # Streamlit's AppTest cannot upload files, so the tests hand the page a path in session state
    # instead. No widget has this key, so a browser user cannot set it.
    path = st.session_state.get("cal_input_path")
    if path:
        path = Path(path)
        try:
            return path.name, path.read_bytes()
        except OSError as exc:
            st.error(f"{md(path.name)} cannot be read: {md(exc.strerror or exc)}")
    return None


def progress_bar(text: str) -> tuple[ar.Progress, st.delta_generator.DeltaGenerator]:
    """A progress bar and the callback that moves it."""
    bar = st.progress(0.0, text=text)

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"Marked {done} of {total}\u2026")

    return progress, bar


# --------------------------------------------------------------------------- charts


def confusion_chart(conf: dict) -> alt.Chart:
    labels, axis = conf["labels"], conf["axis"]
    data = ar.confusion_frame(conf)
    top = max(int(data["count"].max()), 1)
    base = alt.Chart(data).encode(
        x=alt.X("marker:O", sort=labels, title=f"marker's {axis}"),
        y=alt.Y("teacher:O", sort=labels, title=f"teacher's {axis}"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", scale=alt.Scale(scheme="blues", domain=[0, top]), legend=None),
        tooltip=["teacher", "marker", "count"],
    )
    text = base.mark_text(fontSize=13).encode(
        text="count:Q",
        color=alt.condition(alt.datum.count > top / 2, alt.value("white"), alt.value("black")),
    )
    return (cells + text).properties(height=max(160, 36 * len(labels)))


def bias_chart(rows: list[dict]) -> alt.Chart:
    data, axis = ar.bias_frame(rows)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(f"{axis}:O", title=f"teacher's {axis}"),
            y=alt.Y("mean difference:Q", title="marker minus teacher (mean)", axis=alt.Axis(format="+.1f")),
            color=alt.Color(
                "lean:N",
                scale=alt.Scale(
                    domain=["harsher", "even", "more generous"], range=["#e03131", "#adb5bd", "#1971c2"]
                ),
                title=None,
            ),
            tooltip=[axis, "mean difference", "scripts", "lean"],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#495057").encode(y="y:Q")
    return (bars + zero).properties(height=240)


def length_chart(data: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(data)
        .mark_point(filled=False, strokeWidth=2, opacity=0.8)
        .encode(
            x=alt.X("words:Q", title="answer length (words)"),
            y=alt.Y("mark:Q", title="mark"),
            color=alt.Color(
                "who:N",
                scale=alt.Scale(domain=["teacher", "marker"], range=["#2f9e44", "#f08c00"]),
                title=None,
            ),
            # Where both gave the same mark the points coincide: a large ring and a small cross stay visible.
            shape=alt.Shape(
                "who:N", scale=alt.Scale(domain=["teacher", "marker"], range=["circle", "cross"])
            ),
            size=alt.Size(
                "who:N", scale=alt.Scale(domain=["teacher", "marker"], range=[160, 50]), legend=None
            ),
            tooltip=["script", "who", "mark", "words"],
        )
        .properties(height=260)
    )


# --------------------------------------------------------------------------- 1. a new question


def new_question_form() -> None:
    """The form for a new question; building it keeps the result (or the problems) in the session."""
    with st.form("newq_form"):
        c1, c2 = st.columns([3, 1])
        new_id = c1.text_input(
            "Id (as the paper numbers it, e.g. 4.1 or Q3a)", key="newq_id", placeholder="q-photosynthesis"
        )
        new_max = c2.number_input("Maximum mark", min_value=1, max_value=100, value=3, key="newq_max")
        new_text = st.text_area("Question", key="newq_text", height=80)
        new_answers = st.text_area(
            "Model answer(s)",
            key="newq_answers",
            height=160,
            help="Full-mark answers. Separate several with a line holding only ---",
        )
        new_points = st.text_area(
            "Points (optional, one per line)",
            key="newq_points",
            height=120,
            help="Alternative wordings of one point are separated by \u2018 / \u2019 or \u2018 or \u2019. "
            "Leave empty to derive the points from the model answer.",
        )
        new_kind = st.radio(
            "Marking", KINDS, horizontal=True, key="newq_kind", format_func=lambda k: f"{k}: {KIND_HELP[k]}"
        )
        build_clicked = st.form_submit_button("Build the points", type="primary", key="newq_build")
    if not build_clicked:
        return
    st.session_state.pop("newq_built", None)
    st.session_state.pop("newq_saved", None)
    built, problems = build_from_form(marker, new_id, new_text, new_max, new_answers, new_points, new_kind)
    if built is not None:
        st.session_state["newq_built"] = built
        st.session_state["newq_n"] = st.session_state.get("newq_n", 0) + 1
    if problems:
        st.error(
            "**The question cannot be built yet:**\n\n" + "\n".join(f"- {md(p)}" for p in problems),
            icon=ICON["error"],
        )


def review_built(built: Built) -> None:
    """The built question's points, editable, and the button that saves it."""
    q = built.question
    st.success(
        f"Built \u2018{md(q.id)}\u2019: {len(q.points)} points, marked by {q.kind}, out of {q.max_mark}.",
        icon=ICON["done"],
    )
    st.caption(
        "Edit a point's label or its alternative wordings (separated by ;). The concepts were found "
        "in the model answer."
    )
    edited = st.data_editor(
        pd.DataFrame(
            [
                {
                    "id": p.id,
                    "label": p.label,
                    "aliases": "; ".join(p.aliases),
                    "concepts": ", ".join(p.concepts),
                }
                for p in q.points
            ]
        ),
        key=f"newq_points_editor::{st.session_state.get('newq_n', 0)}",
        hide_index=True,
        width="stretch",
        disabled=["id", "concepts"],
        column_config={"label": st.column_config.TextColumn("label", width="large", required=True)},
    )
    if not st.button("Save question", type="primary", key="newq_save"):
        return
    try:
        question = edited_question(marker, built, edited.to_dict("records"))
        save_new_question(workspace(), built, question)
    except RubricErrors as exc:
        st.error(
            "**Not saved:**\n\n" + "\n".join(f"- {md(p)}" for p in rubric_problems(exc.errors)),
            icon=ICON["error"],
        )
    except MarkerError as exc:
        st.error(error_text(exc))
    else:
        st.session_state.pop("newq_built", None)
        st.session_state["newq_saved"] = question.id
        st.rerun()


st.header("Add a question from a model answer")
st.caption(
    "Write the question and a full-mark answer; marker derives the points of the mark scheme from it. "
    "Review them, then save. Fine-tune the rubric afterwards on the Rubrics page."
)
new_question_form()
built: Built | None = st.session_state.get("newq_built")
if built is not None:
    review_built(built)
if saved_id := st.session_state.get("newq_saved"):
    st.success(
        f"\u2018{md(saved_id)}\u2019 is in the question bank: students can practise it and you can "
        "calibrate it below.",
        icon=ICON["done"],
    )
    st.caption("Saved to the data folder with its topic and model answers; edit it on the Rubrics page.")


# --------------------------------------------------------------------------- 2. marked scripts


def run_measurement(name: str, blob: bytes, holdout: bool, share: int) -> None:
    """Read the table, mark and measure; keep the measurement in the session (or show why not)."""
    st.session_state.pop("cal_result", None)
    st.session_state.pop("cal_saved", None)
    try:
        scripts, file_notes = ar.load_scripts(name, blob, bank)
        progress, bar = progress_bar(f"Marking {len(scripts)} scripts\u2026")
        try:
            measurement = ar.measure(marker, scripts, holdout, share / 100, progress, file_notes)
        finally:
            bar.empty()
    except (MarkerError, OSError) as exc:
        st.error(error_text(exc), icon=ICON["error"])
    else:
        st.session_state["cal_result"] = {
            "measurement": measurement,
            "input": f"{name}:{_digest(blob)}",
            "share": share,
        }


def _digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def show_figures(report: Report) -> None:
    """The headline figures: rubric alone, and calibrated beside it when there is a calibration."""
    keys = [k for k, _, _ in ar.HEADLINE if k in report.overall]
    labels = {k: lbl for k, lbl, _ in ar.HEADLINE}
    if report.before is not None:
        # One row per figure, before on the left and after on the right, so the pairs line up.
        head = st.columns(2)
        head[0].markdown("**Rubric alone**")
        head[1].markdown("**Calibrated to your marks**")
        for key in keys:
            left, right = st.columns(2)
            left.metric(labels[key], ar.fmt(key, report.before.get(key)), border=True)
            change, colour = ar.delta(key, report.overall.get(key), report.before.get(key))
            right.metric(
                labels[key],
                ar.fmt(key, report.overall.get(key)),
                delta=change,
                delta_color=colour,
                delta_arrow="off" if colour == "off" else "auto",
                help=ar.ci_text(report, key),
                border=True,
            )
    else:
        st.markdown("**Rubric alone**")
        for col, key in zip(st.columns(len(keys)), keys, strict=True):
            col.metric(
                labels[key], ar.fmt(key, report.overall.get(key)), help=ar.ci_text(report, key), border=True
            )
    if intervals := ar.intervals_line(report):
        st.caption(
            f"95% bootstrap intervals ({'calibrated' if report.before is not None else 'rubric alone'}, "
            f"{report.overall['n']} scripts): " + intervals
        )


def show_differences(report: Report) -> None:
    """Confusion, bias and length for one question, then the figures per question."""
    st.subheader("Where the marks differ")
    chart_q = st.selectbox(
        "Question",
        list(report.confusion),
        key="cal_chart_q",
        format_func=lambda i: f"{i}: {bank.questions[i].question}" if i in bank.questions else i,
    )
    if chart_q:
        c1, c2 = st.columns(2)
        c1.markdown("**Confusion matrix** (rows: your mark; columns: marker's)")
        c1.altair_chart(confusion_chart(report.confusion[chart_q]), width="stretch")
        c2.markdown("**Bias** (below zero: marker is harsher than you)")
        c2.altair_chart(bias_chart(report.bias.get(chart_q, [])), width="stretch")
        st.markdown("**Mark against length**")
        st.altair_chart(length_chart(ar.length_frame(report, chart_q)), width="stretch")
        ln = report.length
        st.caption(
            f"Correlation of mark with length over all measured scripts: yours {ar.fmt('pearson', ln.get('teacher'))}, "
            f"marker's {ar.fmt('pearson', ln.get('marker'))}. A marker that rewards length more than you do sits higher."
        )
    st.markdown("**Per question**")
    st.dataframe(ar.per_question_frame(report), hide_index=True, width="stretch")


def show_disagreements(report: Report) -> None:
    """The largest disagreements, and one of them opened."""
    st.subheader("Largest disagreements")
    worst = report.disagreements(20)
    if not worst:
        st.success("marker gave every measured script the same mark as you.")
        return
    st.dataframe(pd.DataFrame(worst), hide_index=True, width="stretch")
    by_id = {d["script_id"]: d for d in worst}
    chosen = st.selectbox(
        "Open a script",
        ["", *by_id],
        key="cal_open",
        format_func=lambda s: (
            "(choose a script)"
            if not s
            else f"{s} \u00b7 {by_id[s]['question_id']} \u00b7 you {by_id[s]['teacher']}, marker {by_id[s]['marker']}"
        ),
    )
    row = ar.row_for(report, chosen) if chosen else None
    if row is None:
        return
    fb = row.feedback
    who = f" \u00b7 {md(row.script.student)}" if row.script.student else ""
    st.markdown(f"**{md(row.script.script_id)}**{who} \u00b7 question {md(row.script.question_id or '')}")
    m1, m2, m3 = st.columns(3)
    m1.metric("Your mark", f"{row.teacher} / {fb.max_mark}")
    m2.metric("marker's mark", f"{row.machine} / {fb.max_mark}", delta=row.machine - row.teacher)
    if report.before is not None:
        m3.metric("Rubric alone", f"{row.uncalibrated} / {fb.max_mark}")
    st.text(row.script.text)
    st.markdown(md(fb.summary))
    st.dataframe(ar.points_frame(fb), hide_index=True, width="stretch")
    for adv in fb.advisories:
        st.caption(md(adv.message))


def show_save(measurement: ar.Measurement) -> None:
    """Fit on every uploaded script and save, then say what was saved."""
    st.subheader("Save the calibration")
    st.caption(
        f"Fits each question with at least {MIN_SCRIPTS} marked scripts on all "
        f"{len(measurement.scripts)} uploaded scripts (the held-out ones too) and saves it to the data folder. "
        "A saved calibration is used only while the question's rubric stays at this version. With two "
        "or more questions out of the same maximum mark, questions without scripts of their own get a "
        "pooled calibration too, if it marks each question left out closer to you than the rubric does."
    )
    if st.button("Save calibration", key="cal_save"):
        st.session_state.pop("cal_saved", None)
        bars = []

        def progress(done: int, total: int) -> None:
            # Only a changed rubric means marking again; the bar appears then.
            if not bars:
                bars.append(st.progress(0.0, text="The rubric changed: marking the scripts again\u2026"))
            bars[0].progress(min(done / total, 1.0) if total else 1.0)

        try:
            cals, notes = ar.save_calibrations(marker, measurement, workspace().data_dir, progress)
        except (MarkerError, OSError) as exc:
            st.error(error_text(exc), icon=ICON["error"])
        else:
            st.session_state["cal_saved"] = {"rows": ar.saved_table(cals), "notes": notes}
        for bar in bars:
            bar.empty()
    saved = st.session_state.get("cal_saved")
    if saved:
        st.success(
            f"Saved {len(saved['rows'])} calibration{'s' if len(saved['rows']) != 1 else ''}.",
            icon=ICON["done"],
        )
        st.dataframe(pd.DataFrame(saved["rows"]), hide_index=True, width="stretch")
        for note in saved["notes"]:
            st.info(md(note))


st.header("Agreement with your marks")
st.caption(
    "Upload scripts you have marked. marker marks them too and shows how far it agrees with you, "
    "then it can be calibrated to your marking."
)
with st.expander("Question ids in the bank"):
    st.dataframe(
        pd.DataFrame(
            [
                {"question_id": q.id, "max mark": q.max_mark, "question": q.question}
                for q in bank.questions.values()
            ]
        ),
        hide_index=True,
        width="stretch",
    )

source = read_input()
c1, c2 = st.columns([1, 2])
holdout = c1.checkbox(
    "Measure on held-out scripts",
    value=True,
    key="cal_holdout",
    help="Fit the calibration on some scripts and measure it on the others. Unticked, the rubric alone "
    "is measured on every script (a calibration is never measured on the scripts it was fitted on).",
)
share = c2.slider(
    "Share of each question's scripts held out",
    min_value=10,
    max_value=50,
    value=30,
    step=5,
    format="%d%%",
    key="cal_share",
    disabled=not holdout,
    help="Held out in proportion across your marks, the same way every time (seeded).",
)

if source is None:
    st.session_state.pop("cal_result", None)
    st.info(
        "Upload a table of scripts you have marked (question_id, answer, mark) to see how far marker "
        f"agrees with you. At least {MIN_SCRIPTS} scripts of a question are needed to calibrate it, and "
        f"{FEW_SCRIPTS} or more measured scripts give steady figures.",
        icon=ICON["upload"],
    )
else:
    name, blob = source
    result = st.session_state.get("cal_result")
    if result is not None and result["input"] != f"{name}:{_digest(blob)}":
        st.session_state.pop("cal_result", None)  # another file: its figures no longer apply
        st.session_state.pop("cal_saved", None)
    if st.button("Fit and measure", type="primary", key="cal_run"):
        run_measurement(name, blob, holdout, share)

result = st.session_state.get("cal_result")
if result is not None:
    measurement: ar.Measurement = result["measurement"]
    report = measurement.report
    if measurement.holdout:
        st.caption(
            f"{measurement.n_train} scripts fitted on, {measurement.n_test} held out and measured "
            f"({result['share']}% of each question's scripts). Calibration: {md(report.calibration)}."
        )
    else:
        st.caption(f"All {measurement.n_test} scripts measured with the rubric alone.")
    for note in report.notes:
        st.warning(md(note), icon=ICON["warning"])
    for note in measurement.fit_notes:
        st.info(f"Not calibrated: {md(note)}")
    show_figures(report)
    show_differences(report)
    show_disagreements(report)
    show_save(measurement)
