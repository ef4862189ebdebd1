"""Feedback is the typed contract every front end reads: its JSON form must read back to the same object."""

from __future__ import annotations

import json

import pytest

from marker.factcheck import FactIssue
from marker.features import Features
from marker.feedback import Feedback, SentenceRole
from marker.guards import Advisory
from marker.placement import CriterionResult, LevelCheck
from marker.points import PointResult, Quote
from marker.structure import Structure

ESSAY = (
    "The Treaty of Rapallo in 1922 was a turning point because it ended Soviet isolation. "
    "Germany and Soviet Russia renounced claims against each other and restored diplomatic relations, "
    "which meant that Russia was no longer alone in Europe.\n\n"
    "However, other factors mattered too: trade agreements with Britain in 1921 already showed that "
    "recognition was coming. Overall, Rapallo was the most significant step because it broke the "
    "united front of the capitalist powers."
)


def _round_trip(fb: Feedback) -> Feedback:
    return Feedback.from_dict(json.loads(fb.to_json()))


def _essay(shipped_marker) -> Feedback:
    return shipped_marker.mark("rapallo-significance", ESSAY)


def test_feedback_round_trip_of_an_essay_rebuilds_every_record(shipped_marker):
    fb = _essay(shipped_marker)
    again = _round_trip(fb)
    assert again == fb and again.to_dict() == fb.to_dict() and again.to_json() == fb.to_json()
    # The nested records come back as themselves, not as dicts or lists.
    assert isinstance(again.features, Features) and isinstance(again.structure, Structure)
    assert again.ladder and isinstance(again.ladder[0], LevelCheck)
    assert isinstance(again.ladder[0].criteria, tuple) and isinstance(
        again.ladder[0].criteria[0], CriterionResult
    )
    assert isinstance(again.ladder[0].marks, tuple) and isinstance(again.band, tuple)
    assert all(isinstance(p, PointResult) and isinstance(p.evidence, tuple) for p in again.points)
    assert any(isinstance(q, Quote) for p in again.points for q in p.evidence)
    assert again.sentences and all(isinstance(s, SentenceRole) for s in again.sentences)
    assert isinstance(again.structure.drifting, tuple)


def test_feedback_round_trip_keeps_fact_issues_and_advisories(shipped_marker):
    salad = "Rapallo 1925 Lenin Trotsky Chicherin Genoa Stalin Comintern Britain France treaty 1925."
    fb = shipped_marker.mark("rapallo-significance", salad)
    assert fb.fact_issues and fb.advisories  # a wrong date and keyword salad
    again = _round_trip(fb)
    assert again == fb
    assert isinstance(again.fact_issues[0], FactIssue) and isinstance(again.advisories[0], Advisory)


@pytest.mark.parametrize(
    ("question_id", "text"),
    [
        ("british-recognition", "Britain signed a trade agreement in 1921 and recognised the USSR in 1924."),
        ("mini-points", "   "),  # an empty answer: no features, no sentences
    ],
)
def test_feedback_round_trip_of_points_and_empty_answers(shipped_marker, mini_marker, question_id, text):
    marker = mini_marker if question_id.startswith("mini-") else shipped_marker
    fb = marker.mark(question_id, text)
    assert _round_trip(fb) == fb and _round_trip(fb).to_dict() == fb.to_dict()


def test_feedback_round_trip_of_a_coverage_question(import_marker):
    fb = import_marker.mark("bulb-circuit", "Bulb A is still in a closed circuit with the battery.")
    assert fb.marking_kind == "coverage"
    assert _round_trip(fb) == fb and _round_trip(fb).to_json() == fb.to_json()


def test_feedback_from_dict_ignores_unknown_keys_and_fills_defaults(shipped_marker):
    data = json.loads(_essay(shipped_marker).to_json())
    for key in ("calibrated", "engine_version", "sentences"):
        del data[key]  # an older marker wrote none of these
    data["written_by_a_newer_marker"] = 1
    fb = Feedback.from_dict(data)
    assert fb.calibrated is False and fb.sentences == [] and fb.engine_version


def test_feedback_to_text_lists_the_ladder_and_the_points(shipped_marker):
    text = _round_trip(_essay(shipped_marker)).to_text()
    assert "Levels ladder" in text and "Mark scheme points" in text and "Next steps:" in text
