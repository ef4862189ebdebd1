from __future__ import annotations

import pytest

from marker.evidence import gather
from marker.features import Features
from marker.guards import Advisory
from marker.placement import (
    CoverageScheme,
    LevelsScheme,
    PointsScheme,
    check_level,
    criteria_for,
    default_criteria,
    place_points,
)
from marker.points import CREDITED, MISSING, PointResult
from marker.rubric import Level, LevelCriteria, LevelsMarking
from marker.similarity import full_marks_at
from marker.validation import FILLER


def _features(**kw) -> Features:
    base = dict(
        n_words=600,
        n_sentences=30,
        n_paragraphs=6,
        n_claims=25,
        n_analytic=18,
        development=18.0,
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


def test_placement_account_scheme_asks_no_judgement_and_explanation_only_where_described(mini_bank):
    """A scheme printed for an account of events asks no judgement or balance at any level, and
    analysis only from the level whose descriptor asks for explanation; the shipped essay schemes,
    whose descriptors ask for both, keep every default."""
    q = mini_bank.question("mini-essay")
    levels = [
        Level(level=1, marks=(1, 2), descriptor="Basic account: one or two relevant events are mentioned."),
        Level(
            level=2,
            marks=(3, 5),
            descriptor="Developed account: the events in order with links between them.",
        ),
        Level(
            level=3,
            marks=(6, 8),
            descriptor="A well-ordered narrative that explains how one stage led to the next.",
        ),
    ]
    account = q.model_copy(update={"max_mark": 8, "marking": LevelsMarking(kind="levels", levels=levels)})
    crit = [criteria_for(lv, account.marking, account) for lv in levels]
    assert all(c.judgement == "none" and not c.balance for c in crit)
    assert crit[1].min_analysis == 0 and crit[1].min_developed == 0
    assert crit[2].min_analysis == default_criteria(3, 3, len(q.points), 8).min_analysis > 0
    placeholder = LevelsMarking(
        kind="levels", levels=[lv.model_copy(update={"descriptor": f"Level {lv.level}."}) for lv in levels]
    )
    assert criteria_for(levels[2], placeholder, account).judgement == "substantiated"


def test_placement_shipped_schemes_keep_every_default():
    from marker.bank import QuestionBank

    for q in QuestionBank.load().questions.values():
        if isinstance(q.marking, LevelsMarking):
            n = len(q.marking.levels)
            for lv in q.marking.levels:
                expected = default_criteria(lv.level, n, len(q.points), q.max_mark)
                assert criteria_for(lv, q.marking, q) == expected.model_copy(
                    update=lv.criteria.model_dump(exclude_none=True)
                )


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


def test_placement_development_counts_long_sentences_for_more():
    """Run-on writing: six long analytic sentences are as much explanation as twelve tidy ones."""
    level = Level(level=4, marks=(16, 20), descriptor="x")
    crit = default_criteria(4, 5, 10, 25)
    tidy = _features(n_analytic=12, development=12.0)
    few = _features(n_analytic=6, development=6.0)
    run_on = _features(n_analytic=6, development=13.2)
    assert check_level(level, crit, tidy).reached and check_level(level, crit, run_on).reached
    assert not check_level(level, crit, few).reached


def _sentence(index: int, role: str, n_words: int = 20, paragraph: int = 0):
    from types import SimpleNamespace

    span = {"start": index * 100, "end": index * 100 + 99}
    return SimpleNamespace(
        index=index, paragraph=paragraph, n_words=n_words, is_claim=True, role=role, **span
    )


def _made(*indices: int) -> list[PointResult]:
    """A credited point earned by each of the given sentences."""
    from marker.points import Quote

    return [
        PointResult(f"p{i}", "P", "context", 1, CREDITED, 1.0, (Quote(i * 100, i * 100 + 9, ""),))
        for i in indices
    ]


@pytest.mark.parametrize(
    ("roles", "made", "units"),
    [
        # an explained point counts in full, comment that makes no point of the scheme half
        (["analysis"], (0,), 1.0),
        (["analysis"], (), 0.5),
        # evidence that makes a point next to an explanation counts half; far from one, nothing
        (["analysis", "narrative"], (0, 1), 1.5),
        (["analysis", "narrative", "narrative"], (0, 1, 2), 1.5),
        # narrative with no explanation beside it, or making no point, is no development
        (["narrative", "narrative"], (0, 1), 0.0),
        (["analysis", "narrative"], (0,), 1.0),
    ],
)
def test_placement_development_weighs_relevant_explanation(roles, made, units):
    """Stop 27 (issue 11 item 4): development counts explanation that makes the mark scheme's
    points, and the evidence beside it, not every analytic sentence alike."""
    from types import SimpleNamespace

    from marker.features import developed_explanation

    sents = [_sentence(i, r) for i, r in enumerate(roles)]
    assert developed_explanation(SimpleNamespace(sentences=sents), _made(*made), sents) == units


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


def test_placement_scheme_chosen_once_from_the_question(mini_marker, import_marker):
    essay = mini_marker.index(mini_marker.bank.question("mini-essay"))
    points = mini_marker.index(mini_marker.bank.question("mini-points"))
    bulb = import_marker.index(import_marker.bank.question("bulb-circuit"))
    assert isinstance(essay.scheme, LevelsScheme) and not essay.credit_wordings
    assert isinstance(points.scheme, PointsScheme)
    assert isinstance(bulb.scheme, CoverageScheme) and bulb.scheme.full_at == full_marks_at(2)
    assert essay.scheme.empty().level == 0 and points.scheme.empty().level is None
    assert essay.scheme.empty().mark == points.scheme.empty().mark == 0


def test_placement_coverage_scheme_scales_the_match_and_obeys_a_cap(import_marker):
    index = import_marker.index(import_marker.bank.question("bulb-circuit"))
    doc = import_marker.nlp("Bulb A is still in a closed path with the battery.")
    evidence = gather(doc, index)
    assert evidence.match.score >= index.scheme.full_at
    placed = index.scheme.place(evidence, [], None, None, [])
    assert placed.mark == 1 and placed.level is None and "full-mark answer" in placed.explanation
    held = index.scheme.place(evidence, [], None, None, [Advisory("copied", "Copied.", cap_mark=0)])
    assert held.mark == 0 and "held at 0" in held.explanation


RESTATED = "The allied intervention had an impact on the outcome of the Russian Civil War in some ways."


def test_placement_an_essay_saying_nothing_beyond_the_question_gets_0(shipped_marker):
    """Level 0 is "nothing worthy of credit": restating the question, or saying one cannot
    remember, names nothing of one's own (main gave each the bottom of level 1, a mark of 1)."""
    for text in (
        RESTATED,
        "I cant remember what the allied intervention was.",
        RESTATED + "\n\n" + FILLER * 2,
    ):
        fb = shipped_marker.mark("allied-intervention", text)
        assert (fb.level, fb.mark) == (0, 0), (text, fb.summary)
        assert "Nothing beyond the question's own words" in fb.summary


def test_placement_one_name_beyond_the_question_keeps_level_1(shipped_marker):
    """A vague answer that names something of its own (Britain, the Whites) is an attempt at
    knowledge: it keeps its level-1 mark."""
    text = RESTATED.replace(" in some ways.", " because Britain sent soldiers to help the Whites.")
    fb = shipped_marker.mark("allied-intervention", text)
    assert fb.level == 1 and fb.mark >= 1, fb.summary


def test_placement_a_conclusion_in_one_long_sentence_can_be_substantiated(shipped_marker):
    """Pupils often conclude in one run-on sentence: in an essay, the conclusion's analytic
    sentences count by length as development does, so one 70-word weighing of three pieces of
    evidence is substantiated (main: "supported", for want of a second sentence)."""
    text = (
        "The Treaty of Rapallo in April 1922 ended German and Soviet isolation because both outcasts "
        "recognised each other de jure at the Genoa Conference.\n\n"
        "It mattered for the Red Army because secret military cooperation let the Reichswehr train in "
        "Russia while Soviet industry gained German expertise.\n\n"
        "Overall Rapallo was significant mainly because it broke the united Western front at Genoa and "
        "gave Moscow its first great-power partner, but the Anglo-Soviet Trade Agreement of 1921 had "
        "already begun to end isolation and the recognitions of 1924 owed more to British Labour and to "
        "trade than to Rapallo, so it was an important stage in a longer process rather than its "
        "turning point."
    )
    fb = shipped_marker.mark("rapallo-significance", text)
    assert fb.features.judgement == "substantiated", fb.features.judgement
