"""The tuning values: validated, bounded, and each with the reason for its value."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from marker.tuning import (
    TUNING,
    EvidenceTuning,
    FeaturesTuning,
    PlacementTuning,
    PointsTuning,
    Tuning,
)


def test_tuning_values_in_force_validate():
    assert Tuning.model_validate(TUNING.model_dump()) == TUNING
    assert 0 < TUNING.points.partial_at < TUNING.points.credit_at <= 1


@pytest.mark.parametrize(
    ("section", "values"),
    [
        (EvidenceTuning, {"copied_share": 6}),  # a share slipped from 0.6 to 6
        (PointsTuning, {"credit_at": 1.5}),
        (PointsTuning, {"credit_at": 0.2, "partial_at": 0.3}),  # partial above credited
        (FeaturesTuning, {"partial_credit": -0.5}),
        (PlacementTuning, {"ladder_point_share": (0.04, 0.2, 0.35, 6, 0.7)}),
        (PlacementTuning, {"ladder_analysis": (0.0, 0.3, 0.25, 0.35, 0.38)}),  # falls at level 3
        (PlacementTuning, {"ladder_judgement": ("none", "none", "none", "stated", "perfect")}),
        (PlacementTuning, {"ladder_precision": (0, 2, 6, 15)}),  # a rung missing
        (EvidenceTuning, {"char_ngrams": (5, 3)}),
        (PointsTuning, {"no_such_number": 1}),  # a misspelt name is refused, not ignored
    ],
)
def test_tuning_refuses_bad_values(section, values):
    with pytest.raises(ValidationError):
        section(**values)


def test_tuning_sections_are_frozen():
    with pytest.raises(ValidationError):
        TUNING.points.credit_at = 0.9


def _sections():
    return [(name, type(getattr(TUNING, name))) for name in Tuning.model_fields]


@pytest.mark.parametrize(("name", "section"), _sections())
def test_tuning_every_field_says_why_and_numbers_have_bounds(name, section):
    for field_name, info in section.model_fields.items():
        assert info.description and len(info.description) > 20, f"{name}.{field_name} has no reason"
        if info.annotation in (int, float):
            bounds = {type(m).__name__ for m in info.metadata}
            assert bounds & {"Ge", "Gt"} and bounds & {"Le", "Lt"}, f"{name}.{field_name} is unbounded"


def test_tuning_ladder_tables_have_one_value_per_rung():
    tables = [getattr(TUNING.placement, n) for n in PlacementTuning.model_fields if n.startswith("ladder_")]
    assert len(tables) == 6 and {len(t) for t in tables} == {5}
