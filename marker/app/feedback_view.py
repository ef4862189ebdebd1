"""Drawing a marked answer from its Feedback (a stored draft comes back as one, so it draws the same)."""

from __future__ import annotations

import streamlit as st

from marker.feedback import Feedback
from marker.render import (
    argument_html,
    checklist_html,
    heading_html,
    headline_html,
    highlight_html,
    ladder_html,
    legend_html,
    steps_html,
)

from .shared import ICON, md


def show_feedback(text: str, feedback: Feedback, previous: Feedback | None = None) -> None:
    """Everything a student needs from one marked draft.

    Few elements, each a piece of HTML made in ``marker.render`` (every character of the
    student's text and of the rubric escaped there): every element costs each student's browser
    a React component on each Mark, and a Streamlit heading, metric or paragraph of Markdown a
    Markdown parse as well. With some twenty of them (measured on the load benchmark's 600-word
    essays) the browser spent 0.9 s of CPU per Mark, twice what it spends on these. The
    advisories and the facts to check stay Streamlit's own alerts: they are few and rare.
    """
    st.html(headline_html(feedback, previous))
    for adv in feedback.advisories:
        st.warning(md(adv.message), icon=ICON["warning"])
    if feedback.sentences:
        st.html(argument_html(text, feedback))
    left, right = st.columns([3, 2])
    left.html(heading_html("Your answer, marked up") + legend_html() + highlight_html(text, feedback))
    with right:
        st.html(steps_html(feedback))
        # The message names the date once ("'1919' does not fit ..."); the answer marks where it is.
        for f in feedback.fact_issues:
            if f.severity == "error":
                st.error(md(f.message), icon=ICON["error"])
        for f in feedback.fact_issues:
            if f.severity != "error":
                st.info(md(f.message), icon=ICON["info"])
    # Every row shows and the student's words are whole.
    st.html(heading_html("Mark scheme checklist") + checklist_html(feedback))
    if feedback.ladder:
        with st.expander("Why this level? The levels ladder"):
            st.html(ladder_html(feedback))
