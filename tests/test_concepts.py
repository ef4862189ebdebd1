from __future__ import annotations

import pytest

from marker.bank import cue_key
from marker.concepts import FUZZY, SPANS_KEY, Entry, fold, fuzzy_lookup, fuzzy_vocabulary, name_variants


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Piłsudski", "Pilsudski"), ("Béla Kun", "Bela Kun"), ("Józef", "Jozef"), ("Rapallo", "Rapallo")],
)
def test_concepts_fold_strips_diacritics(text, folded):
    assert fold(text) == folded


def test_concepts_name_variants_add_ascii_and_unhyphenated():
    assert name_variants("Brest-Litovsk") == ["Brest-Litovsk", "Brest Litovsk"]
    assert name_variants("Piłsudski") == ["Piłsudski", "Pilsudski"]


def test_concepts_fuzzy_vocabulary_only_proper_single_words_without_clashes():
    vocab = fuzzy_vocabulary(
        [
            Entry("c:a", ("Rapallo", "Treaty of Rapallo", "isolation"), fuzzy=True),
            Entry("c:b", ("Zinoviev",), fuzzy=True),
            Entry("c:c", ("Zinoviev",), fuzzy=True),  # clashes with c:b
            Entry("p:q:x", ("Vladivostok",), fuzzy=False),  # cue phrases are never fuzzy
        ]
    )
    assert vocab == {"rapallo": "c:a"}


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("Rapalo", "c:rapallo"),
        ("Zinovev", "c:zinoviev"),
        ("Pilsudsky", "c:pilsudski"),
        ("Germany", None),
        ("Rapid", None),
        ("Vapallo", None),
    ],
)
def test_concepts_fuzzy_lookup_tolerates_misspellings_only(word, key):
    vocab = {"rapallo": "c:rapallo", "zinoviev": "c:zinoviev", "pilsudski": "c:pilsudski"}
    assert fuzzy_lookup(word, vocab, sorted(vocab), 85) == key


@pytest.mark.parametrize(
    ("sentence", "concept"),
    [
        ("Pilsudski wanted a federation.", "c:pilsudski"),
        ("Piłsudski wanted a federation.", "c:pilsudski"),
        ("The Treaty of Rapalo changed things.", "c:treaty-of-rapallo"),
        ("A letter from Zinovev appeared.", "c:zinoviev"),
        ("Bela Kun led Hungary briefly.", "c:bela-kun"),
        ("The Soviet Union signed it.", "c:soviet-russia"),
    ],
)
def test_concepts_component_matches_knowledge_base_spellings(mini_marker, sentence, concept):
    doc = mini_marker.nlp(sentence)
    assert concept in {s.label_ for s in doc.spans[SPANS_KEY]}


def test_concepts_component_marks_fuzzy_matches_and_uses_lemmas(mini_marker):
    doc = mini_marker.nlp("Rapalo mattered. They broke isolation at last. Germans trained troops there.")
    spans = {(s.text, s.label_): s.kb_id_ for s in doc.spans[SPANS_KEY]}
    assert spans[("Rapalo", "c:treaty-of-rapallo")] == FUZZY
    # "broke isolation" matches the cue "broke isolation" exactly; "trained troops" the lemma of "train troops".
    key = cue_key(mini_marker.bank.question("mini-essay"), "military")
    assert ("trained troops", key) in spans


def test_concepts_component_ignores_ordinary_words(mini_marker):
    doc = mini_marker.nlp("Peasants wanted Peace, Bread and Land; Markets reopened in Towns across Europe.")
    assert not [s for s in doc.spans[SPANS_KEY] if s.kb_id_ == FUZZY]


def test_concepts_cue_phrases_match_with_words_in_between(mini_marker):
    doc = mini_marker.nlp("Rapallo ended Soviet isolation. Germans began secret military cooperation.")
    spans = {(s.text, s.label_): s.kb_id_ for s in doc.spans[SPANS_KEY]}
    key = cue_key(mini_marker.bank.question("mini-essay"), "broke-isolation")
    assert spans[("ended Soviet isolation", key)] == "loose"


def test_concepts_reject_wordings_match_only_as_written(mini_marker):
    from marker.concepts import Entry

    matcher = mini_marker.nlp.get_pipe("marker_concepts")
    matcher.add_entries([Entry("r:test:x", ("letter was genuine",))])
    try:
        loose = mini_marker.nlp("The letter was not genuine.")
        exact = mini_marker.nlp("The letter was genuine.")
        assert "r:test:x" not in {s.label_ for s in loose.spans[SPANS_KEY]}
        assert "r:test:x" in {s.label_ for s in exact.spans[SPANS_KEY]}
    finally:
        matcher.remove("r:test:x")


@pytest.mark.parametrize(
    ("sentence", "concept"),
    [
        ("Pilsudski hoped for a federation.", "c:pilsudski"),
        ("The Rapalo agreement shocked London.", "c:treaty-of-rapallo"),
        ("Zinovev was blamed for the letter.", "c:zinoviev"),
        ("Bela Kun ruled Hungary for a few months.", "c:bela-kun"),
        ("Chicherin negotiated with Rathenau.", "c:chicherin"),
    ],
)
def test_concepts_shipped_knowledge_base_tolerates_spellings(shipped_marker, sentence, concept):
    doc = shipped_marker.nlp(sentence)
    assert concept in {s.label_ for s in doc.spans[SPANS_KEY]}


@pytest.mark.parametrize(
    "text",
    [
        "The Treaty of Rapallo (1922) ended Soviet isolation; Chicherin and Rathenau signed it.",
        "In conlusion the goverment of Lloyd Georges was intrested in trade, becuase of Zinovief.",
        "",
        "   \n\n  ",
        "A",
    ],
)
def test_concepts_tokens_read_as_the_token_attributes(shipped_marker, text):
    """The matcher reads each token's attributes from the Doc's arrays (``_tokens``): the same
    values, token by token, as the token objects give (so the same matches and lemmas)."""
    from marker.concepts import _tokens

    with shipped_marker.pipeline() as nlp:
        doc = nlp.make_doc(text)
        for _name, pipe in nlp.pipeline:
            if _name != "marker_concepts":
                doc = pipe(doc)
    tokens = _tokens(doc)
    assert tokens.lemmas == [t.lemma_.lower() for t in doc]
    assert tokens.lower == [t.lower_ for t in doc]
    assert tokens.text == [t.text for t in doc]
    assert tokens.propn == [t.pos_ == "PROPN" for t in doc]
    assert tokens.alpha == [t.is_alpha for t in doc]
    assert tokens.punct == [t.is_punct for t in doc]
