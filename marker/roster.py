"""Who wrote what: a batch's results matched to the students of a class list.

Reads a batch's results (the ``results.csv`` of ``marker batch``, or rows as mappings) and the
students of a class list (a gradebook's rows, as :class:`Pupil`). Writes nothing: it pairs them.

A result and a pupil are paired by id or email when the results carry one, else by name:
accents, case, spacing, hyphens, apostrophes, "Last, First" order and a middle name missing on
one side do not matter, but nothing looser (no initials, no spelling distance). A result that
fits two pupils, id and name that point to different pupils, or a pupil whom two results fit,
is reported and never guessed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import GradebookError

# The first characters export.safe_cell guards with an apostrophe (not imported: export pulls in pandas).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Letters NFKD does not take apart, so "Søren" and "Soren" read alike.
_FOLD = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i"})


def capitalise(name: str) -> str:
    """A file's name at the start of a sentence ("the gradebook" -> "The gradebook")."""
    return name[:1].upper() + name[1:]


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


# --- names -------------------------------------------------------------------------------------


def name_tokens(name: str) -> tuple[str, ...]:
    """A name as comparable words in "first ... last" order.

    >>> name_tokens("Núñez-Díaz,  José  María"), name_tokens("o'neil, SØREN")
    (('jose', 'maria', 'nunez', 'diaz'), ('soren', 'oneil'))
    """
    if name.count(",") == 1:  # "Last, First" as Canvas writes it
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_FOLD)
    text = re.sub(r"['’`]", "", text)  # O'Neil = ONeil
    return tuple(re.findall(r"[^\W_]+", text))


def name_fit(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """2: the same words; 1: the same first and last word, one side has middle names; 0: no fit."""
    if not a or not b:
        return 0
    if sorted(a) == sorted(b):
        return 2
    short, long = sorted((a, b), key=len)
    if len(short) < 2 or short[0] != long[0] or short[-1] != long[-1]:
        return 0
    words = iter(long)
    return 1 if all(w in words for w in short) else 0  # short is a subsequence of long


@dataclass(frozen=True)
class Pupil:
    """A student of a class list: where, the name as shown, ids and emails (folded)."""

    row: int  # index of its record, the header being 0: row + 1 is the spreadsheet's row number
    name: str
    tokens: tuple[str, ...]
    ids: frozenset[str]
    emails: frozenset[str]


# --- the results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A result row: who (label, name words, ids, emails) and the mark out of what."""

    label: str  # how reports name it: the student, else the script id
    tokens: tuple[str, ...]
    ids: frozenset[str]
    emails: frozenset[str]
    mark: Decimal | None
    max_mark: Decimal | None


def number(text: str) -> Decimal | None:
    """A number written with a decimal point or a decimal comma ("7.50", "7,5"); None otherwise."""
    text = text.strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _unguard(text: str) -> str:
    """A cell as the student wrote it: undo export.safe_cell's apostrophe before a formula character."""
    if text.startswith("'") and text[1:].lstrip(" \n\u00a0").startswith(_FORMULA_TRIGGERS):
        return text[1:]
    return text


def read_results(rows: Iterable[Mapping], name: str) -> list[Result]:
    """The results of a batch, one per row: who wrote the script, and its mark out of what.

    Column names are read loosely ("Student ID" is ``student_id``, "Email address" is ``email``);
    a row with no mark (a script that could not be marked) is kept with ``mark`` None.
    """
    results = []
    for n, raw in enumerate(rows, 2):
        row = {
            _column_key(k): _unguard(str(v)).strip()
            for k, v in raw.items()
            if k is not None and v is not None
        }
        if n == 2:
            _check_results_columns(set(row), name)
        student, script = row.get("student", ""), row.get("script_id", "")
        email, student_id = row.get("email", ""), row.get("student_id", "")
        if not (student or script or email or student_id):
            continue
        mark = row.get("mark", "")
        if mark and number(mark) is None:
            raise GradebookError(f"{capitalise(name)}, row {n}: the mark '{mark}' is not a number.")
        results.append(
            Result(
                label=student or script or email or student_id,
                tokens=name_tokens(student) if "@" not in student else (),
                ids=frozenset(fold(v) for v in (script, student_id) if v),
                emails=frozenset(fold(v) for v in (email, script, student) if "@" in v),
                mark=number(mark),
                max_mark=number(row.get("max_mark", "")),
            )
        )
    if not results:
        raise GradebookError(f"{capitalise(name)} has no marked scripts in it.")
    return results


def _column_key(name) -> str:
    key = fold(str(name)).replace(" ", "_")
    return {"email_address": "email", "studentid": "student_id"}.get(key, key)


def _check_results_columns(keys: set[str], name: str) -> None:
    if "mark" not in keys or not keys & {"student", "script_id", "email", "student_id"}:
        raise GradebookError(
            f"{capitalise(name)} is not a results file: it needs a 'mark' column and a 'student', 'script_id', "
            f"'email' or 'student_id' column (it has: {', '.join(sorted(keys)) or 'nothing'}). "
            "Use the results.csv that 'marker batch' wrote."
        )


def results_rows(data: bytes, name: str) -> list[dict]:
    if not data.strip():
        raise GradebookError(f"{capitalise(name)} is empty.")
    if data.startswith(b"PK\x03\x04"):
        raise GradebookError(
            f"{capitalise(name)} is an Excel workbook; use the results.csv that 'marker batch' wrote."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GradebookError(
            f"{capitalise(name)} is not UTF-8 text (undecodable byte at position {exc.start}). Use the results.csv "
            "that 'marker batch' wrote, or save it as 'CSV UTF-8'."
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    if not rows:
        _check_results_columns({_column_key(f) for f in reader.fieldnames or []}, name)
    return rows


# --- matching ------------------------------------------------------------------------------------


@dataclass
class Matches:
    pairs: dict[int, Result] = field(default_factory=dict)  # entry index -> its one result
    ambiguous: list[str] = field(default_factory=list)
    doubtful: set[int] = field(default_factory=set)  # entries named in an ambiguous case
    not_in_gradebook: list[str] = field(default_factory=list)


def _candidates(result: Result, entries: Sequence[Pupil]) -> tuple[list[int], str]:
    """The gradebook rows a result may belong to, strongest evidence first, and why."""
    by_id = [i for i, e in enumerate(entries) if result.ids & e.ids or result.emails & e.emails]
    fits = [name_fit(result.tokens, e.tokens) for e in entries]
    best = max(fits, default=0)
    by_name = [i for i, fit in enumerate(fits) if fit and fit == best]
    if len(by_id) == 1 and best == 2 and by_id[0] not in by_name:
        return [by_id[0], *by_name], "its id or email and its name point to different students"
    if by_id:
        return by_id, "its id or email fits several students"
    return by_name, "the name fits several students"


def match(results: Sequence[Result], entries: Sequence[Pupil]) -> Matches:
    """Pair results with gradebook rows; a doubtful pairing is reported, not made."""
    found = Matches()
    claims: dict[int, list[Result]] = {}
    for r in results:
        hits, why = _candidates(r, entries)
        if len(hits) == 1:
            claims.setdefault(hits[0], []).append(r)
        elif hits:
            names = "; ".join(f"{entries[i].name} on row {entries[i].row + 1}" for i in hits)
            found.doubtful.update(hits)
            found.ambiguous.append(f"{r.label}: {why} ({names}); nothing written")
        else:
            found.not_in_gradebook.append(r.label)
    for i, rs in claims.items():
        if len(rs) == 1:
            found.pairs[i] = rs[0]
        else:
            labels = ", ".join(r.label for r in rs)
            found.doubtful.add(i)
            found.ambiguous.append(f"{entries[i].name}: {len(rs)} results fit ({labels}); nothing written")
    return found
