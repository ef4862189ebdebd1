from __future__ import annotations

import pytest

from marker.features import Features
from marker.placement import check_level, criteria_for, default_criteria, place_points
from marker.points import CREDITED, MISSING, PointResult
from marker.rubric import Level, LevelCriteria


def _features(**kw) -> Features:
    base = dict(
        n_words=600,
        n_sentences=30,
        n_paragraphs=6,
        n_claims=25,
        n_analytic=18,
        points_credited=6,
        points_partial=2,
        coverage=0.7,
        weighted_points=9.0,
        analysis_share=0.5,
        balance=True,
        judgement="substantiated",
        precision=35,
        similarity=0.5,
        model_estimate=22.0,
        list_share=0.0,
        distinct_concepts=15,
    )
    base.update(kw)
    return Features(**base)


def test_placement_default_criteria_rise_with_level():
    crit = [default_criteria(i, 5, 10, 25) for i in range(1, 6)]
    assert [c.min_points for c in crit] == sorted(c.min_points for c in crit)
    assert crit[-1].judgement == "substantiated" and crit[0].judgement == "none"
    assert crit[3].balance and not crit[2].balance


def test_placement_rubric_criteria_override_defaults(mini_bank):
    q = mini_bank.question("mini-essay")
    level = Level(level=3, marks=(11, 15), descriptor="x", criteria=LevelCriteria(min_points=14))
    merged = criteria_for(level, q.marking, q)
    assert merged.min_points == 14 and merged.min_analysis == default_criteria(3, 5, 3, 25).min_analysis
    check = check_level(level, merged, _features())
    assert not check.reached
    assert next(c for c in check.criteria if c.name == "points").status == "not met"


@pytest.mark.parametrize(
    ("change", "reached", "status"),
    [
        ({}, True, "met"),
        ({"analysis_share": 0.35}, True, "nearly"),
        ({"analysis_share": 0.1}, False, "not met"),
    ],
)
def test_placement_level_check_best_fit_allows_one_near_miss(change, reached, status):
    level = Level(level=5, marks=(21, 25), descriptor="x")
    check = check_level(level, default_criteria(5, 5, 10, 25), _features(**change))
    assert check.reached is reached
    assert next(c for c in check.criteria if c.name == "analysis").status == status


def test_placement_judgement_needed_for_top_level():
    level = Level(level=5, marks=(21, 25), descriptor="x")
    assert not check_level(level, default_criteria(5, 5, 10, 25), _features(judgement="none")).reached


def test_placement_points_marking_counts_only_credited(mini_bank):
    q = mini_bank.question("mini-points")
    pts = [
        PointResult("a", "A", "context", 1, CREDITED, 0.9),
        PointResult("b", "B", "context", 1, MISSING, 0.1),
    ]
    assert place_points(q, pts).mark == 1
    assert place_points(q, pts * 3).mark == 2  # capped at max_mark
    assert place_points(q, pts, cap_mark=0).mark == 0
