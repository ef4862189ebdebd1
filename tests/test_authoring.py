"""A question from its model answer: the import format and the rubric built from it."""

from __future__ import annotations

import pytest

from marker.authoring import build, load_specs, parse_specs, split_alternatives, write_built
from marker.bank import QuestionBank
from marker.errors import RubricErrors

from .conftest import IMPORT_DIR

ONE = """
id: q-protein
question: "List and describe four steps of protein synthesis."
max_mark: 3
model_answers:
  - "mRNA leaves the nucleus through a nuclear pore. The ribosome reads the codons. tRNA brings amino acids."
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mRNA exits via a pore", ["mRNA exits via a pore"]),
        ("a / b c", ["a", "b c"]),
        (
            "anticodon pairs with codon or tRNA carries the anticodon",
            ["anticodon pairs with codon", "tRNA carries the anticodon"],
        ),
        ("oxygen is given off / released.", ["oxygen is given off", "released"]),
    ],
)
def test_authoring_split_alternatives(text, expected):
    assert split_alternatives(text) == expected


def test_authoring_one_question_or_a_list():
    (spec,) = parse_specs(ONE)
    assert spec.id == "q-protein" and spec.max_mark == 3 and spec.points is None
    specs = load_specs(IMPORT_DIR / "questions.yaml")
    assert [s.id for s in specs] == ["bulb-circuit", "photosynthesis"]
    assert specs[1].answers()[1].mark == 1 and specs[0].answers()[0].mark == 1


@pytest.mark.parametrize(
    "text, field, line",
    [
        ("id: q\nquestion: Why is it so?\nmax_mark: 2\n", "model_answers", None),
        ("id: q\nquestion: Why is it so?\nmax_mark: 0\nmodel_answers: [x]\n", "max_mark", 3),
        ("id: Bad Id\nquestion: Why is it so?\nmax_mark: 2\nmodel_answers: [x]\n", "id", 1),
        (
            "- id: q\n  question: Why is it?\n  max_mark: 1\n  model_answers: [a]\n"
            "- id: q\n  question: Why not?\n  max_mark: 1\n  model_answers: [b]\n",
            "1.id",
            5,
        ),
        ("id: q\nquestion: Why is it so?\nmax_mark: 2\nmodel_answers: [x]\nmarks: 3\n", "marks", 5),
    ],
)
def test_authoring_bad_import_names_field_and_line(text, field, line):
    with pytest.raises(RubricErrors) as err:
        parse_specs(text, "teacher.yaml")
    found = [e for e in err.value.errors if e.field == field]
    assert found, str(err.value)
    assert "teacher.yaml" in str(err.value)
    if line is not None:
        assert found[0].line == line


def test_authoring_points_derived_from_model_answer_clauses(import_marker):
    (spec,) = parse_specs(ONE)
    built = build(spec, import_marker.nlp)
    labels = [p.label for p in built.question.points]
    assert len(labels) == 3 and labels[0].startswith("mRNA leaves the nucleus")
    assert built.question.kind == "coverage" and built.question.period is None
    assert built.question.command_word == "list"


def test_authoring_given_points_keep_alternatives_and_thresholds(import_marker):
    q = import_marker.bank.question("photosynthesis")
    assert q.kind == "points" and q.marking.thresholds == {3: 4, 2: 3, 1: 1}
    first = q.points[0]
    assert first.label == "carbon dioxide is taken in" and first.aliases == ["CO2 enters the leaves"]


def test_authoring_second_model_answer_is_an_alternative_not_a_point(import_marker):
    q = import_marker.bank.question("bulb-circuit")
    assert len(q.points) == 1
    assert len(import_marker.bank.answers_for("bulb-circuit")) == 2


def test_authoring_written_files_load_as_a_bank(import_marker, tmp_path):
    for spec in load_specs(IMPORT_DIR / "questions.yaml"):
        write_built(build(spec, import_marker.nlp), tmp_path / "rubrics", tmp_path / "model_answers")
    bank = QuestionBank.load(tmp_path / "rubrics", tmp_path / "model_answers")
    assert set(bank.questions) == {"bulb-circuit", "photosynthesis"}
    assert bank.questions["photosynthesis"] == import_marker.bank.question("photosynthesis")


def test_authoring_imported_question_marks_right_and_wrong(import_marker):
    right = import_marker.mark("bulb-circuit", "Bulb A is still in a closed circuit with the battery.")
    wrong = import_marker.mark("bulb-circuit", "Because the bulb is bright.")
    negated = import_marker.mark("bulb-circuit", "Bulb A is not in a closed path with the battery.")
    assert (right.mark, wrong.mark) == (1, 0)
    # Saying the opposite is caught and halves the word match (the character match remains).
    assert negated.features.negation_mismatch and "negates" in negated.summary
    assert negated.features.match_score < right.features.match_score
    full = import_marker.mark(
        "photosynthesis",
        "Carbon dioxide and water are taken in, chlorophyll absorbs sunlight, and glucose and oxygen are made.",
    )
    assert full.mark == 3


def test_authoring_short_answers_listing_parts_are_not_salad_and_repeating_a_list_earns_nothing(
    import_marker,
):
    short = import_marker.mark("bulb-circuit", "Bulb A, the battery and the wires are still a closed path.")
    assert short.mark == 1 and not any(a.code == "keyword-salad" for a in short.advisories)
    names = "bulb A, battery, closed path, circuit, bulb, wires, switch Y, path, closed circuit"
    once = import_marker.mark("bulb-circuit", names)
    thrice = import_marker.mark("bulb-circuit", f"{names}, {names}, {names}.")
    # A list of English nouns is not another language (a bare list of five names or more is
    # keyword salad: tests/test_guards_notes.py), and saying it three times earns nothing more.
    assert "not-english" not in {a.code for a in thrice.advisories}
    assert thrice.mark <= once.mark


def test_authoring_refuses_ids_that_differ_only_in_case():
    text = (
        "- id: Q3a\n  question: Why is it?\n  max_mark: 1\n  model_answers: [a]\n"
        "- id: q3a\n  question: Why not?\n  max_mark: 1\n  model_answers: [b]\n"
    )
    with pytest.raises(RubricErrors, match="also item 1 as 'Q3a'; ids must differ by more than case"):
        parse_specs(text, "teacher.yaml")


def test_authoring_named_entities_become_concepts(import_marker):
    """Marking does not run the entity recogniser; building a question from model answers does."""
    (spec,) = parse_specs(
        'id: q-rapallo\nquestion: "Why did Germany sign the Treaty of Rapallo?"\nmax_mark: 2\n'
        "model_answers:\n  - Walther Rathenau signed the treaty with Soviet Russia because Germany was isolated.\n"
    )
    built = build(spec, import_marker.nlp)
    kinds = {c.label: c.kind for c in built.topic.concepts}
    assert kinds.get("Walther Rathenau") == "person" and kinds.get("Germany") == "country", kinds
