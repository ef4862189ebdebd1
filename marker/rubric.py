"""The data model of questions, mark schemes, topic knowledge and model answers.

Everything here is data read from files (YAML under ``rubrics/``, Markdown under
``model_answers/``) and validated by strict pydantic models (``extra="forbid"``), so a
teacher can add a question without touching code. A malformed file raises
:class:`~marker.errors.RubricErrors` naming the file, the line and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import RubricError, RubricErrors
from .yaml_errors import MAX_OPEN_BRACKETS, open_brackets, reader_problem, shown_value, yaml_problem
from .yaml_read import load_and_compose

SCHEMA_VERSION = 1

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=80)]
#: A question's id as exam papers write it ("4.1", "12.9", "Q3a", "q-photosynthesis"): letters of
#: any case, digits, dots, underscores and dashes, starting and ending with a letter or digit (it
#: names files and folders, and Windows drops a trailing dot).
QuestionId = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$", min_length=1, max_length=80)
]
#: "YYYY", "YYYY-MM" or "YYYY-MM-DD".
PartialDate = Annotated[str, Field(pattern=r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")]

ConceptKind = Literal["person", "place", "country", "organisation", "group", "event", "treaty", "idea"]
Theme = Literal[
    "cause",
    "consequence",
    "significance",
    "counter-argument",
    "context",
    "judgement",
    "comparison",
    "development",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    """The years a question (or topic) covers, inclusive."""

    start: int = Field(ge=1000, le=2999)
    end: int = Field(ge=1000, le=2999)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    def contains(self, year: int) -> bool:
        return self.start <= year <= self.end


class Concept(_Strict):
    """A person, place, organisation, event, treaty or idea of a topic."""

    id: Slug
    label: str = Field(min_length=1)
    kind: ConceptKind
    aliases: list[str] = Field(default_factory=list)
    description: str = ""

    @property
    def names(self) -> list[str]:
        """The label and every alias, without duplicates, in file order."""
        seen: dict[str, None] = {}
        for name in [self.label, *self.aliases]:
            if name.strip():
                seen.setdefault(name.strip(), None)
        return list(seen)


class Phrasing(_Strict):
    """How answers state a fact without naming its event ("the Comintern was founded in 1921").

    A date said with one of ``verbs`` (lemmas, a particle after a space: "set up"; nouns too:
    "execution"), of a concept in ``of`` (default: the fact's own), must fit the fact.
    """

    verbs: list[Annotated[str, Field(min_length=2)]] = Field(min_length=1)
    of: list[Slug] = Field(default_factory=list)
    #: The concept must undergo it (the subject of "was founded", the object of "lifted"): "the
    #: Comintern founded parties in 1921" says nothing of when the Comintern was founded.
    undergoes: bool = False
    #: Words of which one must be in the clause too ("Orel": Denikin reached other towns).
    needs: list[str] = Field(default_factory=list)
    #: Words that make the clause another claim ("de facto" for Britain's 1924 recognition).
    unless: list[str] = Field(default_factory=list)


class Fact(_Strict):
    """A dated, checkable fact about a concept (a treaty signed, a battle fought)."""

    id: Slug
    concept: Slug
    event: str = Field(min_length=1)
    date: PartialDate
    end: PartialDate | None = None
    place: str | None = None
    check: bool = True
    phrasing: Phrasing | None = None

    @property
    def years(self) -> tuple[int, int]:
        first = int(self.date[:4])
        return first, int(self.end[:4]) if self.end else first

    def describe_date(self) -> str:
        """Human form of the date: ``16 April 1922``, ``March 1921``, ``1919-1921``."""
        text = format_partial_date(self.date)
        if self.end and self.end != self.date:
            text += f" to {format_partial_date(self.end)}"
        return text


class Topic(_Strict):
    """A topic knowledge base shared by the questions of a topic."""

    schema_version: Literal[1]
    id: Slug
    title: str
    subject: str = ""
    #: The years the topic covers; None for a topic with no period (science, an imported question).
    period: Period | None = None
    concepts: list[Concept] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Topic:
        ids = [c.id for c in self.concepts]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"concept ids must be unique; repeated: {', '.join(dupes)}")
        known = set(ids)
        for fact in self.facts:
            named = [fact.concept, *(fact.phrasing.of if fact.phrasing else [])]
            for cid in named:
                if cid not in known:
                    raise ValueError(f"fact '{fact.id}' names unknown concept '{cid}'")
        return self

    def concept(self, concept_id: str) -> Concept:
        return next(c for c in self.concepts if c.id == concept_id)


class Point(_Strict):
    """One point of indicative content (or one creditable point of a points scheme)."""

    id: Slug
    label: str = Field(min_length=1)
    explanation: str = ""
    theme: Theme = "context"
    weight: float = Field(default=1.0, gt=0, le=5)
    concepts: list[Slug] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    reject: list[str] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything that describes the point, for similarity."""
        return " ".join([self.label, self.explanation, *self.aliases])


class LevelCriteria(_Strict):
    """What an answer must show to reach a level (start low, move up while met).

    Any criterion left out takes a default from the level's position in the scheme
    (see :func:`marker.placement.default_criteria`).
    """

    min_points: float | None = Field(default=None, ge=0)
    min_analysis: float | None = Field(default=None, ge=0, le=1)
    balance: bool | None = None
    judgement: Literal["none", "stated", "supported", "substantiated"] | None = None
    min_precision: int | None = Field(default=None, ge=0)
    #: Distinct sentences that explain, analyse or evaluate (developed comment; repeats do not count).
    min_developed: int | None = Field(default=None, ge=0)


class FieldProblem(ValueError):
    """A validation problem that belongs to a field inside the model being validated.

    Pydantic reports a model validator's error at the model itself; raising this instead lets
    the loader name the exact field (and so its line), e.g. ``levels.2.marks``.
    """

    def __init__(self, message: str, loc: tuple[str | int, ...]):
        super().__init__(message)
        self.loc = loc


def band_problems(bands: list[tuple[int, int]], max_mark: int | None = None) -> list[tuple[int, str]]:
    """What is wrong with a scheme's level bands, as ``(index of the level, message)``.

    Bands must ascend, touch without overlapping or leaving a gap, and (when ``max_mark`` is
    given) lie within 0..max_mark with the top band ending at max_mark.

    >>> band_problems([(1, 4), (5, 8), (9, 12), (13, 16)], 16)
    []
    >>> band_problems([(1, 4), (4, 8)], 8)[0][1].split(":")[0]
    'level 2 (marks 4-8) overlaps level 1 (marks 1-4)'
    """
    problems: list[tuple[int, str]] = []
    for i, (low, high) in enumerate(bands):
        name = f"level {i + 1} (marks {low}-{high})"
        if low < 0 or high < low:
            problems.append((i, f"{name}: a band is [low, high] with 0 <= low <= high"))
        elif max_mark is not None and high > max_mark:
            problems.append((i, f"{name} goes above max_mark ({max_mark})"))
        elif i > 0 and bands[i - 1][1] >= low:
            prev_low, prev_high = bands[i - 1]
            problems.append(
                (
                    i,
                    f"{name} overlaps level {i} (marks {prev_low}-{prev_high}): level {i + 1} must start "
                    f"at {prev_high + 1}, one above level {i}'s top mark",
                )
            )
        elif i > 0 and low > bands[i - 1][1] + 1:
            prev_high = bands[i - 1][1]
            gap = f"{prev_high + 1}" if low == prev_high + 2 else f"{prev_high + 1}-{low - 1}"
            problems.append(
                (
                    i,
                    f"{name} leaves a gap: mark(s) {gap} are in no level; level {i + 1} must start at "
                    f"{prev_high + 1}, one above level {i}'s top mark",
                )
            )
    if bands and max_mark is not None and not problems and bands[-1][1] != max_mark:
        problems.append((len(bands) - 1, f"the top level ends at {bands[-1][1]} but max_mark is {max_mark}"))
    return problems


class Level(_Strict):
    """One level of a levels mark scheme: its own band of marks and what it looks like.

    The scorer reads these directly: a level's marks come from ``marks``, never from an even
    split of the maximum (see :func:`marker.placement.LevelsScheme`).
    """

    level: int = Field(ge=1, le=9)
    marks: tuple[int, int]
    descriptor: str = Field(min_length=1)
    criteria: LevelCriteria = Field(default_factory=LevelCriteria)

    @field_validator("marks")
    @classmethod
    def _band(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] < 0 or v[1] < v[0]:
            raise ValueError(f"marks must be [low, high] with 0 <= low <= high, got {list(v)}")
        return v


class LevelsMarking(_Strict):
    kind: Literal["levels"]
    levels: list[Level] = Field(min_length=2)

    @model_validator(mode="after")
    def _bands(self) -> LevelsMarking:
        numbers = [lv.level for lv in self.levels]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"levels must be numbered 1, 2, 3... in order, got {numbers}")
        problems = band_problems([lv.marks for lv in self.levels])
        if problems:
            i, message = problems[0]
            raise FieldProblem(message, ("levels", i, "marks"))
        return self

    def level_of(self, mark: int) -> int | None:
        """The level whose band holds ``mark`` (None when no band does)."""
        return next((lv.level for lv in self.levels if lv.marks[0] <= mark <= lv.marks[1]), None)


class PointsMarking(_Strict):
    kind: Literal["points"]
    #: mark -> minimum number of credited points; None means one mark per point.
    thresholds: dict[int, int] | None = None

    def mark_for(self, n_points: int, max_mark: int) -> int:
        if not self.thresholds:
            return min(n_points, max_mark)
        earned = [m for m, need in self.thresholds.items() if n_points >= need]
        return min(max(earned, default=0), max_mark)


class CoverageMarking(_Strict):
    """Marks in proportion to how much of the closest model answer the answer says.

    ``full_at`` is the match score (0..1) that earns full marks; by default it depends on
    how many alternative model answers there are (see :func:`marker.similarity.full_marks_at`).
    """

    kind: Literal["coverage"]
    full_at: float | None = Field(default=None, gt=0, le=1)
    #: The parts of the key a full-mark answer must each say (a key written in labelled or
    #: numbered parts, :func:`marker.answer_keys.key_parts`): an answer that leaves one out is
    #: held below full marks. Empty: the closest model answer alone decides.
    parts: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    def mark_for(self, score: float, full_at: float, max_mark: int) -> int:
        """Whole marks for a match score, full marks from ``full_at``.

        >>> CoverageMarking(kind="coverage").mark_for(0.3, 0.6, 4)
        2
        """
        return min(max_mark, int(max_mark * score / full_at + 1e-9))


Marking = Annotated[LevelsMarking | PointsMarking | CoverageMarking, Field(discriminator="kind")]


class Question(_Strict):
    """A question with its mark scheme and indicative content."""

    schema_version: Literal[1]
    id: QuestionId
    topic: Slug
    question: str = Field(min_length=3)
    command_word: str = Field(min_length=2)
    #: The years the question covers (dates outside are noted); None when time does not matter.
    period: Period | None = None
    max_mark: int = Field(ge=1, le=100)
    marking: Marking
    points: list[Point] = Field(min_length=1)
    #: The examiners' indicative content as they wrote it, kept beside the points to credit
    #: (shown to teachers; marking reads the points).
    indicative_content: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        ids = [p.id for p in self.points]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"point ids must be unique; repeated: {', '.join(dupes)}")
        if isinstance(self.marking, LevelsMarking):
            problems = band_problems([lv.marks for lv in self.marking.levels], self.max_mark)
            if problems:
                i, message = problems[0]
                raise FieldProblem(message, ("marking", "levels", i, "marks"))
        elif isinstance(self.marking, PointsMarking) and self.marking.thresholds:
            bad = [m for m in self.marking.thresholds if not 0 < m <= self.max_mark]
            if bad:
                raise ValueError(f"thresholds give marks outside 1..{self.max_mark}: {bad}")
        return self

    @property
    def kind(self) -> str:
        return self.marking.kind

    @property
    def version(self) -> str:
        """A short fingerprint of the rubric's content, recorded with every mark.

        Computed each time, never cached: ``model_copy(update=...)`` would carry a cached
        value over to an edited copy.
        """
        data = self.model_dump(mode="json")
        # Fields added after versions were first recorded count only when used, so a rubric
        # that does not use them keeps its version (and the calibrations fitted on it).
        for name in _LATER_FIELDS:
            if not data.get(name):
                data.pop(name, None)
        return fingerprint(data)


#: Question fields newer than schema_version 1's first release (left out of the version while empty).
_LATER_FIELDS = ("indicative_content",)


class ModelAnswer(_Strict):
    question: QuestionId
    intended_mark: int = Field(ge=0)
    intended_level: int | None = Field(default=None, ge=0)
    note: str = ""
    text: str = Field(min_length=1)
    name: str = ""


def fingerprint(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def format_partial_date(value: str) -> str:
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{int(parts[2])} {month} {parts[0]}"


# --------------------------------------------------------------------------- loading


def _node_line(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location.

    Location parts that are not in the document (a union's tag) are skipped.
    """
    node, line = root, (root.start_mark.line + 1) if root is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    # An unexpected key is reported at the key itself.
                    node, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


def read_text(path: Path) -> str:
    """A rubric file's text; a file that is not UTF-8 or cannot be read is a RubricErrors naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RubricErrors([RubricError(str(path), f"not UTF-8 text (byte {exc.start})")]) from None
    except OSError as exc:
        raise RubricErrors([RubricError(str(path), f"cannot be read: {exc.strerror}")]) from None


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    return _parse_yaml(read_text(path), str(path))


def _parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    if open_brackets(text) > MAX_OPEN_BRACKETS:
        raise RubricErrors(
            [
                RubricError(
                    source, f"not valid YAML: more than {MAX_OPEN_BRACKETS} brackets [ or {{ open at once"
                )
            ]
        )
    try:
        return load_and_compose(text)
    except yaml.MarkedYAMLError as exc:
        line, reason = yaml_problem(text, exc)
        raise RubricErrors([RubricError(source, f"not valid YAML: {reason}", line=line)]) from None
    except yaml.YAMLError as exc:  # a control character (NUL, BEL...): the reader says where
        line, reason = reader_problem(text, exc)
        raise RubricErrors([RubricError(source, f"not valid YAML: {reason}", line=line)]) from None
    except RecursionError:  # PyYAML builds nested lists and mappings by recursion
        raise RubricErrors(
            [RubricError(source, "not valid YAML: lists or mappings nested too deeply (hundreds of levels)")]
        ) from None


def _validate(model: type[BaseModel], data: Any, node: yaml.Node | None, source: str) -> Any:
    if not isinstance(data, dict):
        raise RubricErrors([RubricError(source, "expected a mapping of fields at the top level", line=1)])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if loc[:1] == ("marking",) and len(loc) > 1 and loc[1] in ("levels", "points", "coverage"):
                loc = loc[:1] + loc[2:]  # drop the union's tag: it is not a field of the file
            problem = (err.get("ctx") or {}).get("error")
            if isinstance(problem, FieldProblem):
                loc = loc + problem.loc
            field = ".".join(str(p) for p in loc)
            if err["type"] == "literal_error" and loc == ("schema_version",):
                reason = f"unsupported schema_version {shown_value(data.get('schema_version'))}; expected {SCHEMA_VERSION}"
            else:
                reason = err["msg"].removeprefix("Value error, ")
            errors.append(RubricError(source, reason, line=_node_line(node, loc), field=field or None))
        raise RubricErrors(errors) from None


def parse_question(text: str, source: str = "<question>") -> Question:
    """Parse one question rubric from YAML text; ``source`` names it in error messages."""
    data, node = _parse_yaml(text, source)
    return _validate(Question, data, node, source)


def validate_question(data: Any, source: str = "<edited rubric>") -> Question:
    """Validate a question given as data (an edit in the app); errors name the field."""
    return _validate(Question, data, None, source)


def load_question(path: str | Path) -> Question:
    path = Path(path)
    data, node = _read_yaml(path)
    return _validate(Question, data, node, str(path))


def load_topic(path: str | Path) -> Topic:
    path = Path(path)
    data, node = _read_yaml(path)
    return _validate(Topic, data, node, str(path))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.S)


def load_model_answer(path: str | Path) -> ModelAnswer:
    """Read a model answer: YAML front matter between ``---`` lines, then the answer."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RubricErrors([RubricError(str(path), f"not UTF-8 text (byte {exc.start})")]) from None
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise RubricErrors(
            [RubricError(str(path), "must start with front matter between '---' lines", line=1)]
        )
    data, node = _parse_yaml(match.group(1), str(path))
    if not isinstance(data, dict):
        raise RubricErrors([RubricError(str(path), "front matter must be a mapping of fields", line=2)])
    data = {**data, "text": match.group(2).strip(), "name": path.stem}
    # Front matter starts on line 2 of the file.
    try:
        return ModelAnswer.model_validate(data)
    except ValidationError as exc:
        errors = [
            RubricError(
                str(path),
                e["msg"],
                line=(_node_line(node, tuple(e["loc"])) or 0) + 1,
                field=".".join(map(str, e["loc"])),
            )
            for e in exc.errors()
        ]
        raise RubricErrors(errors) from None
