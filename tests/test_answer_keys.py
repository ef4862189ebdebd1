"""Answer keys as teachers write them: alternatives, "any two of", accept / reject lines, key ideas."""

from __future__ import annotations

import json

import pytest

from marker.answer_keys import asked_count, key_idea, point_wordings, read_key, split_alternatives
from marker.authoring import build, parse_specs

from .conftest import FIXTURES

KEYS = FIXTURES / "keys" / "questions.yaml"


@pytest.fixture(scope="module")
def keys_marker():
    """The real pipeline on tests/fixtures/keys/questions.yaml (keys written as teachers write them)."""
    from marker.engine import load_marker

    return load_marker(KEYS)


# --------------------------------------------------------------------------- reading (unit)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("lack of money / poor harvests / war", ["lack of money", "poor harvests", "war"]),
        ("lack of money or poor harvests", ["lack of money", "poor harvests"]),
        ("lack of money; poor harvests; war", ["lack of money", "poor harvests", "war"]),
        ("CO2/carbon dioxide", ["CO2", "carbon dioxide"]),
        # a long part after " / " is still an alternative: " / " is never prose
        (
            "tRNA carries the complementary anticodon / anticodon pairs with codon",
            ["tRNA carries the complementary anticodon", "anticodon pairs with codon"],
        ),
    ],
)
def test_answer_keys_split_short_alternatives(text, expected):
    assert split_alternatives(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The stimulus is seeing or hearing the cup fall.",  # a sentence: its " or " joins one idea
        "It depends on whether or not they are in the same path",
        "no path containing both the switch X and either bulb B or bulb C",
        "the speed in km/h",
        "it can be lit and/or switched off",
        # an essay-style answer: the parts are too long to be alternatives
        "The Whites were split between monarchists and liberals or they could not agree on any aim at all",
        "If the key sticks, the key is iron; if the key does not stick the key is aluminum",
    ],
)
def test_answer_keys_prose_is_not_split(text):
    assert len(split_alternatives(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "- lack of money\n- poor harvests\n- war",
        "* lack of money\n* poor harvests\n* war",
        "\u2022 lack of money\n\u2022 poor harvests\n\u2022 war",
        "1. lack of money\n2. poor harvests\n3. war",
        "a) lack of money\nb) poor harvests\nc) war",
        "lack of money\npoor harvests\nwar",
    ],
)
def test_answer_keys_lines_and_bullets_are_items(text):
    key = read_key(text)
    assert [i.label for i in key.items] == ["lack of money", "poor harvests", "war"]


def test_answer_keys_long_lines_are_paragraphs_of_one_answer():
    para = "The Whites were divided because their leaders wanted different things for Russia after the war was won."
    key = read_key(f"{para}\n{para}")
    assert len(key.items) == 1 and not key.is_list


def test_answer_keys_alternatives_inside_a_listed_item_are_its_wordings():
    key = read_key("- carbon dioxide / CO2\n- water\n- light or sunlight")
    assert [i.wordings for i in key.items] == [["carbon dioxide", "CO2"], ["water"], ["light", "sunlight"]]


@pytest.mark.parametrize(
    "key_text, question, count",
    [
        ("Any two of: A / B / C / D", "", 2),
        ("any 2 from: A / B / C", "", 2),
        ("Two of the following: A; B; C", "", 2),
        ("Any three of:\n- A\n- B\n- C\n- D", "", 3),
        ("A / B / C", "Give two reasons why the Whites lost.", 2),
        ("A / B / C", "Name three things a plant needs.", 3),
        ("A / B / C", "Why did the Whites lose?", None),
        ("A", "Explain why you got a voltage reading of 1.5 for terminal 2.", None),
    ],
)
def test_answer_keys_count_asked_for(key_text, question, count):
    assert asked_count(key_text, question) == count
    assert read_key(key_text, question).count == count


def test_answer_keys_any_two_of_header_is_not_an_item():
    key = read_key("Any two of: lack of money / poor harvests / war")
    assert [i.label for i in key.items] == ["lack of money", "poor harvests", "war"]


@pytest.mark.parametrize(
    "text",
    [
        "closed circuit\naccept: complete loop\ndo not accept: the bulb is on\nignore: wires",
        "closed circuit; accept complete loop; reject the bulb is on; ignore wires",
        "closed circuit (accept complete loop) (do not accept 'the bulb is on') (ignore wires)",
        "Accept: complete loop\nclosed circuit\nDon't accept: the bulb is on",
    ],
)
def test_answer_keys_accept_reject_and_ignore_lines(text):
    (item,) = read_key(text).items
    assert item.wordings == ["closed circuit"]
    assert item.accept == ["complete loop"] and item.reject == ["the bulb is on"]
    assert "wires" not in item.accepted + item.reject  # ignored words neither earn nor cost


def test_answer_keys_accept_line_belongs_to_the_item_above_it():
    key = read_key("- lack of money\naccept: no funds\n- war\nreject: fighting")
    assert [(i.label, i.accept, i.reject) for i in key.items] == [
        ("lack of money", ["no funds"], []),
        ("war", [], ["fighting"]),
    ]


def test_answer_keys_point_wordings_with_accept_and_reject():
    item = point_wordings("carbon dioxide / CO2 (accept: carbon dioxide gas) reject: carbon monoxide")
    assert item.accepted == ["carbon dioxide", "CO2", "carbon dioxide gas"]
    assert item.reject == ["carbon monoxide"]
    bold = point_wordings("it is still in a **closed circuit** with the battery")
    assert bold.accepted == ["it is still in a closed circuit with the battery", "closed circuit"]


@pytest.fixture(scope="module")
def nlp(keys_marker):
    return keys_marker.nlp


@pytest.mark.parametrize(
    "key, question, idea",
    [
        # the main clause restates the question: the key idea is the reason after "because"
        (
            "The bulb stays lit because it is still in a closed circuit with the battery, so current can flow.",
            "Why does bulb A stay lit when switch Y is opened?",
            "it is still in a closed circuit with the battery",
        ),
        (
            "The Bolsheviks controlled the railways, which meant they could move troops quickly.",
            "Give one reason why the Reds won.",
            "The Bolsheviks controlled the railways",
        ),
        (
            "Water expands when it freezes, so the level goes up.",
            "Why did the water level rise?",
            "Water expands when it freezes",
        ),
        # "such as" and a restrictive "which" are not elaborations; one clause has no key idea apart
        ("Use a standard unit such as centimeters.", "How should she measure?", None),
        ("Bulb A is in a path which does not contain B.", "Why is bulb A not affected?", None),
    ],
)
def test_answer_keys_key_idea_is_the_first_clause_the_question_does_not_say(nlp, key, question, idea):
    from marker.similarity import content_terms

    assert key_idea(nlp(key), content_terms(nlp(question))) == idea


# --------------------------------------------------------------------------- the rubric built


def test_answer_keys_any_two_of_builds_a_points_question(keys_marker):
    q = keys_marker.bank.question("whites-lost")
    assert q.kind == "points" and q.marking.thresholds is None and q.max_mark == 2
    assert [p.label for p in q.points] == [
        "the Whites were divided",
        "the Reds held the railways",
        "foreign help was withdrawn",
        "the peasants did not support the Whites",
    ]


def test_answer_keys_any_two_of_a_four_mark_question_gives_two_marks_each(nlp):
    (spec,) = parse_specs(
        "id: q\nquestion: Explain the causes of the famine.\nmax_mark: 4\n"
        "model_answers: ['Any two of: drought / grain requisitioning / civil war']\n"
    )
    q = build(spec, nlp).question
    assert q.kind == "points" and q.marking.thresholds == {2: 1, 4: 2} and len(q.points) == 3


def test_answer_keys_listing_explanatory_sentences_stays_a_coverage_question(nlp):
    # A key whose lines explain (as SAF's 10.1_TC does) is answered in other words: it is marked by
    # coverage, with the meaning estimate, not one mark per line found word for word.
    key = (
        "The UDP header is much shorter than the TCP header, which is between 20 and 60 bytes long\n"
        "The UDP header has a fixed length while the TCP header has a variable length\n"
        "- Sequence number\n- Acknowledgment number"
    )
    (spec,) = parse_specs(
        "id: q\nquestion: State at least 4 differences between the UDP and TCP headers.\nmax_mark: 2\n"
        f"model_answers: [{json.dumps(key)}]\n"
    )
    built = build(spec, nlp)
    assert built.question.kind == "coverage" and len(built.question.points) == 4
    # the teacher's own choice of points marking is kept
    (chosen,) = parse_specs(
        "id: q\nquestion: State four differences.\nmax_mark: 2\nmarking: {kind: points}\n"
        f"model_answers: [{json.dumps(key)}]\n"
    )
    assert build(chosen, nlp).question.kind == "points"


def test_answer_keys_one_sentence_cut_at_a_slash_stays_a_coverage_question(nlp):
    # " / " always separates wordings, so an explanation with one in it reads as two long items
    # (SAF's 1.6): still one explanation, marked by coverage.
    key = (
        "Binary encoding, as it uses the bandwidth best, and the clocks are perfect, so "
        "self-clocking / clock recovery is not needed and the simple code is enough for this network."
    )
    (spec,) = parse_specs(
        f"id: q\nquestion: Which encoding should be used? Give two reasons.\nmax_mark: 2\nmodel_answers: [{json.dumps(key)}]\n"
    )
    assert build(spec, nlp).question.kind == "coverage"


@pytest.mark.parametrize(
    "key",
    [
        "- Slow start\n- Congestion avoidance",
        "lack of money / poor harvests / war",
        # phrases of up to twelve words are still answers to find, one mark each
        "- the header of UDP is eight bytes long in every single case\n- TCP has flags",
    ],
)
def test_answer_keys_key_of_short_phrases_stays_a_points_question(nlp, key):
    (spec,) = parse_specs(
        f"id: q\nquestion: Name the two phases.\nmax_mark: 2\nmodel_answers: [{json.dumps(key)}]\n"
    )
    assert build(spec, nlp).question.kind == "points"


def test_answer_keys_accept_and_reject_become_wordings_and_reject(keys_marker):
    q = keys_marker.bank.question("gas-taken-in")
    first = q.points[0]
    assert first.label == "carbon dioxide" and "carbon dioxide gas" in first.aliases
    assert first.reject == ["carbon monoxide"]
    names = [a.name for a in keys_marker.bank.answers_for("gas-taken-in")]
    assert names == ["model-1", "model-1-2", "model-1-3"]  # each wording is a full-mark answer


def test_answer_keys_essay_model_answer_and_levels_are_left_alone(nlp):
    essay = (
        "The Whites lost mainly because they were divided or, more precisely, because their leaders "
        "could never agree on what Russia should become after the war."
    )
    (spec,) = parse_specs(
        f"id: q\nquestion: Why did the Whites lose?\nmax_mark: 6\nmodel_answers: ['{essay}']\n"
    )
    built = build(spec, nlp)
    assert built.question.kind == "coverage" and [a.text for a in built.model_answers] == [essay]
    (levels,) = parse_specs(
        "id: q\nquestion: How far do you agree?\nmax_mark: 8\n"
        "marking: {levels: {'1-4': basic, '5-8': developed}}\n"
        "model_answers: [{text: 'A / B / C because D', mark: 6}]\n"
    )
    built = build(levels, nlp)
    assert [(a.name, a.text) for a in built.model_answers] == [("model-1", "A / B / C because D")]


# --------------------------------------------------------------------------- golden (real pipeline)


@pytest.mark.parametrize(
    "answer, mark",
    [
        ("The Whites were divided and the Reds held the railways.", 2),
        ("Foreign help was withdrawn. The peasants did not support the Whites.", 2),
        ("The Reds held the railways.", 1),
        ("Foreign help was withdrawn.", 1),
        ("The Whites had many tanks and the weather was cold.", 0),
        ("The Whites lost the civil war.", 0),
    ],
)
def test_answer_keys_golden_any_two_of(keys_marker, answer, mark):
    assert keys_marker.mark("whites-lost", answer).mark == mark


@pytest.mark.parametrize(
    "answer, mark",
    [
        ("It takes in carbon dioxide, water and light.", 3),
        ("CO2 and water.", 2),  # a list names the items a "name three" key asks for
        ("sunlight", 1),
        ("oxygen and glucose", 0),
    ],
)
def test_answer_keys_golden_bulleted_list(keys_marker, answer, mark):
    assert keys_marker.mark("plant-needs", answer).mark == mark


def test_answer_keys_golden_reject_line_withholds_the_mark(keys_marker):
    # Without the reject line, "carbon monoxide" shares enough of "carbon dioxide" to earn the mark.
    assert keys_marker.mark("gas-no-reject", "carbon monoxide").mark == 1
    assert keys_marker.mark("gas-taken-in", "carbon monoxide").mark == 0
    assert keys_marker.mark("gas-taken-in", "It is carbon monoxide from the air.").mark == 0
    for right in ("carbon dioxide", "CO2", "They take in carbon dioxide gas from the air."):
        assert keys_marker.mark("gas-taken-in", right).mark == 1, right
    assert keys_marker.mark("gas-taken-in", "oxygen").mark == 0


@pytest.mark.parametrize(
    "qid, answer, mark",
    [
        # the key idea, stated briefly, earns a 1-mark question's mark...
        ("bulb-stays-lit", "The bulb is still connected in a complete circuit.", 1),
        ("bulb-stays-lit", "It is still part of a closed circuit.", 1),
        ("reds-won", "They controlled the railways.", 1),
        ("reds-won", "The Reds had control of the railways.", 1),
        ("famine-bold", "The villages had too little grain.", 1),  # the teacher's bold words
        # ...and wrong answers, or ones that restate the question, still get nothing
        ("bulb-stays-lit", "The bulb stays lit.", 0),
        ("bulb-stays-lit", "Because the bulb is bright.", 0),
        ("bulb-stays-lit", "The switch is broken.", 0),
        ("reds-won", "The Reds won because they were lucky.", 0),
        ("reds-won", "Trotsky was a good leader.", 0),
        ("famine-bold", "There was a drought.", 0),
        ("famine-bold", "War Communism.", 0),
    ],
)
def test_answer_keys_golden_key_idea(keys_marker, qid, answer, mark):
    assert keys_marker.mark(qid, answer).mark == mark


def test_answer_keys_key_idea_is_a_full_mark_answer(keys_marker):
    answers = {a.name: a for a in keys_marker.bank.answers_for("bulb-stays-lit")}
    assert answers["model-1-key-idea"].text == "it is still in a closed circuit with the battery"
    assert answers["model-1-key-idea"].intended_mark == 1
    assert keys_marker.bank.answers_for("famine-bold")[1].text == "too little grain for the villages"


def test_answer_keys_readme_examples_build_as_documented(nlp):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(- id: .*?)```", readme, re.S)
    specs = {s.id: s for block in blocks for s in parse_specs(block, "README.md")}
    whites = build(specs["whites-lost"], nlp).question
    assert whites.kind == "points" and [len(p.aliases) for p in whites.points] == [0, 1, 0]
    assert whites.points[2].reject == ["the Allies"]
    photosynthesis = build(specs["photosynthesis"], nlp).question
    glucose = photosynthesis.points[-1]  # the last of its four points (issue 12: enough for its thresholds)
    assert len(photosynthesis.points) == 4 and glucose.label == "glucose is made"
    assert glucose.aliases == ["sugar is produced", "sugar is made"]
    assert glucose.reject == ["oxygen is made"]
    reds = build(specs["reds-won"], nlp)
    assert [a.text for a in reds.model_answers][1] == "The Bolsheviks controlled the railways"


def test_answer_keys_point_with_inline_directives_needs_their_colon():
    item = point_wordings("closed circuit accept: complete loop reject: the bulb is on")
    assert (item.wordings, item.accept, item.reject) == (
        ["closed circuit"],
        ["complete loop"],
        ["the bulb is on"],
    )
    verb = point_wordings("the peasants reject the Whites' land policy")
    assert verb.wordings == ["the peasants reject the Whites' land policy"] and not verb.reject
