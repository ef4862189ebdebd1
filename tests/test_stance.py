"""Which way an essay's introduction and conclusion lean, for the inconsistent-judgement advisory.

A nuanced essay weighs both sides at both ends ("significant but limited", "the view is only partly
valid"); it must not be told that its conclusion contradicts its introduction. An essay whose
conclusion takes the other side to its thesis still is (tests/test_analysis.py holds that case).
"""

from __future__ import annotations

import pytest

from marker.evidence import Sentence
from marker.structure import leaning_words, stance
from marker.validation import load_validation

VALIDATION = {f"{a.question}/{a.name}": a for a in load_validation()}


def _sentence(text: str) -> Sentence:
    return Sentence(0, 0, 0, text, 0, len(text), True, False, "evaluation", (), False, (), ())


@pytest.mark.parametrize(
    ("text", "lean"),
    [
        ("The intervention was the decisive factor in the outcome.", 1),
        ("It was not the main reason.", -1),
        ("The intervention was too divided to have a decisive impact.", -1),
        ("The Allies were too half-hearted to make a decisive difference to the war.", -1),
        ("The intervention was significant in starting the war, but not in deciding it.", 0),
        ("For Soviet foreign relations Rapallo was significant but limited.", 0),
        ("Overall, the view is only partly valid.", 0),
        ("The view is convincing up to a point.", 0),
        ("To some extent the treaty was a breakthrough.", 0),
        ("Although the Allies' supplies were significant, they were not decisive.", 0),
        # A contrast with no judgement on its other side keeps the sentence's one stance.
        (
            "The intervention had only a secondary impact: it prolonged the war, but the Red Army decided who won.",
            -1,
        ),
        ("It was a major reason, but historians still argue about its timing.", 1),
        # Adverbs lean as their adjectives do.
        ("British supplies shaped the war decisively.", 1),
        ("It achieved its aims very successfully, but its wider significance was limited.", 0),
        # "less" turns a judgement word round as "not" does; a verdict in a narrow sense is qualified.
        ("It was much less successful in ending its isolation as an outsider.", -1),
        ("Soviet diplomacy was successful in the narrow sense.", 0),
    ],
)
def test_stance_of_one_sentence(text, lean):
    assert stance([_sentence(text)]) == lean


def test_stance_quotes_only_the_words_of_one_sided_sentences():
    weighed = _sentence("Rapallo was significant but limited.")
    one_sided = _sentence("Its effect on Britain was minor.")
    assert leaning_words([weighed, one_sided]) == [("was minor", -1)]
    assert stance([weighed, one_sided]) == -1


def test_stance_sentence_answering_the_one_before_weighs_both_sides():
    """ "It was a real turning point. But it was less decisive than it first seems." is one weighed
    verdict: the "But" sentence leans against the sentence before it, not for the whole end."""
    first = _sentence("The treaty was a real turning point in relations with Germany.")
    answering = _sentence(
        "But for Soviet foreign relations as a whole it was less decisive than it first seems."
    )
    assert stance([answering]) == -1  # alone, it leans to limited
    assert leaning_words([first, answering]) == []
    assert stance([first, answering]) == 0


@pytest.mark.parametrize(
    "name",
    [
        "allied-intervention/12-exemplar",  # "significant ... but only a minor ... impact"
        "allied-intervention/18-exemplar",  # "too divided to have a decisive impact"
        "allied-intervention/30-exemplar",  # "significant in starting ..., but not in deciding it"
        "export-of-revolution/06-exemplar",  # "the view is partly valid"
        "export-of-revolution/11-thin-analysis",  # "only partly valid" against "convincing up to a point"
        "rapallo-significance/01-exemplar",  # "significant but limited"
        "rapallo-significance/24-factual-slip",  # "a real turning point. But ... less decisive"
        "recognition-success/20-factual-slip",  # "successful ... in the narrow sense ... much less successful"
    ],
)
def test_stance_nuanced_essay_is_not_told_its_judgement_is_inconsistent(shipped_marker, name):
    """Each of these was told "The conclusion leans the opposite way to the introduction" before the
    stance read sentences that weigh both sides (11 of the 120 validation essays were; 2 after stop 32, 1 after stop 33)."""
    a = VALIDATION[name]
    fb = shipped_marker.mark(a.question, a.text)
    assert fb.structure.conclusion and fb.structure.thesis  # both ends were read, and agree
    assert not fb.structure.inconsistent and "inconsistent" not in {x.code for x in fb.advisories}


INTRO = (
    "The Allied intervention was the decisive factor in the outcome of the Civil War, because the Whites "
    "could not have fought on without British supplies.\n\n"
)
BODY = (
    "Britain sent troops to Archangel and Murmansk in 1918 and supplies helped Denikin reach Orel in 1919, "
    "which prolonged the war.\n\n"
    "However, Trotsky's Red Army and White disunity mattered more, and the Bolsheviks used the intervention "
    "as propaganda against foreign imperialists.\n\n"
)


@pytest.mark.parametrize(
    ("conclusion", "inconsistent"),
    [
        # Takes the other side: told, including when "too ... to" turns the judgement word round.
        ("In conclusion, the Allies were too divided to have a decisive impact on the outcome.", True),
        ("In conclusion, the intervention had only a minor impact on the outcome of the war.", True),
        # Keeps the thesis's side, or weighs both: not told.
        ("In conclusion, the intervention was the decisive factor in the outcome of the war.", False),
        (
            "In conclusion, the intervention was significant in prolonging the war, but not in deciding it.",
            False,
        ),
    ],
)
def test_stance_conclusion_against_a_decisive_thesis(shipped_marker, conclusion, inconsistent):
    fb = shipped_marker.mark("allied-intervention", INTRO + BODY + conclusion)
    assert fb.structure.thesis and fb.structure.conclusion
    assert fb.structure.inconsistent is inconsistent
    assert ("inconsistent" in {a.code for a in fb.advisories}) is inconsistent
