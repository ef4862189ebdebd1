from __future__ import annotations

import pytest

from marker.evidence import DateRef
from marker.factcheck import OUTSIDE_PERIOD, WRONG_DATE, fits
from marker.rubric import Fact

RAPALLO = Fact(id="r", concept="treaty-of-rapallo", event="signed", date="1922-04-16")
WAR = Fact(id="w", concept="russo-polish-war", event="fought", date="1919-02", end="1921-03")


def _d(year, month=None, day=None):
    return DateRef(year, month, day, 0, 0, "", 0)


@pytest.mark.parametrize(
    ("fact", "date", "ok"),
    [
        (RAPALLO, _d(1922), True),
        (RAPALLO, _d(1923), False),
        (RAPALLO, _d(1922, 4, 16), True),
        (RAPALLO, _d(1922, 5), False),
        (WAR, _d(1920), True),
        (WAR, _d(1921, 3), True),
        (WAR, _d(1921, 6), False),
        (WAR, _d(1919, 1), False),
        (WAR, _d(1918), False),
    ],
)
def test_factcheck_fits_at_the_precision_given(fact, date, ok):
    assert fits(date, fact) is ok


def test_factcheck_wrong_date_flagged_with_sentence_and_correction(mini_marker):
    text = "Soviet Russia gained much from the Treaty of Rapallo in 1923 because it ended isolation."
    fb = mini_marker.mark("mini-essay", text)
    (issue,) = [f for f in fb.fact_issues if f.kind == WRONG_DATE]
    assert issue.text == "1923" and text[issue.start : issue.end] == "1923"
    assert issue.sentence == text and "16 April 1922" in issue.correct
    assert any("16 April 1922" in step for step in fb.next_steps)


@pytest.mark.parametrize(
    "text",
    [
        "Soviet Russia gained much from the Treaty of Rapallo in 1922 because it ended isolation.",
        "The Treaty of Rapallo, signed on 16 April 1922, ended isolation.",
        "Two years after Rapallo, in 1924, the Zinoviev letter damaged relations with Britain.",
    ],
)
def test_factcheck_right_dates_not_flagged(mini_marker, text):
    fb = mini_marker.mark("mini-essay", text)
    assert not [f for f in fb.fact_issues if f.kind == WRONG_DATE]


def test_factcheck_event_outside_period_is_noted_not_penalised(mini_marker):
    # A paragraph built on evidence from before the period (issue 11: only then is it noted).
    text = (
        "Versailles punished Germany harshly and left it bitter. "
        "By 1917 the German army had already been worn down by years of war."
    )
    fb = mini_marker.mark("mini-essay", text)
    notes = [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD]
    assert notes and notes[0].severity == "note" and "Treaty of Versailles" in notes[0].message


def test_factcheck_year_far_outside_period_noted(mini_marker):
    text = "In 1939 the Soviet Union signed a pact with Germany. In 1941 Germany invaded the Soviet Union."
    fb = mini_marker.mark("mini-essay", text)
    assert any(f.kind == OUTSIDE_PERIOD and f.text == "1939" for f in fb.fact_issues)


def test_factcheck_passing_background_sentence_not_noted(mini_marker):
    text = "Versailles punished Germany, which is why Rapallo appealed to it."
    fb = mini_marker.mark("mini-essay", text)
    assert not [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD]
