"""Drawing a marked answer from its Feedback (a stored draft comes back as one, so it draws the same)."""

from __future__ import annotations

import streamlit as st

from marker.charts import band_html
from marker.feedback import Feedback
from marker.render import (
    checklist_html,
    criterion_value,
    highlight_html,
    legend_html,
    role_legend_html,
    role_strip_html,
)

from .shared import ICON, md


def show_feedback(text: str, feedback: Feedback, previous: Feedback | None = None) -> None:
    """Everything a student needs from one marked draft."""
    _headline(feedback, previous)
    for adv in feedback.advisories:
        st.warning(md(adv.message), icon=ICON["warning"])
    if feedback.sentences:
        _argument(text, feedback)
    # Few elements, each one piece of HTML or Markdown: the browser draws every element anew on
    # each Mark, and with dozens of small ones that took longer than the marking. Our HTML goes
    # in st.html, which the browser parses itself: through st.markdown it went through the
    # Markdown renderer first, which cost the browser about twice the CPU and time.
    left, right = st.columns([3, 2])
    with left:
        st.subheader("Your answer, marked up")
        # Every character of the student's text is escaped inside highlight_html.
        st.html(legend_html() + highlight_html(text, feedback))
    with right:
        _next_steps(feedback)
    st.subheader("Mark scheme checklist")
    # Every row shows and the student's words are whole (escaped inside checklist_html).
    st.html(checklist_html(feedback))
    if feedback.ladder:
        with st.expander("Why this level? The levels ladder"):
            _ladder(feedback)


def _headline(feedback: Feedback, previous: Feedback | None) -> None:
    """The mark, the level and the points covered, the summary, and where the mark sits."""
    cols = st.columns(3)
    delta = None if previous is None else feedback.mark - previous.mark
    cols[0].metric(
        "Mark",
        f"{feedback.mark} / {feedback.max_mark}",
        delta=delta,
        delta_description=None if delta is None else "since your previous draft",
    )
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
        # Plain HTML of numbers only: a chart library here cost most of a second per mark in the browser.
        st.html(band_html(feedback))
    else:
        st.progress(
            feedback.mark / max(1, feedback.max_mark),
            text=f"{feedback.mark} of {feedback.max_mark} marks",
        )


def _argument(text: str, feedback: Feedback) -> None:
    """The role strip, and the essay's shape when there is one."""
    st.subheader("How your answer argues")
    st.html(role_strip_html(text, feedback) + role_legend_html())
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
    # The message names the date once ("'1919' does not fit ..."); the answer above marks where it is.
    for f in errors:
        st.error(md(f.message), icon=ICON["error"])
    for f in notes:
        st.info(md(f.message), icon=ICON["info"])


def _ladder(feedback: Feedback) -> None:
    """Each level's descriptor and criteria, with what this answer has of each (one Markdown element)."""
    parts = []
    for check in feedback.ladder:
        state = "reached" if check.reached else "not reached"
        parts.append(
            f"**Level {check.level} ({check.marks[0]}-{check.marks[1]}): {state}**  \n{md(check.descriptor)}\n"
        )
        for c in check.criteria:
            icon = {"met": "\u2713", "nearly": "~", "not met": "\u2717"}[c.status]
            line = f"- {icon} {md(c.description)} (this answer: {md(criterion_value(c))})"
            if c.evidence and c.status != "not met":
                line += f"  \n  e.g. \u201c{md(c.evidence[0].text)}\u201d"
            parts.append(line)
        parts.append("")
    st.markdown("\n".join(parts))
