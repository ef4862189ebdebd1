"""marker.similarity.tfidf_rows and char_ngram_counts: scikit-learn's TF-IDF rows, value for value.

Marking builds each answer's TF-IDF rows itself (its character n-grams against the model
answers, its terms against the points and the model answers) instead of calling the fitted
vectorizers' ``transform``; these tests hold it to ``transform``'s own result, to the last bit,
on the shipped bank's questions and on texts chosen to catch the analyser's edge cases.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from marker.similarity import AnswerWords, char_ngram_counts, tfidf_rows
from marker.validation import load_validation

#: Words of one to six letters (the padded word no longer than an n-gram), repeated words,
#: runs of odd whitespace (tabs, no-break and em spaces, a file separator), capitals and
#: accents, digits and punctuation glued to words, an empty text and one of spaces only.
ODD_TEXTS = [
    "a an the ab abc abcd abcde abcdef",
    "The the THE tHe  the\tthe\n\nthe",
    "x\u00a0y\u2003z\x1cw  \u3000 v",
    "Józef Piłsudski; Brest-Litovsk (1918), 3.5% of 1,200 troops... \u201cno\u201d",
    "",
    "   ",
    "I",
]


def _same(a, b) -> bool:
    a, b = a.tocsr(), b.tocsr()
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)  # exact: no tolerance
    )


def _essays(question_id: str) -> list[str]:
    return [a.text for a in load_validation() if a.question == question_id][:12]


@pytest.fixture(scope="module")
def indexes(shipped_marker):
    m = shipped_marker
    return [m.index(m.bank.question(q)) for q in sorted(m.bank.questions)]


def test_similarity_char_rows_equal_sklearn_transform(indexes):
    checked = 0
    for index in indexes:
        if index.model_set is None or index.model_set.vectorizer is None:
            continue
        vec = index.model_set.vectorizer
        texts = _essays(index.question.id) + list(index.model_set.texts) + ODD_TEXTS
        for text in texts:
            mine = tfidf_rows(vec, [char_ngram_counts(vec, text)])
            assert _same(mine, vec.transform([text])), (index.question.id, text[:60])
        # twice: the second time each word's n-grams come from the cache
        assert _same(tfidf_rows(vec, [char_ngram_counts(vec, t) for t in texts]), vec.transform(texts))
        checked += 1
    assert checked


def test_similarity_term_rows_equal_sklearn_transform(indexes):
    for index in indexes:
        vec = index.vectorizer
        rows = [list(a.text.lower().split()) for a in index.model_answers] + [[], ["x", "x", "y"]]
        rows += [t.lower().split() for t in _essays(index.question.id)]
        assert _same(tfidf_rows(vec, [Counter(r) for r in rows]), vec.transform(rows)), index.question.id


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char_wb", "ngram_range": (3, 5)},
        {"analyzer": "char_wb", "ngram_range": (2, 4), "sublinear_tf": True, "norm": "l1"},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "use_idf": False, "binary": True},
        {"analyzer": "char_wb", "ngram_range": (4, 6), "smooth_idf": False, "norm": None},
    ],
)
def test_similarity_char_rows_follow_the_vectorizer_options(options):
    corpus = ["The Treaty of Rapallo broke the isolation", "Rapallo, 1922: a treaty", *ODD_TEXTS]
    vec = TfidfVectorizer(**options).fit(corpus)
    texts = [*corpus, "the the treaty", "isolationism and treaties"]
    assert _same(tfidf_rows(vec, [char_ngram_counts(vec, t) for t in texts]), vec.transform(texts))


def test_similarity_char_counts_refuse_other_analysers():
    with pytest.raises(ValueError, match="char_wb"):
        char_ngram_counts(TfidfVectorizer(analyzer="char").fit(["ab"]), "ab")


def test_similarity_match_same_as_with_sklearn_transform(indexes):
    """The whole match (every field of it) is what it was with ``transform``: marks unchanged."""
    for index in indexes:
        ms = index.model_set
        if ms is None or ms.vectorizer is None:
            continue
        for text in _essays(index.question.id)[:4] + list(ms.texts)[:2]:
            words = AnswerWords(text, frozenset(text.lower().split()), False)
            chars = float(np.max((ms.vectorizer.transform([text]) @ ms.matrix.T).toarray()))
            assert ms.match(words).char_similarity == round(chars, 4)
