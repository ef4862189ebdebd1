"""Real mark schemes: levels with their own bands and descriptors, example answers per level,
indicative content; imported, written as rubric files, validated and marked (real pipeline)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from marker.authoring import build, load_specs, parse_specs, write_built
from marker.bank import QuestionBank
from marker.cli import app
from marker.engine import load_marker
from marker.errors import RubricErrors
from marker.rubric import load_question, parse_question, validate_question
from marker.rubric_edit import level_rows, point_rows, rubric_from_rows, thresholds_text

from .conftest import IMPORT_DIR
from .leave_one_out import LeftOut

SCHEME = IMPORT_DIR / "markscheme.yaml"
ESSAY, ACCOUNT = "intervention-failure", "intervention-account"
RAW = yaml.safe_load(SCHEME.read_text(encoding="utf-8"))
runner = CliRunner()


@pytest.fixture(scope="module")
def scheme_marker():
    """The real pipeline on the two questions of tests/fixtures/import/markscheme.yaml."""
    return load_marker(SCHEME)


@pytest.fixture(scope="module")
def scheme_left_out(scheme_marker):
    """Example answers marked with themselves taken out of the model answers (else each is a copy
    of one), each marked once for the tests below."""
    return LeftOut(scheme_marker)


def test_markscheme_sixteen_mark_question_keeps_its_four_bands(scheme_marker):
    q = scheme_marker.bank.question(ESSAY)
    assert q.kind == "levels" and q.max_mark == 16
    assert [lv.marks for lv in q.marking.levels] == [(1, 4), (5, 8), (9, 12), (13, 16)]
    given = RAW[0]["marking"]["levels"]
    assert [lv.descriptor for lv in q.marking.levels] == [lv["descriptor"] for lv in given]
    # Without points, the indicative content is what is credited, item by item.
    assert [p.label for p in q.points] == RAW[0]["indicative_content"]
    answers = {a.name: (a.intended_level, a.intended_mark) for a in scheme_marker.bank.answers_for(ESSAY)}
    assert answers == {
        "level-1-example": (1, 3),
        "level-2-example": (2, 7),
        "level-3-example": (3, 11),
        "level-4-example": (4, 15),
    }


def test_markscheme_compact_bands_with_examples_in_model_answers(scheme_marker):
    q = scheme_marker.bank.question(ACCOUNT)
    assert [lv.marks for lv in q.marking.levels] == [(1, 2), (3, 5), (6, 8)]
    assert q.marking.levels[1].descriptor == RAW[1]["marking"]["levels"]["3-5"]
    levels = sorted((a.intended_level, a.intended_mark) for a in scheme_marker.bank.answers_for(ACCOUNT))
    assert levels == [(1, 2), (2, 4), (3, 7)]


def test_markscheme_bands_even_out_only_when_none_are_given(scheme_marker):
    spec = dict(RAW[0], marking={"kind": "levels"})
    for level in RAW[0]["marking"]["levels"]:
        spec.setdefault("model_answers", []).append(level["examples"][0]["text"])
    (parsed,) = parse_specs(yaml.safe_dump(spec))
    even = build(parsed, scheme_marker.nlp).question
    assert len(even.marking.levels) == 5 and even.marking.levels[-1].marks == (14, 16)


@pytest.mark.parametrize(
    ("question_id", "name"),
    [(ESSAY, f"level-{n}-example") for n in (1, 2, 3, 4)] + [(ACCOUNT, f"model-{n}") for n in (1, 2, 3)],
)
def test_markscheme_example_answers_land_within_one_level(scheme_marker, scheme_left_out, question_id, name):
    answer, fb = scheme_left_out.answer(question_id, name), scheme_left_out.mark(question_id, name)
    assert fb.marking_kind == "levels"
    assert abs(fb.level - answer.intended_level) <= 1, fb.summary
    low, high = scheme_marker.bank.question(question_id).marking.levels[max(fb.level, 1) - 1].marks
    assert low <= fb.mark <= high or fb.mark == 0, fb.summary


@pytest.mark.parametrize("question_id", [ESSAY, ACCOUNT])
def test_markscheme_examples_are_ordered_by_level(scheme_marker, scheme_left_out, question_id):
    answers = sorted(scheme_marker.bank.answers_for(question_id), key=lambda a: a.intended_mark)
    marks = [scheme_left_out.mark(question_id, a.name).mark for a in answers]
    assert marks == sorted(marks) and marks[0] < marks[-1]


def test_markscheme_towns_and_missed_names_are_specific_places(scheme_marker):
    """The recogniser tags towns and countries alike as GPE; the import read every GPE as a country
    (not a precise detail), and names it missed ("Vladivostok", "Trotsky") as general ideas. Now a
    GPE the answers make act or whose people they name is a country, any other a place."""
    kinds = {
        c.label: c.kind for c in scheme_marker.bank.topics[scheme_marker.bank.question(ESSAY).topic].concepts
    }
    assert {kinds[n] for n in ("Archangel", "Murmansk", "Moscow", "Vladivostok")} == {"place"}
    assert {kinds[n] for n in ("Britain", "Japan", "France", "Germany", "Russia")} == {"country"}
    assert kinds["Trotsky"] == "person"


@pytest.mark.parametrize(
    ("question_id", "name", "kind"),
    [
        (ACCOUNT, "Germany", "country"),  # main: place
        (ACCOUNT, "Bolsheviks", "group"),  # main: place
        (ESSAY, "Bolsheviks", "group"),  # main: country
        (ESSAY, "Eastern Front", "place"),  # main: country
        (ESSAY, "Germany", "country"),
        (ACCOUNT, "Vladivostok", "place"),
        (ACCOUNT, "the Far East", "place"),
    ],
)
def test_markscheme_parties_peoples_and_a_front_are_not_misread(scheme_marker, question_id, name, kind):
    """Stop 35. The account's answers make Germany neither act nor name its people, but a party
    ("the armistice with Germany"): a country, not a town. "the Bolsheviks", which the recogniser
    tags as a place with a government, is a people. "Eastern Front" is no country: its own
    "Eastern" (like the "East" of "the Far East") is not a people's name."""
    bank = scheme_marker.bank
    kinds = {c.label: c.kind for c in bank.topics[bank.question(question_id).topic].concepts}
    assert kinds[name] == kind


def test_markscheme_a_people_and_a_front_count_as_precise_knowledge(scheme_marker):
    """What the kinds above change for a pupil: "the Bolsheviks" (a people) and "the Eastern Front"
    (a place) are specific knowledge in the 16-mark essay, beside "the Allies"; main read both as
    countries, which are not (precision 1)."""
    text = (
        "The Allies could not agree, so the intervention failed. The Bolsheviks used the landings in "
        "their propaganda, which helped them win support. Britain wanted to rebuild the Eastern Front "
        "but Japan wanted land."
    )
    assert scheme_marker.mark(ESSAY, text).to_dict()["features"]["precision"] == 3


def test_markscheme_board_examples_reach_their_own_level(scheme_left_out):
    """The board's level-4 example of the 16-mark question (precise: Murmansk, Archangel, Vladivostok,
    the Black Sea, Trotsky's railways) reaches level 4, and the account's level-2 example (events in
    order, no connective) level 2. Main held them at level 3 (precision 9 of 17: its towns read as
    countries) and level 1 (the ladder asked an account's level 2 for analysis)."""
    assert scheme_left_out.mark(ESSAY, "level-4-example").level == 4
    assert scheme_left_out.mark(ACCOUNT, "model-2").level == 2


def test_markscheme_rubric_new_writes_files_validate_accepts_and_load_back(scheme_marker, tmp_path):
    result = runner.invoke(app, ["rubric", "new", str(SCHEME), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "level 1: 1-4, level 2: 5-8, level 3: 9-12, level 4: 13-16" in result.stdout
    check = runner.invoke(
        app, ["rubric", "validate", str(tmp_path / "rubrics"), str(tmp_path / "model_answers")]
    )
    assert check.exit_code == 0, check.output
    bank = QuestionBank.load(tmp_path / "rubrics", tmp_path / "model_answers")
    for qid in (ESSAY, ACCOUNT):
        assert bank.question(qid) == scheme_marker.bank.question(qid)
        assert bank.question(qid).version == scheme_marker.bank.question(qid).version
        assert sorted(bank.answers_for(qid), key=lambda a: a.name) == sorted(
            scheme_marker.bank.answers_for(qid), key=lambda a: a.name
        )


def test_markscheme_indicative_content_kept_beside_given_points(scheme_marker, tmp_path):
    spec = dict(RAW[1], points=["troops landed at Murmansk / Archangel", "Vladivostok landings"])
    (parsed,) = parse_specs(yaml.safe_dump(spec))
    built = build(parsed, scheme_marker.nlp)
    q = built.question
    assert [p.label for p in q.points] == ["troops landed at Murmansk", "Vladivostok landings"]
    assert q.indicative_content == RAW[1]["indicative_content"]
    write_built(built, tmp_path / "rubrics", tmp_path / "model_answers")
    again = load_question(tmp_path / "rubrics" / "questions" / f"{ACCOUNT}.yaml")
    assert again == q and again.version == q.version


def test_markscheme_rubrics_page_tables_keep_bands_and_content(scheme_marker):
    spec = dict(RAW[1], points=["troops landed at Murmansk"])
    data = build(parse_specs(yaml.safe_dump(spec))[0], scheme_marker.nlp).question.model_dump(mode="json")
    fields = {k: data[k] for k in ("question", "command_word", "max_mark")}
    rows = level_rows(data)
    assert [(r["low"], r["high"]) for r in rows] == [(1, 2), (3, 5), (6, 8)]
    again = rubric_from_rows(data, fields, point_rows(data), rows, thresholds_text(data))
    assert validate_question(again).model_dump(mode="json") == data


def test_markscheme_unused_indicative_content_leaves_the_version_alone():
    text = (IMPORT_DIR.parent / "bank" / "rubrics" / "questions" / "mini-essay.yaml").read_text(
        encoding="utf-8"
    )
    plain = parse_question(text)
    assert parse_question(text + "indicative_content: []\n").version == plain.version
    assert parse_question(text + "indicative_content: [Rapallo ended isolation]\n").version != plain.version


# --------------------------------------------------------------------------- malformed schemes

LEVELS = """\
id: q-bands
question: "How far do you agree?"
max_mark: 16
marking:
  levels:
    - marks: [1, 4]
      descriptor: Basic.
      examples:
        - {mark: 3, text: "A short general answer."}
    - marks: [5, 8]
      descriptor: Simple.
    - marks: [9, 12]
      descriptor: Developed.
    - marks: [13, 16]
      descriptor: Complex.
"""

COMPACT = """\
id: q-compact
question: "Write an account of the intervention."
max_mark: 8
marking:
  levels:
    "1-2": Basic.
    "3-5": Developed.
    "6-8": Complex.
model_answers:
  - {text: "Troops landed at Murmansk in 1918.", mark: 4, level: 2}
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


@pytest.mark.parametrize(
    ("text", "needle", "field", "words"),
    [
        (LEVELS.replace("[5, 8]", "[4, 8]"), "[4, 8]", "marking.levels.1.marks", "overlaps level 1"),
        (
            LEVELS.replace("[9, 12]", "[10, 12]"),
            "[10, 12]",
            "marking.levels.2.marks",
            "mark(s) 9 are in no level",
        ),
        (LEVELS.replace("[13, 16]", "[13, 15]"), "[13, 15]", "marking.levels.3.marks", "max_mark is 16"),
        (LEVELS.replace("[13, 16]", "[13, 18]"), "[13, 18]", "marking.levels.3.marks", "above max_mark"),
        (LEVELS.replace("[5, 8]", "[8, 5]"), "[8, 5]", "marking.levels.1.marks", "low <= high"),
        (
            LEVELS.replace("{mark: 3,", "{mark: 6,"),
            "{mark: 6,",
            "marking.levels.0.examples.0.mark",
            "band 1-4",
        ),
        (
            LEVELS.replace("    - marks: [5, 8]", "    - level: 3\n      marks: [5, 8]"),
            "level: 3",
            "marking.levels.1.level",
            "not 3",
        ),
        (COMPACT.replace('"3-5"', '"2-5"'), '"2-5"', "marking.levels.2-5", "overlaps level 1"),
        (COMPACT.replace('"3-5"', '"3 to five"'), '"3 to five"', "marking.levels.3 to five", "low-high"),
        (COMPACT.replace('"6-8"', '"6-7"'), '"6-7"', "marking.levels.6-7", "max_mark is 8"),
        (
            COMPACT.replace("mark: 4, level: 2", "mark: 6, level: 2"),
            "mark: 6",
            "model_answers.0.mark",
            "band 3-5",
        ),
        (
            COMPACT.replace("mark: 4, level: 2", "mark: 4, level: 5"),
            "level: 5",
            "model_answers.0.level",
            "no level 5",
        ),
        (
            COMPACT.replace("kind", "x").replace("marking:\n", "marking:\n  kind: points\n"),
            "kind: points",
            "marking.kind",
            "must be levels",
        ),
    ],
)
def test_markscheme_malformed_scheme_names_file_line_and_field(tmp_path, text, needle, field, words):
    path = tmp_path / "scheme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricErrors) as info:
        load_specs(path)
    found = [e for e in info.value.errors if e.field == field]
    assert found, str(info.value)
    assert found[0].path == str(path) and "scheme.yaml, line" in str(found[0])
    assert found[0].line == _line(text, needle) and words in found[0].reason, str(found[0])


def test_markscheme_good_schemes_parse(tmp_path):
    assert [s.bands() for s in parse_specs(LEVELS) + parse_specs(COMPACT)] == [
        [(1, 4), (5, 8), (9, 12), (13, 16)],
        [(1, 2), (3, 5), (6, 8)],
    ]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("marks: [6, 10]", "marks: [5, 10]", "marking.levels.1.marks", "overlaps level 1"),
        ("marks: [21, 25]", "marks: [21, 24]", "marking.levels.4.marks", "max_mark is 25"),
    ],
)
def test_markscheme_malformed_rubric_file_names_line_and_field(tmp_path, old, new, field, words):
    text = (IMPORT_DIR.parent / "bank" / "rubrics" / "questions" / "mini-essay.yaml").read_text(
        encoding="utf-8"
    )
    assert old in text
    path = tmp_path / "q.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(RubricErrors) as info:
        load_question(path)
    err = info.value.errors[0]
    assert err.field == field and words in err.reason and err.line == _line(path.read_text(), new)


def test_markscheme_validate_refuses_an_example_outside_its_band(scheme_marker, tmp_path):
    write_built(build(parse_specs(COMPACT)[0], scheme_marker.nlp), tmp_path / "rubrics", tmp_path / "answers")
    answer = tmp_path / "answers" / "q-compact" / "model-1.md"
    answer.write_text(answer.read_text(encoding="utf-8").replace("intended_mark: 4", "intended_mark: 7"))
    result = runner.invoke(app, ["rubric", "validate", str(tmp_path / "rubrics"), str(tmp_path / "answers")])
    assert result.exit_code == 2
    line = _line(answer.read_text(encoding="utf-8"), "intended_mark: 7")
    assert f"{answer}, line {line}: field 'intended_mark'" in result.output
    assert "band 3-5, got 7" in result.output
