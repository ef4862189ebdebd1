from __future__ import annotations

import pytest
import spacy

from marker.evidence import extract, find_dates, gather


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("It was signed on 16 April 1922 at Rapallo.", [(1922, 4, 16, "16 April 1922")]),
        ("It was signed on April 16, 1922.", [(1922, 4, 16, "April 16, 1922")]),
        ("By March 1921 the war was over.", [(1921, 3, None, "March 1921")]),
        ("In 1920 the Red Army reached Warsaw.", [(1920, None, None, "1920")]),
        ("The war of 1919-21 was costly.", [(1919, None, None, "1919"), (1921, None, None, "21")]),
        ("There were 1500 troops and the 1920s were hard.", [(1500, None, None, "1500")]),
        ("They may meet in May 1922.", [(1922, 5, None, "May 1922")]),
    ],
)
def test_evidence_find_dates(blank, text, found):
    doc = blank(text)
    got = [(d.year, d.month, d.day, d.text) for d, _s, _e in find_dates(doc[:], 0)]
    assert got == found
    for d, _s, _e in find_dates(doc[:], 0):
        assert text[d.start : d.end] == d.text


def test_evidence_paragraph_break_ends_a_sentence(mini_marker):
    ev = extract(mini_marker.nlp("Rapallo mattered a great deal\n\nGermany gained the most from it."))
    assert [s.paragraph for s in ev.sentences] == [0, 1] and ev.n_paragraphs == 2


def test_evidence_repeats_and_lists(mini_marker):
    text = (
        "Rapallo broke Soviet isolation in 1922. Rapallo broke Soviet isolation in 1922. "
        "Rapallo, Germany, Versailles, Zinoviev, Britain."
    )
    ev = extract(mini_marker.nlp(text))
    assert [s.repeat for s in ev.sentences] == [False, True, False]
    assert ev.sentences[2].is_list and not ev.sentences[2].is_claim
    assert ev.sentences[0].is_claim


def test_evidence_date_linked_to_the_event_it_is_said_of(mini_marker):
    ev = extract(mini_marker.nlp("The Treaty of Rapallo in 1923 helped Germany."))
    (date,) = ev.dates
    assert date.year == 1923 and "c:treaty-of-rapallo" in date.linked


def test_evidence_gather_flags_copied_text_and_filler_and_matches_the_model_answer(mini_marker):
    question = mini_marker.bank.question("mini-essay")
    index = mini_marker.index(question)
    copied = index.model_answers[0].text.split("\n\n")[0]
    doc = mini_marker.nlp(copied + "\n\nThere were many different reasons and they were all important.")
    evidence = gather(doc, index)
    *body, last = evidence.sentences
    assert any(s.copied and not s.counts for s in body)
    assert last.filler and not last.copied
    assert evidence.match.score > 0 and evidence.match.said
    # extract alone knows nothing of the question: no flags, no match
    plain = extract(doc)
    assert not any(s.copied or s.filler for s in plain.sentences) and plain.match.score == 0
