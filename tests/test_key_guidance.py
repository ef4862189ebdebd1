"""Marking guidance in answer keys (mark allocations, "one of the following", "possible X:",
"a choice out of:", "X is also acceptable"), read as teachers mean it."""

from __future__ import annotations

import json

import pytest

from marker.answer_keys import read_model_answers
from marker.authoring import build, parse_specs
from marker.key_guidance import read_guidance, strip_allocations


@pytest.fixture(scope="module")
def nlp():
    from marker.nlp import build_pipeline

    return build_pipeline()


def _answers(question: str, key: str, max_mark: int = 2) -> list[str]:
    """The full-mark model answers an imported key becomes (no pipeline needed above one mark)."""
    read = read_model_answers(question, max_mark, [(key, max_mark, None)], 1, None)
    return [text for _name, text, _mark, _level in read.answers]


def _built(nlp, question: str, key: str):
    """The question a 2-mark spec with this key imports as (the real import path)."""
    (spec,) = parse_specs(f"id: q\nquestion: {question}\nmax_mark: 2\nmodel_answers: [{json.dumps(key)}]\n")
    return build(spec, nlp)


# --------------------------------------------------------------------------- reading (unit)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 mark for naming the Treaty of Versailles", "naming the Treaty of Versailles"),
        ("0.5 P for a sensible choice", "a sensible choice"),
        (
            "Chlorophyll absorbs light (1 mark) and makes glucose (2 marks)",
            "Chlorophyll absorbs light and makes glucose",
        ),
        ("meter entry per flow (0.25) used by the controller", "meter entry per flow used by the controller"),
        # a mid-sentence allocation starts a new part
        ("Token Ring 1P for the drawback", "Token Ring. the drawback"),
        # numbers that are content stay
        (
            "It has 2 points of contact (A and B) and 3 marks on the scale",
            "It has 2 points of contact (A and B) and 3 marks on the scale",
        ),
    ],
)
def test_key_guidance_strips_mark_allocations(text, expected):
    assert strip_allocations(text) == expected


def test_key_guidance_one_of_the_following_lists_alternatives():
    key = (
        "Germany had to accept the blame. One of the following reasons should be given:\n"
        "\u25cf Article 231 made Germany accept guilt\n"
        "\u25cf the war guilt clause\n"
        "\u25cb (either wording)\n"
        "\u25cf reparations were based on it"
    )
    g = read_guidance(key)
    assert g.before == "Germany had to accept the blame."
    assert g.alternatives == [
        "Article 231 made Germany accept guilt",
        "the war guilt clause (either wording)",
        "reparations were based on it",
    ]
    assert g.texts[1] == "Germany had to accept the blame.\nthe war guilt clause (either wording)"


def test_key_guidance_considered_correct_heading_and_numbered_list():
    key = (
        "Enzymes are proteins that speed up reactions.\n\nMain property: One of the following are "
        "considered fully correct:\n1. They are not used up.\n2. They are specific to one substrate."
    )
    g = read_guidance(key)
    assert g.alternatives == ["They are not used up.", "They are specific to one substrate."]
    assert g.before.endswith("Main property:") and g.any_one


def test_key_guidance_a_label_ends_the_list():
    key = "Plants: One of the following should be given:\n- light\n- water\nAnimals: they eat the plants."
    g = read_guidance(key)
    assert g.alternatives == ["light", "water"] and g.after == "Animals: they eat the plants."


def test_key_guidance_choice_out_of_an_inline_list():
    g = read_guidance("A sensible choice out of: copper, silver or gold. A reason for it.")
    assert g.alternatives == ["copper", "silver", "gold"] and g.after == "A reason for it."


def test_key_guidance_possible_heading_lists_possible_answers():
    g = read_guidance("Possible causes:\nThe assassination of Franz Ferdinand\nThe alliance system")
    assert g.alternatives == ["The assassination of Franz Ferdinand", "The alliance system"]
    assert not g.any_one


@pytest.mark.parametrize(
    "key, kept, accepted",
    [
        (
            "Respiration releases energy. Glucose is also acceptable as one of the reactants.",
            "Respiration releases energy.",
            ["Glucose"],
        ),
        (
            "The Tsar abdicated in 1917 because of the war 1918 can be accepted if explained",
            "The Tsar abdicated in 1917 because of the war",
            ["1918"],
        ),
    ],
)
def test_key_guidance_also_acceptable_is_an_accepted_wording(key, kept, accepted):
    g = read_guidance(key)
    assert g.before == kept and g.accept == accepted


@pytest.mark.parametrize(
    "key",
    [
        "Photosynthesis makes glucose from carbon dioxide and water.",
        "The correct answer is that the bulb stays lit.",  # "correct" alone is not guidance
        "lack of money / poor harvests / war",
        # prose, not guidance: "is acceptable" / "is allowed" without "also"
        "The gas is allowed to expand, so the pressure falls.",
        "Lenin judged that peace on German terms was acceptable and it is acceptable to historians.",
        "The treaty may be allowed to lapse.",
        "Wilson's 14 points for peace were set aside at Versailles.",  # points, not marks
    ],
)
def test_key_guidance_a_key_without_guidance_is_left_alone(key):
    assert read_guidance(key) is None


# --------------------------------------------------------------------------- importing


def test_key_guidance_alternatives_are_full_mark_answers():
    key = (
        "Germany had to accept the blame. One of the following reasons should be given:\n"
        "- Article 231 made Germany accept guilt\n- reparations were based on it"
    )
    assert _answers("Why did Germany resent the treaty?", key) == [
        "Germany had to accept the blame.\nArticle 231 made Germany accept guilt",
        "Germany had to accept the blame.\nreparations were based on it",
    ]


def test_key_guidance_allocations_and_acceptance_leave_the_model_answer():
    key = "2 marks for the reactants. Carbon dioxide and water. Light is also acceptable as one of them."
    assert _answers("What does photosynthesis need?", key) == ["the reactants. Carbon dioxide and water."]


def test_key_guidance_choice_key_stays_a_coverage_question(nlp):
    # "a choice out of: A, B or C" is one part answered by any of them: not a list of points
    key = "0.5 P for a sensible choice out of: Token Ring, CSMA/CD or TDMA 1P for the drawback and 1P for an advantage."
    built = _built(nlp, "Which procedure would you recommend? Give 2 reasons.", key)
    assert built.question.kind == "coverage"
    assert [m.text for m in built.model_answers] == [
        "Token Ring\nthe drawback and an advantage.",
        "CSMA/CD\nthe drawback and an advantage.",
        "TDMA\nthe drawback and an advantage.",
    ]


def test_key_guidance_possible_answers_of_which_two_are_asked_are_points(nlp):
    # "Possible causes:" heads a list, not an answer; "name two" asks for two of its items
    key = "Possible causes:\n- the alliance system\n- militarism\n- the assassination of Franz Ferdinand"
    built = _built(nlp, "Name two causes of the First World War.", key)
    assert built.question.kind == "points"
    assert [p.label for p in built.question.points] == [
        "the alliance system",
        "militarism",
        "the assassination of Franz Ferdinand",
    ]
