"""Reading misspelt words: which words are English, and what a misspelt one stands for.

Pupils misspell ("goverment", "intervension", "In conlusion", "Lennin") and drop apostrophes
("Lloyd Georges"). A word that is no English word (the lemmas of the English model's
lemmatizer) may be read as the known word it is closest to, among a small vocabulary the caller
gives: the words of the knowledge base's names and the mark scheme's cue phrases
(:mod:`marker.concepts`), the words that open a conclusion (:mod:`marker.roles`), or the
question's own words (:func:`marker.relevance.goes_beyond_question`). An English word is never
read as another: a pupil who writes "interaction" or "confusion" means it. Only essays marked by
levels are read this way (:func:`marker.engine.reading`); short answers are read as written.

Pure functions; how close is close enough is ``TUNING.concepts`` (the same rule as misspelt
names: a rapidfuzz ratio of ``fuzzy_cutoff`` with the first letter agreeing, from
``fuzzy_min_letters`` letters).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import spacy
from rapidfuzz import fuzz, process
from spacy.lookups import Lookups

from .tuning import TUNING

#: Shortest word that may be read as another (shorter ones are other words, not slips).
MIN_LETTERS = TUNING.concepts.fuzzy_min_letters
CUTOFF = TUNING.concepts.fuzzy_cutoff


@functools.lru_cache(maxsize=2)
def english_words(packages: tuple[str, ...]) -> frozenset[str]:
    """The English lemmas of the first installed of these spaCy model packages' lemmatizer
    (about 83,000, from WordNet): :data:`marker.nlp.MODEL_NAMES`.

    Empty when none is found (then no word can be told misspelt).
    """
    for name in packages:
        try:
            root = Path(spacy.util.get_package_path(name))
        except (ImportError, OSError):
            continue
        for folder in sorted(root.glob("*/lemmatizer/lookups")):
            index = Lookups().from_disk(folder).get_table("lemma_index", {})
            return frozenset(w.lower() for words in index.values() for w in words)
    return frozenset()


def read_misspelt(
    word: str,
    words: set[str] | frozenset[str],
    choices: Sequence[str],
    lexicon: frozenset[str],
    cutoff: float = CUTOFF,
) -> str | None:
    """The word of ``words`` a misspelt ``word`` (lower case, ASCII) stands for, or None.

    None when ``word`` is English (in ``lexicon``) or one of ``words`` already. A plain "s" on
    one of ``words`` is its possessive without the apostrophe ("georges"); otherwise the closest
    of ``choices`` (those of ``words`` long enough to be misspelt) with a rapidfuzz ratio of
    ``cutoff`` and the same first letter, for words of :data:`MIN_LETTERS` letters up.

    >>> lex, words = frozenset({"government", "interaction"}), {"government", "george", "intervention"}
    >>> [read_misspelt(w, words, sorted(words), lex) for w in ("goverment", "georges", "interaction")]
    ['government', 'george', None]
    """
    if not lexicon or word in lexicon or word in words:
        return None
    if word.endswith("s") and word[:-1] in words:
        return word[:-1]
    if len(word) < MIN_LETTERS or not choices:
        return None
    hit = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return hit[0] if hit is not None and hit[0][:1] == word[:1] else None


def read_word(word: str, words: frozenset[str], lexicon: frozenset[str]) -> str:
    """A lower-cased word as written, or, when it misspells one of ``words``
    (:func:`read_misspelt`), that word, with the punctuation around it kept.

    >>> read_word("conlusion,", frozenset({"in", "conclusion"}), frozenset({"in", "conclusion"}))
    'conclusion,'
    """
    bare = word.strip(",.:;")
    if not bare.isalpha():
        return word
    read = read_misspelt(bare, words, sorted(w for w in words if len(w) >= MIN_LETTERS), lexicon)
    return word.replace(bare, read) if read else word
