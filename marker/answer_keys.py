"""Answer keys as teachers write them: alternatives, "any two of", accept / reject lines, key ideas.

A key is the model answer (or point) of a short-answer question in the import format, written
the way mark schemes are::

    Any two of:
    - lack of money / no funds
    - poor harvests
    - war with Poland
      accept: the Polish war
      do not accept: war

Reading rules (the numbers are in ``TUNING.keys``):

- **Items and wordings.** Bulleted or numbered lines ("- ", "* ", "• ", "1.", "a)"), or short
  lines that are not sentences (``list_line_max_words``, no full stop at the end), are separate
  answers (items); inside one of them, " / ", and
  " or ", ";" or "/" between short parts, separate wordings of that item. A key of one line is
  cut into items at ";", then at " / " (always), " or " and "/" (short parts only).
- **Short parts only.** " or ", ";" and an unspaced "/" cut only when every part has at most
  ``alternative_max_words`` words and the key is not a sentence ending with a full stop; never
  in "either ... or", "whether or not", "or not", "and/or", "km/h". An essay's " or " is prose.
- **"any two of"**, "any 2 from", "two of the following" in the key, or "give / state / name ...
  two" in the question, is the number of items the question asks for (:func:`asked_count`).
- **accept / reject lines.** A line or ";"-part or bracket starting "accept", "allow" or "credit"
  adds wordings of the item above it (the first item, at the top); "do not accept", "don't
  accept", "do not allow" or "reject" adds wordings that must not earn it; "ignore" is dropped
  (those words neither earn nor cost anything).
- **Points or coverage** (:attr:`ReadKeys.lists_phrases`): a key listing several answers makes
  a question of more than one mark a points question only when every listed answer is a phrase
  of at most ``points_item_max_words`` words; a key listing explanatory sentences stays a
  coverage question.
- **Parts** (:func:`key_parts`): a key written in two or more labelled or numbered parts
  ("Purpose: ...", "Reverse Path Broadcast: ...", "1. ...", or inside a line "Hop 1 : ... Hop 2 :
  ...") for a question of more than one mark is read as parts a full-mark answer must each say,
  unless the question asks for fewer answers than it lists ("give two reasons"). Prose before a
  colon is no label ("The reason is simple:", "For example:"; :func:`_prose_label`).
- **Key idea** (:func:`key_idea`): a teacher's ``**bold**`` words, else (in a key of one
  sentence) the first clause that says something the question does not, cut at "because",
  "so", or a comma before "which", "as", "since", "therefore", "meaning".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span

from .key_guidance import read_guidance
from .similarity import content_terms
from .tuning import TUNING

_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2023\u25e6\u2013]\s+|\(?\d{1,2}[.)]\s+|\(?[a-h]\)\s+)")
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUM = r"(?:one|two|three|four|five|six|[1-6])"
#: "any two of:", "any 2 from", "two of the following" at the head of a key.
_KEY_COUNT = re.compile(
    rf"^\s*(?:any\s+(?P<any>{_NUM})(?:\s+(?:of|from))?(?:\s+the\s+following)?|(?P<of>{_NUM})\s+of\s+the\s+following)"
    r"(?:\s+(?:points|answers|reasons|ways|features))?\s*[:\-\u2013]?\s*",
    re.I,
)
#: "Give two reasons", "name three", "any two" in a question.
_QUESTION_COUNT = re.compile(
    rf"\b(?:any|give|state|name|list|identify|describe|suggest|outline|write\s+down|explain)\s+(?P<n>{_NUM})\b"
    r"(?!\s*(?:marks?|%))",
    re.I,
)
_DIRECTIVE = re.compile(
    r"^(?P<kind>do\s+not\s+accept|don'?t\s+accept|do\s+not\s+allow|also\s+accept|accept|allow|credit|reject|ignore)"
    r"\b\s*[:\-\u2013]?\s*(?P<rest>.*)$",
    re.I | re.S,
)
_BRACKETED = re.compile(
    r"\(\s*(?=(?:do\s+not\s+accept|don'?t\s+accept|do\s+not\s+allow|also\s+accept|accept|allow|credit|reject|ignore)\b)([^()]*)\)",
    re.I,
)
_INLINE_DIRECTIVE = re.compile(
    r"\s+(?=(?:do\s+not\s+accept|don'?t\s+accept|do\s+not\s+allow|also\s+accept|accept|allow|reject|ignore)\s*:)",
    re.I,
)
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_SPACED_SLASH = re.compile(r"\s+/\s+")
_OR = re.compile(r"\s+or\s+", re.I)
_SEMICOLON = re.compile(r"\s*;\s*")
_AND_OR = re.compile(r"\band/or\b", re.I)
_TIGHT_SLASH = re.compile(r"(?<=\w)/(?=\w)")
#: " or " that joins words of one idea, never alternatives.
_PROSE_OR = re.compile(r"\beither\b.*\bor\b|\bwhether\s+or\b|\bor\s+(?:not|so|more|less|fewer)\b", re.I)
#: A full stop, then a new sentence (a capital letter): "bulb A" inside a sentence is not one.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_WORDS = re.compile(r"\w+(?:['\u2019]\w+)?")
#: A line that starts a part of a key: "1." / "(2)" / "3)", or a capitalised label and its colon
#: ("Purpose:", "Slow start (cwnd < ss_thresh):"; not "http://", nor a time "At 10:30").
_PART_HEAD = re.compile(r"^\s*(?:\(?\d{1,2}[.)](?!\d)|(?P<label>[A-Z][^:\n.!?;]*?)\s*:+(?![\d/]))")
#: Labels of words for the marker, not parts of the answer ("Note: accept the Bolsheviks").
_ASIDE_LABEL = re.compile(r"(?:notes?|n\.?b|accept|also accept|do not accept|reject)\W*$", re.I)
#: A numbered label and its colon inside a line ("Hop 2 :", "Step 3:"); not a time ("At 10:30"), a
#: ratio ("Ratio 1:2") or an address.
_NUMBERED_LABEL = re.compile(r"(?<![\w-])(?P<word>[A-Z][a-z]+)[ \t]?(?P<n>\d{1,2})[ \t]*:(?![\d/])")
#: A capitalised phrase, every word capitalised, and its colon ("Congestion Avoidance:", "Effect:").
_TITLE_LABEL = re.compile(r"(?<!\S)(?P<label>[A-Z][\w-]*(?:[ \t]+[A-Z][\w-]*)*)[ \t]*:(?![\d/])")
_IN_BRACKETS = re.compile(r"\([^()]*\)")
_LAST_WORD = re.compile(r"(\w+)[ \t]+$")
_AFTER_SENTENCE = re.compile(r"[.!?][\"'\u2019\u201d)]?[ \t]+$")


@dataclass
class KeyItem:
    """One creditable answer of a key: its wordings, and the wordings accepted or rejected for it."""

    wordings: list[str]
    accept: list[str] = field(default_factory=list)
    reject: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.wordings[0] if self.wordings else (self.accept or [""])[0]

    @property
    def accepted(self) -> list[str]:
        """Every wording that earns the item: its own, then those accepted."""
        return _unique([*self.wordings, *self.accept])


@dataclass
class Key:
    """A key as read: its items, and how many of them the key asks for (``None``: not said)."""

    items: list[KeyItem]
    count: int | None = None

    @property
    def is_list(self) -> bool:
        """Whether the key names several creditable answers (or accept / reject wordings)."""
        return len(self.items) > 1 or any(i.accept or i.reject or len(i.wordings) > 1 for i in self.items)


def _unique(texts: list[str]) -> list[str]:
    seen, out = set(), []
    for t in texts:
        if t and t.lower() not in seen:
            seen.add(t.lower())
            out.append(t)
    return out


def _n_words(text: str) -> int:
    return len(_WORDS.findall(text))


def _clean(text: str) -> str:
    """A wording without quotes, bold marks and the punctuation around it."""
    text = _BOLD.sub(lambda m: m.group(1) or m.group(2), text)
    return text.strip().strip("\"'\u2018\u2019\u201c\u201d").strip(" .,;:").strip()


def split_alternatives(text: str) -> list[str]:
    """The wordings of one answer: cut at " / " always, and at ";", " or ", "/" between short parts.

    >>> split_alternatives("tRNA carries the anticodon / anticodon pairs with codon")
    ['tRNA carries the anticodon', 'anticodon pairs with codon']
    >>> split_alternatives("lack of money or poor harvests; war")
    ['lack of money', 'poor harvests', 'war']
    >>> split_alternatives("The stimulus is seeing or hearing the cup fall.")
    ['The stimulus is seeing or hearing the cup fall']
    """
    out: list[str] = []
    for part in _SPACED_SLASH.split(text):
        out += _split_short(part)
    return [w for w in map(_clean, out) if w]


def _split_short(text: str) -> list[str]:
    """Cut at ";", " or " and "/" when every part is short and the text is not a sentence."""
    limit = TUNING.keys.alternative_max_words
    stripped = text.strip()
    # A sentence (a full stop at the end) uses " or " and "/" for words of one idea.
    sentence = _is_sentence(stripped)
    parts = [stripped]
    for sep in (_SEMICOLON, _OR, _TIGHT_SLASH):
        if (sep is not _SEMICOLON and sentence) or (sep is _OR and _PROSE_OR.search(stripped)):
            continue
        cut = [q for p in parts for q in sep.split(p)]
        if sep is _TIGHT_SLASH and (_AND_OR.search(stripped) or any(len(q.strip()) < 3 for q in cut)):
            continue
        if len(cut) > 1 and all(0 < _n_words(q) <= limit for q in cut):
            parts = cut
    return parts


def _is_sentence(text: str) -> bool:
    text = text.strip()
    return text.endswith((".", "!", "?")) and _n_words(text) > 1


def _directive(text: str) -> tuple[str, list[str]] | None:
    """``("accept" | "reject" | "ignore", wordings)`` when the text is an accept / reject line."""
    found = _DIRECTIVE.match(text.strip())
    if not found:
        return None
    kind = found.group("kind").lower()
    kind = "reject" if ("not" in kind or "n't" in kind or kind == "reject") else kind
    kind = "accept" if kind in ("accept", "allow", "credit", "also accept") else kind
    return kind, split_alternatives(found.group("rest"))


def asked_count(key_text: str, question: str = "") -> int | None:
    """How many answers the key or the question asks for: "any two of", "give two reasons".

    >>> asked_count("Any two of: A / B / C"), asked_count("A / B", "Give two reasons why."), asked_count("A")
    (2, 2, None)
    """
    found = _KEY_COUNT.match(key_text) or _QUESTION_COUNT.search(question)
    if not found:
        return None
    n = next(g for g in found.groups() if g)
    return _NUMBERS.get(n.lower()) or int(n)


def read_key(text: str, question: str = "") -> Key:
    """A key's items with their wordings, accepted and rejected wordings, and the count asked for.

    >>> key = read_key("Any two of: lack of money / poor harvests / war")
    >>> key.count, [i.label for i in key.items]
    (2, ['lack of money', 'poor harvests', 'war'])
    >>> read_key("closed circuit; accept complete circuit; reject: the bulb is on").items
    [KeyItem(wordings=['closed circuit'], accept=['complete circuit'], reject=['the bulb is on'])]
    """
    count = asked_count(text, question)
    head = _KEY_COUNT.match(text)
    body = text[head.end() :] if head else text
    directives: list[tuple[int, str, list[str]]] = []  # (item it follows, kind, wordings)
    lines: list[tuple[str, bool]] = []  # (content, had a bullet)

    def note(kind_words: tuple[str, list[str]]) -> None:
        directives.append((len(lines) - 1, *kind_words))

    for raw in body.splitlines():
        bulleted = bool(_BULLET.match(raw))
        line = _BULLET.sub("", raw, count=1).strip()
        for inner in _BRACKETED.findall(line):
            lines_before = _directive(inner)
            if lines_before:
                note(lines_before)
        line = _BRACKETED.sub("", line).strip()
        if not line:
            continue
        found = _directive(line)
        if found:
            note(found)
            continue
        segments = [s for s in re.split(r"\s*;\s*", line) if s.strip()]
        content = [s for s in segments if not _directive(s)]
        kept = "; ".join(content)
        if kept.strip():
            lines.append((kept, bulleted))
        for s in segments:
            if found := _directive(s):
                note(found)
    items = _items(lines)
    for at, kind, words in directives:
        if not items or kind == "ignore":
            continue
        item = items[max(at, 0)] if len(lines) == len(items) else items[0]
        (item.accept if kind == "accept" else item.reject).extend(words)
    for item in items:
        item.accept, item.reject = _unique(item.accept), _unique(item.reject)
    return Key(items, count)


def _items(lines: list[tuple[str, bool]]) -> list[KeyItem]:
    """Several lines are several items (bulleted or short); one line is cut into its alternatives."""
    if not lines:
        return []
    limit = TUNING.keys.list_line_max_words
    # Unbulleted lines list answers when each is a short phrase; sentences are paragraphs.
    if len(lines) > 1 and all(b or (_n_words(t) <= limit and not _is_sentence(t)) for t, b in lines):
        return [KeyItem(split_alternatives(t)) for t, _b in lines]
    if len(lines) > 1:  # paragraphs of one model answer
        return [KeyItem([_clean(" ".join(t for t, _b in lines))])]
    return [KeyItem([w]) for w in split_alternatives(lines[0][0])]


def key_parts(text: str, question: str = "") -> list[str]:
    """The parts of a key written in labelled or numbered parts, each of which a full answer says.

    A line starting with a number ("1.", "2)") or a short capitalised label and its colon
    (at most ``part_label_max_words`` words: "Purpose:", "Advantage:") starts a part; the lines
    after it, until the next such line, belong to it, and text before the first is a part of its
    own. A label may also start a part inside a line (:func:`_cut_at_labels`: "Hop 1 : ... Hop 2 :
    ...", "... it is cheap. Disadvantage: ..."). A "Note:" or "Accept:" label starts no part. Two
    or more labels are needed, and the question must not ask for fewer answers than the parts
    ("Give two reasons" over five numbered reasons lists alternatives). Empty when the key is not
    written in parts.

    >>> key_parts("Cause: the harvest failed.\\nEffect: grain prices rose and people starved.")
    ['Cause: the harvest failed.', 'Effect: grain prices rose and people starved.']
    >>> key_parts("1. lack of money\\n2. poor harvests\\n3. war with Poland", "Give two reasons.")
    []
    """
    parts: list[list] = []  # [text, whether a label starts it]
    numbered = _numbered_labels(text)
    for line in (piece for raw in text.splitlines() for piece in _cut_at_labels(raw.strip(), numbered)):
        if not line:
            continue
        head = _PART_HEAD.match(line)
        label = head.group("label") if head else None
        if label is not None and not _part_label(label):
            head = None
        if head or not parts:
            parts.append([line, head is not None])
        else:
            parts[-1][0] += " " + line
    # A heading over the parts ("The answer should mention:") says nothing an answer must say.
    kept = [(p, headed) for p, headed in parts if not _heading_only(p)]
    heads = sum(headed for _p, headed in kept)
    parts = [p for p, _headed in kept if _n_words(p) >= 3]
    count = asked_count(text, question)
    if heads < 2 or len(parts) < 2 or (count is not None and count < len(parts)):
        return []
    return parts


def _part_label(label: str) -> bool:
    """Whether a label may start a part of a key: at most ``part_label_max_words`` words, not an
    aside ("Note:", "Accept:"), and not running prose (:func:`_prose_label`)."""
    short = _n_words(label) <= TUNING.keys.part_label_max_words
    return short and not _ASIDE_LABEL.match(label) and not _prose_label(label)


def _prose_label(label: str) -> bool:
    """Whether the words before a colon are running prose, not a label: a clause with a finite verb
    or a subject ("No single stage is large", "It works like this"), or words carrying prose on
    ("For example", "Two things matter here"); brackets aside. A case or a question is a label.

    >>> [_prose_label(t) for t in ("The reason is simple", "Slow start (cwnd is low)", "When it is low")]
    [True, False, False]
    """
    tuning = TUNING.keys
    words = _WORDS.findall(_IN_BRACKETS.sub(" ", label).replace("\u2019", "'"))
    low = f" {' '.join(words).lower()} "
    if not words or words[0].lower() in tuning.case_label_openers:
        return False
    if any(low.startswith(f" {p} ") for p in tuning.prose_label_openers):
        return True
    return any(low.endswith(f" {p} ") for p in tuning.prose_label_closers) or any(
        (w.islower() and w in tuning.prose_label_verbs)
        or (not w.isupper() and w.lower() in tuning.prose_label_subjects)
        for w in words
    )


def _heading_only(part: str) -> bool:
    """Whether a part of a key is a label and its colon with nothing after it."""
    head = _PART_HEAD.match(part)
    return head is not None and not part[head.end() :].strip()


def _numbered_labels(text: str) -> frozenset[str]:
    """The numbered labels of a key that run 1, 2, ... in order under one word ("Hop 1 :", "Hop 2 :").

    >>> sorted(_numbered_labels("Hop 1 :(A, B) Hop 2 :(B, E) Hop 3 :(E, G)"))
    ['Hop']
    >>> sorted(_numbered_labels("Table 1: the results. At 10:30 the ratio was 1:2."))
    []
    """
    seen: dict[str, list[int]] = {}
    for m in _NUMBERED_LABEL.finditer(text):
        seen.setdefault(m.group("word"), []).append(int(m.group("n")))
    return frozenset(w for w, ns in seen.items() if len(ns) >= 2 and ns == list(range(1, len(ns) + 1)))


def _cut_at_labels(line: str, numbered: frozenset[str]) -> list[str]:
    """A line of a key cut before each label inside it that clearly starts a part of the key.

    A label inside a line is a numbered label of the key's own run (``numbered``), or a phrase
    of at most ``part_label_max_words`` capitalised words and its colon after a sentence end,
    or, on a line that itself starts with a label, after a word that is not a stop word
    ("... increase of cwnd Congestion Avoidance: ..."). Bulleted lines are alternatives and are
    never cut; prose ("The reason is simple:", "e.g.:", "the Western Front:") is not cut.

    >>> _cut_at_labels("Advantage: it is cheap. Disadvantage: it is slow.", frozenset())
    ['Advantage: it is cheap.', 'Disadvantage: it is slow.']
    """
    if _BULLET.match(line):
        return [line]
    cuts = {m.start() for m in _NUMBERED_LABEL.finditer(line) if m.group("word") in numbered}
    head = _PART_HEAD.match(line)
    labelled = head is not None and head.group("label") is not None
    for m in _TITLE_LABEL.finditer(line):
        before = line[: m.start()]
        label = m.group("label")
        if not before or not _part_label(label):
            continue
        if _AFTER_SENTENCE.search(before) or (
            labelled and _n_words(label) >= 2 and _plain_word_before(before)
        ):
            cuts.add(m.start())
    cuts.discard(0)
    bounds = [0, *sorted(cuts), len(line)]
    return [line[a:b].strip() for a, b in zip(bounds, bounds[1:], strict=False)]


def _plain_word_before(before: str) -> bool:
    """Whether the text before a capitalised phrase ends with a word that is not a stop word
    ("cwnd", not "the" or "of"): a proper name after "the", "in" or "at" is not a label."""
    last = _LAST_WORD.search(before)
    return last is not None and last.group(1).lower() not in STOP_WORDS


def point_wordings(text: str) -> KeyItem:
    """One point as a teacher writes it: every alternative is a wording of it (lines, bullets, / or ;).

    >>> point_wordings("carbon dioxide / CO2 (accept: carbon dioxide gas) reject: carbon monoxide")
    KeyItem(wordings=['carbon dioxide', 'CO2'], accept=['carbon dioxide gas'], reject=['carbon monoxide'])
    """
    # "reject: X" may follow the point on the same line (with its colon: "they reject the
    # treaty" is a wording): start a new line there.
    text = _INLINE_DIRECTIVE.sub("\n", text)
    key = read_key(text)
    item = KeyItem([w for i in key.items for w in i.wordings])
    item.accept = _unique([w for i in key.items for w in i.accept])
    item.reject = _unique([w for i in key.items for w in i.reject])
    bold = bold_words(text)
    if bold and bold not in item.wordings:
        item.accept.insert(0, bold)
    return item


def bold_words(text: str) -> str | None:
    """The words a teacher marked as the key idea with ``**bold**`` (or ``__underline__``)."""
    found = _BOLD.search(text)
    return _clean(found.group(1) or found.group(2)) if found else None


def key_idea(doc: Doc, question_terms: frozenset[str]) -> str | None:
    """The key idea of a one-sentence full-mark answer, when it is only part of it (else ``None``).

    The first clause that says at least ``key_idea_min_new_terms`` content words the question
    does not; clauses are cut at "because" and "so" (not "so many"), and at a comma before
    "which", "as", "since", "therefore", "meaning". A key of several sentences has no key idea
    (its sentences may all be needed: the steps of a method); bold words are handled by
    :func:`bold_words`.
    """
    if len(_SENTENCE_END.split(doc.text.strip())) > 1:
        return None
    pieces = _clause_pieces(doc)
    if len(pieces) < 2:
        return None
    for piece in pieces:
        new = content_terms(piece) - question_terms
        if len(new) >= TUNING.keys.key_idea_min_new_terms:
            return _clean(piece.text) or None
    return None


def _clause_pieces(doc: Doc) -> list[Span]:
    tuning = TUNING.keys
    start, out = 0, []
    for t in doc:
        after_comma = t.i > 0 and doc[t.i - 1].text == ","
        low = t.lower_
        is_break = low in tuning.key_idea_breaks or (after_comma and low in tuning.key_idea_comma_breaks)
        if low == "so" and not after_comma and t.head.i == t.i + 1 and t.head.pos_ in ("ADJ", "ADV"):
            is_break = False  # "so many", "so quickly": a degree, not a consequence
        if is_break and t.i > start:
            out.append(doc[start : t.i])
            start = t.i + 1
    out.append(doc[start:])
    return [p for p in out if any(not t.is_punct for t in p)]


#: A model answer to keep: ``(name, text, mark, level)``.
Named = tuple[str, str, int, int | None]


@dataclass
class ReadKeys:
    """What the full-mark model answers of an imported question say, read as keys.

    ``answers`` are the model answers to keep, named (``model-1``, ``model-1-2`` for its second
    alternative, ``model-1-key-idea``); ``items`` are the points the keys list (empty when no key
    is a list); ``count`` is how many answers the key or question asks for.
    """

    answers: list[Named]
    items: list[KeyItem]
    count: int | None
    #: The parts of a full-mark key written in parts (:func:`key_parts`), for a question of more
    #: than one mark; empty otherwise.
    parts: list[str] = field(default_factory=list)

    @property
    def lists_phrases(self) -> bool:
        """Whether the keys list several answers, each a short phrase (``points_item_max_words``).

        Only such a key makes a question of more than one mark a points question: a key listing
        explanatory sentences is answered in other words, which coverage's meaning estimate credits
        and the points' word match does not.

        >>> ReadKeys([], [KeyItem(["Slow start"]), KeyItem(["Congestion avoidance"])], None).lists_phrases
        True
        >>> long = "The UDP header has a fixed length while the TCP header has a variable length"
        >>> ReadKeys([], [KeyItem([long]), KeyItem(["Sequence number"])], None).lists_phrases
        False
        """
        limit = TUNING.keys.points_item_max_words
        return len(self.items) > 1 and all(_n_words(w) <= limit for item in self.items for w in item.wordings)


def read_model_answers(
    question: str,
    max_mark: int,
    answers: list[tuple[str, int, int | None]],
    n_plain: int,
    nlp: Language,
) -> ReadKeys:
    """Read the full-mark plain model answers of a points or coverage question as keys.

    Args:
        question: the question's text (for "give two ..." and the key idea).
        max_mark: the question's mark.
        answers: ``(text, mark, level)`` of every model answer, the plain ones first.
        n_plain: how many of them are plain model answers (the rest are level examples).
        nlp: the pipeline, to find the key idea of a wording.
    """
    top = max((m for _t, m, _lv in answers), default=0)
    out: list[Named] = []
    items: list[KeyItem] = []
    parts: list[str] = []
    count = asked_count("", question)
    question_terms = content_terms(nlp(question)) if max_mark == 1 else frozenset()
    for i, (text, mark, level) in enumerate(answers):
        name = f"model-{i + 1}"
        if i >= n_plain or mark < top:
            out.append((name, text, mark, level))
            continue
        guided = _guided(text, question, items)
        if guided is not None:
            out += [(name if k == 0 else f"{name}-{k + 1}", t, mark, level) for k, t in enumerate(guided)]
            continue
        key = read_key(text, question)
        count = key.count or count
        if max_mark > 1 and not parts:
            parts = key_parts(text, question)
        if key.is_list:
            items += key.items
        if key.is_list and max_mark > 1 and len(key.items) > 1:
            # Marked by points: the model answer is the list itself, one answer per line.
            out.append((name, "\n".join(item.label for item in key.items), mark, level))
            continue
        # A key that lists nothing is kept as written (an essay's full stops and all).
        plain = _BOLD.sub(lambda m: m.group(1) or m.group(2), text).strip()
        wordings = [w for item in key.items for w in item.accepted] if key.is_list else [plain]
        out += [(name if k == 0 else f"{name}-{k + 1}", w, mark, level) for k, w in enumerate(wordings)]
        if max_mark == 1:
            ideas = _key_ideas(text, wordings, question_terms, nlp, items)
            out += [
                (f"{name}-key-idea" + (f"-{k + 1}" if k else ""), idea, mark, level)
                for k, idea in enumerate(ideas)
            ]
    return ReadKeys(out, items, count, parts)


def _guided(text: str, question: str, items: list[KeyItem]) -> list[str] | None:
    """A key holding marking guidance (see :mod:`marker.key_guidance`): one full-mark answer per
    alternative, the text around it kept; its alternatives one item (any one earns it), or each
    its own when they are possible answers ("Possible challenges:") of which the question asks for
    several. ``None`` when the key holds no guidance."""
    guidance = read_guidance(text)
    if guidance is None:
        return None
    alternatives = guidance.alternatives
    if alternatives and not guidance.any_one and (asked_count(text, question) or 1) > 1:
        items += [KeyItem([a]) for a in alternatives]
    elif alternatives or guidance.accept:
        items.append(KeyItem(alternatives, accept=guidance.accept))
    return [t for t in guidance.texts if t]


def _key_ideas(
    text: str, wordings: list[str], question_terms: frozenset[str], nlp: Language, items: list[KeyItem]
) -> list[str]:
    """The key ideas of a key's wordings that are not wordings already; each becomes a wording of its item."""
    bold = bold_words(text)
    found = [bold] if bold else [key_idea(doc, question_terms) for doc in nlp.pipe(wordings)]
    known = {w.lower() for w in wordings}
    ideas = _unique([idea for idea in found if idea and idea.lower() not in known])
    for item in items:
        if any(w in item.accepted for w in wordings):
            item.accept = _unique([*item.accept, *ideas])
    return ideas
