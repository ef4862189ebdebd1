"""Essays written the way pupils write: misspelt names and words, lower-case names, no apostrophes.

The spelling pass reads essays marked by levels only; a short answer is read as written.
"""

from __future__ import annotations

import re

import pytest

from marker.concepts import FUZZY, SPANS_KEY
from marker.engine import reading
from marker.nlp import MODEL_NAMES
from marker.roles import is_conclusion_opener
from marker.spelling import english_words, read_misspelt
from marker.validation import load_validation

#: How the engine parses an essay's answers (:func:`marker.engine.reading`).
SPELLING = {SPANS_KEY: {"spelling": True}}
WORDS = {"government", "intervention", "george", "kun", "rapallo", "australia", "conclusion"}
CHOICES = sorted(w for w in WORDS if len(w) >= 5)


@pytest.mark.parametrize(
    ("word", "read"),
    [
        ("goverment", "government"),
        ("intervension", "intervention"),
        ("georges", "george"),  # "Lloyd Georges": a possessive without its apostrophe
        ("kuns", "kun"),
        ("rapalo", "rapallo"),
        ("government", None),  # spelt right: nothing to read
        ("interaction", None),  # an English word is never read as another
        ("austria", None),  # nor one name as another
        ("bapallo", None),  # the first letter must agree
        ("kum", None),  # too short to be a slip rather than another word
    ],
)
def test_spelling_reads_misspelt_words_only(word, read):
    assert read_misspelt(word, WORDS, CHOICES, english_words(MODEL_NAMES)) == read


def test_spelling_reads_nothing_without_a_lexicon():
    assert read_misspelt("goverment", WORDS, CHOICES, frozenset()) is None


@pytest.mark.parametrize(
    ("sentence", "opens"),
    [
        ("In conlusion, the treaty mattered.", True),
        ("In conclusino, the view is partly valid.", True),
        ("Overal the intervention prolonged the war.", True),
        ("In confusion, the Whites fell back.", False),  # an English word, not a slip
        ("Soviet troops left.", False),
    ],
)
def test_spelling_misspelt_conclusion_opener_still_opens_a_conclusion(sentence, opens):
    assert is_conclusion_opener(sentence, misspelt=True) is opens
    # Outside essays, the opener is read as written.
    assert is_conclusion_opener(sentence) is (opens and sentence.startswith("In conclusion"))


@pytest.mark.parametrize(
    ("sentence", "concept"),
    [
        ("The Zinovief letter hurt the Labour government.", "c:zinoviev-letter"),
        ("The first Labour goverment recognised the USSR.", "c:first-labour-government"),
        ("The allied intervension failed.", "c:allied-intervention"),
        ("lennin wanted peace at any price.", "c:lenin"),
        ("Lloyd Georges government wanted trade.", "c:lloyd-george"),
        ("Bela Kuns regime lasted a few months.", "c:bela-kun"),
        ("They spread propoganda in Asia.", "c:propaganda"),
    ],
)
def test_spelling_misspelt_and_lower_case_names_match(shipped_marker, sentence, concept):
    doc = shipped_marker.nlp(sentence, component_cfg=SPELLING)
    spans = {s.label_: s.kb_id_ for s in doc.spans[SPANS_KEY]}
    assert spans.get(concept) == FUZZY


@pytest.mark.parametrize(
    "sentence",
    [
        "The interaction of Austria and Australia was slight.",  # English words stay themselves
        "Kamenev and Rykov argued in Moscow.",  # other names are not read as known ones
        "The Rapid Force moved in 1920.",
    ],
)
def test_spelling_other_words_and_names_are_not_matched(shipped_marker, sentence):
    doc = shipped_marker.nlp(sentence, component_cfg=SPELLING)
    assert not [s for s in doc.spans[SPANS_KEY] if s.kb_id_ == FUZZY]


def test_spelling_misspelt_word_reads_as_its_lemma(shipped_marker):
    doc = shipped_marker.nlp(
        "The goverment spread propoganda, therfore it was signifcant.", component_cfg=SPELLING
    )
    lemmas = [t.lemma_ for t in doc]
    assert lemmas[1:4] == ["government", "spread", "propaganda"]
    assert lemmas[5:9] == ["therefore", "it", "be", "significant"]


#: Misspellings pupils make, applied to a tidy answer (tidy -> misspelt).
SLIPS = [
    ("Zinoviev", "Zinovief"),
    ("government", "goverment"),
    ("intervention", "intervension"),
    ("Bolsheviks", "Bolshevicks"),
    ("recognition", "recognision"),
    ("Lloyd George's", "Lloyd Georges"),
    ("In conclusion", "In conlusion"),
    ("Overall", "Overal"),
]


def _misspell(text: str) -> str:
    for tidy, slip in SLIPS:
        text = re.sub(rf"\b{re.escape(tidy)}\b", slip, text)
    return text


@pytest.mark.parametrize(
    ("question_id", "name"),
    [
        ("allied-intervention", "04-factual-slip"),
        ("allied-intervention", "18-exemplar"),
        ("recognition-success", "20-factual-slip"),
        ("rapallo-significance", "21-exemplar"),
    ],
)
def test_spelling_misspelt_twin_earns_what_the_tidy_answer_earns(shipped_marker, question_id, name):
    (answer,) = [a for a in load_validation(question=question_id) if a.name == name]
    twin = _misspell(answer.text)
    assert twin != answer.text
    tidy, slipped = shipped_marker.mark_many(question_id, [answer.text, twin])
    # Points earned in full; a part-credited point may still move, as the sentence-meaning
    # encoder reads the words as written.
    credited = [sorted(p.id for p in fb.points if p.status == "credited") for fb in (tidy, slipped)]
    assert credited[0] == credited[1]
    assert (slipped.level, slipped.features.judgement) == (tidy.level, tidy.features.judgement)


#: A misspelt short answer ("Zinovief", "comunism", "Conservitives") to a 4-mark points question.
SHORT = "The Zinovief letter made Labour look soft on comunism and the Conservitives won a large majority."


def test_spelling_short_answer_is_read_as_written(shipped_marker):
    """A short answer's misspelt words are read as written, as before the spelling pass: on the
    public short-answer sets reading them moved agreement (SciEntsBank unseen answers down)."""
    question = shipped_marker.bank.question("zinoviev-opinion")
    index = shipped_marker.index(question)
    assert not index.scheme.essay and reading(index) == {}
    (marked,) = shipped_marker.mark_question(question, [SHORT])
    written, spelt = (
        shipped_marker.mark_doc(index, shipped_marker.nlp(SHORT, component_cfg=cfg)) for cfg in ({}, SPELLING)
    )

    def read(fb):
        return fb.mark, [(p.id, p.status) for p in fb.points]

    assert read(marked) == read(written)
    assert read(spelt) != read(written)  # the essays' reading would credit it otherwise
    doc = shipped_marker.nlp(SHORT)
    assert [t.lemma_ for t in doc][1] == "Zinovief"
    assert not [s for s in doc.spans[SPANS_KEY] if s.label_ == "c:zinoviev-letter"]


@pytest.mark.parametrize(
    ("question_id", "text", "slip"),
    [
        (
            "allied-intervention",
            "The allied intervention had an impact on the outcome of the russian civil war because",
            ("intervention", "intervension"),
        ),
        (
            "rapallo-significance",
            "The Rapallo Treaty was significant for Soviet foreign relations because",
            ("Rapallo", "Rapalo"),
        ),
    ],
)
def test_spelling_misspelt_restatement_of_the_question_earns_nothing(shipped_marker, question_id, text, slip):
    """An essay that only restates the question gets 0 (level 0), misspelt or not: a name found
    through a misspelling is read as the words it misspells, which are the question's own."""
    written, slipped = shipped_marker.mark_many(question_id, [text, text.replace(*slip)])
    assert (slipped.mark, slipped.level) == (written.mark, written.level) == (0, 0)
