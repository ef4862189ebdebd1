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


ARGUED_TWICE = (
    "The breakthrough with the West had really come with the Anglo-Soviet Trade Agreement in 1921, and "
    "British recognition in 1924 was due to the Labour government, not Rapallo."
)


@pytest.mark.parametrize(
    ("text", "essay", "is_list"),
    [
        (ARGUED_TWICE, True, False),
        (ARGUED_TWICE, False, True),
        # names strung in one clause stay a list, connective or not
        (
            "Rapallo, Genoa, Chicherin, Rathenau and the Anglo-Soviet Trade Agreement led to recognition.",
            True,
            True,
        ),
    ],
)
def test_evidence_an_explained_sentence_of_two_clauses_is_no_list_in_essays(
    shipped_marker, text, essay, is_list
):
    """Stop 35: a name-heavy sentence that explains across two main clauses with their own subjects is an
    argued claim in an essay (main at f52cc06 read it as a list of names, which makes no claim)."""
    (sentence,) = extract(shipped_marker.nlp(text), essay=essay).sentences
    assert sentence.is_list is is_list and sentence.is_claim is not is_list


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


@pytest.mark.parametrize(
    ("sentence", "verdict"),
    [
        ("In conclusion, the view is valid.", True),
        ("So I agree with the statement.", True),
        ("Overall the view is mostly right.", True),
        ("This interpretation is only partly convincing.", True),
        ("I disagree to a large extent.", True),
        ("To conclude, the view holds only in part.", True),
        ("Overall there were many reasons why this happened.", False),
        ("The Allies could not agree on what they wanted.", False),
        ("They agreed to cancel their claims against each other.", False),
        ("My view is that it mattered a great deal.", False),
    ],
)
def test_evidence_verdict_on_the_question_claim_in_essays_only(mini_marker, sentence, verdict):
    """A verdict on the question's claim is flagged in an essay (it may state the judgement), never
    in a short answer, whose marking must not move."""
    doc = mini_marker.nlp("Rapallo broke Soviet isolation in 1922.\n\n" + sentence)
    essay = gather(doc, mini_marker.index(mini_marker.bank.question("mini-essay")))
    points = gather(doc, mini_marker.index(mini_marker.bank.question("mini-points")))
    assert essay.sentences[-1].verdict is verdict
    assert not points.sentences[-1].verdict
    assert (essay.sentences[-1].index in essay.may_judge()) is (verdict or not essay.sentences[-1].filler)
