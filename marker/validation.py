"""The validation set: answers written at known, examiner-judged levels (tests/validation/)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

#: The validation set lives with the tests (it is not shipped in the wheel).
VALIDATION_DIR = Path(__file__).resolve().parent.parent / "tests" / "validation"
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.S)

#: Generic sentences that say nothing about any question: what padding looks like.
FILLER = (
    "This is a very important question that historians have discussed for a long time. "
    "There are many different factors that need to be considered carefully when answering it. "
    "It is important to look at all of the evidence before reaching a conclusion about this. "
    "Overall this shows that there were many reasons and all of them mattered in different ways."
)


@dataclass(frozen=True)
class ValidationAnswer:
    question: str
    name: str
    kind: str
    intended_level: int
    intended_mark: int
    text: str
    note: str = ""


def load_validation(root: Path = VALIDATION_DIR, question: str = "*") -> list[ValidationAnswer]:
    out = []
    for path in sorted(root.glob(f"{question}/*.md")):
        match = _FRONT.match(path.read_text(encoding="utf-8"))
        if not match:
            raise ValueError(f"{path}: no front matter")
        meta = yaml.safe_load(match.group(1))
        out.append(
            ValidationAnswer(
                question=meta["question"],
                name=path.stem,
                kind=meta.get("kind", ""),
                intended_level=int(meta["intended_level"]),
                intended_mark=int(meta["intended_mark"]),
                text=match.group(2).strip(),
                note=meta.get("note", ""),
            )
        )
    return out


def padded(text: str, times: int = 2) -> str:
    """The answer made longer without new content: filler paragraphs and its own first paragraph again."""
    first = text.split("\n\n")[0]
    return text + "\n\n" + "\n\n".join([FILLER] * times) + "\n\n" + first
