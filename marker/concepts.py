"""The ``marker_concepts`` spaCy component: find knowledge-base concepts and rubric cue phrases.

Matching is spaCy's own PhraseMatcher twice over, on ``LOWER`` (exact wording, with
spellings that drop diacritics generated automatically: "Pilsudski" for "Piłsudski") and
on ``LEMMA`` ("broke isolation" for "break isolation"); a loose pass that lets a few
words fall between a phrase's content words ("ended Soviet isolation" for "end
isolation"); a fuzzy pass with rapidfuzz for misspelt proper names ("Rapalo",
"Zinovev") that none of these catches; and, in essays only, a spelling pass for the rest of what
pupils misspell: a word that is no English word (the English model's lemmatizer lexicon,
:func:`marker.spelling.english_words`) is read as the entry word it is closest to ("goverment",
"intervension", "lennin") or, ending in a plain "s", as the name it is the possessive of ("Lloyd Georges"), and the phrases are matched again over the words so
read ("the first Labour goverment", "Zinovief letter"). Such a word's lemma becomes the word it
is read as, connectives included ("becuase", "therfore": :data:`ARGUMENT_WORDS`), so that the
later stages read a misspelt answer as they read its tidy twin (:mod:`marker.spelling`). The
spelling pass runs only when the caller asks for it (``spelling=True`` through spaCy's
``component_cfg``: the engine does for questions marked by levels): short answers, and every other
text the pipeline parses, are read as written, since on the public short-answer sets the pass moved
agreement (SciEntsBank unseen answers down at every row).

The pure helpers (:func:`fold`, :func:`name_variants`, :func:`fuzzy_vocabulary`) are
tested without a pipeline; :class:`ConceptMatcher` is the thin Pipe around them. How loose
the loose and fuzzy passes are is ``TUNING.concepts`` in ``marker/tuning.py``.

Reads: a parsed spaCy ``Doc`` and the entries of the topic's concepts and the mark scheme's
cue phrases. Writes: ``doc.spans["marker_concepts"]``, which the evidence stage reads, and the
lemma of each misspelt word it reads as another.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from spacy.attrs import IS_ALPHA, IS_PUNCT, LEMMA, LOWER, ORTH, POS
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.symbols import PROPN
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .spelling import read_misspelt
from .tuning import TUNING

SPANS_KEY = "marker_concepts"
#: Span.kb_id_ of a match that only fuzzy matching found.
FUZZY = "fuzzy"
EXACT = "exact"
#: Span.kb_id_ of a cue found with words in between ("ended Soviet isolation" for "end isolation").
LOOSE = "loose"
#: Words allowed between two content words of a cue phrase (see TUNING.concepts).
LOOSE_GAP = TUNING.concepts.loose_gap
#: Shortest name, and shortest word of an answer, that fuzzy matching considers.
FUZZY_MIN_LETTERS = TUNING.concepts.fuzzy_min_letters
_ROLES = TUNING.roles
#: The components that lemmatise a phrase; the rest of the pipeline is not run on phrases.
LEMMA_PIPES = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")
#: The connectives that make a sentence argue, and the first words that open a conclusion
#: (``TUNING.roles``): a misspelt one ("becuase", "therfore", "signifcant", "Overal") is read as the
#: word too, so that the sentence's role does not change.
ARGUMENT_WORDS = frozenset(
    w
    for w in (
        *(
            w
            for p in (*_ROLES.causal_phrases, *_ROLES.evaluation_phrases, *_ROLES.counter_phrases)
            for w in p
        ),
        *_ROLES.causal_words,
        *_ROLES.evaluation_words,
        *_ROLES.counter_words,
        *_ROLES.conclusion_lemmas,
    )
    if w.isalpha()
)
#: Makes the Docs of a matcher's phrases: :func:`lemmatise`, or the same read from a cache.
Lemmatiser = Callable[[Language, list[str]], list[Doc]]

# Letters that Unicode does not decompose into a base letter plus an accent.
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "ı": "i"})


def fold(text: str) -> str:
    """Strip diacritics, so that students who type plain ASCII still match.

    >>> fold("Józef Piłsudski and Béla Kun")
    'Jozef Pilsudski and Bela Kun'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_variants(name: str) -> list[str]:
    """A name as written plus its ASCII-folded and hyphen-free spellings, deduplicated.

    >>> name_variants("Brest-Litovsk")
    ['Brest-Litovsk', 'Brest Litovsk']
    """
    out: dict[str, None] = {}
    for variant in (name, fold(name)):
        out.setdefault(variant, None)
        if "-" in variant:
            out.setdefault(variant.replace("-", " "), None)
    return [v for v in out if v.strip()]


@dataclass(frozen=True)
class Entry:
    """Phrases that signal one thing: a concept (``c:<id>``) or a rubric point (``p:<question>:<point>``)."""

    key: str
    phrases: tuple[str, ...]
    #: Proper names may be matched fuzzily when misspelt; cue phrases may not.
    fuzzy: bool = False


def find_loose(
    lemmas: Sequence[str],
    punct: Sequence[bool],
    index: dict[str, list[tuple[str, tuple[str, ...]]]],
    gap: int = LOOSE_GAP,
) -> list[tuple[str, int, int]]:
    """Cue phrases whose content lemmas occur in order with at most ``gap`` words between
    each, never across punctuation. ``index`` maps a phrase's first lemma to its (key,
    lemmas) entries. Returns (key, start, end) token spans, one per key and start.

    >>> idx = {"end": [("p:x", ("end", "isolation"))]}
    >>> find_loose("rapallo end soviet isolation .".split(), [False] * 4 + [True], idx)
    [('p:x', 1, 4)]
    >>> find_loose("end , then isolation".split(), [False, True, False, False], idx)
    []
    """
    found = []
    n = len(lemmas)
    for i, lemma in enumerate(lemmas):
        for key, seq in index.get(lemma, ()):
            at, ok = i, True
            for want in seq[1:]:
                nxt = None
                for j in range(at + 1, min(n, at + gap + 2)):
                    if punct[j]:
                        break
                    if lemmas[j] == want:
                        nxt = j
                        break
                if nxt is None:
                    ok = False
                    break
                at = nxt
            if ok:
                found.append((key, i, at + 1))
    return found


def fuzzy_vocabulary(entries: Iterable[Entry], min_len: int = FUZZY_MIN_LETTERS) -> dict[str, str]:
    """Single-word proper names (folded, lower case) that a misspelling may stand for, to their key.

    Words claimed by two entries are dropped: a misspelling of them would be ambiguous.

    >>> fuzzy_vocabulary([Entry("c:rapallo", ("Treaty of Rapallo", "Rapallo"), fuzzy=True)])
    {'rapallo': 'c:rapallo'}
    """
    vocab: dict[str, str] = {}
    clash: set[str] = set()
    for entry in entries:
        if not entry.fuzzy:
            continue
        for phrase in entry.phrases:
            words = phrase.split()
            if len(words) != 1 or len(words[0]) < min_len or not words[0][:1].isupper():
                continue
            word = fold(words[0]).lower()
            if vocab.get(word, entry.key) != entry.key:
                clash.add(word)
            vocab[word] = entry.key
    return {w: k for w, k in vocab.items() if w not in clash}


def fuzzy_lookup(word: str, vocab: dict[str, str], choices: Sequence[str], cutoff: float) -> str | None:
    """The key a misspelt word most likely stands for, or None.

    The first letter must agree: misspellings rarely change it, and requiring it keeps
    ordinary words from drifting onto names.

    >>> v = {"zinoviev": "c:zinoviev"}
    >>> fuzzy_lookup("Zinovev", v, list(v), 85)
    'c:zinoviev'
    >>> fuzzy_lookup("Ukraine", v, list(v), 85) is None
    True
    """
    folded = fold(word).lower()
    if folded in vocab:
        return vocab[folded]
    hit = process.extractOne(folded, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    if hit is None or hit[0][:1] != folded[:1]:
        return None
    return vocab[hit[0]]


def entry_words(entries: Iterable[Entry]) -> set[str]:
    """The words of every phrase (folded, lower case) that a misspelt word may be read as.

    "Do not accept" wordings (``r:`` keys) are left out: they must match as written.

    >>> sorted(entry_words([Entry("c:x", ("Allied intervention",)), Entry("r:q:y", ("genuine",))]))
    ['allied', 'intervention']
    """
    return {
        w
        for entry in entries
        if not entry.key.startswith("r:")
        for phrase in entry.phrases
        for w in fold(phrase).lower().replace("-", " ").split()
        if w.isalpha()
    }


@dataclass(frozen=True)
class _Tokens:
    """What the matcher's passes read of each token of an answer, by token index: its lemma
    and its text in lower case, its text, and whether it is a proper noun, alphabetic, punctuation.

    Read from the Doc's arrays at once (:func:`_tokens`), not a token object at a time: the
    same values as ``token.lemma_.lower()``, ``token.lower_``, ``token.text``, ``token.pos_ ==
    "PROPN"``, ``token.is_alpha`` and ``token.is_punct``.
    """

    lemmas: list[str]
    lower: list[str]
    text: list[str]
    propn: list[bool]
    alpha: list[bool]
    punct: list[bool]


def _tokens(doc: Doc) -> _Tokens:
    rows = doc.to_array([LEMMA, LOWER, ORTH, POS, IS_ALPHA, IS_PUNCT]).tolist() if len(doc) else []
    strings, names = doc.vocab.strings, {}

    def name(key: int) -> str:
        if key not in names:
            names[key] = strings[key]
        return names[key]

    return _Tokens(
        [name(r[0]).lower() for r in rows],
        [name(r[1]) for r in rows],
        [name(r[2]) for r in rows],
        [r[3] == PROPN for r in rows],
        [bool(r[4]) for r in rows],
        [bool(r[5]) for r in rows],
    )


def lemmatise(nlp: Language, texts: list[str]) -> list[Doc]:
    """The phrases tokenised, tagged and lemmatised by the pipeline's own components
    (:data:`LEMMA_PIPES`), as the matcher's lemma patterns need them.

    >>> import spacy
    >>> [t.text for t in lemmatise(spacy.blank("en"), ["broke isolation"])[0]]
    ['broke', 'isolation']
    """
    disable = [p for p in nlp.pipe_names if p not in LEMMA_PIPES]
    with nlp.select_pipes(disable=disable):
        return list(nlp.pipe(texts, batch_size=256))


class ConceptMatcher:
    """Pipe: writes every match to ``doc.spans["marker_concepts"]``.

    Each span's ``label_`` is the entry key (``c:treaty-of-rapallo``,
    ``p:rapallo-significance:broke-isolation``) and its ``kb_id_`` is ``exact`` or
    ``fuzzy``. Overlapping matches of different keys are all kept (a cue phrase and the
    concept inside it both count); overlapping matches of one key keep the longest.

    Its phrases are lemmatised by :attr:`lemmatiser` (:func:`lemmatise` unless the pipeline's
    builder gives one that reads them from a cache: :func:`marker.rubric_cache.lemmatise`).
    """

    def __init__(
        self, nlp: Language, name: str = "marker_concepts", fuzzy_cutoff: float = TUNING.concepts.fuzzy_cutoff
    ):
        self.nlp, self.name, self.fuzzy_cutoff = nlp, name, fuzzy_cutoff
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        #: first content lemma -> [(key, content lemmas)] for cues matched with words in between
        self.loose: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.entries: dict[str, Entry] = {}
        self._fuzzy: dict[str, str] = {}
        self._choices: list[str] = []
        #: Entry words a misspelt word may be read as (:func:`entry_words`).
        self._words: set[str] = set()
        self._word_choices: list[str] = []
        #: The English words, which are never read as another (:func:`marker.spelling.english_words`,
        #: set by :func:`marker.nlp.build_pipeline`); empty, the spelling pass does nothing.
        self.lexicon: frozenset[str] = frozenset()
        self.lemmatiser: Lemmatiser = lemmatise

    def add_entries(self, entries: Iterable[Entry]) -> None:
        """Add (or replace, by key) entries. Lemmatises the phrases with the pipeline's own tagger."""
        entries = list(entries)
        for entry in entries:
            if entry.key in self.entries:
                self.remove(entry.key)
        texts = [v for e in entries for p in e.phrases for v in name_variants(p)]
        lemma_docs = self.lemmatiser(self.nlp, texts) if texts else []
        at = 0
        for entry in entries:
            variants = [v for p in entry.phrases for v in name_variants(p)]
            docs = lemma_docs[at : at + len(variants)]
            at += len(variants)
            self.lower.add(entry.key, [self.nlp.make_doc(v) for v in variants])
            # A one-word proper name gains nothing from its lemma and risks false hits
            # ("Whites" -> "white"), so lemma patterns are multi-word or lower-case cues only.
            lemma_patterns = [d for d, v in zip(docs, variants, strict=True) if len(d) > 1 or v.islower()]
            if lemma_patterns:
                self.lemma.add(entry.key, lemma_patterns)
            if not entry.key.startswith("r:"):  # a "do not accept" wording must match as written
                for d in docs:
                    content = tuple(
                        t.lemma_.lower() for t in d if not (t.is_stop or t.is_punct or t.is_space)
                    )
                    if len(content) >= 2:
                        self.loose.setdefault(content[0], []).append((entry.key, content))
            self.entries[entry.key] = entry
        self._fuzzy = fuzzy_vocabulary(self.entries.values())
        self._choices = sorted(self._fuzzy)
        self._words = entry_words(self.entries.values()) | ARGUMENT_WORDS
        self._word_choices = sorted(w for w in self._words if len(w) >= FUZZY_MIN_LETTERS)

    def remove(self, key: str) -> None:
        for matcher in (self.lower, self.lemma):
            if key in matcher:
                matcher.remove(key)
        for first, items in list(self.loose.items()):
            kept = [item for item in items if item[0] != key]
            if kept:
                self.loose[first] = kept
            else:
                del self.loose[first]
        self.entries.pop(key, None)

    def __call__(self, doc: Doc, spelling: bool = False) -> Doc:
        """Match the entries in ``doc``; with ``spelling`` (essays marked by levels, passed as
        ``component_cfg={"marker_concepts": {"spelling": True}}``), misspelt words too."""
        found: dict[tuple[int, int, str], Span] = {}
        for matcher in (self.lower, self.lemma):
            for match_id, start, end in matcher(doc):
                key = self.nlp.vocab.strings[match_id]
                found.setdefault((start, end, key), Span(doc, start, end, label=key, kb_id=EXACT))
        tokens = _tokens(doc)
        if self.loose:
            for key, start, end in find_loose(tokens.lemmas, tokens.punct, self.loose):
                found.setdefault((start, end, key), Span(doc, start, end, label=key, kb_id=LOOSE))
        if self._choices:
            covered = {i for (s, e, _k) in found for i in range(s, e)}
            for i, text in enumerate(tokens.text):
                if (
                    i in covered
                    or len(text) < FUZZY_MIN_LETTERS
                    or not tokens.alpha[i]
                    or not (text[:1].isupper() or tokens.propn[i])
                ):
                    continue
                key = fuzzy_lookup(text, self._fuzzy, self._choices, self.fuzzy_cutoff)
                if key:
                    found[(i, i + 1, key)] = Span(doc, i, i + 1, label=key, kb_id=FUZZY)
        if spelling:
            self._match_misspelt(doc, tokens, found)
        by_key: dict[str, list[Span]] = {}
        for span in found.values():
            by_key.setdefault(span.label_, []).append(span)
        spans = [s for group in by_key.values() for s in filter_spans(group)]
        doc.spans[SPANS_KEY] = sorted(spans, key=lambda s: (s.start, -s.end, s.label_))
        return doc

    def _misspelt(self, tokens: _Tokens, i: int, covered: set[int], lexicon: frozenset[str]) -> str | None:
        """The entry word an unmatched, misspelt word of the answer (token ``i``) stands for, or None."""
        if i in covered or not tokens.alpha[i] or tokens.lemmas[i] in lexicon:
            return None
        return read_misspelt(
            fold(tokens.lower[i]), self._words, self._word_choices, lexicon, self.fuzzy_cutoff
        )

    def _match_misspelt(self, doc: Doc, tokens: _Tokens, found: dict[tuple[int, int, str], Span]) -> None:
        """Add the phrases that match once the answer's misspelt words are read as entry words.

        The phrase matchers run again over a copy of the answer's words with those words
        replaced; a match counts (as ``fuzzy``) only when it takes in a replaced word. Each
        replaced word's lemma becomes the word it was read as, so that the later stages'
        content words (similarity to the points and model answers) read it too.
        """
        lexicon = self.lexicon
        if not lexicon or not self._words:
            return
        # A word the fuzzy name pass read ("Zinovief") may still start a longer phrase ("Zinovief letter").
        covered = {i for (s, e, _k), span in found.items() if span.kb_id_ != FUZZY for i in range(s, e)}
        fixes = {i: w for i in range(len(doc)) if (w := self._misspelt(tokens, i, covered, lexicon))}
        if not fixes:
            return
        read = Doc(
            self.nlp.vocab,
            words=[fixes.get(t.i, t.text) for t in doc],
            spaces=[bool(t.whitespace_) for t in doc],
            lemmas=[fixes.get(t.i, t.lemma_) for t in doc],
        )
        for matcher in (self.lower, self.lemma):
            for match_id, start, end in matcher(read):
                if any(i in fixes for i in range(start, end)):
                    key = self.nlp.vocab.strings[match_id]
                    found.setdefault((start, end, key), Span(doc, start, end, label=key, kb_id=FUZZY))
        for i, word in fixes.items():
            doc[i].lemma_ = word


@Language.factory(
    "marker_concepts",
    assigns=["doc.spans", "token.lemma"],
    default_config={"fuzzy_cutoff": TUNING.concepts.fuzzy_cutoff},
)
def make_concept_matcher(nlp: Language, name: str, fuzzy_cutoff: float) -> ConceptMatcher:
    """Factory of the concept matcher. Entries are added after construction with ``add_entries``.

    Writes ``doc.spans["marker_concepts"]``: one Span per match, ``label_`` the entry key,
    ``kb_id_`` ``"exact"`` or ``"fuzzy"``; and, when called with ``spelling=True``, ``token.lemma_``
    of a misspelt word read as an entry word ("goverment" -> "government"). Declares no Doc or Span
    extensions.
    """
    return ConceptMatcher(nlp, name, fuzzy_cutoff)
