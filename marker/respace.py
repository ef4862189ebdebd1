"""Put back the spaces a text recogniser left out between words ("havediplomatic relations").

Reads nothing but the English word list of the installed spaCy pipeline (its ``strings.json``,
loaded once) and writes nothing. OCR of a scan drops about one space in forty words, and a
merged word hides both halves from the marking (a missing "diplomatic" loses a point), so
:mod:`marker.ocr` passes what it read through :func:`respace`.

A token is split only when it is not an English word itself, every part is, and the split is
unlikely to be a misreading of one word: every part of under four letters is a common word
("its" + "own") or stands alone elsewhere in the same answer ("war" + "damages" in an essay that
mentions the war), so "Cerman" (a misread "German") is not made "Cer man".
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

#: Letters after a number that belong to it ("1920s", "19th"), never split off.
_NUMBER_ENDINGS = {"s", "st", "nd", "rd", "th", "am", "pm", "km", "m", "bn"}
_TOKEN = re.compile(r"^([\"'(\[]*)(.*?)([\"'.,;:!?)\]]*)$")


@cache
def known_words() -> frozenset[str]:
    """Lower-case alphabetic words of the installed English spaCy pipeline (empty if none is)."""
    from spacy.util import get_package_path

    from .nlp import MODEL_NAMES

    for name in MODEL_NAMES:
        try:
            root = Path(get_package_path(name))
        except Exception:  # not installed
            continue
        for strings in [root / "vocab" / "strings.json", *root.glob("*/vocab/strings.json")]:
            if strings.is_file():
                words = json.loads(strings.read_text(encoding="utf-8"))
                return frozenset(w for w in words if w.isalpha() and w.islower())
    return frozenset()


@cache
def common_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | {"a", "i"}


def respace(text: str, known: frozenset[str] | None = None) -> str:
    """The text with words that were run together put apart; everything else as it was.

    >>> words = frozenset({"have", "diplomatic", "relations", "going", "was", "cer", "man", "war",
    ...                    "damages", "on", "soviet", "soil", "men"})
    >>> respace("They wasgoing to havediplomatic relations onSoviet soil, 100,000men.", words)
    'They was going to have diplomatic relations on Soviet soil, 100,000 men.'
    >>> respace("The Cerman army in the 1920s.", words)  # not split: likely one misread word
    'The Cerman army in the 1920s.'
    >>> respace("The war ended; wardamages were paid.", words)
    'The war ended; war damages were paid.'
    """
    known = known_words() if known is None else known
    if not known:
        return text
    alone = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
    lines = []
    for line in text.split("\n"):
        tokens = line.split(" ")
        lines.append(" ".join(_token(t, known, alone) for t in tokens))
    return "\n".join(lines)


def _token(token: str, known: frozenset[str], alone: set[str]) -> str:
    lead, core, trail = _TOKEN.match(token).groups()  # type: ignore[union-attr]
    if re.search(r"\d", core):
        return lead + _digits(core, known) + trail
    sentence = re.fullmatch(r"([A-Za-z]+[.,;:!?])([A-Z][a-z]+)", core)  # "Germany.Germany"
    if sentence:
        return f"{lead}{sentence.group(1)} {_token(sentence.group(2), known, alone)}{trail}"
    if not core.isalpha() or len(core) < 4 or core.lower() in known:
        return token
    camel = re.fullmatch(r"([a-z]{2,})([A-Z][a-z]+)", core)  # "onSoviet"
    if camel and camel.group(1) in common_words():
        return f"{lead}{camel.group(1)} {camel.group(2)}{trail}"
    if core[0].isupper() and core[1:].islower():  # "Itwas", "Germanyand"; never "Genoa" cut up
        head, rest = _name_and_words(core, known, alone)
        return lead + " ".join([head, *rest]) + trail if rest else token
    if not core.islower():
        return token
    parts = _split(core, known, alone)
    return lead + " ".join(parts) + trail if parts else token


def _digits(core: str, known: frozenset[str]) -> str:
    """Words run into a number put apart ("in1917and", "100,000men"); "1920s" and "19th" kept."""
    runs = re.findall(r"\d[\d,.]*\d|\d|[A-Za-z]+|[^\dA-Za-z]+", core)
    words = [r for r in runs if r.isalpha()]
    if not words or len(runs) < 2 or not all(w.lower() in known and len(w) > 1 for w in words):
        return core
    if runs[-1].isalpha() and runs[-1].lower() in _NUMBER_ENDINGS and len(runs) == 2:
        return core
    return " ".join(runs)


def _name_and_words(core: str, known: frozenset[str], alone: set[str]) -> tuple[str, list[str]]:
    """A capitalised word and one common word run onto it: ("Germany", ["and"]), or (core, []).

    The head must be a common word ("It" + "was"), a known word of four letters or more, or
    stand alone elsewhere in the answer, so that "Poland" does not become "Pol and".
    """
    common = common_words()
    for i in range(len(core) - 2, 1, -1):
        head, tail = core[:i], core[i:]
        low = head.lower()
        if tail in common and (low in common or (len(head) >= 4 and low in known) or low in alone):
            return head, [tail]
    return core, []


def _split(word: str, known: frozenset[str], alone: set[str]) -> list[str] | None:
    """The plausible split of ``word`` into known words (2 or 3), or None.

    Fewest parts first, then the most common words among them ("to have", not "toh ave").
    """
    candidates = []
    for i in range(1, len(word)):
        left, right = word[:i], word[i:]
        if left not in known or (len(left) == 1 and left not in ("a", "i")):
            continue
        if right in known and len(right) > 1:
            candidates.append([left, right])
        for j in range(2, len(right) - 1):
            if right[:j] in known and right[j:] in known:
                candidates.append([left, right[:j], right[j:]])
    plausible = [c for c in candidates if _plausible(c, alone)]
    if not plausible:
        return None
    common = common_words()
    return min(plausible, key=lambda c: (len(c), -sum(p in common for p in c), -min(map(len, c))))


def _plausible(parts: list[str], alone: set[str]) -> bool:
    """Every part of under four letters is a common word or stands alone elsewhere in the answer."""
    common = common_words()
    return all(len(p) >= 4 or p in common or p in alone for p in parts)
