"""The import format: a question as a teacher writes it, read and checked (nothing derived yet).

See :mod:`marker.authoring` for the format and for the rubric built from it. Here the file is
parsed into :class:`QuestionSpec` objects and every problem is reported at once with its file,
line and field: unknown fields, a bad band, bands that overlap, leave a gap or do not end at
max_mark, an example answer whose mark is outside its level's band.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import RubricError, RubricErrors
from .rubric import QuestionId, Slug, _node_line, _parse_yaml, band_problems, read_text
from .yaml_errors import shown_value


class _Import(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_BAND = re.compile(r"^\s*(\d+)\s*(?:[-\u2013\u2014]|to)\s*(\d+)\s*$")


def parse_band(value: Any) -> Any:
    """A band as a teacher types it: ``"5-8"``, ``"5 to 8"``, ``[5, 8]`` or one mark ``4``.

    >>> parse_band("5-8"), parse_band([13, 16]), parse_band(4), parse_band("9 to 12")
    ((5, 8), (13, 16), (4, 4), (9, 12))
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, str):
        if value.strip().isdigit():
            return (int(value), int(value))
        found = _BAND.match(value)
        if not found:
            raise ValueError(f'write a band as low-high, e.g. "5-8" or [5, 8]; got {shown_value(value)}')
        return (int(found.group(1)), int(found.group(2)))
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    raise ValueError(f'write a band as low-high, e.g. "5-8" or [5, 8]; got {shown_value(value)}')


class ModelAnswerSpec(_Import):
    text: str = Field(min_length=1)
    mark: int | None = Field(default=None, ge=0)
    #: The level this answer exemplifies (levels marking); its mark must lie in the level's band.
    level: int | None = Field(default=None, ge=1, le=9)


class ExampleSpec(_Import):
    """An example answer given under its level, with the mark the examiners gave it."""

    text: str = Field(min_length=1)
    mark: int = Field(ge=0)


class LevelSpec(_Import):
    """One level as the mark scheme gives it (``level`` is optional: levels count up in order)."""

    level: int | None = Field(default=None, ge=1, le=9)
    marks: tuple[int, int]
    descriptor: str = ""
    examples: list[ExampleSpec] = Field(default_factory=list)

    @field_validator("marks", mode="before")
    @classmethod
    def _band(cls, value: Any) -> Any:
        return parse_band(value)


class MarkingSpec(_Import):
    """How the question is marked; ``kind`` defaults to levels when levels are given, else coverage."""

    kind: Literal["points", "coverage", "levels"] | None = None
    thresholds: dict[int, int] | None = None
    full_at: float | None = Field(default=None, gt=0, le=1)
    #: Either a list of levels, or the compact form ``{"1-4": "descriptor", ...}``.
    levels: list[LevelSpec] | None = None

    @model_validator(mode="before")
    @classmethod
    def _compact_levels(cls, data: Any) -> Any:
        # The compact form a teacher types ("1-4": "descriptor") becomes the list form; errors in
        # it are named by the band as written (see _file_loc).
        if isinstance(data, dict) and isinstance(data.get("levels"), dict):
            levels = [{"marks": band, "descriptor": text} for band, text in data["levels"].items()]
            data = {**data, "levels": levels}
        return data

    @property
    def effective_kind(self) -> str:
        return self.kind or ("levels" if self.levels else "coverage")


class QuestionSpec(_Import):
    """One question of the import format (id, question, max_mark and a model or example answer required)."""

    id: QuestionId
    question: str = Field(min_length=3)
    max_mark: int = Field(ge=1, le=100)
    #: Before model_answers: fields are validated in order, and model_answers reads the levels' examples.
    marking: MarkingSpec | None = None
    model_answers: list[str | ModelAnswerSpec] = Field(default=[], validate_default=True)
    points: list[str] | None = None
    #: The examiners' content list: the points to credit when no ``points`` are given.
    indicative_content: list[Annotated[str, Field(min_length=1)]] | None = None
    topic: Slug | None = None
    command_word: str | None = None

    @field_validator("model_answers")
    @classmethod
    def _some_answer(cls, value: list, info: ValidationInfo) -> list:
        marking = info.data.get("marking")
        levels = (marking.levels or []) if marking else []
        if not value and not any(lv.examples for lv in levels):
            raise ValueError("give at least one model answer, or an example answer under a level")
        return value

    @property
    def kind(self) -> str:
        return (self.marking or MarkingSpec()).effective_kind

    def bands(self) -> list[tuple[int, int]]:
        """The level bands given (empty when none are)."""
        return [lv.marks for lv in (self.marking.levels or [])] if self.marking else []

    def answers(self) -> list[ModelAnswerSpec]:
        """The model answers, then each level's examples, with mark and level filled in."""
        bands = self.bands()
        out = []
        for a in self.model_answers:
            spec = ModelAnswerSpec(text=a) if isinstance(a, str) else a
            mark = self.max_mark if spec.mark is None else spec.mark
            level = spec.level
            if level is None and bands:
                level = next((i + 1 for i, (lo, hi) in enumerate(bands) if lo <= mark <= hi), None)
            out.append(spec.model_copy(update={"mark": mark, "level": level}))
        for i, lv in enumerate((self.marking.levels or []) if self.marking else []):
            out += [ModelAnswerSpec(text=e.text, mark=e.mark, level=i + 1) for e in lv.examples]
        return out


def scheme_problems(spec: QuestionSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with a question's mark scheme, as ``(field location, message)``.

    Bands must ascend, touch without overlap or gap, lie within 0..max_mark and end at
    max_mark; an example answer's mark must lie in its level's band.
    """
    problems: list[tuple[tuple[str | int, ...], str]] = []
    levels = spec.marking.levels if spec.marking else None
    if levels and spec.kind != "levels":
        problems.append(
            (("marking", "kind"), f"levels are given, so the kind must be levels, not {spec.kind}")
        )
    for i, lv in enumerate(levels or []):
        if lv.level is not None and lv.level != i + 1:
            problems.append(
                (
                    ("marking", "levels", i, "level"),
                    f"levels count up from 1 in order: this is level {i + 1}, not {lv.level}",
                )
            )
        for j, example in enumerate(lv.examples):
            low, high = lv.marks
            if not low <= example.mark <= high:
                problems.append(
                    (
                        ("marking", "levels", i, "examples", j, "mark"),
                        f"an example of level {i + 1} must have a mark in its band {low}-{high}, got {example.mark}",
                    )
                )
    if levels is not None and len(levels) < 2:
        problems.append((("marking", "levels"), "a levels scheme needs at least two levels"))
    problems += [
        (("marking", "levels", i, "marks"), msg) for i, msg in band_problems(spec.bands(), spec.max_mark)
    ]
    problems += _answer_problems(spec)
    return problems


def _answer_problems(spec: QuestionSpec) -> list[tuple[tuple[str | int, ...], str]]:
    bands, problems = spec.bands(), []
    for k, a in enumerate(spec.model_answers):
        if isinstance(a, str):
            continue
        if a.mark is not None and a.mark > spec.max_mark:
            problems.append(
                (("model_answers", k, "mark"), f"the mark {a.mark} is above max_mark ({spec.max_mark})")
            )
        if a.level is None:
            continue
        if not bands:
            problems.append(
                (
                    ("model_answers", k, "level"),
                    "a level is given, but the question has no levels (give marking.levels)",
                )
            )
        elif a.level > len(bands):
            problems.append(
                (
                    ("model_answers", k, "level"),
                    f"there is no level {a.level}: the scheme has {len(bands)} levels",
                )
            )
        elif a.mark is None:
            problems.append((("model_answers", k, "mark"), f"an example of level {a.level} needs its mark"))
        elif not bands[a.level - 1][0] <= a.mark <= bands[a.level - 1][1]:
            low, high = bands[a.level - 1]
            problems.append(
                (
                    ("model_answers", k, "mark"),
                    f"an example of level {a.level} must have a mark in its band {low}-{high}, got {a.mark}",
                )
            )
    return problems


def is_import_file(path: str | Path) -> bool:
    """Whether a YAML file is in the import format (rather than a full rubric)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return False
    items = data if isinstance(data, list) else [data]
    # A full rubric always has a schema_version; a question of the import format never does.
    return bool(items) and all(
        isinstance(d, dict) and "schema_version" not in d and "max_mark" in d for d in items
    )


def parse_specs(text: str, source: str = "<questions>") -> list[QuestionSpec]:
    """Parse the import format: one question (a mapping) or a list of them.

    Every problem is reported at once, naming the file, the line and the field.
    """
    data, node = _parse_yaml(text, source)
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(d, dict) for d in items):
        raise RubricErrors(
            [RubricError(source, "expected a question (a mapping) or a list of questions", line=1)]
        )
    specs, errors, seen = [], [], {}
    for i, item in enumerate(items):
        prefix = (i,) if isinstance(data, list) else ()

        def error(
            loc: tuple[Any, ...], reason: str, item: dict = item, prefix: tuple = prefix
        ) -> RubricError:
            loc = (*prefix, *_file_loc(item, loc))
            return RubricError(source, reason, line=_node_line(node, loc), field=".".join(map(str, loc)))

        try:
            spec = QuestionSpec.model_validate(item)
        except ValidationError as exc:
            for err in exc.errors():
                # A union's member name ("str", "ModelAnswerSpec") is not a field of the file.
                loc = tuple(
                    p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper() or p == "str")
                )
                errors.append(error(loc, err["msg"].removeprefix("Value error, ")))
            continue
        errors += [error(loc, reason) for loc, reason in scheme_problems(spec)]
        # Case-insensitively: the id names files, and "Q3a" and "q3a" are one file on Windows and macOS.
        key = spec.id.lower()
        if key in seen:
            first, at = seen[key]
            same = "" if first == spec.id else f" as '{first}'; ids must differ by more than case"
            errors.append(error(("id",), f"question id '{spec.id}' is used twice (also item {at + 1}{same})"))
        seen.setdefault(key, (spec.id, i))
        specs.append(spec)
    if errors:
        raise RubricErrors(errors)
    return specs


def _file_loc(item: dict, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """A location in the spec as it is in the file: a level of the compact form is named by its band."""
    levels = (item.get("marking") or {}).get("levels") if isinstance(item.get("marking"), dict) else None
    if (
        isinstance(levels, dict)
        and loc[:2] == ("marking", "levels")
        and len(loc) > 2
        and isinstance(loc[2], int)
    ):
        keys = list(levels)
        if loc[2] < len(keys):
            return ("marking", "levels", keys[loc[2]])
    return loc


def load_specs(path: str | Path) -> list[QuestionSpec]:
    path = Path(path)
    return parse_specs(read_text(path), str(path))
