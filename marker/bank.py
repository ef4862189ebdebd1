"""The question bank: topics, questions and model answers found on disk, cross-checked."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import yaml

from .concepts import Entry
from .errors import RubricError, RubricErrors, UnknownQuestionError
from .rubric import ModelAnswer, Question, Topic, _node_line, load_model_answer, load_question, load_topic
from .yaml_read import compose

#: The shipped bank is package data (``marker/shipped/``), so a wheel installed anywhere has it.
#: ``importlib.resources`` finds it; a wheel installs as files, so it is an ordinary folder.
SHIPPED = Path(str(files("marker") / "shipped"))
DEFAULT_RUBRICS = SHIPPED / "rubrics"
DEFAULT_ANSWERS = SHIPPED / "model_answers"


@dataclass
class QuestionBank:
    """Topics, questions and model answers, keyed by id."""

    topics: dict[str, Topic] = field(default_factory=dict)
    questions: dict[str, Question] = field(default_factory=dict)
    model_answers: dict[str, list[ModelAnswer]] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def load(
        cls, rubrics_dir: str | Path | None = None, answers_dir: str | Path | None = None
    ) -> QuestionBank:
        """Load ``rubrics/topics/*.yaml``, ``rubrics/questions/*.yaml`` and ``model_answers/<id>/*.md``.

        The directories default to ``$MARKER_RUBRICS_DIR`` / ``$MARKER_ANSWERS_DIR``, else the
        shipped bank. Every problem in every file is collected and raised together.
        """
        rubrics = Path(rubrics_dir or os.environ.get("MARKER_RUBRICS_DIR") or DEFAULT_RUBRICS)
        answers = Path(answers_dir or os.environ.get("MARKER_ANSWERS_DIR") or DEFAULT_ANSWERS)
        bank, errors = cls(), []
        for path in sorted((rubrics / "topics").glob("*.y*ml")):
            try:
                topic = load_topic(path)
            except RubricErrors as exc:
                errors.extend(exc.errors)
                continue
            bank.topics[topic.id] = topic
            bank.sources[f"topic:{topic.id}"] = path
        for path in sorted((rubrics / "questions").glob("*.y*ml")):
            try:
                bank.add_question(load_question(path), path)
            except RubricErrors as exc:
                errors.extend(exc.errors)
        for path in sorted(answers.glob("*/*.md")):
            try:
                answer = load_model_answer(path)
            except RubricErrors as exc:
                errors.extend(exc.errors)
                continue
            if answer.question not in bank.questions:
                errors.append(
                    RubricError(str(path), f"names unknown question '{answer.question}'", 2, "question")
                )
                continue
            bank.model_answers.setdefault(answer.question, []).append(answer)
        if errors:
            raise RubricErrors(errors)
        return bank

    def add_question(self, question: Question, path: Path | None = None) -> None:
        """Add or replace a question after checking it against its topic's knowledge base."""
        source = str(path or f"<question {question.id}>")
        problems = cross_check(question, self.topics, path)
        if problems:
            raise RubricErrors(problems)
        self.questions[question.id] = question
        self.sources[f"question:{question.id}"] = path or Path(source)

    def add_model_answer(self, answer: ModelAnswer) -> None:
        """Add a model answer, replacing one of the same name for the same question."""
        kept = [a for a in self.model_answers.get(answer.question, []) if a.name != answer.name]
        self.model_answers[answer.question] = [*kept, answer]

    def question(self, question_id: str) -> Question:
        try:
            return self.questions[question_id]
        except KeyError:
            raise UnknownQuestionError(question_id, self.questions) from None

    def topic_for(self, question: Question) -> Topic:
        return self.topics[question.topic]

    def answers_for(self, question_id: str) -> list[ModelAnswer]:
        return sorted(self.model_answers.get(question_id, []), key=lambda a: -a.intended_mark)

    def entries(self) -> list[Entry]:
        """Everything the concept matcher should look for: every concept and every point's cues."""
        out = [concept_entry(c) for t in self.topics.values() for c in t.concepts]
        for q in self.questions.values():
            out.extend(point_entries(q))
        return out


def concept_entry(concept) -> Entry:
    proper = concept.kind in {"person", "place", "country", "organisation", "group", "event", "treaty"}
    return Entry(f"c:{concept.id}", tuple(concept.names), fuzzy=proper)


def cue_prefix(question: Question, version: str | None = None) -> str:
    """Matcher keys of a question's cue phrases start with this; the rubric version is part of
    it, so an edited rubric (a preview, a new version) never disturbs the one in use.

    ``version`` is the question's ``version`` when the caller has it already (a question
    index keeps it: :attr:`marker.index.QuestionIndex.version`); working it out again
    fingerprints the whole rubric.
    """
    return f"p:{question.id}@{version or question.version}:"


def cue_key(question: Question, point_id: str) -> str:
    return cue_prefix(question) + point_id


def reject_key(question: Question, point_id: str, version: str | None = None) -> str:
    return f"r:{question.id}@{version or question.version}:{point_id}"


def point_entries(question: Question) -> list[Entry]:
    out = []
    for p in question.points:
        if p.aliases:
            out.append(Entry(cue_key(question, p.id), tuple(p.aliases)))
        if p.reject:
            out.append(Entry(reject_key(question, p.id), tuple(p.reject)))
    return out


def cross_check(question: Question, topics: dict[str, Topic], path: Path | None) -> list[RubricError]:
    """Problems between a question and the knowledge base (unknown topic, unknown concept ids).

    The file is read again for the lines of its values only when there is a problem to place.
    """
    source = str(path or f"<question {question.id}>")
    nodes: list[yaml.Node | None] = []

    def line(loc: tuple) -> int | None:
        if not nodes:
            nodes.append(_file_node(path))
        return _node_line(nodes[0], loc)

    topic = topics.get(question.topic)
    if topic is None:
        known = ", ".join(sorted(topics)) or "(none)"
        return [
            RubricError(
                source, f"unknown topic '{question.topic}'; known topics: {known}", line(("topic",)), "topic"
            )
        ]
    known_ids = {c.id for c in topic.concepts}
    problems = []
    for i, point in enumerate(question.points):
        for j, cid in enumerate(point.concepts):
            if cid not in known_ids:
                problems.append(
                    RubricError(
                        source,
                        f"concept '{cid}' is not in topic '{topic.id}'",
                        line(("points", i, "concepts", j)),
                        f"points.{i}.concepts.{j}",
                    )
                )
    return problems


def _file_node(path: Path | None) -> yaml.Node | None:
    """A rubric file's YAML node tree (None without a readable file)."""
    if path is None or not path.exists():
        return None
    try:
        return compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return None


def answer_problems(answer: ModelAnswer, question: Question, path: Path | None = None) -> list[RubricError]:
    """Problems between a model answer and its question: a mark above the maximum, or an example
    answer of a level whose mark is outside that level's band."""
    source = str(path or f"<model answer {answer.name}>")
    text = path.read_text(encoding="utf-8") if path is not None and path.exists() else ""

    def line_of(name: str) -> int | None:
        return next((i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith(f"{name}:")), None)

    if answer.intended_mark > question.max_mark:
        reason = f"the mark {answer.intended_mark} is above the question's max_mark ({question.max_mark})"
        return [RubricError(source, reason, line_of("intended_mark"), "intended_mark")]
    if answer.intended_level is None or question.kind != "levels":
        return []
    levels = question.marking.levels
    if answer.intended_level > len(levels):
        reason = (
            f"there is no level {answer.intended_level}: question '{question.id}' has {len(levels)} levels"
        )
        return [RubricError(source, reason, line_of("intended_level"), "intended_level")]
    if answer.intended_level == 0:
        return []
    low, high = levels[answer.intended_level - 1].marks
    if not low <= answer.intended_mark <= high:
        reason = (
            f"an example of level {answer.intended_level} must have a mark in its band {low}-{high}, "
            f"got {answer.intended_mark}"
        )
        return [RubricError(source, reason, line_of("intended_mark"), "intended_mark")]
    return []
