"""Marking guidance inside answer keys, read as teachers mean it.

Teachers write mark schemes with words for the marker, not the pupil:

- **mark allocations**: "0.5 P for a sensible choice", "1 mark for the drawback", "(0.25)",
  "(2 marks)". The numbers are dropped from the wordings (a pupil never writes them).
- **alternatives**: "One of the following justifications should be given:", "One of the
  following advantages are considered fully correct:", "Possible challenges:", "a choice out
  of: A, B or C", "The following properties may be considered: ...". The list after such a
  heading holds alternatives, any one of which earns that part of the answer; the heading is
  not an answer.
- **also acceptable**: "Simple and cheap is also acceptable as one of the reasons", "0.xx.yy.zz
  can be accepted if stated accordingly": an ``accept:`` line of the key.

:func:`read_guidance` turns such a key into the key grammar of :mod:`marker.answer_keys`: its
text without allocations, headings and acceptance sentences, the alternatives of its first
heading, and the wordings it accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: "0.5 P for", "1P for", "2 marks for" (the allocation and its "for"). Not "points for", which
#: is as often history as guidance ("Wilson's 14 points for peace").
_ALLOCATION_FOR = re.compile(r"\s*\b\d+(?:[.,]\d+)?\s*(?:P|pts?|marks?)\s+for\s+", re.I)
#: "(0.25)", "(0.25p)", "(1 mark)", "(2 marks)", "(0.5 P)": a bracket holding only an allocation.
_ALLOCATION_BRACKET = re.compile(
    r"\s*\(\s*(?:\d*[.,]\d+\s*(?:P|pts?|points?|marks?)?|\d+\s*(?:P|pts?|points?|marks?))\s*\)", re.I
)
#: A heading of alternatives, up to its colon.
_HEADING = re.compile(
    r"(?:\bone\s+of\s+the\s+following\b[^:\n]{0,60}?\b(?:should|must|may|can|is|are)\b[^:\n]{0,40}?"
    r"\b(?:given|stated|named|correct|acceptable|accepted|enough)"
    r"|^[ \t]*possible\s+\w+(?:[ \t]+\w+)?"
    r"|\b(?:a|one)\s+(?:\w+\s+)?choice\s+(?:out\s+)?of"
    r"|\bthe\s+following\s+(?:\w+\s+){0,2}(?:may|can)\s+be\s+(?:considered|accepted|given|named))"
    r"\s*:[ \t]*",
    re.I | re.M,
)
#: "is also acceptable", "can be accepted": the words before it are accepted. Without "also",
#: "is acceptable" and "is / can be allowed" are ordinary prose ("the pressure is allowed to
#: fall"), not guidance.
_ACCEPTABLE = re.compile(
    r"\s+(?:(?:is|are)\s+also\s+(?:acceptable|allowed|accepted|correct)"
    r"|(?:can|may)\s+(?:also\s+)?be\s+accepted)\b[^.!?\n]*[.!?]?",
    re.I,
)
#: Where the words accepted begin: a sentence's start, a bracket, a line's start.
_SUBJECT_START = re.compile(r"(?:^|(?<=[.!?:;)])\s+|\n)(?=\S)")
#: At most this many words before "is also acceptable" are its subject; beyond, its last word is.
_SUBJECT_MAX_WORDS = 4
_MARKER = re.compile(
    r"^\s*(?P<m>[-*\u2022\u25cf\u2023\u25e6\u25cb\u2013]|\(?\d{1,2}[.)]|\(?[a-h]\)|\(?(?:i{1,3}|iv|v|vi{1,3})\))\s*"
)
#: A line that labels a new part of the key ("Data plane: ..."), ending a list of alternatives.
_LABEL = re.compile(r"^\s*[A-Z][\w \-]{0,40}\s*:")
_INLINE_ITEM = re.compile(r"\s*,\s*|\s+or\s+", re.I)


@dataclass
class Guidance:
    """A key read for its guidance: the text around the alternatives, the alternatives, accepted wordings."""

    before: str
    alternatives: list[str] = field(default_factory=list)
    after: str = ""
    accept: list[str] = field(default_factory=list)
    #: Whether any one alternative earns the part ("one of the following", "a choice out of"),
    #: rather than a list of possible answers of which the question may ask for several.
    any_one: bool = True

    @property
    def texts(self) -> list[str]:
        """One full answer per alternative (the text around it kept), or the key itself."""
        if not self.alternatives:
            return [_join(self.before, self.after)]
        return [_join(self.before, alt, self.after) for alt in self.alternatives]


def _join(*parts: str) -> str:
    return "\n".join(p.strip() for p in parts if p.strip())


def strip_allocations(text: str) -> str:
    """The key without its mark allocations.

    >>> strip_allocations("0.5 P for a sensible choice. 1P for the drawback and 1P for an advantage")
    'a sensible choice. the drawback and an advantage'
    >>> strip_allocations("collects flow statistics (0.25) which the controller uses (2 marks)")
    'collects flow statistics which the controller uses'
    """
    return _ALLOCATION_BRACKET.sub("", _ALLOCATION_FOR.sub(_allocation_break, text))


def _allocation_break(found: re.Match) -> str:
    """Nothing, or a full stop where an allocation starts a new part mid-sentence ("... reservation 1P for")."""
    before = found.string[: found.start()].rstrip()
    joined = (
        not before
        or before.endswith((".", ":", ";", ",", "(", "!", "?"))
        or re.search(r"\b(?:and|or)$", before)
    )
    if joined:
        return " " if before else ""
    return ". "


def _accepted(text: str) -> tuple[str, list[str]]:
    """The text without its "X is also acceptable" sentences, and the X's."""
    found: list[str] = []
    while hit := _ACCEPTABLE.search(text):
        head = text[: hit.start()]
        starts = [m.end() for m in _SUBJECT_START.finditer(head)]
        subject = head[starts[-1] if starts else 0 :]
        words = subject.split()
        if len(words) > _SUBJECT_MAX_WORDS:
            words = words[-1:]
        what = " ".join(words).strip(",;: ")
        cut = len(head) - len(subject) if len(subject.split()) == len(words) else len(head) - len(words[0])
        found.append(what)
        text = f"{text[:cut].rstrip()} {text[hit.end() :].lstrip()}".strip()
    return text, [w for w in found if w]


def read_guidance(text: str) -> Guidance | None:
    """The key's guidance, or ``None`` when it has none (it is then read as written).

    >>> g = read_guidance("The order is BCA. One of the following should be given:\\n- B is part of C\\n- P(B) < P(C)")
    >>> g.before, g.alternatives
    ('The order is BCA.', ['B is part of C', 'P(B) < P(C)'])
    >>> read_guidance("Binary encoding. Simple and cheap is also acceptable as one of the reasons.").accept
    ['Simple and cheap']
    >>> read_guidance("Photosynthesis makes glucose.") is None
    True
    """
    stripped = strip_allocations(text)
    kept, accept = _accepted(stripped)
    head = _HEADING.search(kept)
    if head is None:
        return Guidance(kept, accept=accept) if stripped != text or accept else None
    before = kept[: head.start()]
    alternatives, after = _alternatives(kept[head.end() :])
    after = _HEADING.sub("", after)
    possible = head.group(0).strip().lower().startswith("possible")
    return Guidance(before.strip(), alternatives, after.strip(), accept, any_one=not possible)


def _alternatives(rest: str) -> tuple[list[str], str]:
    """The alternatives after a heading, and the text after them."""
    first, _, others = rest.partition("\n")
    if first.strip():  # an inline list: "a choice out of: A, B or C. The drawback..."
        sentence = re.split(r"(?<=[.!?])\s+|\.(?=[A-Z])", first, maxsplit=1)
        items = [i.strip(" .") for i in _INLINE_ITEM.split(sentence[0]) if i.strip(" .")]
        tail = sentence[1] if len(sentence) > 1 else ""
        return items, _join(tail, others)
    return _listed(others.splitlines())


def _listed(lines: list[str]) -> tuple[list[str], str]:
    """Listed alternatives: each top-level line starts one; deeper or unmarked lines continue it,
    and a blank line or a new label ("Data plane: ...") ends the list."""
    items: list[str] = []
    kind: str | None = None
    for at, raw in enumerate(lines):
        if not raw.strip():
            if items:
                return items, "\n".join(lines[at + 1 :])
            continue
        found = _MARKER.match(raw)
        this = _kind(found.group("m")) if found else "none"
        kind = kind or this
        line = raw[found.end() :].strip() if found else raw.strip()
        if this == kind or not items:
            items.append(line)
        elif not found and _LABEL.match(raw):
            return items, "\n".join(lines[at:])
        else:
            items[-1] = f"{items[-1]} {line}"
    return items, ""


def _kind(marker: str) -> str:
    """The kind of a list marker: its symbol, or digits, letters or roman numerals."""
    core = marker.strip("().")
    if core.isdigit():
        return "digit"
    if re.fullmatch(r"i{1,3}|iv|v|vi{1,3}", core):
        return "roman"
    if re.fullmatch(r"[a-h]", core):
        return "letter"
    return marker
