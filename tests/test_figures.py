"""Figures (troop numbers, sums, percentages) found without spaCy's entity recogniser.

Marking used to count the recogniser's CARDINAL, PERCENT, QUANTITY and MONEY entities that hold
a digit and are not dates; it no longer runs the recogniser (about half of spaCy's time per
essay). These tests run the real pipeline, and check the rule against the recogniser itself.
"""

from __future__ import annotations

import pytest

from marker.evidence import extract
from marker.nlp import with_entities
from marker.tuning import TUNING

#: (sentence, the figures the recogniser found in it, as the rule writes them).
CASES = [
    ("The Allies sent 14,000 troops to Archangel in 1918.", ["14,000"]),
    ("Britain spent £100 million on the intervention.", ["£100 million"]),
    ("About 20% of the Red Army were former Tsarist officers.", ["20%"]),
    ("The Red Army grew to 5 million men by 1920.", ["5 million"]),
    ("Some 300,000 people died, and 2,000,000 fled abroad.", ["300,000", "2,000,000"]),
    ("Trade rose by 3.5 percent after the agreement.", ["3.5 percent"]),
    ("Japan kept 70,000 soldiers in Siberia until 1922.", ["70,000"]),
    ("Between 5,000-10,000 Czechs held the railway.", ["5,000-10,000"]),
]

#: Numbers the recogniser called a date, a time, an ordinal or part of a name: never figures.
NOT_FIGURES = [
    "The war lasted 18 months and the famine 2 years.",
    "The 1920s were hard, and on the 14th the troops left.",
    "They met in 1922, and again in 1923-24.",
    "The treaty was signed on 16 April 1922 at Rapallo.",
    "The meeting began at 10 am and lasted 3 hours.",
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_figures_found_as_the_entity_recogniser_found_them(mini_marker, text, expected):
    doc = mini_marker.nlp(text)
    assert list(extract(doc).figures) == expected
    # The recogniser, run on the same parse, counts the same figures (its text may differ a little).
    (with_ents,) = with_entities(mini_marker.nlp, [mini_marker.nlp(text)])
    by_ner = [
        e.text
        for e in with_ents.ents
        if e.label_ in {"CARDINAL", "PERCENT", "QUANTITY", "MONEY"} and any(c.isdigit() for c in e.text)
    ]
    assert len(by_ner) == len(expected), by_ner


@pytest.mark.parametrize("text", NOT_FIGURES)
def test_figures_leave_out_dates_times_and_ordinals(mini_marker, text):
    assert extract(mini_marker.nlp(text)).figures == ()


def test_figures_count_once_each_and_at_most_the_cap(mini_marker):
    text = "They sent 14,000 troops. Later 14,000 troops came home. Then 1,000, 2,000, 3,000 and 4,000 more."
    figures = extract(mini_marker.nlp(text)).figures
    assert figures == ("14,000", "1,000", "2,000", "3,000", "4,000")
    assert TUNING.features.max_figures < len(figures)  # precision counts only max_figures of them


def test_figures_marking_pipeline_does_not_run_the_recogniser(mini_marker):
    assert "ner" not in mini_marker.nlp.pipe_names and "ner" in mini_marker.nlp.component_names
    assert mini_marker.nlp("Germany signed the treaty with Russia.").ents == ()
    (doc,) = with_entities(mini_marker.nlp, [mini_marker.nlp("Germany signed the treaty with Russia.")])
    assert {e.text for e in doc.ents} == {"Germany", "Russia"}
