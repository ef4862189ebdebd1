"""Editing a rubric as tables (the app's Rubrics page), with no UI toolkit.

A question becomes rows a table editor can show (:func:`point_rows`, :func:`level_rows`) and
a coverage question's key parts one per line (:func:`parts_text`), the edited rows become rubric
data again (:func:`rubric_from_rows`), and a schema error's field path is put in words a teacher
recognises on the page (:func:`where`).
"""

from __future__ import annotations

import math
from typing import Any

from .errors import RubricError

LIST_SEPARATOR = ";"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def split_list(value: Any) -> list[str]:
    """``"a; b ;"`` -> ``["a", "b"]``; a blank cell is an empty list.

    >>> split_list("break isolation; first great power;"), split_list(None)
    (['break isolation', 'first great power'], [])
    """
    if _blank(value):
        return []
    return [part.strip() for part in str(value).split(LIST_SEPARATOR) if part.strip()]


def join_list(values: list[str]) -> str:
    return f"{LIST_SEPARATOR} ".join(values)


def point_rows(question: dict) -> list[dict]:
    return [
        {
            "id": p["id"],
            "label": p["label"],
            "explanation": p.get("explanation", ""),
            "theme": p.get("theme", "context"),
            "weight": float(p.get("weight", 1.0)),
            "concepts": join_list(p.get("concepts", [])),
            "aliases": join_list(p.get("aliases", [])),
            "reject": join_list(p.get("reject", [])),
        }
        for p in question["points"]
    ]


def level_rows(question: dict) -> list[dict]:
    if question["marking"]["kind"] != "levels":
        return []
    return [
        {"level": lv["level"], "low": lv["marks"][0], "high": lv["marks"][1], "descriptor": lv["descriptor"]}
        for lv in question["marking"]["levels"]
    ]


def thresholds_text(question: dict) -> str:
    table = question["marking"].get("thresholds") or {}
    return ", ".join(f"{mark}: {need}" for mark, need in table.items())


def parse_thresholds(text: str) -> dict[int, int] | str | None:
    """``"4: 5, 3: 4"`` -> ``{4: 5, 3: 4}``; blank -> None; anything else is returned as
    given, so that the schema check names it.

    >>> parse_thresholds("4: 5, 3: 4"), parse_thresholds(" "), parse_thresholds("four")
    ({4: 5, 3: 4}, None, 'four')
    """
    if not text.strip():
        return None
    try:
        return {int(a): int(b) for a, b in (pair.split(":") for pair in text.split(","))}
    except ValueError:
        return text


def parts_text(question: dict) -> str:
    """A coverage question's key parts for the editor's text box, one part per line.

    >>> parts_text({"marking": {"kind": "coverage", "parts": ["Plan: go through\\n Belgium.", "Failure: Russia."]}})
    'Plan: go through Belgium.\\nFailure: Russia.'
    """
    return "\n".join(" ".join(part.split()) for part in question["marking"].get("parts") or [])


def parse_parts(text: str, base: dict) -> list[str]:
    """The parts typed in the editor's text box, one per line, blank lines left out (none: no parts).

    While the box still shows the rubric's own parts, they are kept exactly as saved (a part
    written over several lines in the YAML is shown on one).

    >>> parse_parts("Plan: go through Belgium.\\n\\n  Failure: Russia. ", {"marking": {"kind": "coverage"}})
    ['Plan: go through Belgium.', 'Failure: Russia.']
    """
    if text == parts_text(base):
        return list(base["marking"].get("parts") or [])
    return [line.strip() for line in text.splitlines() if line.strip()]


def parts_problems(text: str) -> list[RubricError]:
    """What keeps the typed parts from being used, each named by its line of the box: a label and
    its colon with the part on the next line (each line is a part of its own), or a repeated part.

    >>> [e.reason for e in parts_problems("Plan:\\nGermany would go through Belgium.")]
    ['‘Plan:’ ends with a colon: write its part on the same line, after the label']
    """
    out, seen = [], {}
    for i, line in enumerate(text.splitlines()):
        part = line.strip()
        if not part:
            continue
        field = f"marking.parts.{i}"
        if part.endswith(":"):
            reason = f"\u2018{part}\u2019 ends with a colon: write its part on the same line, after the label"
            out.append(RubricError("the edited rubric", reason, field=field))
        elif part.lower() in seen:
            reason = f"repeats line {seen[part.lower()] + 1}: remove one of them"
            out.append(RubricError("the edited rubric", reason, field=field))
        seen.setdefault(part.lower(), i)
    return out


def _int(value: Any) -> Any:
    if _blank(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # the schema check names it


def rubric_from_rows(
    base: dict,
    fields: dict,
    points: list[dict],
    levels: list[dict],
    thresholds: str,
    parts: str | None = None,
) -> dict:
    """The rubric data from the edited fields and tables, ready for ``validate_question``.

    ``fields`` holds ``question``, ``command_word``, ``start``, ``end`` and ``max_mark``;
    ``parts`` is a coverage question's parts box (:func:`parse_parts`; ``None``: kept from
    ``base``). Level criteria and the indicative content, which the tables do not show, are kept
    from ``base``; the level bands are the table's, never evened out.
    """
    marking = _marking(base, levels, thresholds, parts)
    kept = {"indicative_content": list(base["indicative_content"])} if base.get("indicative_content") else {}
    return {
        "schema_version": 1,
        "id": base["id"],
        "topic": base["topic"],
        "question": fields["question"],
        "command_word": fields["command_word"],
        "period": None
        if _blank(fields.get("start")) and _blank(fields.get("end"))
        else {"start": _int(fields.get("start")), "end": _int(fields.get("end"))},
        "max_mark": _int(fields["max_mark"]),
        "marking": marking,
        "points": [
            {
                "id": "" if _blank(r.get("id")) else str(r["id"]).strip(),
                "label": "" if _blank(r.get("label")) else str(r["label"]),
                "explanation": "" if _blank(r.get("explanation")) else str(r["explanation"]),
                "theme": "context" if _blank(r.get("theme")) else r["theme"],
                "weight": 1.0 if _blank(r.get("weight")) else r["weight"],
                "concepts": split_list(r.get("concepts")),
                "aliases": split_list(r.get("aliases")),
                "reject": split_list(r.get("reject")),
            }
            for r in points
        ],
        **kept,
    }


def _marking(base: dict, levels: list[dict], thresholds: str, parts: str | None) -> dict:
    """The edited marking: the levels table's bands, the points' mark table, or coverage with its parts."""
    if base["marking"]["kind"] == "levels":
        criteria = {lv["level"]: lv.get("criteria") for lv in base["marking"]["levels"]}
        marking: dict = {"kind": "levels", "levels": []}
        for row in levels:
            level = _int(row.get("level"))
            entry = {
                "level": level,
                "marks": [_int(row.get("low")), _int(row.get("high"))],
                "descriptor": "" if _blank(row.get("descriptor")) else str(row["descriptor"]),
            }
            if criteria.get(level):
                entry["criteria"] = criteria[level]
            marking["levels"].append(entry)
    elif base["marking"]["kind"] == "coverage":
        # The parts box replaces the parts (an empty box: none); no box keeps them.
        marking = {k: v for k, v in base["marking"].items() if parts is None or k != "parts"}
        if parts is not None and (listed := parse_parts(parts, base)):
            marking["parts"] = listed
    else:
        marking = {"kind": "points"}
        table = parse_thresholds(thresholds)
        if table is not None:
            marking["thresholds"] = table
    return marking


def even_levels(max_mark: int, descriptor: str = "Level {n}.") -> dict:
    """A levels marking with bands spread evenly over the marks (five from 15 marks, down to two).

    >>> [lv["marks"] for lv in even_levels(2)["levels"]]
    [[1, 1], [2, 2]]
    """
    n = max(2, min(5 if max_mark >= 15 else 4 if max_mark >= 8 else 3, max_mark))
    edges = [round(max_mark * i / n) for i in range(n + 1)]
    return {
        "kind": "levels",
        "levels": [
            {"level": i + 1, "marks": [edges[i] + 1, edges[i + 1]], "descriptor": descriptor.format(n=i + 1)}
            for i in range(n)
        ],
    }


def skeleton(question_id: str, topic: str, text: str, kind: str, max_mark: int, period: dict | None) -> dict:
    """A new question's starting rubric: bands spread evenly over the marks, one point to replace.

    >>> [lv["marks"] for lv in skeleton("q", "t", "Why?", "levels", 12, {"start": 1, "end": 2})["marking"]["levels"]]
    [[1, 3], [4, 6], [7, 9], [10, 12]]
    """
    marking = even_levels(max_mark, "Describe level {n}.") if kind == "levels" else {"kind": "points"}
    return {
        "schema_version": 1,
        "id": question_id,
        "topic": topic,
        "question": text,
        "command_word": "explain",
        "period": dict(period) if period else None,
        "max_mark": max_mark,
        "marking": marking,
        "points": [
            {
                "id": "point-1",
                "label": "Replace with the first creditable point",
                "explanation": "",
                "theme": "context",
                "weight": 1.0,
                "concepts": [],
                "aliases": [],
                "reject": [],
            }
        ],
    }


_FIELD_NAMES = {
    "max_mark": "Maximum mark",
    "question": "Question text",
    "command_word": "Command word",
    "period": "Period",
    "id": "Id",
    "marking": "Marking",
    "topic": "Topic",
}


def where(field: str | None) -> str:
    """A schema error's field path in the words of the Rubrics page (``marking.parts.N``: line N+1
    of the parts box, see :func:`parts_problems`).

    >>> where("points.2.weight"), where("marking.levels.0.marks.1"), where("max_mark"), where(None)
    ('Points table, row 3, column ‘weight’', 'Levels table, row 1, column ‘marks’', 'Maximum mark', 'Rubric')
    >>> where("marking.parts.2")
    'Parts of the key, line 3'
    """
    if not field:
        return "Rubric"
    parts = field.split(".")
    if parts[0] == "points" and len(parts) > 1 and parts[1].isdigit():
        column = f", column \u2018{parts[2]}\u2019" if len(parts) > 2 else ""
        return f"Points table, row {int(parts[1]) + 1}{column}"
    if parts[:2] == ["marking", "parts"] and len(parts) > 2 and parts[2].isdigit():
        return f"Parts of the key, line {int(parts[2]) + 1}"
    if parts[:2] == ["marking", "levels"] and len(parts) > 2 and parts[2].isdigit():
        column = f", column \u2018{parts[3]}\u2019" if len(parts) > 3 else ""
        return f"Levels table, row {int(parts[2]) + 1}{column}"
    return _FIELD_NAMES.get(parts[0], field)
