"""Drawing a marked answer from its Feedback (a stored draft comes back as one, so it draws the same)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from marker.feedback import Feedback
from marker.render import highlight_html, legend_html, role_legend_html, role_strip_html

from .shared import md

STATUS_TEXT = {"credited": "\u2713 credited", "partial": "~ partly", "missing": "\u2717 missing"}


def band_chart(feedback: Feedback) -> alt.Chart:
    """Where the mark sits among the level bands: one bar per band, a red tick at the mark."""
    bands = pd.DataFrame(
        [
            {
                "row": "bands",
                "level": f"L{c.level}",
                "low": c.marks[0] - 0.5,
                "high": c.marks[1] + 0.5,
                "mid": (c.marks[0] + c.marks[1]) / 2,
                "reached": c.level <= (feedback.level or 0),
            }
            for c in feedback.ladder
        ]
    )
    x = alt.Scale(domain=[0, feedback.max_mark + 0.5])
    y = alt.Y("row:N", axis=None)
    bars = (
        alt.Chart(bands)
        .mark_bar(size=34, stroke="white", strokeWidth=2)
        .encode(
            x=alt.X("low:Q", scale=x, title="mark"),
            x2="high:Q",
            y=y,
            color=alt.Color(
                "reached:N", legend=None, scale=alt.Scale(domain=[True, False], range=["#74c0fc", "#e9ecef"])
            ),
            tooltip=["level", "low", "high"],
        )
    )
    labels = (
        alt.Chart(bands).mark_text(fontWeight="bold").encode(x=alt.X("mid:Q", scale=x), y=y, text="level:N")
    )
    at = pd.DataFrame([{"row": "bands", "mark": feedback.mark}])
    tick = (
        alt.Chart(at).mark_tick(color="#c92a2a", thickness=4, size=44).encode(x=alt.X("mark:Q", scale=x), y=y)
    )
    return (bars + labels + tick).properties(height=80)


def show_feedback(text: str, feedback: Feedback, previous: Feedback | None = None) -> None:
    """Everything a student needs from one marked draft."""
    _headline(feedback, previous)
    for adv in feedback.advisories:
        st.warning(md(adv.message), icon=":material/visibility:")
    if feedback.sentences:
        _argument(text, feedback)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Your answer, marked up")
        st.markdown(legend_html(), unsafe_allow_html=True)
        # Every character of the student's text is escaped inside highlight_html.
        st.markdown(highlight_html(text, feedback), unsafe_allow_html=True)
    with right:
        _next_steps(feedback)
    st.subheader("Mark scheme checklist")
    rows = [
        {
            "#": i,
            "status": STATUS_TEXT[p.status],
            "point": p.label,
            "your words": p.evidence[0].text if p.evidence else "",
        }
        for i, p in enumerate(feedback.points, 1)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=None)
    if feedback.ladder:
        with st.expander("Why this level? The levels ladder"):
            _ladder(feedback)


def _headline(feedback: Feedback, previous: Feedback | None) -> None:
    """The mark, the level and the points covered, the summary, and where the mark sits."""
    cols = st.columns(3)
    delta = None if previous is None else feedback.mark - previous.mark
    cols[0].metric("Mark", f"{feedback.mark} / {feedback.max_mark}", delta=delta)
    if feedback.level is not None:
        cols[1].metric(
            "Level", f"{feedback.level}" + (f" of {len(feedback.ladder)}" if feedback.ladder else "")
        )
    credited = sum(p.status == "credited" for p in feedback.points)
    cols[2].metric("Points covered", f"{credited} / {len(feedback.points)}")
    st.write(md(feedback.summary))
    if feedback.calibrated:
        st.caption(
            "This mark is calibrated to your teacher's own marking of this question; the mark scheme "
            "checklist below is the rubric's.",
            help="A teacher fitted marker to scripts they had marked (Calibrate & agreement page).",
        )
    if feedback.ladder:
        st.altair_chart(band_chart(feedback), width="stretch")
    else:
        st.progress(
            feedback.mark / max(1, feedback.max_mark),
            text=f"{feedback.mark} of {feedback.max_mark} marks",
        )


def _argument(text: str, feedback: Feedback) -> None:
    """The role strip, and the essay's shape when there is one."""
    st.subheader("How your answer argues")
    st.markdown(role_strip_html(text, feedback), unsafe_allow_html=True)
    st.markdown(role_legend_html(), unsafe_allow_html=True)
    structure = feedback.structure
    if structure is not None:
        checks = [
            ("an introduction with a line of argument", structure.has_introduction),
            ("a conclusion", structure.has_conclusion),
            ("a conclusion that answers the question set", structure.answers_demand),
            ("every paragraph linked to the question", not structure.drifting),
        ]
        st.markdown("  \n".join(("\u2713 " if ok else "\u2717 ") + label for label, ok in checks))


def _next_steps(feedback: Feedback) -> None:
    st.subheader("Next steps")
    st.markdown("\n".join(f"{i}. {md(s)}" for i, s in enumerate(feedback.next_steps, 1)))
    errors = [f for f in feedback.fact_issues if f.severity == "error"]
    notes = [f for f in feedback.fact_issues if f.severity != "error"]
    if errors or notes:
        st.subheader("Facts to check")
    for f in errors:
        st.error(md(f"\u201c{f.text}\u201d: {f.message}"), icon=":material/event_busy:")
    for f in notes:
        st.info(md(f.message), icon=":material/info:")


def _ladder(feedback: Feedback) -> None:
    for check in feedback.ladder:
        state = "reached" if check.reached else "not reached"
        st.markdown(
            f"**Level {check.level} ({check.marks[0]}-{check.marks[1]}): {state}**  \n{md(check.descriptor)}"
        )
        for c in check.criteria:
            icon = {"met": "\u2713", "nearly": "~", "not met": "\u2717"}[c.status]
            line = f"- {icon} {md(c.description)} (this answer: {md(_fmt(c.actual))})"
            if c.evidence and c.status != "not met":
                line += f"  \n  e.g. \u201c{md(c.evidence[0].text)}\u201d"
            st.markdown(line)


def _fmt(value) -> str:
    return f"{value:.2f}" if isinstance(value, float) else str(value)
