"""Presentation helpers that need no UI toolkit: the feedback as plain text, the marked-up
answer as safe HTML, and what changed between two drafts. They read :class:`Feedback`
objects (a stored draft comes back through ``Feedback.from_dict``), so a stored draft renders
exactly like a fresh mark. Rendering never re-scores.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .charts import band_html

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
            title = escape(" | ".join(dict.fromkeys(m.title for m in covering)))
            chunk = f'<span class="marker-{kind}" title="{title}">{chunk}</span>'
        parts.append(chunk)
        ending = [m for m in marks if m.end == b]
        if ending:
            labels = " ".join(dict.fromkeys(m.label for m in ending))
            parts.append(f'<sup class="marker-label">{html.escape(labels)}</sup>')
    return '<div class="marker-answer">' + "".join(parts) + "</div>"


def legend_html() -> str:
    items = [
        ("credited", "\u2713n point n credited"),
        ("partial", "~n point n partly covered"),
        ("error", "\u2717 a date to correct"),
    ]
    spans = [f'<span class="marker-key-{k}">{html.escape(t)}</span>' for k, t in items]
    return '<div class="marker-legend">' + "".join(spans) + "</div>"


CHECK_TEXT = {"credited": "\u2713 credited", "partial": "~ partly", "missing": "\u2717 missing"}


def checklist_html(feedback: Feedback) -> str:
    """The mark scheme checklist as one table: every point, its status and the student's words
    whole (the first quote of its evidence). All text is escaped.
    """
    head = "".join(f"<th>{h}</th>" for h in ("#", "status", "point", "your words"))
    rows = []
    for number, point in enumerate(feedback.points, 1):
        words = " ".join(point.evidence[0].text.split()) if point.evidence else ""
        rows.append(
            f'<tr class="marker-{point.status}-row"><td>{number}</td>'
            f'<td class="marker-status">{CHECK_TEXT.get(point.status, "")}</td>'
            f"<td>{html.escape(point.label)}</td><td>{escape(words)}</td></tr>"
        )
    return f'<table class="marker-checklist"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


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


def feedback_css() -> str:
    """The style of the marked-up answer, its legend, the checklist and the role strip, as one
    stylesheet for the page that shows them (``<style>`` around it).

    Written once per page rather than on every span and cell: a 600-word answer's feedback was a
    third style attributes, each parsed, checked by the page's HTML sanitiser and given its own
    style by the browser again on every Mark. The colours and underlines are the same as before.
    """
    rules = [
        ".marker-answer{line-height:1.7;white-space:normal}",
        ".marker-answer span{text-underline-offset:3px}",
        ".marker-label{font-weight:600;margin:0 2px}",
        ".marker-legend{font-size:0.9em}.marker-legend span{padding:0 4px;margin-right:10px}",
        ".marker-checklist{width:100%;border-collapse:collapse;font-size:0.95em}",
        ".marker-checklist th,.marker-checklist td{padding:4px 8px;border-bottom:1px solid #dee2e6;"
        "vertical-align:top;text-align:left}",
        ".marker-status{white-space:nowrap}",
        ".marker-roles{line-height:1.9}",
        ".marker-roles span{display:inline-block;min-width:22px;padding:2px 4px;margin:1px;"
        "border:1px solid #adb5bd;border-radius:3px;text-align:center;font-size:12px}",
        ".marker-roles .marker-gap{margin-left:10px}.marker-roles .marker-muted{opacity:0.45}",
        ".marker-role-key span{border:1px solid #adb5bd;padding:0 5px;border-radius:3px;font-size:12px}",
    ]
    for kind, (background, line, _) in STATUS_STYLE.items():
        rules.append(
            f".marker-answer .marker-{kind},.marker-key-{kind}{{background:{background};text-decoration:underline {line}}}"
            f".marker-{kind}-row .marker-status{{background:{background}}}"
        )
    rules += [f".marker-role-{role}{{background:{colour}}}" for role, (colour, _, _) in ROLE_STYLE.items()]
    return "".join(rules)


def role_strip_html(text: str, feedback: Feedback) -> str:
    """One block per sentence, in order, coloured and lettered by what the sentence does;
    hovering shows the sentence (escaped). Paragraph breaks leave a gap. Sentences that earn
    nothing (repeats, copied text, filler) are faded, but not the conclusion's judgement: a verdict
    on the question's claim ("In conclusion, the view is valid.") names nothing, yet it judges.
    """
    judged = set(feedback.structure.conclusion or ()) if feedback.structure is not None else set()
    blocks, last_para = [], None
    for i, s in enumerate(feedback.sentences):
        role = s.role if s.role in ROLE_STYLE else "other"
        _, letter, name = ROLE_STYLE[role]
        gap = " marker-gap" if last_para is not None and s.paragraph != last_para else ""
        last_para = s.paragraph
        muted = " marker-muted" if (not s.counts or s.filler) and i not in judged else ""
        tip = escape(f"{name}: {text[s.start : s.end]}")
        blocks.append(f'<span class="marker-role-{role}{gap}{muted}" title="{tip}">{letter}</span>')
    return '<div class="marker-roles">' + "".join(blocks) + "</div>"


def role_legend_html() -> str:
    return (
        '<div class="marker-role-key">'
        + " ".join(
            f'<span class="marker-role-{role}">{letter} {html.escape(name)}</span>'
            for role, (_, letter, name) in ROLE_STYLE.items()
        )
        + "</div>"
    )


# --- the feedback page as a few pieces of HTML ---------------------------------------------------
# The app draws a marked answer from these: each piece of Streamlit's own (a metric, a heading, a
# paragraph of Markdown) cost every student's browser a React component and a Markdown parse on
# each Mark, and with some twenty of them the browser used more CPU than the marking.

CAPTION = "font-size:14px;color:#555"
CHANGE_STYLE = {1: ("\u25b2", "#177233"), -1: ("\u25bc", "#bd4043"), 0: ("\u25cf", "#555")}


def heading_html(text: str) -> str:
    """A section heading (a real ``<h3>``, so it is in the page's outline as Streamlit's are)."""
    return f'<h3 style="margin:1.2em 0 0.4em">{escape(text)}</h3>'


def headline_html(feedback: Feedback, previous: Feedback | None = None) -> str:
    """The mark, level and points covered (with the change since the previous draft), the summary,
    whether the mark is calibrated, and where the mark sits among the level bands (or of the marks).

    >>> from marker.feedback import Feedback
    >>> fb = Feedback("q", "Why?", "points", "v1", 3, 10, None, None, "Three points.", [], [], [], [])
    >>> "marker-mark" in headline_html(fb) and ">3 / 10<" in headline_html(fb)
    True
    """
    credited = sum(p.status == "credited" for p in feedback.points)
    figures = [("Mark", f"{feedback.mark} / {feedback.max_mark}", "marker-mark")]
    if feedback.level is not None:
        of = f" of {len(feedback.ladder)}" if feedback.ladder else ""
        figures.append(("Level", f"{feedback.level}{of}", "marker-level"))
    figures.append(("Points covered", f"{credited} / {len(feedback.points)}", "marker-points"))
    cells = []
    for label, value, kind in figures:
        change = ""
        if kind == "marker-mark" and previous is not None:
            delta = feedback.mark - previous.mark
            arrow, colour = CHANGE_STYLE[(delta > 0) - (delta < 0)]
            change = (
                f'<dd class="marker-delta" style="margin:0;font-size:14px;color:{colour}">'
                f'<span aria-hidden="true">{arrow}</span> {delta:+d} since your previous draft</dd>'
            )
        cells.append(
            f'<div><dt style="font-size:14px">{label}</dt><dd class="{kind}" '
            f'style="margin:0;font-size:2.25rem;line-height:1.3">{value}</dd>{change}</div>'
        )
    parts = [
        '<dl class="marker-figures" style="display:flex;flex-wrap:wrap;gap:8px 64px;margin:0;padding:0">'
        + "".join(cells)
        + "</dl>",
        f'<p class="marker-summary" style="margin:12px 0 4px">{escape(feedback.summary)}</p>',
    ]
    if feedback.calibrated:
        parts.append(
            f'<p class="marker-calibrated" style="{CAPTION}" title="A teacher fitted marker to scripts they '
            "had marked (Calibrate &amp; agreement page).\">This mark is calibrated to your teacher's own "
            "marking of this question; the mark scheme checklist below is the rubric's.</p>"
        )
    parts.append(band_html(feedback) if feedback.ladder else _marks_bar_html(feedback))
    return "".join(parts)


def _marks_bar_html(feedback: Feedback) -> str:
    """A bar filled to the share of the marks gained, with the figures as text."""
    top = max(1, feedback.max_mark)
    share = round(100 * min(max(feedback.mark, 0), top) / top, 1)
    said = f"{feedback.mark} of {feedback.max_mark} marks"
    return (
        f'<div class="marker-bar" role="progressbar" aria-valuemin="0" aria-valuemax="{feedback.max_mark}" '
        f'aria-valuenow="{feedback.mark}" aria-label="{said}" style="height:8px;background:#e9ecef;'
        f'border-radius:4px;margin:10px 0 4px"><div style="width:{share}%;height:100%;background:#74c0fc;'
        f'border-radius:4px"></div></div><div style="{CAPTION}">{said}</div>'
    )


TICK = {True: "\u2713", False: "\u2717"}
#: The essay's shape. The first two are paragraphs of their own: an answer in one block has neither,
#: yet its last sentences can still be a conclusion that answers the question (the third).
SHAPE_CHECKS = (
    ("an opening paragraph with a line of argument", lambda s: s.has_introduction),
    ("a concluding paragraph", lambda s: s.has_conclusion),
    ("a conclusion that answers the question set", lambda s: s.answers_demand),
    ("every paragraph linked to the question", lambda s: not s.drifting),
)


def argument_html(text: str, feedback: Feedback) -> str:
    """How the answer argues: the role strip and its legend, then the essay's shape (when it has one)."""
    parts = [heading_html("How your answer argues"), role_strip_html(text, feedback), role_legend_html()]
    if feedback.structure is not None:
        ticks = "".join(f"<li>{TICK[ok(feedback.structure)]} {label}</li>" for label, ok in SHAPE_CHECKS)
        parts.append(f'<ul class="marker-shape" style="list-style:none;padding:0;margin:8px 0">{ticks}</ul>')
    return "".join(parts)


def steps_html(feedback: Feedback) -> str:
    """The next steps, numbered, and the heading of the facts to check when there are any."""
    steps = "".join(f"<li>{escape(s)}</li>" for s in feedback.next_steps)
    out = heading_html("Next steps") + f'<ol class="marker-steps" style="padding-left:1.5em">{steps}</ol>'
    return out + (heading_html("Facts to check") if feedback.fact_issues else "")


def ladder_html(feedback: Feedback) -> str:
    """Each level's descriptor and criteria, with what this answer has of each."""
    marks = {"met": "\u2713", "nearly": "~", "not met": "\u2717"}
    parts = []
    for check in feedback.ladder:
        state = "reached" if check.reached else "not reached"
        items = []
        for c in check.criteria:
            item = f"{marks[c.status]} {escape(c.description)} (this answer: {escape(criterion_value(c))})"
            if c.evidence and c.status != "not met":
                item += f"<br>e.g. \u201c{escape(c.evidence[0].text)}\u201d"
            items.append(f"<li>{item}</li>")
        parts.append(
            f"<p><strong>Level {check.level} ({check.marks[0]}-{check.marks[1]}): {state}</strong><br>"
            f'{escape(check.descriptor)}</p><ul style="padding-left:1.5em">{"".join(items)}</ul>'
        )
    return '<div class="marker-ladder">' + "".join(parts) + "</div>"


def change_html(change: DraftChange) -> str:
    """What changed since the previous draft: the mark, then the points and dates gained or lost."""
    rows = [
        ("Points gained", change.gained),
        ("Points now fully credited", change.improved),
        ("Points lost", change.lost),
        ("Dates corrected", change.facts_fixed),
        ("New date slips", change.facts_new),
    ]
    items = [f"<li>{title}: {'; '.join(escape(i) for i in got)}</li>" for title, got in rows if got]
    if not items:
        items = ["<li>The same points as before: add one of the missing points to move the mark.</li>"]
    return (
        f'<p class="marker-change" style="margin:8px 0 0"><strong>Since your previous draft:</strong> '
        f'mark {change.mark_change:+d}</p><ul style="padding-left:1.5em">{"".join(items)}</ul>'
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
            ("opening paragraph with a line of argument", st.has_introduction),
            ("concluding paragraph", st.has_conclusion),
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
