"""The tuning sections of structure, roles, concept matching, guards and the fact check.

Each value is validated and documented (``marker/tuning.py``); the guards read their
thresholds and caps from it rather than from numbers of their own.
"""

from __future__ import annotations

import dataclasses
import math

import annotated_types
import pytest
from pydantic import BaseModel, ValidationError

from marker.evidence import Evidence
from marker.features import Features
from marker.guards import CHECKS, check_answer
from marker.placement import scheme_for
from marker.tuning import (
    TUNING,
    ConceptsTuning,
    FactsTuning,
    GuardsTuning,
    RolesTuning,
    StructureTuning,
    Tuning,
)

#: The sections these tests hold to bounds on every field.
OWN_SECTIONS = (StructureTuning, RolesTuning, ConceptsTuning, GuardsTuning, FactsTuning)
ALL_SECTIONS = tuple(f.annotation for f in Tuning.model_fields.values())


def _fields(section: type[BaseModel]):
    return [(section, name, info) for name, info in section.model_fields.items()]


def _out_of_bounds(info) -> list:
    """Values just outside each bound a field declares."""
    bad = []
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            bad.append(m.ge - 1)
        elif isinstance(m, annotated_types.Le):
            bad.append(m.le + 1)
        elif isinstance(m, annotated_types.MinLen) and m.min_length > 0:
            bad.append(type(info.default)())
    return bad


def test_tuning_validates_and_round_trips():
    assert Tuning() == TUNING
    assert Tuning.model_validate(TUNING.model_dump()) == TUNING
    assert isinstance(TUNING.roles, RolesTuning) and isinstance(TUNING.concepts, ConceptsTuning)


@pytest.mark.parametrize(
    ("section", "name", "info"),
    [f for s in ALL_SECTIONS for f in _fields(s)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_tuning_every_field_says_why(section, name, info):
    assert info.description and len(info.description) >= 40, f"{section.__name__}.{name}"


@pytest.mark.parametrize(
    ("section", "name", "info"),
    [f for s in OWN_SECTIONS for f in _fields(s)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_tuning_every_bound_is_declared_and_enforced(section, name, info):
    bad = _out_of_bounds(info)
    # Numbers carry both bounds; word lists and tables refuse to be empty.
    assert len(bad) == (2 if isinstance(info.default, int | float) else 1), f"{section.__name__}.{name}"
    for value in bad:
        with pytest.raises(ValidationError):
            section(**{name: value})


@pytest.mark.parametrize(
    ("section", "values"),
    [
        (GuardsTuning, {"salad_list_share": 6}),  # a share of 6 meant as 0.6
        (StructureTuning, {"demand_words": {"success": ()}}),
        (RolesTuning, {"causal_phrases": (("lead",),)}),  # a phrase of one lemma is a word
        (ConceptsTuning, {"fuzzy_cutoff": 850}),
        (FactsTuning, {"dated_kinds": ()}),
        (FactsTuning, {"period_slack": 1}),  # a misspelt name is refused, not ignored
    ],
)
def test_tuning_section_refuses_a_bad_value(section, values):
    with pytest.raises(ValidationError):
        section(**values)


def test_tuning_sections_are_frozen():
    with pytest.raises(ValidationError):
        TUNING.guards.short_essay_words = 10  # type: ignore[misc]


def test_tuning_coverage_exemptions_name_real_checks():
    codes = {c.__name__.strip("_").replace("_", "-") for c in CHECKS}
    assert set(TUNING.guards.coverage_exempt) <= codes


# --------------------------------------------------------------------------- guards read the tuning

_EMPTY = Evidence("", (), (), (), 0, 0, (), 0.5)
_PLAIN = Features(
    n_words=200,
    n_sentences=10,
    n_paragraphs=3,
    n_claims=10,
    n_analytic=5,
    points_credited=3,
    points_partial=0,
    coverage=0.5,
    weighted_points=3.0,
    analysis_share=0.5,
    balance=True,
    judgement="stated",
    precision=5,
    similarity=0.5,
    model_estimate=None,
    list_share=0.0,
    distinct_concepts=3,
)


def _check(evidence, features: Features, question) -> list:
    """The guards stage as the engine runs it: with the question's scheme."""
    return check_answer(evidence, features, question, None, scheme_for(question))


def _codes(features: Features, question) -> list[str]:
    return [a.code for a in _check(_EMPTY, features, question)]


def test_guards_short_essay_threshold_is_the_tuned_one(mini_bank):
    essay = mini_bank.question("mini-essay")
    limit = TUNING.guards.short_essay_words
    assert "too-short" in _codes(dataclasses.replace(_PLAIN, n_words=limit - 1), essay)
    assert "too-short" not in _codes(dataclasses.replace(_PLAIN, n_words=limit), essay)
    assert _codes(_PLAIN, essay) == []


def test_guards_gaming_and_off_question_caps_are_the_tuned_ones(mini_bank):
    g = TUNING.guards
    salad = dataclasses.replace(_PLAIN, list_share=g.salad_list_share, distinct_concepts=g.salad_min_concepts)
    essay, short = mini_bank.question("mini-essay"), mini_bank.question("mini-points")
    (capped,) = [a for a in _check(_EMPTY, salad, essay) if a.code == "keyword-salad"]
    assert capped.cap_level == g.gaming_cap_level and capped.cap_mark is None
    (capped,) = [a for a in _check(_EMPTY, salad, short) if a.code == "keyword-salad"]
    assert capped.cap_mark == math.floor(short.max_mark * g.gaming_cap_mark_share)
    off = dataclasses.replace(_PLAIN, points_credited=0, points_partial=g.off_topic_max_partial)
    (capped,) = [a for a in _check(_EMPTY, off, essay) if a.code == "off-topic"]
    assert capped.cap_level == g.off_question_cap_level
    one_more = dataclasses.replace(off, points_partial=g.off_topic_max_partial + 1)
    assert "off-topic" not in _codes(one_more, essay)


def test_guards_salad_holds_back_the_checks_it_explains(mini_bank):
    """An answer that is salad is not also called foreign (few stopwords) or off the question."""
    g = TUNING.guards
    salad = dataclasses.replace(
        _PLAIN,
        list_share=1.0,
        distinct_concepts=g.salad_min_concepts,
        points_credited=0,
        points_partial=0,
    )
    foreign = dataclasses.replace(_EMPTY, stopword_share=g.not_english_stopword_share / 2)
    codes = [a.code for a in _check(foreign, salad, mini_bank.question("mini-essay"))]
    assert codes == ["keyword-salad"]
    plain = dataclasses.replace(salad, list_share=0.0)
    codes = [a.code for a in _check(foreign, plain, mini_bank.question("mini-essay"))]
    assert codes == ["not-english", "off-topic"]
