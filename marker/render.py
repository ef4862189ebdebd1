"""Presentation helpers that need no UI toolkit: the marked-up answer as safe HTML, and what
changed between two drafts. They take the feedback's JSON form (``Feedback.to_dict()``),
so a stored draft renders exactly like a fresh mark. Rendering never re-scores.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

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


def _marks(text: str, feedback: dict) -> list[_Mark]:
    marks = []
    for number, point in enumerate(feedback.get("points", []), start=1):
        status = point.get("status")
        if status not in ("credited", "partial"):
            continue
        symbol = STATUS_STYLE[status][2]
        for q in point.get("evidence", []):
            if 0 <= q["start"] < q["end"] <= len(text):
                title = f"{'Credited' if status == 'credited' else 'Partly covered'}: {point['label']}"
                marks.append(_Mark(q["start"], q["end"], status, f"{symbol}{number}", title))
    for issue in feedback.get("fact_issues", []):
        if issue.get("severity") == "error" and 0 <= issue["start"] < issue["end"] <= len(text):
            marks.append(_Mark(issue["start"], issue["end"], "error", "\u2717 date", issue["message"]))
    return marks


def highlight_html(text: str, feedback: dict) -> str:
    """The answer as HTML with the evidence for each point highlighted; every character of
    the student's text is escaped.

    Each highlight has a colour *and* a text label after it (✓3: point 3 credited; ~5:
    point 5 partly covered; ✗ date: a date to correct) and a distinct underline, so it
    does not rely on colour alone.

    >>> highlight_html("<b>x</b> y", {"points": [{"label": "P", "status": "credited",
    ...     "evidence": [{"start": 0, "end": 8, "text": "<b>x</b>"}]}]})  # doctest: +ELLIPSIS
    '<div class="marker-answer"...>&lt;b&gt;x&lt;/b&gt;</span><sup ...>✓1</sup> y</div>'
    """
    marks = _marks(text, feedback)
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    parts: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in marks if m.start <= a and b <= m.end]
        chunk = html.escape(text[a:b]).replace("\n", "<br>")
        if covering:
            kind = (
                "error"
                if any(m.kind == "error" for m in covering)
                else ("credited" if any(m.kind == "credited" for m in covering) else "partial")
            )
            bg, line, _ = STATUS_STYLE[kind]
            title = html.escape(" | ".join(dict.fromkeys(m.title for m in covering)), quote=True)
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


@dataclass(frozen=True)
class DraftChange:
    """What changed from one draft to the next."""

    mark_change: int
    gained: list[str]
    lost: list[str]
    improved: list[str]
    facts_fixed: list[str]
    facts_new: list[str]


def compare_drafts(previous: dict, current: dict) -> DraftChange:
    """Points gained, lost or improved (partly -> credited), and date errors fixed or new."""
    rank = {"missing": 0, "partial": 1, "credited": 2}
    before = {p["id"]: p for p in previous.get("points", [])}
    gained, lost, improved = [], [], []
    for p in current.get("points", []):
        old = rank.get(before.get(p["id"], {}).get("status", "missing"), 0)
        new = rank.get(p["status"], 0)
        if old == 0 and new > 0:
            gained.append(p["label"])
        elif old > 0 and new == 0:
            lost.append(p["label"])
        elif old == 1 and new == 2:
            improved.append(p["label"])

    def errors(fb: dict) -> set[str]:
        return {
            f"{i['text']} ({i['concept']})" for i in fb.get("fact_issues", []) if i.get("severity") == "error"
        }

    return DraftChange(
        mark_change=int(current.get("mark", 0)) - int(previous.get("mark", 0)),
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


def role_strip_html(text: str, feedback: dict) -> str:
    """One block per sentence, in order, coloured and lettered by what the sentence does;
    hovering shows the sentence (escaped). Paragraph breaks leave a gap.

    >>> role_strip_html("A. B.", {"sentences": [{"start": 0, "end": 2, "paragraph": 0, "role": "analysis",
    ...     "counts": True, "filler": False}]})  # doctest: +ELLIPSIS
    '<div class="marker-roles"...title="analysis (cause, consequence, significance): A."...>A</span></div>'
    """
    blocks, last_para = [], None
    for s in feedback.get("sentences", []):
        colour, letter, name = ROLE_STYLE.get(s["role"], ROLE_STYLE["other"])
        gap = "margin-left:10px;" if last_para is not None and s["paragraph"] != last_para else ""
        last_para = s["paragraph"]
        muted = "opacity:0.45;" if not s.get("counts", True) or s.get("filler") else ""
        tip = html.escape(f"{name}: {text[s['start'] : s['end']]}", quote=True)
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
