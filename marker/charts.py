"""Small charts as plain HTML: where a mark sits among the level bands, and the marks of a student's drafts.

They hold numbers only (no student text) and need no chart library in the browser: drawing
two Vega-Lite charts took most of the second between the server sending the feedback and
the student seeing it. Each chart carries its reading as text too (``aria-label`` and a
caption), so it does not rely on the picture.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .feedback import Feedback

REACHED = "#74c0fc"
NOT_REACHED = "#e9ecef"
MARK_COLOUR = "#c92a2a"


def _pos(value: float, max_mark: int) -> float:
    """Percent across a scale that runs from half a mark below 0 to half a mark above the maximum."""
    return round(100 * (value + 0.5) / (max_mark + 1), 2)


def band_html(feedback: Feedback) -> str:
    """The level bands as a bar, the ones reached in blue, with a red tick at the mark."""
    top = max(1, feedback.max_mark)
    segments = []
    for check in feedback.ladder:
        low, high = check.marks
        reached = check.level <= (feedback.level or 0)
        left, width = _pos(low - 0.5, top), _pos(high + 0.5, top) - _pos(low - 0.5, top)
        segments.append(
            f'<div title="Level {check.level}: marks {low}-{high}" style="position:absolute;left:{left}%;'
            f"width:{width}%;top:0;bottom:0;background:{REACHED if reached else NOT_REACHED};"
            "border-right:2px solid white;box-sizing:border-box;display:flex;align-items:center;"
            f'justify-content:center;font-weight:600;font-size:13px">L{check.level}</div>'
        )
    mark = min(max(feedback.mark, 0), top)
    tick = (
        f'<div class="marker-tick" style="position:absolute;left:calc({_pos(mark, top)}% - 2px);top:-5px;'
        f'bottom:-5px;width:4px;background:{MARK_COLOUR}"></div>'
    )
    level = f", level {feedback.level}" if feedback.level is not None else ""
    label = html.escape(f"Mark {feedback.mark} of {feedback.max_mark}{level}", quote=True)
    return (
        f'<div class="marker-bands" role="img" aria-label="{label}" title="{label}" '
        'style="position:relative;height:34px;margin:10px 0 4px">' + "".join(segments) + tick + "</div>"
        f'<div style="display:flex;justify-content:space-between;font-size:12px;color:#555">'
        f"<span>0</span><span>{top} marks</span></div>"
    )


def drafts_html(marks: Sequence[int], max_mark: int, height: int = 120) -> str:
    """One bar per draft, as high as its mark, with the mark written on it (newest last).

    >>> "oldest first: 4, 9 (out of 25)" in drafts_html([4, 9], 25)
    True
    """
    top = max(1, max_mark)
    bars = []
    for number, mark in enumerate(marks, 1):
        share = min(max(mark, 0), top) / top
        bars.append(
            f'<div title="Draft {number}: {mark} of {max_mark}" style="flex:0 0 34px;display:flex;'
            'flex-direction:column;justify-content:flex-end;align-items:center;font-size:12px">'
            f"<span>{mark}</span>"
            f'<div style="width:26px;height:{round(share * (height - 36))}px;min-height:2px;background:{REACHED}">'
            f'</div><span style="color:#555">{number}</span></div>'
        )
    label = html.escape(
        "Marks of your drafts, oldest first: " + ", ".join(str(m) for m in marks) + f" (out of {max_mark})",
        quote=True,
    )
    return (
        f'<div class="marker-drafts" role="img" aria-label="{label}" style="display:flex;gap:6px;'
        f'align-items:flex-end;height:{height}px;overflow-x:auto;border-bottom:1px solid #adb5bd">'
        + "".join(bars)
        + "</div>"
    )
