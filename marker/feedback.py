"""The Feedback object every front end draws: one plain, serialisable record of a mark and its reasons."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from functools import cache

from .factcheck import FactIssue
from .features import Features
from .guards import Advisory
from .placement import LevelCheck
from .points import PointResult
from .structure import Structure

# The records a Feedback holds are defined by the stages that make them (imported above). The
# JSON reader below finds them through the type hints, so moving one to another module needs only
# its import line changed here.

ENGINE_VERSION = "0.1.4"


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
        return json.dumps(_plain(self), indent=indent, ensure_ascii=False)

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


def _plain(value: typing.Any) -> typing.Any:
    """``value`` as ``json.dumps(asdict(value))`` sees it, without asdict's deep copy of every
    value (a batch writes each script's Feedback as JSON)."""
    names = _names(type(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@cache
def _names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, in order; None for any other type."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None


@cache
def _hints(cls: type) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def _from_json(kind: typing.Any, value: typing.Any) -> typing.Any:
    """``value`` (plain JSON data) as the type ``kind``: dataclasses, tuples and lists rebuilt."""
    return None if value is None else _reader(kind)(value)


def _same(value: typing.Any) -> typing.Any:
    return value


@cache
def _reader(kind: typing.Any) -> typing.Callable[[typing.Any], typing.Any]:
    """How to read a JSON value (never None) as ``kind``, worked out once per type: a batch's
    outputs read hundreds of Feedbacks, each with hundreds of values."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        # Optional[X] is read as X; a union of plain values (float | bool | str) is kept as it is.
        inner = [a for a in args if a is not type(None)]
        return _reader(inner[0]) if len(inner) == 1 else _same
    if is_dataclass(kind) and isinstance(kind, type):
        hints = _hints(kind)
        readers = {f.name: _reader(hints[f.name]) for f in fields(kind)}
        return lambda value: kind(**{k: _maybe(readers[k], v) for k, v in value.items() if k in readers})
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _reader(args[0])
            return tuple if item is _same else lambda value: tuple(_maybe(item, v) for v in value)
        items = [_reader(a) for a in args]
        return lambda value: tuple(_maybe(r, v) for r, v in zip(items, value, strict=True))
    if origin is list:
        item = _reader(args[0])
        return list if item is _same else lambda value: [_maybe(item, v) for v in value]
    return _same


def _maybe(read: typing.Callable[[typing.Any], typing.Any], value: typing.Any) -> typing.Any:
    return None if value is None else read(value)
