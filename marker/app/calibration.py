"""Calibrate & agreement page (teachers): add a question from its model answer, then measure how far
the marker agrees with the teacher's own marks, calibrate it to them and save the calibration.

The page only draws what :mod:`marker.evaluate` and :mod:`marker.calibrate` compute. The report is
measured on scripts held out from the fit (or on the rubric alone): it never fits on what it measures.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import defaultdict
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
from pydantic import ValidationError

from marker import calibrate
from marker.app.shared import error_text, md, resources, teacher_gate
from marker.authoring import Built, QuestionSpec, build
from marker.bank import cross_check
from marker.calibrate import MIN_SCRIPTS
from marker.errors import CalibrationError, MarkerError, RubricError, RubricErrors
from marker.evaluate import FEW_SCRIPTS, Report, evaluate, fit_calibrations, mark_scripts
from marker.rubric import Question, validate_question
from marker.rubric_edit import where
from marker.scripts import Script
from marker.store import data_dir
from marker.tables import check_scripts, read_table_bytes
from marker.userbank import save_model_answer, save_question, save_topic

STATUS_TEXT = {"credited": "\u2713 credited", "partial": "~ partly", "missing": "\u2717 missing"}
KINDS = ["coverage", "points", "levels"]
KIND_HELP = {
    "coverage": "marks in proportion to how much of the model answer the student says",
    "points": "one mark per point (the points below, or the model answer's clauses)",
    "levels": "levels of response, with the mark range split evenly into levels",
}
REQUIRED_COLUMNS = ("question_id", "answer", "mark")
UPLOAD_HELP = (
    "A CSV (UTF-8) or Excel (.xlsx) table, one marked script per row, with a header row naming the "
    "columns question_id, answer and mark (your mark, 0 to the question's maximum). Optional columns: "
    "script_id and student. Other columns are ignored."
)
#: (key in the figures, label, format); the last three only for questions out of 1.
HEADLINE = [
    ("qwk", "QWK", "{:.3f}"),
    ("exact", "Exact agreement", "{:.0%}"),
    ("adjacent", "Within one mark", "{:.0%}"),
    ("mae", "Mean absolute error", "{:.2f}"),
    ("pearson", "Pearson r", "{:.3f}"),
    ("accuracy", "Accuracy", "{:.0%}"),
    ("macro_f1", "Macro-F1", "{:.3f}"),
    ("kappa", "Cohen's kappa", "{:.3f}"),
]
PERCENT = {"exact", "adjacent", "accuracy"}
LOWER_IS_BETTER = {"mae"}
SPEC_FIELDS = {
    "id": "Id",
    "question": "Question text",
    "max_mark": "Maximum mark",
    "model_answers": "Model answers",
    "points": "Points",
    "marking": "Marking",
}

marker, loaded, store = resources()
bank = marker.bank

st.title("Calibrate & agreement")
if not teacher_gate():
    st.stop()


# --------------------------------------------------------------------------- helpers


def spec_problems(exc: ValidationError) -> list[str]:
    """The form's fields named in the words of the form."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and (p[:1].isupper() or p == "str"))]
        head = str(loc[0]) if loc else ""
        name = SPEC_FIELDS.get(head, head or "Question")
        if head == "model_answers" and len(loc) > 1 and isinstance(loc[1], int):
            name = f"Model answer {loc[1] + 1}"
        reason = err["msg"].removeprefix("Value error, ")
        if head == "id" and "pattern" in reason:
            reason = "use letters, digits, dots, underscores and dashes only, starting and ending with a letter or digit (e.g. 4.1 or Q3a)"
        out.append(f"{name}: {reason}")
    return out


def rubric_problems(errors: list[RubricError]) -> list[str]:
    return [f"{where(e.field)}: {e.reason}" for e in errors]


def split_answers(text: str) -> list[str]:
    """Model answers separated by a line holding only ``---``."""
    return [a.strip() for a in re.split(r"(?m)^[ \t]*---[ \t]*$", text) if a.strip()]


def use_new_question(built: Built, question: Question) -> None:
    """Save a built question, its topic and its model answers, and put them into the running marker.

    Files first (topic, rubric version, model answers under the data folder), so a question
    the marker uses is one that will still be there after a restart.
    """
    folder = data_dir()
    save_topic(built.topic, folder)
    save_question(question, folder, store, note="built from model answers")
    for answer in built.model_answers:
        save_model_answer(answer, folder)
    marker.use_topic(built.topic)
    marker.use_question(question)
    for answer in built.model_answers:
        marker.use_model_answer(answer)


def split_scripts(scripts: list[Script], share: float, seed: int = 0) -> tuple[list[Script], list[Script]]:
    """Hold out about ``share`` of each question's scripts, spread across its marks (seeded).

    Each question's scripts are ordered by mark (ties in a seeded random order) and every
    (1/share)-th is held out from a random start, so each mark is held out in proportion. A
    question with one script is kept for fitting. Identical answers stay on the same side, so
    the measured scripts are never also fitted on.
    """
    rng = np.random.default_rng(seed)
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(scripts):
        by_q[s.question_id or ""].append(i)
    held: set[int] = set()
    for qid in sorted(by_q):
        idx = by_q[qid]
        if len(idx) < 2:
            continue
        k = min(len(idx) - 1, max(1, round(share * len(idx))))
        ties = rng.permutation(len(idx))
        order = sorted(range(len(idx)), key=lambda j, idx=idx, ties=ties: (scripts[idx[j]].mark, ties[j]))
        picks = np.floor((np.arange(k) + rng.random()) * len(idx) / k).astype(int)
        held.update(idx[order[p]] for p in picks)
    held_texts = {scripts[i].sha for i in held}
    held.update(i for i, s in enumerate(scripts) if s.sha in held_texts)
    train = [s for i, s in enumerate(scripts) if i not in held]
    test = [s for i, s in enumerate(scripts) if i in held]
    return train, test


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


def load_scripts(name: str, data: bytes) -> list[Script]:
    """The table's scripts, checked against the bank: every bad row is listed at once."""
    scripts = read_table_bytes(name, data, require=REQUIRED_COLUMNS)
    maxes = {q.id: q.max_mark for q in bank.questions.values()}
    check_scripts(scripts, maxes, need_mark=True, source=name)
    if not scripts:
        raise MarkerError(f"{name}: the table has a header but no scripts.")
    return scripts


def measure(scripts: list[Script], holdout: bool, share: float) -> dict:
    """Mark the scripts, fit on the training part, measure on the held-out part (or the rubric alone)."""
    train, test = split_scripts(scripts, share) if holdout else ([], list(scripts))
    if not test:
        raise MarkerError(
            "No script could be held out (every question has a single script). Untick "
            "\u2018Measure on held-out scripts\u2019 to measure the rubric alone."
        )
    total = len(scripts) + (len(test) if holdout else 0)
    done = 0
    bar = st.progress(0.0, text=f"Marking {len(scripts)} scripts\u2026")

    def tick(n: int) -> None:
        nonlocal done
        done += n
        bar.progress(min(done / total, 1.0), text=f"Marked {min(done, total)} of {total}\u2026")

    fit_notes: list[str] = []
    if holdout:
        feedbacks = mark_scripts(marker, scripts, tick)
        position = {s.script_id: i for i, s in enumerate(scripts)}
        train_fb = [feedbacks[position[s.script_id]] for s in train]
        cals, fit_notes = fit_calibrations(marker, train, train_fb, pooled=False)
        label = (
            f"fitted on {len(train)} scripts, measured on {len(test)} others held out"
            if cals
            else "none (no question had enough scripts left to fit on)"
        )
        report = evaluate(marker, test, cals or None, label, progress=tick)
    else:
        report = evaluate(marker, scripts, None, "none (the rubric alone, on every script)", progress=tick)
        feedbacks = [r.feedback for r in report.rows]  # uncalibrated: no calibration was applied
    bar.empty()
    return {
        "scripts": scripts,
        "feedbacks": feedbacks,
        "versions": {q: bank.question(q).version for q in {s.question_id or "" for s in scripts}},
        "report": report,
        "fit_notes": fit_notes,
        "n_train": len(train),
        "n_test": len(test),
    }


def save_calibrations(result: dict) -> tuple[list[calibrate.Calibration], list[str]]:
    """Fit on every uploaded script and save one calibration per question, all or nothing."""
    scripts, feedbacks = result["scripts"], result["feedbacks"]
    if any(bank.question(q).version != v for q, v in result["versions"].items()):
        # A rubric changed since the scripts were marked: mark them again with the rubric in use.
        bar = st.progress(0.0, text="The rubric changed: marking the scripts again\u2026")
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            bar.progress(min(done / len(scripts), 1.0))

        feedbacks = mark_scripts(marker, scripts, tick)
        bar.empty()
    cals, notes = fit_calibrations(marker, scripts, feedbacks, pooled=False)
    if not cals:
        raise CalibrationError(
            "No question had enough marked scripts to calibrate (at least "
            f"{MIN_SCRIPTS} each, with different marks); nothing was saved.\n" + "\n".join(notes)
        )
    folder = calibrate.calibration_dir(data_dir())
    before = {p: p.read_bytes() for p in folder.glob("*.joblib")} if folder.is_dir() else {}
    try:
        for qid in sorted(cals):
            calibrate.save(cals[qid], data_dir())
    except BaseException:
        # Put the folder back as it was: no question is left with a new calibration while another failed.
        for p in folder.glob("*.joblib"):
            if p not in before:
                p.unlink(missing_ok=True)
        for p, blob in before.items():
            p.write_bytes(blob)
        raise
    return [cals[q] for q in sorted(cals)], notes


def fmt(key: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    return next(f for k, _, f in HEADLINE if k == key).format(value)


def delta(key: str, after, before) -> tuple[str | None, str]:
    """The change calibration made, and its colour ("off" when nothing changed)."""
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in (after, before)):
        return None, "off"
    d = round((after - before) * 100) if key in PERCENT else round(after - before, 3)
    if d == 0:
        return "no change", "off"
    shown = f"{d:+d} percentage points" if key in PERCENT else f"{d:+.3f}"
    return shown, "inverse" if key in LOWER_IS_BETTER else "normal"


def ci_text(report: Report, key: str) -> str | None:
    lo_hi = report.ci.get(key)
    if not lo_hi:
        return None
    lo, hi = lo_hi
    shown = f"{lo:.0%}\u2013{hi:.0%}" if key in PERCENT else f"{lo:.2f}\u2013{hi:.2f}"
    return f"95% bootstrap interval: {shown} (resampling the {report.overall['n']} measured scripts)"


# --------------------------------------------------------------------------- charts


def confusion_chart(conf: dict) -> alt.Chart:
    labels, axis = conf["labels"], conf["axis"]
    data = pd.DataFrame(
        [
            {"teacher": t, "marker": m, "count": conf["matrix"][i][j]}
            for i, t in enumerate(labels)
            for j, m in enumerate(labels)
        ]
    )
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
    axis = "level" if rows and "level" in rows[0] else "mark"
    data = pd.DataFrame(
        [
            {
                axis: r[axis],
                "mean difference": r["mean_difference"],
                "scripts": r["n"],
                "lean": "harsher"
                if r["mean_difference"] < 0
                else "more generous"
                if r["mean_difference"] > 0
                else "even",
            }
            for r in rows
        ]
    )
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


def length_chart(rows) -> alt.Chart:
    data = pd.DataFrame(
        [
            {"words": len(r.script.text.split()), "mark": mark, "who": who, "script": r.script.script_id}
            for r in rows
            for who, mark in (("teacher", r.teacher), ("marker", r.machine))
        ]
    )
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

st.header("Add a question from a model answer")
st.caption(
    "Write the question and a full-mark answer; marker derives the points of the mark scheme from it. "
    "Review them, then save. Fine-tune the rubric afterwards on the Rubrics page."
)
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

if build_clicked:
    st.session_state.pop("newq_built", None)
    st.session_state.pop("newq_saved", None)
    qid = new_id.strip()
    problems: list[str] = []
    if qid in bank.questions:
        problems.append(f"Id: there is already a question with id \u2018{qid}\u2019")
    elif qid in bank.topics:
        problems.append(f"Id: \u2018{qid}\u2019 is already the id of a topic; choose another")
    spec = None
    if not problems:
        raw = {
            "id": qid,
            "question": new_text.strip(),
            "max_mark": int(new_max),
            "model_answers": split_answers(new_answers),
            "marking": {"kind": new_kind},
        }
        points = [line.strip() for line in new_points.splitlines() if line.strip()]
        if points:
            raw["points"] = points
        try:
            spec = QuestionSpec.model_validate(raw)
        except ValidationError as exc:
            problems = spec_problems(exc)
    if spec is not None:
        try:
            built = build(spec, marker.nlp, source="the new question")
        except RubricErrors as exc:
            problems = rubric_problems(exc.errors)
        except MarkerError as exc:
            problems = [str(exc)]
        else:
            st.session_state["newq_built"] = built
            st.session_state["newq_n"] = st.session_state.get("newq_n", 0) + 1
    if problems:
        st.error(
            "**The question cannot be built yet:**\n\n" + "\n".join(f"- {md(p)}" for p in problems),
            icon=":material/error:",
        )

built: Built | None = st.session_state.get("newq_built")
if built is not None:
    q = built.question
    st.success(
        f"Built \u2018{md(q.id)}\u2019: {len(q.points)} points, marked by {q.kind}, out of {q.max_mark}.",
        icon=":material/check_circle:",
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
    if st.button("Save question", type="primary", key="newq_save"):
        data = q.model_dump(mode="json")
        for point, row in zip(data["points"], edited.to_dict("records"), strict=True):
            point["label"] = str(row.get("label") or "").strip()
            point["aliases"] = [a.strip() for a in str(row.get("aliases") or "").split(";") if a.strip()]
        try:
            question = validate_question(data, "the new question")
            clashes = cross_check(question, {**bank.topics, built.topic.id: built.topic}, None)
            if clashes:
                raise RubricErrors(clashes)
            if question.id in bank.questions:
                raise MarkerError(f"There is already a question with id \u2018{question.id}\u2019.")
            use_new_question(built, question)
        except RubricErrors as exc:
            st.error(
                "**Not saved:**\n\n" + "\n".join(f"- {md(p)}" for p in rubric_problems(exc.errors)),
                icon=":material/error:",
            )
        except MarkerError as exc:
            st.error(error_text(exc))
        else:
            st.session_state.pop("newq_built", None)
            st.session_state["newq_saved"] = question.id
            st.rerun()

if saved_id := st.session_state.get("newq_saved"):
    st.success(
        f"\u2018{md(saved_id)}\u2019 is in the question bank: students can practise it and you can "
        "calibrate it below.",
        icon=":material/check_circle:",
    )
    st.caption("Saved to the data folder with its topic and model answers; edit it on the Rubrics page.")


# --------------------------------------------------------------------------- 2. marked scripts

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
        icon=":material/upload_file:",
    )
else:
    name, blob = source
    input_id = f"{name}:{hashlib.sha256(blob).hexdigest()}"
    result = st.session_state.get("cal_result")
    if result is not None and result["input"] != input_id:
        st.session_state.pop("cal_result", None)  # another file: its figures no longer apply
        st.session_state.pop("cal_saved", None)
    if st.button("Fit and measure", type="primary", key="cal_run"):
        st.session_state.pop("cal_result", None)
        st.session_state.pop("cal_saved", None)
        try:
            scripts = load_scripts(name, blob)
            result = measure(scripts, holdout, share / 100)
        except (MarkerError, OSError) as exc:
            st.error(error_text(exc), icon=":material/error:")
        else:
            result.update(input=input_id, holdout=holdout, share=share)
            st.session_state["cal_result"] = result

result = st.session_state.get("cal_result")
if result is not None:
    report: Report = result["report"]
    calibrated = report.before is not None
    if result["holdout"]:
        st.caption(
            f"{result['n_train']} scripts fitted on, {result['n_test']} held out and measured "
            f"({result['share']}% of each question's scripts). Calibration: {md(report.calibration)}."
        )
    else:
        st.caption(f"All {result['n_test']} scripts measured with the rubric alone.")
    for note in report.notes:
        st.warning(md(note), icon=":material/warning:")
    for note in result["fit_notes"]:
        st.info(f"Not calibrated: {md(note)}")

    keys = [k for k, _, _ in HEADLINE if k in report.overall]
    labels = {k: lbl for k, lbl, _ in HEADLINE}
    if calibrated:
        # One row per figure, before on the left and after on the right, so the pairs line up.
        head = st.columns(2)
        head[0].markdown("**Rubric alone**")
        head[1].markdown("**Calibrated to your marks**")
        for key in keys:
            left, right = st.columns(2)
            left.metric(labels[key], fmt(key, report.before.get(key)), border=True)
            change, colour = delta(key, report.overall.get(key), report.before.get(key))
            right.metric(
                labels[key],
                fmt(key, report.overall.get(key)),
                delta=change,
                delta_color=colour,
                delta_arrow="off" if colour == "off" else "auto",
                help=ci_text(report, key),
                border=True,
            )
    else:
        st.markdown("**Rubric alone**")
        for col, key in zip(st.columns(len(keys)), keys, strict=True):
            col.metric(labels[key], fmt(key, report.overall.get(key)), help=ci_text(report, key), border=True)
    intervals = [
        f"{lbl} {fmt(k, report.ci[k][0])}\u2013{fmt(k, report.ci[k][1])}"
        for k, lbl, _ in HEADLINE
        if k in report.ci
    ]
    if intervals:
        st.caption(
            f"95% bootstrap intervals ({'calibrated' if calibrated else 'rubric alone'}, "
            f"{report.overall['n']} scripts): " + " \u00b7 ".join(intervals)
        )

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
        st.altair_chart(
            length_chart([r for r in report.rows if (r.script.question_id or "") == chart_q]), width="stretch"
        )
        ln = report.length
        st.caption(
            f"Correlation of mark with length over all measured scripts: yours {fmt('pearson', ln.get('teacher'))}, "
            f"marker's {fmt('pearson', ln.get('marker'))}. A marker that rewards length more than you do sits higher."
        )

    st.markdown("**Per question**")
    table = pd.DataFrame(
        [
            {"question_id": qid, **{k: f.get(k) for k in ("n", *keys)}}
            | (
                {"QWK before calibration": report.before["per_question"][qid]["qwk"]}
                if calibrated and qid in report.before.get("per_question", {})
                else {}
            )
            for qid, f in report.per_question.items()
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")

    st.subheader("Largest disagreements")
    worst = report.disagreements(20)
    if not worst:
        st.success("marker gave every measured script the same mark as you.")
    else:
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
        row = next((r for r in report.rows if r.script.script_id == chosen), None) if chosen else None
        if row is not None:
            fb = row.feedback
            who = f" \u00b7 {md(row.script.student)}" if row.script.student else ""
            st.markdown(
                f"**{md(row.script.script_id)}**{who} \u00b7 question {md(row.script.question_id or '')}"
            )
            m1, m2, m3 = st.columns(3)
            m1.metric("Your mark", f"{row.teacher} / {fb.max_mark}")
            m2.metric("marker's mark", f"{row.machine} / {fb.max_mark}", delta=row.machine - row.teacher)
            if calibrated:
                m3.metric("Rubric alone", f"{row.uncalibrated} / {fb.max_mark}")
            st.text(row.script.text)
            st.markdown(md(fb.summary))
            st.dataframe(
                pd.DataFrame(
                    [{"point": p.label, "status": STATUS_TEXT.get(p.status, p.status)} for p in fb.points]
                ),
                hide_index=True,
                width="stretch",
            )
            for adv in fb.advisories:
                st.caption(md(adv.message))

    st.subheader("Save the calibration")
    st.caption(
        f"Fits each question with at least {MIN_SCRIPTS} marked scripts on all "
        f"{len(result['scripts'])} uploaded scripts (the held-out ones too) and saves it to the data folder. "
        "A saved calibration is used only while the question's rubric stays at this version."
    )
    if st.button("Save calibration", key="cal_save"):
        st.session_state.pop("cal_saved", None)
        try:
            cals, notes = save_calibrations(result)
        except (MarkerError, OSError) as exc:
            st.error(error_text(exc), icon=":material/error:")
        else:
            st.session_state["cal_saved"] = {
                "rows": [
                    {
                        "question_id": c.question_id,
                        "rubric version": c.rubric_version,
                        "data fingerprint": c.data_fingerprint,
                        "scripts": c.n_scripts,
                        "cross-validated QWK": c.cv.get("qwk"),
                    }
                    for c in cals
                ],
                "notes": notes,
            }
    saved = st.session_state.get("cal_saved")
    if saved:
        st.success(
            f"Saved {len(saved['rows'])} calibration{'s' if len(saved['rows']) != 1 else ''}.",
            icon=":material/save:",
        )
        st.dataframe(pd.DataFrame(saved["rows"]), hide_index=True, width="stretch")
        for note in saved["notes"]:
            st.info(f"Not calibrated: {md(note)}")
