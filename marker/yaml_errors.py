"""Where a YAML error is, and what is wrong there, in words a teacher understands.

PyYAML reports where it gave up, which for the commonest slip in a hand-edited rubric, a
quote opened and never closed, is far from the slip: the value runs on to the next quote
mark or to the end of the file. :func:`yaml_problem` names the line where the quote opens.

Hostile YAML is named too: a control character (:func:`reader_problem`), brackets nested
hundreds deep (:func:`open_brackets`, checked before PyYAML's scanner, whose time grows with
the square of the nesting), and values that are alias bombs (:func:`shown_value`).
"""

from __future__ import annotations

import re
from typing import Any

import yaml


def yaml_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[int | None, str]:
    """The 1-based line to show for a YAML error, and what is wrong there.

    A quote left open runs on to the next quote mark or the end of the file, and YAML
    complains only there: the line shown is the one where the quoted value starts.

    >>> text = 'id: q1\\nquestion: "Why did Britain recognise the USSR?\\nmax_mark: 4\\n'
    >>> try:
    ...     yaml.safe_load(text)
    ... except yaml.MarkedYAMLError as exc:
    ...     print(yaml_problem(text, exc))
    (2, 'the quoted value that starts on this line has no closing " (a quote opened must be closed on its line)')
    """
    line = exc.problem_mark.line + 1 if exc.problem_mark else None
    opened = None
    if exc.context == "while scanning a quoted scalar" and exc.context_mark is not None:
        opened = exc.context_mark
    else:
        opened = _quote_running_into(text, line)
    if opened is None:
        return line, str(exc.problem)
    quote = text[opened.index] if opened.index < len(text) else '"'
    return opened.line + 1, (
        f"the quoted value that starts on this line has no closing {quote} "
        "(a quote opened must be closed on its line)"
    )


_KEY_LINE = re.compile(r"\n[ \t]*(?:- |[\w-]+:[ \t\n])")


def _quote_running_into(text: str, line: int | None) -> yaml.Mark | None:
    """Where a quoted value that spans lines and ends on ``line`` starts (an unclosed quote that
    swallowed the lines up to the next quote mark), if there is one."""
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            raw = text[token.start_mark.index : token.end_mark.index]
            # A value that took in lines looking like "key: ..." or "- item" was never closed.
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'") and _KEY_LINE.search(raw):
                last = token
    except yaml.YAMLError:
        pass
    if last is not None and line is not None and last.end_mark.line + 1 == line:
        return last.start_mark
    return None


def reader_problem(text: str, exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The 1-based line of a character PyYAML's reader refused (a control character), and why.

    >>> text = "id: q1\\nquestion: a\\x00b\\n"
    >>> try:
    ...     yaml.safe_load(text)
    ... except yaml.YAMLError as exc:
    ...     print(reader_problem(text, exc))
    (2, 'the control character U+0000 is not allowed in YAML: delete it')
    """
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return line, f"the control character U+{exc.character:04X} is not allowed in YAML: delete it"
    return None, (str(exc).strip().splitlines() or [type(exc).__name__])[0]


_BRACKETS = re.compile(r"[\[\]{}]")
#: Brackets opened and not yet closed, counted without regard to quotes; a rubric needs two or three.
MAX_OPEN_BRACKETS = 100


def open_brackets(text: str) -> int:
    """The most ``[``/``{`` open at once (quotes not considered: an upper bound on the nesting).

    PyYAML's scanner takes time in the square of the nesting: 5,000 "[" took 4 to 60 s.
    """
    depth = most = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        most = max(most, depth)
    return most


def shown_value(value: Any, limit: int = 60) -> str:
    """A value from a file, for a message: a short repr of a scalar, the kind of anything else.

    A YAML alias can make a list hold itself, or a billion items in a few lines: repr() of
    it never returns.

    >>> shown_value("2"), shown_value([1, 2]), shown_value("x" * 100)[-6:]
    ("'2'", 'a list of 2 items', 'xxxxx…')
    """
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return "a mapping"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
