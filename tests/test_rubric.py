from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from marker.errors import RubricErrors
from marker.rubric import (
    Fact,
    LevelsMarking,
    PointsMarking,
    Question,
    format_partial_date,
    load_model_answer,
    load_question,
    load_topic,
    parse_question,
)

from .conftest import MINI_ANSWERS, MINI_RUBRICS

GOOD = (MINI_RUBRICS / "questions" / "mini-essay.yaml").read_text(encoding="utf-8")


def _errors(text: str, tmp_path, name="q.yaml") -> RubricErrors:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricErrors) as info:
        load_question(path)
    return info.value


def test_rubric_loads_fixture_question_and_topic():
    q = load_question(MINI_RUBRICS / "questions" / "mini-essay.yaml")
    assert isinstance(q.marking, LevelsMarking) and q.max_mark == 25 and len(q.points) == 3
    topic = load_topic(MINI_RUBRICS / "topics" / "mini.yaml")
    assert topic.concept("treaty-of-rapallo").label == "Treaty of Rapallo"


def test_rubric_bad_field_type_names_file_line_and_field(tmp_path):
    text = GOOD.replace("    weight: 1.5\n", "    weight: heavy\n")
    err = _errors(text, tmp_path).errors[0]
    line = text.splitlines().index("    weight: heavy") + 1
    assert err.path.endswith("q.yaml") and err.line == line and err.field == "points.1.weight"
    assert "q.yaml, line" in str(err)


def test_rubric_unknown_field_is_refused_at_its_line(tmp_path):
    text = GOOD.replace("command_word: evaluate\n", "command_word: evaluate\ncommand: oops\n")
    err = _errors(text, tmp_path).errors[0]
    assert err.field == "command" and err.line == text.splitlines().index("command: oops") + 1
    assert "Extra inputs are not permitted" in err.reason


def test_rubric_yaml_syntax_error_gives_line(tmp_path):
    err = _errors("schema_version: 1\nid: [unclosed\nquestion: x\n", tmp_path).errors[0]
    assert err.line is not None and "not valid YAML" in err.reason


def test_rubric_levels_must_be_contiguous(tmp_path):
    text = GOOD.replace("marks: [11, 15]", "marks: [12, 15]")
    err = _errors(text, tmp_path).errors[0]
    assert "level 3 must start at 11" in err.reason and err.field == "marking.levels.2.marks"
    assert err.line == next(i for i, ln in enumerate(text.splitlines(), 1) if "marks: [12, 15]" in ln)


def test_rubric_level_field_error_drops_union_tag(tmp_path):
    text = GOOD.replace("{level: 2, marks: [6, 10]", "{level: 2, marks: [10, 6]")
    err = _errors(text, tmp_path).errors[0]
    assert err.field.startswith("marking.levels.1.marks")
    assert err.line == next(i for i, ln in enumerate(text.splitlines(), 1) if "marks: [10, 6]" in ln)


def test_rubric_unsupported_schema_version(tmp_path):
    err = _errors(GOOD.replace("schema_version: 1", "schema_version: 7"), tmp_path).errors[0]
    assert "unsupported schema_version 7" in err.reason and err.line == 1


def test_rubric_top_level_must_be_mapping(tmp_path):
    err = _errors("- just\n- a list\n", tmp_path).errors[0]
    assert "mapping" in err.reason


def test_rubric_round_trip_through_yaml():
    q = parse_question(GOOD)
    again = parse_question(yaml.safe_dump(q.model_dump(mode="json"), sort_keys=False))
    assert again == q and again.version == q.version


def test_rubric_version_changes_with_content():
    q = parse_question(GOOD)
    edited = parse_question(GOOD.replace("weight: 1.5", "weight: 1.0"))
    assert q.version != edited.version


@pytest.mark.parametrize(
    ("thresholds", "n", "expected"),
    [
        (None, 0, 0),
        (None, 2, 2),
        (None, 9, 4),
        ({4: 5, 3: 4, 2: 2, 1: 1}, 1, 1),
        ({4: 5, 3: 4, 2: 2, 1: 1}, 3, 2),
        ({4: 5, 3: 4, 2: 2, 1: 1}, 4, 3),
        ({4: 5, 3: 4, 2: 2, 1: 1}, 7, 4),
        ({4: 5, 3: 4, 2: 2, 1: 1}, 0, 0),
    ],
)
def test_rubric_points_marking_table(thresholds, n, expected):
    assert PointsMarking(kind="points", thresholds=thresholds).mark_for(n, 4) == expected


def test_rubric_thresholds_outside_max_refused():
    with pytest.raises(RubricErrors):
        parse_question(
            textwrap.dedent("""
            schema_version: 1
            id: t
            topic: mini
            question: Outline two things.
            command_word: outline
            period: {start: 1920, end: 1921}
            max_mark: 2
            marking: {kind: points, thresholds: {3: 3}}
            points: [{id: a, label: A}]
        """)
        )


@pytest.mark.parametrize(
    ("value", "text"), [("1922", "1922"), ("1921-03", "March 1921"), ("1922-04-16", "16 April 1922")]
)
def test_rubric_partial_dates_read_naturally(value, text):
    assert format_partial_date(value) == text


def test_rubric_fact_range_and_bad_date():
    fact = Fact(id="w", concept="c", event="war", date="1919-02", end="1921-03")
    assert fact.years == (1919, 1921) and fact.describe_date() == "February 1919 to March 1921"
    with pytest.raises(ValueError):
        Fact(id="w", concept="c", event="war", date="1922-13-01")


def test_rubric_model_answer_front_matter(tmp_path):
    ans = load_model_answer(MINI_ANSWERS / "mini-essay" / "top.md")
    assert ans.intended_mark == 23 and ans.intended_level == 5 and ans.text.startswith("Rapallo mattered")
    bad = tmp_path / "x.md"
    bad.write_text("no front matter here", encoding="utf-8")
    with pytest.raises(RubricErrors, match="front matter"):
        load_model_answer(bad)
    worse = tmp_path / "y.md"
    worse.write_text("---\nquestion: mini-essay\nintended_mark: lots\n---\ntext\n", encoding="utf-8")
    with pytest.raises(RubricErrors) as info:
        load_model_answer(worse)
    assert info.value.errors[0].field == "intended_mark" and info.value.errors[0].line == 3


def test_rubric_non_utf8_file_is_reported(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("question: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RubricErrors, match="not UTF-8"):
        load_question(path)


def test_rubric_question_model_is_strict():
    assert Question.model_config["extra"] == "forbid"


@pytest.mark.parametrize("qid", ["4.1", "12.9", "Q3a", "q_3", "Paper2-Q01.b", "mini-essay"])
def test_rubric_question_ids_may_be_written_as_exam_papers_number_them(qid):
    q = parse_question(GOOD).model_dump(mode="json")
    assert Question.model_validate({**q, "id": qid}).id == qid


@pytest.mark.parametrize("qid", [".4", "4.", "4/1", "..", "Q 3a", "q3a\u00e9", "-q"])
def test_rubric_question_ids_that_cannot_name_a_file_are_refused(qid):
    q = parse_question(GOOD).model_dump(mode="json")
    with pytest.raises(ValueError, match="pattern"):
        Question.model_validate({**q, "id": qid})


def test_rubric_exam_paper_ids_survive_every_file_they_name(papers_marker, tmp_path):
    """Saved versions, model-answer folders, calibrations and matcher keys all take "4.1" and "Q3a"."""
    from marker import calibrate
    from marker.authoring import build, load_specs, write_built
    from marker.bank import QuestionBank, cue_prefix
    from marker.evaluate import fit_calibrations
    from marker.scripts import Script
    from marker.store import Store
    from marker.userbank import load_bank, save_question

    from .conftest import PAPERS_DIR

    for spec in load_specs(PAPERS_DIR / "questions.yaml"):
        write_built(build(spec, papers_marker.nlp), tmp_path / "rubrics", tmp_path / "model_answers")
    bank = QuestionBank.load(tmp_path / "rubrics", tmp_path / "model_answers")
    assert set(bank.questions) == {"4.1", "Q3a"} and len(bank.answers_for("4.1")) == 2
    assert bank.questions["Q3a"].topic == "q3a"  # the topic id stays a slug
    assert cue_prefix(bank.questions["4.1"]).startswith("p:4.1@")

    data = tmp_path / "data"
    save_question(bank.questions["4.1"], data, Store(tmp_path / "m.sqlite3"))
    assert load_bank(data, bank).versions == {"4.1": 1}
    texts = [f"Answer {i}: bulb A is in a closed path with the battery." for i in range(6)]
    scripts = [Script(f"s{i}", "", t, "4.1", float(i % 2), "x", str(i)) for i, t in enumerate(texts)]
    cals, _ = fit_calibrations(papers_marker, scripts, pooled=False, min_scripts=2)
    calibrate.save(cals["4.1"], data)
    assert calibrate.load(data, "4.1").question_id == "4.1"


def test_fast_yaml_reads_the_shipped_bank_as_the_reference_parser_does():
    """libyaml (when present) and PyYAML's pure-Python parser give the same data and lines."""
    from marker.yaml_read import FAST_LOADER, load_and_compose

    files = sorted((Path(__file__).resolve().parent.parent / "marker" / "shipped").rglob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        data, node = load_and_compose(text)
        assert data == yaml.safe_load(text), path
        reference = yaml.compose(text, Loader=yaml.SafeLoader)
        lines = [n.start_mark.line for n in _walk(node)]
        assert lines == [n.start_mark.line for n in _walk(reference)], path
    assert FAST_LOADER is not None, "PyYAML without libyaml: the bank is read ten times slower"


def _walk(node):
    """Every node of a YAML node tree, depth first (keys before their values)."""
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(key)
            yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)


def test_fast_yaml_keeps_the_reference_parsers_errors(tmp_path):
    """A control character and an unclosed quote are reported as the pure-Python parser does."""
    from marker.yaml_read import load_and_compose

    for text in ('id: a\ntitle: "open\nmax_mark: 4\n', "id: a\x07b\n", "a: [1, 2\n"):
        with pytest.raises(yaml.YAMLError) as fast:
            load_and_compose(text)
        with pytest.raises(yaml.YAMLError) as slow:
            yaml.safe_load(text)
        assert str(fast.value) == str(slow.value)
