"""The Feedback object every front end draws: one plain, serialisable record of a mark and its reasons."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import cache

from .evidence import Evidence
from .factcheck import DATED_KINDS, FactIssue
from .guards import Advisory
from .rubric import Question, Topic
from .scoring import MISSING, PARTIAL, Features, LevelCheck, Placement, PointResult
from .structure import Structure

# The records a Feedback holds are defined by the stages that make them (imported above). The
# JSON reader below finds them through the type hints, so moving one to another module needs only
# its import line changed here.

ENGINE_VERSION = "0.1.0"


@dataclass(frozen=True)
class SentenceRole:
    """What one sentence of the answer does, for the role strip.

    ``start``/``end`` index the answer; ``cues`` are the words that gave the role away;
    ``counts`` is False for sentences that earn nothing (copied, off the question) and
    ``filler`` marks padding that touches neither the question nor the mark scheme.
    """

    start: int
    end: int
    paragraph: int
    role: str
    cues: list[str]
    counts: bool
    filler: bool


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
    #: What each sentence does, in order.
    sentences: list[SentenceRole] = field(default_factory=list)
    #: Thesis, conclusion, demand, drifting paragraphs, organisation.
    structure: Structure | None = None
    calibrated: bool = False
    engine_version: str = ENGINE_VERSION

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict) -> Feedback:
        """The inverse of :meth:`to_dict`, also for its JSON form (lists where tuples were).

        Stored drafts and batch results come back through here, so every front end reads the
        same typed object. Keys the record does not know are ignored (a newer marker wrote
        them); a missing key with a default takes it.

        >>> fb = Feedback("q", "Why?", "points", "v1", 1, 2, None, None, "1/2", [], [], [], ["Add more."])
        >>> Feedback.from_dict(json.loads(fb.to_json())) == fb
        True
        """
        return _from_json(cls, data)

    def to_text(self) -> str:
        """Readable plain text for the terminal (see :func:`marker.render.render_text`)."""
        from .render import render_text  # render reads Feedback, so it is imported when used

        return render_text(self)


@cache
def _hints(cls: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def _from_json(kind: typing.Any, value: typing.Any) -> typing.Any:
    """``value`` (plain JSON data) as the type ``kind``: dataclasses, tuples and lists rebuilt."""
    if value is None:
        return None
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        # Optional[X] is read as X; a union of plain values (float | bool | str) is kept as it is.
        inner = [a for a in args if a is not type(None)]
        return _from_json(inner[0], value) if len(inner) == 1 else value
    if is_dataclass(kind) and isinstance(kind, type):
        hints = _hints(kind)
        known = {f.name for f in fields(kind)}
        return kind(**{k: _from_json(hints[k], v) for k, v in value.items() if k in known})
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(args[0], v) for v in value)
        return tuple(_from_json(a, v) for a, v in zip(args, value, strict=True))
    if origin is list:
        return [_from_json(args[0], v) for v in value]
    return value


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
            SentenceRole(s.start, s.end, s.paragraph, s.role, list(s.role_cues), s.counts, s.filler)
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
