"""How much of a model answer an answer says: the match behind coverage marking.

Short answers ("Why did the bulb stay on?") are marked against one or more full-mark model
answers, each an alternative way of being right. An answer's match with a model answer is:

- **recall** of the model answer's content words (lemmas, cut to six letters so
  "connected"/"connection" meet), leaving out words the question already gives, divided by
  ``len ** 0.85`` so a long model answer does not demand every word; halved when one of the
  two is negated and the other is not ("are connected" / "are not connected");
- **clause recall**: the best recall of any one clause of a model answer (an answer that
  states its key clause well says more than its overall recall shows);
- **character similarity**: TF-IDF cosine of character 3-5-grams, for spellings and word
  forms the lemmatiser misses.

The score is ``0.8 * recall + 0.2 * character similarity + 0.4 * (clause recall - recall)``,
best over the model answers; full marks come at ``0.5 + 0.05 * ln(number of model answers)``
(more alternatives make a chance match likelier). These constants (``TUNING.evidence``) were
chosen on the *training* half of SemEval-2013 Task 7 (never its test sets); see
``benchmarks/semeval.py``.

Also here: copied text, found as runs of words shared with the model answers.

The model answers' Docs are read once per rubric version (:meth:`ModelAnswerSet.build`); an
answer is compared as plain data (:class:`AnswerWords`) the evidence stage takes from its Doc.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from spacy.tokens import Doc, Span, Token

from .tuning import TUNING

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def content_terms(tokens: Iterable[Token]) -> frozenset[str]:
    """Content lemmas cut to six letters (negations are kept apart, see :func:`is_negated`)."""
    tuning = TUNING.evidence
    negations, kept, stem = tuning.negations, tuning.kept_stop_words, tuning.stem
    out = set()
    for t in tokens:
        low = t.lower_
        if t.is_punct or t.is_space or low in negations:
            continue
        if t.is_stop and low not in kept:
            continue
        out.add(t.lemma_.lower()[:stem])
    return frozenset(out)


def stem_words(tokens: Iterable[Token]) -> dict[str, str]:
    """Each content stem with the word it came from, to show people words rather than stems."""
    tuning = TUNING.evidence
    out: dict[str, str] = {}
    for t in tokens:
        if not (t.is_punct or t.is_space or t.lower_ in tuning.negations) and (
            not t.is_stop or t.lower_ in tuning.kept_stop_words
        ):
            out.setdefault(t.lemma_.lower()[: tuning.stem], t.text)
    return out


def is_negated(tokens: Iterable[Token]) -> bool:
    return any(t.lower_ in TUNING.evidence.negations for t in tokens)


def clauses(doc: Doc) -> list[Span]:
    """Sentences, split again at ``;``, "so", "because"...; pieces of ``clause_min_words`` or more."""
    breaks, min_words = TUNING.evidence.clause_breaks, TUNING.evidence.clause_min_words
    out = []
    for sent in doc.sents:
        start = sent.start
        for t in sent:
            if t.lower_ in breaks and t.i > start:
                out.append(doc[start : t.i])
                start = t.i + 1
        out.append(doc[start : sent.end])
    return [s for s in out if sum(not t.is_punct for t in s) >= min_words]


def full_marks_at(n_alternatives: int) -> float:
    """The match score that earns full marks, given the number of full-mark model answers.

    >>> full_marks_at(1), round(full_marks_at(6), 3)
    (0.5, 0.59)
    """
    tuning = TUNING.evidence
    return tuning.full_at + tuning.full_at_per_log_alternative * math.log(max(n_alternatives, 1))


@dataclass(frozen=True)
class AnswerWords:
    """What the match needs of an answer, taken from its Doc by the evidence stage."""

    text: str
    terms: frozenset[str]
    negated: bool


def answer_words(doc: Doc) -> AnswerWords:
    """The answer's text, content stems and whether it is negated (see :func:`content_terms`)."""
    return AnswerWords(doc.text, content_terms(doc), is_negated(doc))


@dataclass(frozen=True)
class Reference:
    """One full-mark model answer, ready to compare with."""

    terms: frozenset[str]
    negated: bool
    clause_terms: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Match:
    """How an answer matches the closest model answer."""

    score: float
    recall: float
    clause_recall: float
    char_similarity: float
    negation_mismatch: bool
    #: Which model answer (index into the full-mark model answers) it is closest to.
    closest: int
    #: Content words of the closest model answer that the answer says, and does not.
    said: tuple[str, ...]
    unsaid: tuple[str, ...]

    def as_features(self) -> dict[str, float]:
        return {
            "match_score": self.score,
            "match_recall": self.recall,
            "clause_recall": self.clause_recall,
            "char_similarity": self.char_similarity,
            "negation_mismatch": float(self.negation_mismatch),
        }


NO_MATCH = Match(0.0, 0.0, 0.0, 0.0, False, -1, (), ())


@dataclass
class ModelAnswerSet:
    """The full-mark model answers of a question, prepared once per rubric version."""

    references: list[Reference]
    question_terms: frozenset[str]
    vectorizer: TfidfVectorizer | None
    matrix: sparse.csr_matrix | None
    #: stem -> a word of the model answers it came from.
    words: dict[str, str] = field(default_factory=dict)
    #: The full-mark model answers' own texts (for the meaning stage).
    texts: tuple[str, ...] = ()

    @classmethod
    def build(cls, model_docs: Sequence[Doc], question_doc: Doc) -> ModelAnswerSet:
        refs = []
        for doc in model_docs:
            pieces = clauses(doc)
            # A one-clause model answer has no clause better than itself.
            clause_terms = tuple(ts for c in pieces if (ts := content_terms(c))) if len(pieces) > 1 else ()
            refs.append(Reference(content_terms(doc), is_negated(doc), clause_terms))
        vectorizer = matrix = None
        if model_docs:
            vectorizer = TfidfVectorizer(
                analyzer="char_wb", ngram_range=TUNING.evidence.char_ngrams, lowercase=True
            )
            vectorizer.fit([d.text for d in model_docs] + [question_doc.text])
            matrix = vectorizer.transform([d.text for d in model_docs])
        words: dict[str, str] = {}
        for doc in model_docs:
            for stem, word in stem_words(doc).items():
                words.setdefault(stem, word)
        return cls(
            refs, content_terms(question_doc), vectorizer, matrix, words, tuple(d.text for d in model_docs)
        )

    @property
    def full_at(self) -> float:
        return full_marks_at(len(self.references))

    def match(self, words: AnswerWords) -> Match:
        """Compare an answer's words with every model answer; the best comparison wins."""
        if not self.references or not words.text.strip():
            return NO_MATCH
        tuning = TUNING.evidence
        answer, negated = words.terms, words.negated
        given = self.question_terms
        best_recall, closest, mismatch = 0.0, 0, False
        for i, ref in enumerate(self.references):
            wanted = (ref.terms - given) or ref.terms
            if not wanted:
                continue
            recall = min(len(answer & wanted) / len(wanted) ** tuning.recall_power, 1.0)
            differs = negated != ref.negated
            if differs:
                recall *= tuning.negation_penalty
            if recall > best_recall or i == 0:
                best_recall, closest, mismatch = recall, i, differs
        clause_recall = 0.0
        for ref in self.references:
            for terms in ref.clause_terms:
                wanted = (terms - given) or terms
                clause_recall = max(clause_recall, len(answer & wanted) / len(wanted))
        chars = 0.0
        if self.vectorizer is not None:
            row = tfidf_rows(self.vectorizer, [char_ngram_counts(self.vectorizer, words.text)])
            chars = float(np.max((row @ self.matrix.T).toarray()))
        score = (
            tuning.w_recall * best_recall
            + tuning.w_chars * chars
            + tuning.w_clause * max(clause_recall - best_recall, 0.0)
        )
        ref_terms = (self.references[closest].terms - given) or self.references[closest].terms
        return Match(
            score=round(min(score, 1.0), 4),
            recall=round(best_recall, 4),
            clause_recall=round(clause_recall, 4),
            char_similarity=round(chars, 4),
            negation_mismatch=mismatch,
            closest=closest,
            said=tuple(sorted(self.words.get(t, t) for t in ref_terms & answer)),
            unsaid=tuple(sorted(self.words.get(t, t) for t in ref_terms - answer)),
        )


# --------------------------------------------------------------------------- TF-IDF rows


def tfidf_rows(vectorizer: TfidfVectorizer, counts: Sequence[Mapping[str, int]]) -> sparse.csr_matrix:
    """``vectorizer.transform(documents)`` from each document's features already counted.

    The same matrix, value for value, as scikit-learn's (the counts become the same sparse
    rows, then its TF-IDF steps run in its order: ``tests/test_similarity_tfidf.py``), without
    its pass over every feature of every document in Python and its checks of each call:
    marking transforms each answer three times (its characters against the model answers, its
    sentences' terms against the points, its terms against the model answers). A feature
    outside the fitted vocabulary counts for nothing, as in scikit-learn.
    """
    vocabulary = vectorizer.vocabulary_
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for row in counts:
        for feature, n in row.items():
            j = vocabulary.get(feature)
            if j is not None:
                indices.append(j)
                values.append(n)
        indptr.append(len(indices))
    x = sparse.csr_matrix(
        (
            np.array(values, dtype=np.intc),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(len(indptr) - 1, len(vocabulary)),
        dtype=vectorizer.dtype,
    )
    x.sort_indices()
    if vectorizer.binary:
        x.data.fill(1)
    if vectorizer.sublinear_tf:
        np.log(x.data, x.data)
        x.data += 1.0
    if vectorizer.use_idf:
        x.data *= vectorizer.idf_[x.indices]
    return normalize(x, norm=vectorizer.norm, copy=False) if vectorizer.norm is not None else x


def char_ngram_counts(vectorizer: TfidfVectorizer, text: str) -> Counter[str]:
    """The counts of the character n-grams a ``char_wb`` vectorizer reads in ``text``.

    scikit-learn's own ``_char_wb_ngrams`` lists every n-gram of every word; an answer says
    most of its words more than once, so each distinct word's n-grams are made once (and kept
    for the next answer, :func:`_word_ngrams`) and counted as often as the word is said.

    >>> v = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4)).fit(["ab"])
    >>> dict(char_ngram_counts(v, "Ab  ab"))
    {' ab': 2, 'ab ': 2, ' ab ': 2}
    """
    if vectorizer.analyzer != "char_wb":
        raise ValueError(f"char_ngram_counts reads char_wb vectorizers, not {vectorizer.analyzer!r}")
    low, high = vectorizer.ngram_range
    words = Counter(vectorizer.build_preprocessor()(text).split())
    return Counter(chain.from_iterable(_word_ngrams(word, low, high) * n for word, n in words.items()))


@lru_cache(maxsize=50_000)
def _word_ngrams(word: str, low: int, high: int) -> tuple[str, ...]:
    """A word's character n-grams, padded with a space each side, as scikit-learn's ``char_wb``
    analyser makes them: a word no longer than ``n`` gives itself once, and no longer n-grams.

    >>> _word_ngrams("ab", 3, 5)
    (' ab', 'ab ', ' ab ')
    >>> _word_ngrams("abc", 3, 4)
    (' ab', 'abc', 'bc ', ' abc', 'abc ')
    """
    padded = f" {word} "
    out: list[str] = []
    for n in range(low, high + 1):
        if len(padded) <= n:
            out.append(padded)
            break
        out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return tuple(out)


# --------------------------------------------------------------------------- copied text


def words_of(text: str) -> list[str]:
    """Lower-case words of a text, for finding shared runs."""
    return _WORD.findall(text.lower())


def word_runs(words: list[str], n: int) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive words."""
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def copied_share(words: list[str], runs: frozenset[tuple[str, ...]], n: int) -> float:
    """Share of the words that sit inside a run of ``n`` words found in the sources.

    >>> src = frozenset(word_runs("the treaty broke the isolation of soviet russia in april".split(), 8))
    >>> copied_share("indeed the treaty broke the isolation of soviet russia in april".split(), src, 8)
    0.9090909090909091
    """
    if len(words) < n or not runs:
        return 0.0
    covered = [False] * len(words)
    for i in range(len(words) - n + 1):
        if tuple(words[i : i + n]) in runs:
            covered[i : i + n] = [True] * n
    return sum(covered) / len(words)
