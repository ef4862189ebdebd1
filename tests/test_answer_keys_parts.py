"""Keys written in labelled or numbered parts: a full-mark answer says every part."""

from __future__ import annotations

import pytest

from marker.answer_keys import key_parts
from marker.rubric import CoverageMarking

from .conftest import FIXTURES

PARTS = FIXTURES / "keys" / "parts.yaml"

PLAN = (
    "Plan: Germany would defeat France quickly by marching through Belgium, then turn east to fight Russia."
)
FAILURE = (
    "Failure: Belgian resistance and the BEF slowed the advance, and Russia mobilised faster than expected."
)


@pytest.fixture(scope="module")
def parts_marker():
    """The real pipeline on tests/fixtures/keys/parts.yaml."""
    from marker.engine import load_marker

    return load_marker(PARTS)


# --------------------------------------------------------------------------- reading (unit)


@pytest.mark.parametrize(
    "text, question, expected",
    [
        (f"{PLAN}\n{FAILURE}", "", [PLAN, FAILURE]),
        # lines after a label belong to its part; text before the first label is a part
        (
            "The cell takes in water.\nOsmosis: water moves through the membrane\nto the stronger solution.\n"
            "Wall: the cell wall stops it bursting.",
            "",
            [
                "The cell takes in water.",
                "Osmosis: water moves through the membrane to the stronger solution.",
                "Wall: the cell wall stops it bursting.",
            ],
        ),
        (
            "1. Water moves into the root hair cell by osmosis.\n2) It travels up the xylem to the leaves.",
            "",
            [
                "1. Water moves into the root hair cell by osmosis.",
                "2) It travels up the xylem to the leaves.",
            ],
        ),
        # a heading over the parts is not a part an answer must say; a label alone on its line
        # heads the lines below it
        (
            f"The answer should mention:\n{PLAN}\n{FAILURE}",
            "",
            [PLAN, FAILURE],
        ),
        # a heading too long to be a label still leaves the two labels below it
        (
            f"A full answer should mention both of the following points:\n{PLAN}\n{FAILURE}",
            "",
            [PLAN, FAILURE],
        ),
        (
            "Plan:\nGermany would march through Belgium.\nFailure:\nBelgium resisted the advance.",
            "",
            ["Plan: Germany would march through Belgium.", "Failure: Belgium resisted the advance."],
        ),
        # one label is no parts: "Note: ..." under a model answer
        ("The Reds held the railways.\nNote: accept the Bolsheviks for the Reds.", "", []),
        # alternatives, not parts: the question asks for fewer answers than are listed
        ("1. lack of money\n2. poor harvests\n3. war with Poland", "Give two reasons why.", []),
        # bullets list alternatives; a label of more than six words is a sentence with a colon
        ("- Slow start: cwnd doubles\n- Congestion avoidance: cwnd grows by one", "", []),
        (
            "After a packet is lost in either of the two phases the following is done: x.\n"
            "When the threshold is reached in the slow start phase: y.",
            "",
            [],
        ),
        ("Bulb A is still in a closed circuit with the battery.", "", []),
        ("See http://example.org: the page\nand 1.5 marks", "", []),
    ],
)
def test_answer_keys_key_parts(text, question, expected):
    assert key_parts(text, question) == expected


# Labels inside a line: a key written in parts on one line, as SAF's 5.7 and 6.3 are.
SLOW = "Slow start: cwnd doubles every round trip until ss_thresh is reached"
AVOID = "Congestion Avoidance: cwnd grows by one segment per round trip"


@pytest.mark.parametrize(
    "text, expected",
    [
        # a numbered run of labels ("Hop 1 :", "Hop 2 :"), even with no space or sentence end before one
        (
            "Hop 1 :(A, B, forward), (A, C, forward) Hop 2 :(B, E, forward), (C, F, drop)Hop 3 :(E, G, forward)",
            [
                "Hop 1 :(A, B, forward), (A, C, forward)",
                "Hop 2 :(B, E, forward), (C, F, drop)",
                "Hop 3 :(E, G, forward)",
            ],
        ),
        # a capitalised label after a sentence end
        (
            "Advantage: the frames are sent together. Disadvantage: frames wait in the buffer.",
            ["Advantage: the frames are sent together.", "Disadvantage: frames wait in the buffer."],
        ),
        # on a labelled line, a Title Case label after a plain word, with no full stop before it
        (f"{SLOW} {AVOID}", [SLOW, AVOID]),
        (
            "Cause: the harvest failed in 1921! Effect: grain prices rose.",
            ["Cause: the harvest failed in 1921!", "Effect: grain prices rose."],
        ),
    ],
)
def test_answer_keys_key_parts_labels_inside_a_line(text, expected):
    assert key_parts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # prose with a colon
        "The reason is simple: the army was too weak. Russia could not fight on: the Tsar abdicated.",
        # a proper name and a colon after "the" is not a label, even on a labelled line
        "Cause: the war went badly on the Western Front: the army broke and the men deserted.",
        # Title Case after a plain word only counts on a line that starts with a label
        "Germany attacked through Belgium to reach Paris quickly Schlieffen Plan: the attack failed.",
        # times, ratios and "e.g.:" are not labels; "Note:" is words for the marker
        "At 10:30 the troops attacked.\nResult: the line held.",
        "Mix the acid and water in the ratio 1:2. Note: accept 1 to 2.",
        "Sound travels as a wave, e.g.: Music. Note: accept vibration.",
        "Purpose: fewer duplicate packets. Note: accept less flooding.",
        # numbered labels that do not run 1, 2, ... under one word
        "Table 1: the results of the test. Figure 3: the apparatus used.",
        # one label inside a line
        "The bulb stays lit because it is in a closed circuit. Bulb A: still connected.",
        # bulleted lines are alternatives
        "- Slow start: cwnd doubles. Congestion Avoidance: cwnd grows by one\n- cwnd is halved",
        "Bulb A is still in a closed circuit with the battery.",
    ],
)
def test_answer_keys_key_parts_prose_with_colons_is_not_cut(text):
    assert key_parts(text) == []


# Prose with a colon at the start of a line is no label: an imported prose key with two such
# colons was read as two parts on main, so an answer saying both in other words lost its full mark.
@pytest.mark.parametrize(
    "text",
    [
        "No single stage is large: each step adds only a little to the cost.\n"
        "The reason is simple: the small costs add up over the whole process.",
        "It works like this: the enzyme binds to its substrate.\nThe result can be seen: the reaction is faster.",
        "Water moves into the cell by osmosis.\nFor example: a raisin left in water swells up.\n"
        "In other words: water moves to where there is less of it.",
        "Two things matter here: the harvest failed and the army took the grain.\n"
        "The main causes include: war, drought and requisitioning.",
        "There are two stages: the light reactions come first.\nThey're followed by: the Calvin cycle.",
    ],
)
def test_answer_keys_key_parts_prose_lines_with_colons_are_not_parts(text):
    assert key_parts(text) == []


@pytest.mark.parametrize(
    "first, second",
    [
        ("Purpose", "Advantage"),
        ("Hop 1", "Hop 2"),
        ("Step 1", "Step 2"),
        ("Reason 1", "Reason 2"),
        ("Slow start phase", "Congestion Avoidance"),
        ("Advantage", "Disadvantage"),
        ("Cause", "Explanation"),
        ("Slow start (cwnd is low)", "Congestion avoidance (cwnd is high)"),
        # a case or a question is a heading, not a sentence
        ("When the switch is closed", "When the switch is open"),
        ("How it works", "Why it matters"),
        # a month, a Roman numeral and an acronym are not "may", "I" and "it"
        ("May 1940", "June 1940"),
        ("Phase I", "Phase II"),
        ("IT systems", "Paper records"),
    ],
)
def test_answer_keys_key_parts_real_labels_still_start_parts(first, second):
    one = f"{first}: the frames wait in the buffer until the window opens."
    two = f"{second}: the sender halves its window after a loss."
    assert key_parts(f"{one}\n{two}") == [one, two]


# --------------------------------------------------------------------------- import


def test_answer_keys_parts_become_the_coverage_marking_parts(parts_marker):
    marking = parts_marker.bank.question("schlieffen").marking
    assert isinstance(marking, CoverageMarking)
    assert [p.split(":")[0] for p in marking.parts] == ["Plan", "Failure"]
    assert len(parts_marker.bank.question("osmosis").marking.parts) == 2
    # the same key in prose has no parts: the closest model answer alone decides
    assert parts_marker.bank.question("schlieffen-prose").marking.parts == []
    # prose whose lines have colons ("The plan was simple: ...") has no parts either
    assert parts_marker.bank.question("schlieffen-colons").marking.parts == []


# --------------------------------------------------------------------------- marking (golden)

BOTH = (
    "Germany planned to beat France fast by going through Belgium and then fight Russia. It failed because "
    "Belgium resisted, the British Expeditionary Force held them up and Russia mobilised quickly."
)
PLAN_ONLY = (
    "The Schlieffen Plan was Germany's plan to defeat France quickly by marching through Belgium and then "
    "turning east to fight Russia on the other front."
)


def test_answer_keys_parts_full_marks_need_every_part(parts_marker):
    both = parts_marker.mark("schlieffen", BOTH)
    assert both.mark == 2 and both.features.parts_unsaid == ()
    one = parts_marker.mark("schlieffen", PLAN_ONLY)
    assert one.mark == 1
    assert [p.split(":")[0] for p in one.features.parts_unsaid] == ["Failure"]
    assert "does not say this part" in one.summary
    # the same answer against the key in prose: covering one half earns everything
    assert parts_marker.mark("schlieffen-prose", PLAN_ONLY).mark == 2


def test_answer_keys_parts_labels_inside_one_line_are_parts_too(parts_marker):
    # the same key as "schlieffen", its two labelled parts written on one line
    assert [p.split(":")[0] for p in parts_marker.bank.question("schlieffen-one-line").marking.parts] == [
        "Plan",
        "Failure",
    ]
    assert parts_marker.mark("schlieffen-one-line", BOTH).mark == 2
    assert parts_marker.mark("schlieffen-one-line", PLAN_ONLY).mark == 1
