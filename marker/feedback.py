"""The Feedback object every front end draws: one plain, serialisable record of a mark and its reasons."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .factcheck import FactIssue
from .features import Features
from .guards import Advisory
from .placement import LevelCheck
from .points import CREDITED, MISSING, PARTIAL, PointResult
from .structure import Structure

ENGINE_VERSION = "0.1.0"


@dataclass
class Feedback:
    """A marked answer. ``to_dict()``/``to_json()`` give the stable JSON form.

    Evidence offsets index the answer exactly: ``answer[q.start:q.end] == q.text``.
    """

    question_id: str
    question: str
    marking_kind: str
    rubric_version: str
    mark: int
    max_mark: int
    level: int | None
    band: tuple[int, int] | None
    summary: str
    points: list[PointResult]
    fact_issues: list[FactIssue]
    advisories: list[Advisory]
    next_steps: list[str]
    ladder: list[LevelCheck] = field(default_factory=list)
    features: Features | None = None
    #: What each sentence does: {start, end, paragraph, role, cues, counts, filler}.
    sentences: list[dict] = field(default_factory=list)
    #: Thesis, conclusion, demand, drifting paragraphs, organisation.
    structure: Structure | None = None
    calibrated: bool = False
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def to_text(self) -> str:
        return render_text(self)


_STATUS_MARK = {CREDITED: "[x]", PARTIAL: "[~]", MISSING: "[ ]"}


def render_text(fb: Feedback) -> str:
    """Readable plain text for the terminal."""
    lines = [f"{fb.question_id}: {fb.question}", ""]
    head = f"Mark: {fb.mark}/{fb.max_mark}"
    if fb.level is not None:
        head += f"   Level {fb.level}" + (f" ({fb.band[0]}-{fb.band[1]})" if fb.band else "")
    if fb.calibrated:
        head += "   (calibrated)"
    lines += [head, fb.summary, ""]
    if fb.ladder:
        lines.append("Levels ladder (start low, move up while met):")
        for check in fb.ladder:
            state = "reached" if check.reached else "not reached"
            lines.append(f"  Level {check.level} ({check.marks[0]}-{check.marks[1]}): {state}")
            for c in check.criteria:
                lines.append(f"      {c.status:8} {c.description} (answer: {_fmt(c.actual)})")
                if c.evidence and c.status != "not met" and check.level == (fb.level or 0):
                    lines.append(f"               e.g. \u201c{_clip(c.evidence[0].text, 90)}\u201d")
        lines.append("")
    if fb.sentences:
        letters = {
            "narrative": "N",
            "analysis": "A",
            "evaluation": "E",
            "counter-argument": "C",
            "other": ".",
        }
        strip, last = "", None
        for s in fb.sentences:
            strip += (" " if last is not None and s["paragraph"] != last else "") + letters.get(
                s["role"], "."
            )
            last = s["paragraph"]
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
        lines.append("  " + "; ".join(f"{'yes' if ok else 'no'}: {label}" for label, ok in ticks))
        lines.append("")
    lines.append("Mark scheme points ([x] credited, [~] partly, [ ] missing):")
    for p in fb.points:
        lines.append(f"  {_STATUS_MARK[p.status]} {p.label}")
        for q in p.evidence[:1]:
            lines.append(f"        \u201c{_clip(q.text)}\u201d")
    if fb.fact_issues:
        lines += ["", "Facts to check:"]
        lines += [f"  - {'ERROR' if f.severity == 'error' else 'note'}: {f.message}" for f in fb.fact_issues]
    if fb.advisories:
        lines += ["", "Advisories (a teacher should look):"]
        lines += [f"  - {a.message}" for a in fb.advisories]
    lines += ["", "Next steps:"]
    lines += [f"  {i}. {s}" for i, s in enumerate(fb.next_steps, 1)]
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _clip(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"
