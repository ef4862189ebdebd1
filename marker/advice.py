"""The feedback stage: the :class:`~marker.feedback.Feedback` of a marked answer, with its next steps.

Reads what the earlier stages wrote (placement, points, facts, advisories, features,
evidence, structure) and the question with its topic; writes the Feedback, whose next steps
are two to four concrete things to do in the redraft, most valuable first (counts in
``TUNING.feedback``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .evidence import Evidence
from .factcheck import DATED_KINDS, FactIssue
from .features import Features
from .feedback import Feedback, SentenceRole
from .guards import Advisory
from .placement import LevelCheck, Placement
from .points import MISSING, PARTIAL, PointResult, missing_points
from .rubric import Question, Topic
from .structure import Structure
from .tuning import TUNING

if TYPE_CHECKING:
    from .index import QuestionIndex


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
    """The Feedback record of a marked answer."""
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
        next_steps=next_steps(
            question,
            topic,
            placement,
            points,
            facts,
            advisories,
            one_block=question.kind == "levels" and _one_block(structure, features),
        ),
        ladder=placement.ladder,
        features=features,
        sentences=[
            SentenceRole(s.start, s.end, s.paragraph, s.role, list(s.role_cues), s.counts, s.filler)
            for s in (evidence.sentences if evidence else ())
        ],
        structure=structure,
    )


def empty_feedback(index: QuestionIndex) -> Feedback:
    """The Feedback of a blank answer: 0 marks, with the reason and how to start."""
    question = index.question
    advisory = Advisory("empty", "The answer is empty (or only spaces), so there is nothing to credit.")
    fb = build_feedback(
        question, index.topic, index.scheme.empty(), missing_points(index), [], [advisory], None
    )
    fb.next_steps = [
        f"Write an answer to: \u201c{question.question}\u201d",
        "Start with a sentence that answers the question directly, then support it with evidence.",
    ]
    return fb


def _one_block(structure: Structure | None, features: Features | None) -> bool:
    """Whether an essay long enough to need paragraphs is written in one block."""
    return (
        structure is not None
        and structure.n_paragraphs == 1
        and features is not None
        and features.n_words >= TUNING.feedback.one_block_words
    )


#: The step for an essay in one block (see ``TUNING.feedback.one_block_words``).
PARAGRAPHS_STEP = (
    "Set your answer out in paragraphs: an opening that answers the question, a paragraph for each "
    "main point, and a conclusion that weighs them."
)


def next_steps(
    question: Question,
    topic: Topic,
    placement: Placement,
    points: list[PointResult],
    facts: list[FactIssue],
    advisories: list[Advisory],
    one_block: bool = False,
) -> list[str]:
    """Two to four concrete steps for the redraft, most valuable first; an essay written in one
    block (``one_block``) is told, last, to set itself out in paragraphs."""
    tuning = TUNING.feedback
    missing = sorted((p for p in points if p.status == MISSING), key=lambda p: -p.weight)
    partial = sorted((p for p in points if p.status == PARTIAL), key=lambda p: -p.weight)
    steps = _repairs(question, topic, facts, advisories)
    if placement.ladder and placement.level is not None and placement.level < len(placement.ladder):
        steps += _next_level(question, topic, placement.ladder[placement.level], missing, partial, len(steps))
    by_id = {p.id: p for p in question.points}
    for p in missing:
        if len(steps) >= tuning.max_steps:
            break
        if not _mentioned(p, by_id[p.id].explanation, steps):
            steps.append(f"Add: {p.label.rstrip('.')}. {by_id[p.id].explanation}".strip())
    room = min(tuning.max_steps, tuning.partial_steps_until) - len(steps)
    develop = [p for p in partial if not _mentioned(p, by_id[p.id].explanation, steps)][: max(room, 0)]
    if develop:
        steps.append(_develop(develop))
    for step in _fillers(question, topic):
        if len(steps) < tuning.min_steps:
            steps.append(step)
    steps = _without_repeats(steps)
    if one_block:
        return [*steps[: tuning.max_steps - 1], PARAGRAPHS_STEP]
    return steps[: tuning.max_steps]


def _mentioned(point: PointResult, explanation: str, steps: list[str]) -> bool:
    """Whether a step already names the point or gives its explanation (the judgement step quotes it)."""
    said = [point.label.rstrip("."), *([explanation.strip()] if explanation.strip() else [])]
    return any(text in s for s in steps for text in said)


def _develop(points: list[PointResult]) -> str:
    """One step for the points the answer mentions without explaining (one sentence, not one per point)."""
    labels = [p.label.rstrip(".") for p in points]
    if len(labels) == 1:
        return f"Develop: {labels[0]} \u2014 you mention it; explain how it answers the question."
    return (
        f"Develop what you mention but do not yet explain ({'; '.join(labels)}): "
        "say how each answers the question."
    )


def dated_subject(question: Question, topic: Topic) -> bool:
    """Whether dates are the evidence of this question (history), so advice may talk of dates.

    A question or topic with a period, or a topic with dated facts, is; an imported science
    question (no period, no facts) is not, and its advice speaks of terms and figures instead.
    """
    return bool(question.period or topic.period or topic.facts)


def _fillers(question: Question, topic: Topic) -> list[str]:
    """Generic steps that make up the minimum number, worded for the subject."""
    check = (
        "Check every date and name against your notes"
        if dated_subject(question, topic)
        else "Check every key term and figure against your notes"
    )
    return [
        f"{check}, and make each paragraph's first sentence answer the question directly.",
        "Practise the answer again under timed conditions.",
    ]


_SENTENCE_END = re.compile(r"(?<=[.!?\u201d])\s+")


def _without_repeats(steps: list[str]) -> list[str]:
    """The steps with every sentence said once: a sentence an earlier step already says is left
    out of a later one, and a step with nothing new left is dropped."""
    seen: set[str] = set()
    out = []
    for step in steps:
        fresh = []
        for sentence in _SENTENCE_END.split(step.strip()):
            key = " ".join(sentence.lower().split())
            if key and key not in seen:
                seen.add(key)
                fresh.append(sentence)
        if fresh:
            out.append(" ".join(fresh))
    return out


def _repairs(
    question: Question, topic: Topic, facts: list[FactIssue], advisories: list[Advisory]
) -> list[str]:
    """Steps that fix what is wrong before anything is added: a wrong date, a list, the wrong question."""
    steps = []
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
            if dated_subject(question, topic)
            else "Replace the lists of key words with sentences: for each term, say what it means here "
            "and how it answers the question."
        )
    if "off-topic" in codes:
        steps.append(f"Answer the question set: \u201c{question.question}\u201d")
    return steps


def _next_level(
    question: Question,
    topic: Topic,
    nxt: LevelCheck,
    missing: list[PointResult],
    partial: list[PointResult],
    n_steps: int,
) -> list[str]:
    """A step for each criterion of the next level not yet met, while there is room for steps."""
    # Judgement is its own step; as a "point to cover" it would read oddly.
    to_cover = [p for p in missing if p.theme != "judgement"]
    steps: list[str] = []
    for c in nxt.criteria:
        if c.status == "met" or n_steps + len(steps) >= TUNING.feedback.max_steps:
            continue
        lead = f"To reach level {nxt.level}, "
        if c.name == "analysis":
            steps.append(
                lead + "explain rather than describe: after each piece of evidence, say what it shows "
                "about the question (\u2018this meant\u2026\u2019, \u2018as a result\u2026\u2019, "
                "\u2018this mattered because\u2026\u2019)."
            )
        elif c.name == "balance":
            counter = next((p for p in missing + partial if p.theme == "counter-argument"), None)
            what = f": {counter.label.rstrip('.')}" if counter else ""
            steps.append(lead + f"weigh the other side{what}.")
        elif c.name == "judgement":
            judge = next((p for p in question.points if p.theme == "judgement"), None)
            hint = f" One supportable line: {judge.explanation or judge.label}" if judge else ""
            steps.append(
                lead + "end with a clear judgement that answers the question and back it with your "
                f"strongest evidence.{hint}"
            )
        elif c.name == "precision":
            example = _example_for(question, topic, to_cover)
            kinds = (
                "dates, names and figures"
                if dated_subject(question, topic)
                else "exact terms, names and figures"
            )
            steps.append(lead + f"add precise evidence: {kinds}{example}.")
        elif c.name == "points" and to_cover:
            p = to_cover[0]
            example = _example_for(question, topic, [p])
            steps.append(lead + f"cover more of the mark scheme: {p.label.rstrip('.')}{example}.")
    return steps


def _example_for(question: Question, topic: Topic, candidates: list[PointResult]) -> str:
    """A dated event from the first missing point that has one: a concrete thing to add."""
    by_id = {p.id: p for p in question.points}
    for result in candidates:
        for cid in by_id[result.id].concepts:
            if topic.concept(cid).kind not in DATED_KINDS:
                continue  # a person's or country's dates are no example of evidence to add
            for fact in topic.facts:
                if fact.concept == cid and fact.check:
                    return f" (for example {topic.concept(cid).label}, {fact.describe_date()})"
    return ""
