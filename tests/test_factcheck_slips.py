"""The fact check on everyday statements of dated facts (issue 12, item 6): every slip of
tests/fixtures/factcheck/slips.yaml is flagged against the fact it gets wrong, and no true
statement is flagged. The real pipeline on the shipped knowledge base."""

from __future__ import annotations

import pytest
import yaml

from marker.clauses import said_with
from marker.evidence import extract
from marker.factcheck import WRONG_DATE
from marker.rubric import Topic

from .conftest import FIXTURES

SLIPS = yaml.safe_load((FIXTURES / "factcheck" / "slips.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def marked(shipped_marker):
    """Every statement with the wrong dates found in it, and the topic's facts by id."""
    question = SLIPS["question"]
    facts = {f.id: f for f in shipped_marker.bank.topic_for(shipped_marker.bank.question(question)).facts}
    out = {}
    for kind in ("slips", "correct"):
        texts = [item["text"] for item in SLIPS[kind]]
        for item, fb in zip(SLIPS[kind], shipped_marker.mark_many(question, texts), strict=True):
            out[item["text"]] = [f for f in fb.fact_issues if f.kind == WRONG_DATE]
    return out, facts


def test_factcheck_slips_fixture_is_a_fair_set(marked):
    _, facts = marked
    slips, correct = SLIPS["slips"], SLIPS["correct"]
    assert len(slips) >= 20 and len(correct) >= 25
    texts = [item["text"] for item in slips + correct]
    assert len(set(texts)) == len(texts)
    assert {item["fact"] for item in slips + correct} <= set(facts)
    # The slips issue 12 names, word for word.
    assert {
        "The Comintern was founded in 1921.",
        "Britain recognised the Soviet Union in 1921.",
        "The blockade was lifted in 1921.",
    } <= set(texts)


def test_factcheck_slips_every_slip_is_flagged_against_its_fact(marked):
    found, facts = marked
    missed = []
    for item in SLIPS["slips"]:
        fact = facts[item["fact"]]
        if not any(issue.correct.startswith(fact.event) for issue in found[item["text"]]):
            missed.append(f"{item['text']} ({item['fact']}): {[i.message for i in found[item['text']]]}")
    caught = len(SLIPS["slips"]) - len(missed)
    print(f"\nslips caught: {caught}/{len(SLIPS['slips'])}")
    assert not missed, "\n".join(missed)


def test_factcheck_slips_no_true_statement_is_flagged(marked):
    found, _ = marked
    false_flags = [
        f"{item['text']}: {found[item['text']][0].message}"
        for item in SLIPS["correct"]
        if found[item["text"]]
    ]
    print(f"\nfalse flags: {len(false_flags)}/{len(SLIPS['correct'])}")
    assert not false_flags, "\n".join(false_flags)


def test_factcheck_slips_flag_names_the_date_and_the_correction(shipped_marker):
    text = "Kolchak was handed over at Irkutsk and shot in February 1921."
    fb = shipped_marker.mark("allied-intervention", text)
    (issue,) = [f for f in fb.fact_issues if f.kind == WRONG_DATE]
    assert text[issue.start : issue.end] == "February 1921" and issue.sentence == text
    assert issue.correct == "Kolchak was shot by the Bolsheviks (7 February 1920)"


def _said(shipped_marker, text: str, date: str):
    evidence = extract(shipped_marker.nlp(text))
    (ref,) = [d for d in evidence.dates if d.text == date]
    return ref


@pytest.mark.parametrize(
    ("text", "date", "word", "undergo", "not_undergo"),
    [
        ("The Comintern was founded in 1921.", "1921", "found", {"comintern"}, set()),
        ("The Comintern founded communist parties in China in 1921.", "1921", "found", set(), {"comintern"}),
        ("The blockade ended in January 1920.", "January 1920", "end", {"economic-blockade"}, set()),
        (
            "Kolchak's execution in February 1920 ended the war in Siberia.",
            "February 1920",
            "execution",
            {"kolchak"},
            set(),
        ),
        (
            "They handed Kolchak over at Irkutsk, where he was shot in 1920.",
            "1920",
            "shoot",
            {"kolchak"},
            set(),
        ),
        ("The Comintern was set up in Moscow in March 1919.", "March 1919", "set up", {"comintern"}, set()),
    ],
)
def test_factcheck_clauses_read_what_a_date_dates_and_who_undergoes_it(
    shipped_marker, text, date, word, undergo, not_undergo
):
    ref = _said(shipped_marker, text, date)
    said = next(s for s in ref.said if word in s.words)
    assert undergo <= said.undergo and not (not_undergo & said.undergo)
    assert not_undergo <= said.of  # still named in the clause, only not undergoing it


def test_factcheck_clauses_a_bound_is_not_a_date(shipped_marker):
    ref = _said(shipped_marker, "By 1923 the Treaty of Rapallo had given Germany training grounds.", "1923")
    assert ref.preposition == "by"
    fb = shipped_marker.mark(
        "rapallo-significance", "By 1923 the Treaty of Rapallo had given Germany training grounds."
    )
    assert not [f for f in fb.fact_issues if f.kind == WRONG_DATE]
    fb = shipped_marker.mark("rapallo-significance", "In 1923 the Treaty of Rapallo was signed.")
    assert [f.text for f in fb.fact_issues if f.kind == WRONG_DATE] == ["1923"]


def first_token(doc, text: str) -> int:
    return next(t.i for t in doc if t.text == text)


def test_factcheck_clauses_each_date_keeps_its_own_words(shipped_marker):
    text = "Peace was made with Estonia in 1920 and with Poland in the Treaty of Riga in 1922."
    doc = shipped_marker.nlp(text)
    evidence = extract(doc)
    first = next(d for d in evidence.dates if d.text == "1920")
    assert first.said and all("riga" not in s.text for s in first.said)
    # Without the other date to share the clause with, the words of both go with this one.
    alone = said_with(
        doc[:], first_token(doc, "1920"), first_token(doc, "1920") + 1, list(doc.spans["marker_concepts"])
    )
    assert any("riga" in s.text for s in alone)


def test_factcheck_phrasing_names_known_concepts():
    fact = {
        "id": "x",
        "concept": "a",
        "event": "e",
        "date": "1920",
        "phrasing": {"verbs": ["found"], "of": ["b"]},
    }
    concepts = [{"id": "a", "label": "A", "kind": "event"}]
    with pytest.raises(ValueError, match="fact 'x' names unknown concept 'b'"):
        Topic(schema_version=1, id="t", title="T", concepts=concepts, facts=[fact])
    concepts.append({"id": "b", "label": "B", "kind": "organisation"})
    assert Topic(schema_version=1, id="t", title="T", concepts=concepts, facts=[fact]).facts[
        0
    ].phrasing.of == ["b"]
    with pytest.raises(ValueError, match="verbs"):
        Topic.model_validate(
            {"schema_version": 1, "id": "t", "title": "T", "concepts": concepts,
             "facts": [{**fact, "phrasing": {"verbs": [], "of": ["b"]}}]}
        )  # fmt: skip
