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


# --------------------------------------------------------------------------- import


def test_answer_keys_parts_become_the_coverage_marking_parts(parts_marker):
    marking = parts_marker.bank.question("schlieffen").marking
    assert isinstance(marking, CoverageMarking)
    assert [p.split(":")[0] for p in marking.parts] == ["Plan", "Failure"]
    assert len(parts_marker.bank.question("osmosis").marking.parts) == 2
    # the same key in prose has no parts: the closest model answer alone decides
    assert parts_marker.bank.question("schlieffen-prose").marking.parts == []


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
