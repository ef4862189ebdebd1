"""Presentation helpers that need no UI toolkit: the feedback as plain text, the marked-up
answer as safe HTML, and what changed between two drafts. They read :class:`Feedback`
objects (a stored draft comes back through ``Feedback.from_dict``), so a stored draft renders
exactly like a fresh mark. Rendering never re-scores.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Feedback.to_text() imports this module when called
    from .feedback import Feedback
    from .placement import CriterionResult

#: Characters that change the direction of the text after them (embeddings, overrides, isolates).
#: In a student's answer they could make the page show words in another order than the one
#: marked, or spill into what follows ("Trojan Source"): they are shown as visible codes instead.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_SHOWN = {ord(c): f"[U+{ord(c):04X}]" for c in BIDI_CONTROLS}


def visible_controls(text: str) -> str:
    """``text`` with each direction control replaced by its code, so that it shows and does nothing.

    >>> visible_controls("marked \u202edrawkcab\u202c here")
    'marked [U+202E]drawkcab[U+202C] here'
    """
    return text.translate(_BIDI_SHOWN)


def escape(text: str) -> str:
    """A student's text for HTML: every character escaped, direction controls shown as codes."""
    return html.escape(visible_controls(text), quote=True)


STATUS_STYLE = {
    # background, underline (a second cue besides colour), symbol shown in the label
    "credited": ("#d8f3dc", "solid", "\u2713"),
    "partial": ("#fff3bf", "dashed", "~"),
    "error": ("#ffe3e3", "wavy", "\u2717"),
}


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    kind: str  # credited | partial | error
    label: str  # short text shown after the span, e.g. "✓3" (point 3 credited)
    title: str  # hover text


def _marks(text: str, feedback: Feedback) -> list[_Mark]:
    marks = []
    for number, point in enumerate(feedback.points, start=1):
        if point.status not in ("credited", "partial"):
            continue
        symbol = STATUS_STYLE[point.status][2]
        title = f"{'Credited' if point.status == 'credited' else 'Partly covered'}: {point.label}"
        for q in point.evidence:
            if 0 <= q.start < q.end <= len(text):
                marks.append(_Mark(q.start, q.end, point.status, f"{symbol}{number}", title))
    for issue in feedback.fact_issues:
        if issue.severity == "error" and 0 <= issue.start < issue.end <= len(text):
            marks.append(_Mark(issue.start, issue.end, "error", "\u2717 date", issue.message))
    return marks


def highlight_html(text: str, feedback: Feedback) -> str:
    """The answer as HTML with the evidence for each point highlighted; every character of
    the student's text is escaped.

    Each highlight has a colour *and* a text label after it (✓3: point 3 credited; ~5:
    point 5 partly covered; ✗ date: a date to correct) and a distinct underline, so it
    does not rely on colour alone.
    """
    marks = _marks(text, feedback)
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in marks if m.start <= a and b <= m.end]
        chunk = escape(text[a:b]).replace("\n", "<br>")
        if covering:
            kind = (
                "error"
                if any(m.kind == "error" for m in covering)
                else ("credited" if any(m.kind == "credited" for m in covering) else "partial")
            )
            bg, line, _ = STATUS_STYLE[kind]
            title = escape(" | ".join(dict.fromkeys(m.title for m in covering)))
            chunk = (
                f'<span class="marker-{kind}" title="{title}" style="background:{bg};'
                f'text-decoration:underline {line};text-underline-offset:3px">{chunk}</span>'
            )
        parts.append(chunk)
        ending = [m for m in marks if m.end == b]
        if ending:
            labels = " ".join(dict.fromkeys(m.label for m in ending))
            parts.append(
                f'<sup class="marker-label" style="font-weight:600;margin:0 2px">{html.escape(labels)}</sup>'
            )
    return (
        '<div class="marker-answer" style="line-height:1.7;white-space:normal">' + "".join(parts) + "</div>"
    )


def legend_html() -> str:
    items = [
        ("credited", "\u2713n point n credited"),
        ("partial", "~n point n partly covered"),
        ("error", "\u2717 a date to correct"),
    ]
    spans = [
        f'<span style="background:{STATUS_STYLE[k][0]};text-decoration:underline {STATUS_STYLE[k][1]};'
        f'padding:0 4px;margin-right:10px">{html.escape(t)}</span>'
        for k, t in items
    ]
    return '<div class="marker-legend" style="font-size:0.9em">' + "".join(spans) + "</div>"


CHECK_TEXT = {"credited": "\u2713 credited", "partial": "~ partly", "missing": "\u2717 missing"}


def checklist_html(feedback: Feedback) -> str:
    """The mark scheme checklist as one table: every point, its status and the student's words
    whole (the first quote of its evidence). All text is escaped.
    """
    cell = "padding:4px 8px;border-bottom:1px solid #dee2e6;vertical-align:top;text-align:left"
    head = "".join(f'<th style="{cell}">{h}</th>' for h in ("#", "status", "point", "your words"))
    rows = []
    for number, point in enumerate(feedback.points, 1):
        background = STATUS_STYLE[point.status][0] if point.status in STATUS_STYLE else "transparent"
        words = " ".join(point.evidence[0].text.split()) if point.evidence else ""
        rows.append(
            f'<tr class="marker-{point.status}-row">'
            f'<td style="{cell}">{number}</td>'
            f'<td style="{cell};background:{background};white-space:nowrap">{CHECK_TEXT.get(point.status, "")}</td>'
            f'<td style="{cell}">{html.escape(point.label)}</td>'
            f'<td style="{cell}">{escape(words)}</td></tr>'
        )
    return (
        '<table class="marker-checklist" style="width:100%;border-collapse:collapse;font-size:0.95em">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


@dataclass(frozen=True)
class DraftChange:
    """What changed from one draft to the next."""

    mark_change: int
    gained: list[str]
    lost: list[str]
    improved: list[str]
    facts_fixed: list[str]
    facts_new: list[str]


def compare_drafts(previous: Feedback, current: Feedback) -> DraftChange:
    """Points gained, lost or improved (partly -> credited), and date errors fixed or new."""
    rank = {"missing": 0, "partial": 1, "credited": 2}
    before = {p.id: p.status for p in previous.points}
    gained, lost, improved = [], [], []
    for p in current.points:
        old = rank.get(before.get(p.id, "missing"), 0)
        new = rank.get(p.status, 0)
        if old == 0 and new > 0:
            gained.append(p.label)
        elif old > 0 and new == 0:
            lost.append(p.label)
        elif old == 1 and new == 2:
            improved.append(p.label)

    def errors(fb: Feedback) -> set[str]:
        return {f"{i.text} ({i.concept})" for i in fb.fact_issues if i.severity == "error"}

    return DraftChange(
        mark_change=current.mark - previous.mark,
        gained=gained,
        lost=lost,
        improved=improved,
        facts_fixed=sorted(errors(previous) - errors(current)),
        facts_new=sorted(errors(current) - errors(previous)),
    )


ROLE_STYLE = {
    # colour, letter shown in the block (so the strip does not rely on colour alone), name
    "narrative": ("#dee2e6", "N", "narrative or description"),
    "analysis": ("#a5d8ff", "A", "analysis (cause, consequence, significance)"),
    "evaluation": ("#b2f2bb", "E", "evaluation or judgement"),
    "counter-argument": ("#ffd8a8", "C", "counter-argument or other factor"),
    "other": ("#f8f9fa", "\u00b7", "other"),
}


def role_strip_html(text: str, feedback: Feedback) -> str:
    """One block per sentence, in order, coloured and lettered by what the sentence does;
    hovering shows the sentence (escaped). Paragraph breaks leave a gap.
    """
    blocks, last_para = [], None
    for s in feedback.sentences:
        colour, letter, name = ROLE_STYLE.get(s.role, ROLE_STYLE["other"])
        gap = "margin-left:10px;" if last_para is not None and s.paragraph != last_para else ""
        last_para = s.paragraph
        muted = "opacity:0.45;" if not s.counts or s.filler else ""
        tip = escape(f"{name}: {text[s.start : s.end]}")
        blocks.append(
            f'<span title="{tip}" style="display:inline-block;min-width:22px;padding:2px 4px;margin:1px;{gap}{muted}'
            f'background:{colour};border:1px solid #adb5bd;border-radius:3px;text-align:center;font-size:12px">'
            f"{letter}</span>"
        )
    return '<div class="marker-roles" style="line-height:1.9">' + "".join(blocks) + "</div>"


def role_legend_html() -> str:
    return " ".join(
        f'<span style="background:{c};border:1px solid #adb5bd;padding:0 5px;border-radius:3px;font-size:12px">'
        f"{letter} {html.escape(name)}</span>"
        for c, letter, name in ROLE_STYLE.values()
    )


# --- plain text for the terminal -------------------------------------------------------------

_STATUS_MARK = {"credited": "[x]", "partial": "[~]", "missing": "[ ]"}


def render_text(fb: Feedback) -> str:
    """Readable plain text for the terminal (what ``Feedback.to_text()`` returns)."""
    head = f"Mark: {fb.mark}/{fb.max_mark}"
    if fb.level is not None:
        head += f"   Level {fb.level}" + (f" ({fb.band[0]}-{fb.band[1]})" if fb.band else "")
    if fb.calibrated:
        head += "   (calibrated)"
    lines = [f"{fb.question_id}: {fb.question}", "", head, fb.summary, ""]
    lines += _ladder_lines(fb) + _shape_lines(fb)
    lines.append("Mark scheme points ([x] credited, [~] partly, [ ] missing):")
    for p in fb.points:
        lines.append(f"  {_STATUS_MARK[p.status]} {p.label}")
        lines += [f"        \u201c{_clip(q.text)}\u201d" for q in p.evidence[:1]]
    if fb.fact_issues:
        lines += ["", "Facts to check:"]
        lines += [f"  - {'ERROR' if f.severity == 'error' else 'note'}: {f.message}" for f in fb.fact_issues]
    if fb.advisories:
        lines += ["", "Advisories (a teacher should look):"]
        lines += [f"  - {a.message}" for a in fb.advisories]
    lines += ["", "Next steps:"]
    lines += [f"  {i}. {s}" for i, s in enumerate(fb.next_steps, 1)]
    return "\n".join(lines)


def _ladder_lines(fb: Feedback) -> list[str]:
    """The levels ladder, with an example quote for the criteria of the level reached."""
    if not fb.ladder:
        return []
    lines = ["Levels ladder (start low, move up while met):"]
    for check in fb.ladder:
        state = "reached" if check.reached else "not reached"
        lines.append(f"  Level {check.level} ({check.marks[0]}-{check.marks[1]}): {state}")
        for c in check.criteria:
            lines.append(f"      {c.status:8} {c.description} (answer: {criterion_value(c)})")
            if c.evidence and c.status != "not met" and check.level == (fb.level or 0):
                lines.append(f"               e.g. \u201c{_clip(c.evidence[0].text, 90)}\u201d")
    return [*lines, ""]


def _shape_lines(fb: Feedback) -> list[str]:
    """One letter per sentence by its role, and (for essays) the ticks of the essay's shape."""
    lines: list[str] = []
    if fb.sentences:
        letters = {"narrative": "N", "analysis": "A", "evaluation": "E", "counter-argument": "C"}
        strip, last = "", None
        for s in fb.sentences:
            strip += (" " if last is not None and s.paragraph != last else "") + letters.get(s.role, ".")
            last = s.paragraph
        lines += [
            "What each sentence does (N narrative, A analysis, E evaluation, C counter-argument; "
            "a space between paragraphs):",
            f"  {strip}",
        ]
    if fb.structure is not None and fb.marking_kind == "levels":
        st = fb.structure
        ticks = [
            ("introduction with a line of argument", st.has_introduction),
            ("conclusion", st.has_conclusion),
            ("conclusion answers the question", st.answers_demand),
            ("every paragraph on the question", not st.drifting),
        ]
        lines += ["  " + "; ".join(f"{'yes' if ok else 'no'}: {label}" for label, ok in ticks), ""]
    return lines


#: Ladder criteria measured as a share of the answer's sentences (shown as a percentage).
SHARE_CRITERIA = frozenset({"analysis"})


def criterion_value(criterion: CriterionResult) -> str:
    """What an answer has of a ladder criterion, as a student reads it.

    >>> from marker.placement import CriterionResult
    >>> criterion_value(CriterionResult("analysis", 0.4, 0.352, "nearly", "..."))
    '35%'
    >>> criterion_value(CriterionResult("points", 5.0, 6.625, "met", "..."))
    '6.62'
    >>> criterion_value(CriterionResult("balance", True, False, "not met", "..."))
    'no'
    """
    value = criterion.actual
    if isinstance(value, bool):
        return "yes" if value else "no"
    if criterion.name in SHARE_CRITERIA and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def _clip(text: str, n: int = 110) -> str:
    text = " ".join(visible_controls(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"
