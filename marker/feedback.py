"""The Feedback object every front end draws: one plain, serialisable record of a mark and its reasons."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .evidence import Evidence
from .factcheck import DATED_KINDS, FactIssue
from .guards import Advisory
from .rubric import Question, Topic
from .scoring import CREDITED, MISSING, PARTIAL, Features, LevelCheck, Placement, PointResult
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


def build_feedback(
    question: Question,
    topic: Topic,
    placement: Placement,
    points: list[PointResult],
    facts: list[FactIssue],
    advisories: list[Advisory],
    features: Features | None,
    evidence: Evidence | None = None,
    structure: Structure | None = None,
) -> Feedback:
    return Feedback(
        question_id=question.id,
        question=question.question,
        marking_kind=question.kind,
        rubric_version=question.version,
        mark=placement.mark,
        max_mark=question.max_mark,
        level=placement.level,
        band=placement.band,
        summary=placement.explanation,
        points=points,
        fact_issues=facts,
        advisories=advisories,
        next_steps=next_steps(question, topic, placement, points, facts, advisories),
        ladder=placement.ladder,
        features=features,
        sentences=[
            {
                "start": s.start,
                "end": s.end,
                "paragraph": s.paragraph,
                "role": s.role,
                "cues": list(s.role_cues),
                "counts": s.counts,
                "filler": s.filler,
            }
            for s in (evidence.sentences if evidence else ())
        ],
        structure=structure,
    )


def next_steps(
    question: Question,
    topic: Topic,
    placement: Placement,
    points: list[PointResult],
    facts: list[FactIssue],
    advisories: list[Advisory],
) -> list[str]:
    """Two to four concrete steps for the redraft, most valuable first."""
    steps: list[str] = []
    by_id = {p.id: p for p in question.points}
    missing = sorted((p for p in points if p.status == MISSING), key=lambda p: -p.weight)
    partial = sorted((p for p in points if p.status == PARTIAL), key=lambda p: -p.weight)
    codes = {a.code for a in advisories}

    errors = [f for f in facts if f.severity == "error"]
    if errors:
        first = errors[0]
        more = (
            f" (and {len(errors) - 1} more date{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        )
        steps.append(f"Correct the date in \u201c{first.text}\u201d: {first.correct}{more}.")
    if "keyword-salad" in codes:
        steps.append(
            "Replace the lists of names with sentences: for each event or person, say what it did and "
            "how that affected the question's issue."
        )
    if "off-topic" in codes:
        steps.append(f"Answer the question set: \u201c{question.question}\u201d")

    def example_for(candidates: list[PointResult]) -> str:
        """A dated event from the first missing point that has one: a concrete thing to add."""
        for result in candidates:
            for cid in by_id[result.id].concepts:
                if topic.concept(cid).kind not in DATED_KINDS:
                    continue  # a person's or country's dates are no example of evidence to add
                for fact in topic.facts:
                    if fact.concept == cid and fact.check:
                        return f" (for example {topic.concept(cid).label}, {fact.describe_date()})"
        return ""

    # Judgement is its own step; as a "point to cover" it would read oddly.
    to_cover = [p for p in missing if p.theme != "judgement"]

    if placement.ladder and placement.level is not None and placement.level < len(placement.ladder):
        nxt = placement.ladder[placement.level]
        for c in nxt.criteria:
            if c.status == "met" or len(steps) >= 4:
                continue
            if c.name == "analysis":
                steps.append(
                    f"To reach level {nxt.level}, explain rather than describe: after each piece of "
                    "evidence, say what it shows about the question (\u2018this meant\u2026\u2019, "
                    "\u2018as a result\u2026\u2019, \u2018this mattered because\u2026\u2019)."
                )
            elif c.name == "balance":
                counter = next((p for p in missing + partial if p.theme == "counter-argument"), None)
                what = f": {counter.label.rstrip('.')}" if counter else ""
                steps.append(f"To reach level {nxt.level}, weigh the other side{what}.")
            elif c.name == "judgement":
                judge = next((p for p in question.points if p.theme == "judgement"), None)
                hint = f" One supportable line: {judge.explanation or judge.label}" if judge else ""
                steps.append(
                    f"To reach level {nxt.level}, end with a clear judgement that answers the question "
                    f"and back it with your strongest evidence.{hint}"
                )
            elif c.name == "precision":
                steps.append(
                    f"To reach level {nxt.level}, add precise evidence: dates, names and figures"
                    f"{example_for(to_cover)}."
                )
            elif c.name == "points" and to_cover:
                p = to_cover[0]
                steps.append(
                    f"To reach level {nxt.level}, cover more of the mark scheme: {p.label.rstrip('.')}"
                    f"{example_for([p])}."
                )
    for p in missing + partial:
        if len(steps) >= 4 or (len(steps) >= 2 and p.status == PARTIAL):
            break
        if any(p.label.rstrip(".") in s for s in steps):
            continue
        explanation = by_id[p.id].explanation
        if p.status == MISSING:
            steps.append(f"Add: {p.label.rstrip('.')}. {explanation}".strip())
        else:
            steps.append(
                f"Develop: {p.label.rstrip('.')} \u2014 you mention it; explain how it answers the question."
            )
    if len(steps) < 2:
        steps.append(
            "Check every date and name against your notes, and make each paragraph's first sentence "
            "answer the question directly."
        )
    if len(steps) < 2:
        steps.append("Practise the answer again under timed conditions.")
    return steps[:4]


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
