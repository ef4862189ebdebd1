"""The attribute ruler that matches by look-up gives every token what spaCy's own gives it."""

from __future__ import annotations

import pytest
import spacy

from marker.attribute_rules import QuickAttributeRuler
from marker.nlp import MODEL_NAMES, load_english
from marker.validation import load_validation

from .conftest import FIXTURES

#: Words the ruler's two-token and regular-expression patterns are about, and spaces.
TRICKY = [
    "I ain't gonna say it isn't so, but y'all know there are 5 dogs.",
    "Let's go, c'mon, we gotta run! Nothin' doing.  \n\n Give it to me and you.",
    "There were riots; it was I who did it, and you did too.",
]


@pytest.fixture(scope="module")
def pipelines():
    spacys = None
    for name in MODEL_NAMES:
        try:
            spacys = spacy.load(name, disable=["ner"])
            break
        except OSError:
            continue
    return spacys, load_english()


def _attributes(doc):
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i) for t in doc]


def test_attribute_rules_the_pipeline_uses_the_quick_ruler(pipelines):
    _, ours = pipelines
    assert isinstance(ours.get_pipe("attribute_ruler"), QuickAttributeRuler)
    assert ours.pipe_names.index("attribute_ruler") < ours.pipe_names.index("lemmatizer")


@pytest.mark.parametrize("parsed", [True, False])
def test_attribute_rules_every_token_as_spacy_sets_it(pipelines, parsed):
    spacys, ours = pipelines
    texts = TRICKY + [a.text for a in load_validation(FIXTURES.parent / "pupils" / "heldout")]
    # Without the parser too, as the concept matcher lemmatises its phrases (no DEP to match).
    disable = [] if parsed else ["parser"]
    with spacys.select_pipes(disable=disable), ours.select_pipes(disable=disable):
        for theirs, mine in zip(spacys.pipe(texts), ours.pipe(texts), strict=True):
            assert _attributes(mine) == _attributes(theirs)
    ours_doc = ours("I ain't gonna do it.")
    assert [t.lemma_ for t in ours_doc][1:4] == ["be", "not", "go"]


def test_attribute_rules_an_unreadable_pattern_falls_back_to_spacys_matcher(pipelines):
    _, ours = pipelines
    ruler = QuickAttributeRuler(ours.vocab, "test_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}]], {"LEMMA": "VERY"})
    doc = ours.make_doc("it was very very good")
    assert [t.lemma_ for t in ruler(doc)][2:4] == ["VERY", "VERY"]
