"""The English pipeline multiplies on numpy's BLAS, one thread, and parses as spaCy's own does."""

from __future__ import annotations

import numpy as np
import pytest
import spacy
from thinc.api import NumpyOps
from threadpoolctl import ThreadpoolController

from marker.nlp import MODEL_NAMES, OneThreadNumpyOps, load_english, with_entities
from marker.validation import load_validation


@pytest.fixture(scope="module")
def pipelines():
    for name in MODEL_NAMES:
        try:
            return spacy.load(name), load_english()
        except OSError:
            continue
    pytest.fail("no English model installed")


def test_nlp_every_model_of_the_pipeline_uses_numpy_products(pipelines):
    stock, ours = pipelines
    for name, component in ours.components:
        model = getattr(component, "model", None)
        if hasattr(model, "walk"):
            assert all(isinstance(node.ops, OneThreadNumpyOps) for node in model.walk()), name
    # spaCy's own pipeline keeps thinc's default (BLIS): the comparison below means something.
    assert not isinstance(stock.get_pipe("tok2vec").model.ops, OneThreadNumpyOps)


def test_nlp_products_as_blis_gives_them_with_one_thread_during_each():
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((300, 96), dtype=np.float32), rng.standard_normal((200, 96), dtype=np.float32)
    ops, blis_ops = OneThreadNumpyOps(), NumpyOps(use_blis=True)
    blas = ThreadpoolController().select(user_api="blas")
    before = [lib["num_threads"] for lib in blas.info()]
    product = ops.gemm(x, y, trans2=True)
    assert product.shape == (300, 200) and product.dtype == np.float32
    np.testing.assert_allclose(product, blis_ops.gemm(x, y, trans2=True), rtol=1e-5, atol=1e-4)
    out = np.empty((300, 200), dtype=np.float32)
    ops.gemm(x, y, out=out, trans2=True)
    np.testing.assert_array_equal(out, product)
    assert [lib["num_threads"] for lib in blas.info()] == before  # the limit is lifted after


def test_nlp_parses_every_validation_answer_as_spacys_own_pipeline(pipelines):
    stock, ours = pipelines
    texts = [a.text for a in load_validation()]
    with stock.select_pipes(disable=["ner"]):
        theirs = list(stock.pipe(texts))
    mine = list(ours.pipe(texts))
    for a, b in zip(theirs, mine, strict=True):
        assert [(t.tag_, t.dep_, t.head.i, t.lemma_, t.is_sent_start) for t in b] == [
            (t.tag_, t.dep_, t.head.i, t.lemma_, t.is_sent_start) for t in a
        ]
    # The entity recogniser, run on its own for model answers, finds the same entities.
    ents = with_entities(ours, mine[:20])
    assert any(d.ents for d in ents)
    assert [[(e.start, e.end, e.label_) for e in d.ents] for d in ents] == [
        [(e.start, e.end, e.label_) for e in d.ents] for d in stock.pipe(texts[:20])
    ]


def test_nlp_tokenizer_is_the_packages_read_once(pipelines):
    stock, ours = pipelines
    # Not built from the language's defaults first (spaCy's own load does, then replaces it all) ...
    assert ours.config["nlp"]["tokenizer"] == {"@tokenizers": "marker.saved_tokenizer.v1"}
    # ... and the same as spaCy's own, every rule, pattern and special case.
    assert ours.tokenizer.to_bytes() == stock.tokenizer.to_bytes()
    assert len(ours.tokenizer.rules) > 1000
