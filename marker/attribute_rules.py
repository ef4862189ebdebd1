"""spaCy's attribute ruler with its matches found by dictionary look-ups instead of its Matcher.

The English pipeline's ``attribute_ruler`` gives each token the part of speech and morphology
of its fine tag and corrects a few words ("n't", "gonna"): 179 patterns, all of one or two
tokens. spaCy finds them with its general Matcher, which steps every pattern over every token:
about 40 ms of CPU for a 600-word essay, a fifth of spaCy's time once marking stopped running
the entity recogniser. :class:`QuickAttributeRuler` is the same component (the same patterns,
attributes, order of application and serialisation) that finds the same matches another way:
each token pattern is filed under the word (``LOWER``) or the tag (``TAG``) it asks for, so a
token tries only the few patterns that could match it. A pattern it cannot read (an operator
such as ``"OP"``, another attribute) sends every document back to spaCy's Matcher.
``tests/test_attribute_rules.py`` checks every token's attributes against spaCy's component.
"""

from __future__ import annotations

import re
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.strings import StringStore
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

#: The token attributes a pattern may test, and their ids for ``Doc.to_array``, in one order.
_ATTRS = ("LOWER", "TAG", "DEP", "IS_SPACE")
_ATTR_IDS = [LOWER, TAG, DEP, IS_SPACE]
#: One test: (position in _ATTRS, operator, argument).
_Test = tuple[int, str, Any]


class QuickAttributeRuler(AttributeRuler):
    """spaCy's :class:`~spacy.pipeline.AttributeRuler`, matching by look-up (see the module)."""

    _index: tuple | None = None

    def add(self, patterns: Any, attrs: dict, index: int = 0) -> None:
        super().add(patterns, attrs, index)
        self._index = None

    def clear(self) -> None:
        super().clear()
        self._index = None

    def match(self, doc: Doc) -> list[tuple[int, int, int, int]]:
        """The matches spaCy's Matcher finds, as ``AttributeRuler.match`` gives them (sorted)."""
        if self._index is None:
            self._index = _build_index(self.patterns, self.vocab.strings)
        if not self._index:
            return super().match(doc)
        by_lower, by_tag, anywhere = self._index
        # Each token's attributes as string hashes (IS_SPACE as 0 or 1), as the Matcher reads them.
        values = [tuple(row) for row in doc.to_array(_ATTR_IDS).tolist()]
        n, found, strings = len(values), set(), doc.vocab.strings
        for i, value in enumerate(values):
            for candidates in (by_lower.get(value[0]), by_tag.get(value[1]), anywhere):
                for attr_id, first, rest in candidates or ():
                    if first and not _passes(value, first, strings):
                        continue
                    end = i + 1 + len(rest)
                    if rest and (
                        end > n or not all(_passes(values[i + 1 + k], t, strings) for k, t in enumerate(rest))
                    ):
                        continue
                    found.add((attr_id, i, end))
        return sorted((attr_id, strings[str(attr_id)], start, end) for attr_id, start, end in found)

    def set_annotations(self, doc: Doc, matches: list) -> None:
        """As spaCy's, without making a Span of each match (an index outside one is refused there)."""
        for attr_id, _match_id, start, end in matches:
            index = self.indices[attr_id]
            at = (start if index >= 0 else end) + index
            if not start <= at < end:
                return super().set_annotations(doc, matches)
            set_token_attrs(doc[at], self.attrs[attr_id])


def _passes(value: tuple, tests: tuple[_Test, ...], strings: StringStore) -> bool:
    """Whether one token's attribute hashes pass a token pattern's tests."""
    for at, op, arg in tests:
        x = value[at]
        if op == "==":
            if x != arg:
                return False
        elif op == "IN":
            if x not in arg:
                return False
        elif op == "NOT_IN":
            if x in arg:
                return False
        elif arg.search(strings[x]) is None:  # REGEX, on the string
            return False
    return True


def _build_index(patterns: list[dict], strings: StringStore) -> tuple:
    """Each pattern filed under the word or tag its first token asks for (that test then left
    out); () when a pattern uses what :meth:`QuickAttributeRuler._passes` cannot test."""
    by_lower: dict[int, list] = {}
    by_tag: dict[int, list] = {}
    anywhere: list = []
    for attr_id, entry in enumerate(patterns):
        for pattern in entry["patterns"]:
            steps = [_tests(spec, strings) for spec in pattern]
            if not steps or any(step is None for step in steps):
                return ()
            first, rest = steps[0], tuple(steps[1:])
            for at, index in ((0, by_lower), (1, by_tag)):
                key = next((t for t in first if t[0] == at and t[1] in ("==", "IN")), None)
                if key is not None:
                    others = tuple(t for t in first if t is not key)
                    for value in [key[2]] if key[1] == "==" else key[2]:
                        index.setdefault(value, []).append((attr_id, others, rest))
                    break
            else:
                anywhere.append((attr_id, first, rest))
    return by_lower, by_tag, anywhere


def _tests(spec: dict, strings: StringStore) -> tuple[_Test, ...] | None:
    """One token pattern as tests on hashes, or None when it uses what cannot be tested here."""
    tests = []
    for attr, wanted in spec.items():
        if attr not in _ATTRS:
            return None
        at = _ATTRS.index(attr)
        if attr == "IS_SPACE":
            if not isinstance(wanted, bool):
                return None
            tests.append((at, "==", int(wanted)))
        elif isinstance(wanted, str):
            tests.append((at, "==", strings[wanted]))
        elif isinstance(wanted, dict) and len(wanted) == 1:
            ((op, arg),) = wanted.items()
            if op in ("IN", "NOT_IN") and all(isinstance(a, str) for a in arg):
                tests.append((at, op, frozenset(strings[a] for a in arg)))
            elif op == "REGEX" and isinstance(arg, str):
                tests.append((at, op, re.compile(arg)))
            else:
                return None
        else:
            return None
    return tuple(tests)


@Language.factory("marker_attribute_ruler", default_config={"validate": False})
def make_quick_attribute_ruler(nlp: Language, name: str, validate: bool) -> QuickAttributeRuler:
    """Factory of :class:`QuickAttributeRuler`; patterns are added as to spaCy's (``add_patterns``).

    Writes what spaCy's attribute ruler writes (``Token.pos``, ``tag``, ``morph``, ``lemma``,
    ``dep``); declares no extensions.
    """
    return QuickAttributeRuler(nlp.vocab, name, validate=validate)
