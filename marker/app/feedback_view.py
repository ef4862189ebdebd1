"""Drawing a marked answer from its Feedback (a stored draft comes back as one, so it draws the same)."""

from __future__ import annotations

import streamlit as st

from marker.feedback import Feedback
from marker.render import (
    argument_html,
    checklist_html,
    escape,
    heading_html,
    headline_html,
    highlight_html,
    ladder_html,
    legend_html,
    steps_html,
)

from .shared import ICON

# A tint of Streamlit's alert colours behind the note and a stripe of the same colour beside it;
# the text keeps the theme's own colour, so a note reads as well on a dark theme as on a light one
# (Streamlit follows the system's setting). Background, stripe.
ALERT_STYLE = {
    "warning": ("rgba(255,227,18,0.12)", "rgb(255,189,69)"),
    "error": ("rgba(255,43,43,0.1)", "rgb(255,75,75)"),
    "info": ("rgba(28,131,225,0.1)", "rgb(28,131,225)"),
}


def alert_html(kind: str, message: str) -> str:
    """A note tinted like Streamlit's alert of that kind, its text escaped."""
    background, stripe = ALERT_STYLE[kind]
    return (
        f'<div class="marker-alert marker-{kind}" role="note" style="background:{background};'
        f'border-left:4px solid {stripe};padding:12px 16px;border-radius:8px;margin:8px 0">'
        f'<span aria-hidden="true">{ICON[kind]}</span> {escape(message)}</div>'
    )


# The answer marked up and the checklist are most of the feedback's layout and painting, and mostly
# below the answer box when it arrives: the browser lays them out once they come into view (the
# student scrolls to them), not while every other student in the room waits for their own mark.
# The text is in the page all the same (find in page, screen readers). Its height until laid out.
LATER = '<div style="content-visibility:auto;contain-intrinsic-size:auto 40rem">'


def feedback_html(text: str, feedback: Feedback, previous: Feedback | None = None) -> str:
    """Everything a student needs from one marked draft, as one piece of HTML.

    Every character of the student's text and of the rubric is escaped (in ``marker.render`` and
    ``alert_html``). The answer and the next steps sit side by side while the page is wide enough
    and one under the other when it is not; the levels ladder opens on a click (or Enter).
    """
    parts = [headline_html(feedback, previous)]
    parts += [alert_html("warning", adv.message) for adv in feedback.advisories]
    if feedback.sentences:
        parts.append(argument_html(text, feedback))
    # The message names the date once ("'1919' does not fit ..."); the answer marks where it is.
    facts = [alert_html("error", f.message) for f in feedback.fact_issues if f.severity == "error"]
    facts += [alert_html("info", f.message) for f in feedback.fact_issues if f.severity != "error"]
    parts.append(
        LATER + '<div class="marker-columns" style="display:flex;flex-wrap:wrap;gap:0 2rem">'
        '<div style="flex:3 1 28rem;min-width:0">'
        + heading_html("Your answer, marked up")
        + legend_html()
        + highlight_html(text, feedback)
        + '</div><div style="flex:2 1 18rem;min-width:0">'
        + steps_html(feedback)
        + "".join(facts)
        + "</div></div></div>"
    )
    # Every row shows and the student's words are whole.
    parts.append(LATER + heading_html("Mark scheme checklist") + checklist_html(feedback) + "</div>")
    if feedback.ladder:
        parts.append(
            '<details class="marker-ladder-box" style="border:1px solid rgba(49,51,63,0.2);border-radius:8px;'
            'padding:8px 16px;margin:16px 0"><summary style="cursor:pointer;font-weight:600">'
            "Why this level? The levels ladder</summary>" + ladder_html(feedback) + "</details>"
        )
    return "".join(parts)


def show_feedback(
    text: str,
    feedback: Feedback,
    previous: Feedback | None = None,
    *,
    before: str = "",
    after: str = "",
    where=None,
) -> None:
    """Draw one marked draft as a single element, with ``before`` and ``after`` (HTML) around it,
    in ``where`` (a placeholder, ``st.empty()``) if given, else next on the page.

    One element, not a Streamlit heading, metric, alert or expander for each part: every element
    costs each student's browser a React component (and Markdown a parse as well) on each Mark.
    With some twenty of them the browser spent 0.9 s of CPU per Mark of a 600-word essay; with
    five pieces of HTML, the alerts, an expander, the one-bar drafts chart and a toast, 0.53 s;
    as one piece, 0.43 s (medians of six Marks each, one at a time, in turn).
    """
    (where or st).html(before + feedback_html(text, feedback, previous) + after)
