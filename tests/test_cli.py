from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from marker.cli import app

from .conftest import MINI_RUBRICS

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, list(args), input=input)


def test_cli_questions_lists_the_bank(mini_env):
    result = run("questions", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} == {"mini-essay", "mini-points"}
    assert set(rows[0]) >= {"id", "topic", "question", "max_mark", "marking"}
    text = run("questions")
    assert "mini-essay" in text.stdout and "levels" in text.stdout


def test_cli_mark_file_as_text_and_json(mini_env, tmp_path):
    answer = tmp_path / "a.txt"
    answer.write_text(
        "The Treaty of Rapallo in 1923 broke isolation because Germany restored relations.", encoding="utf-8"
    )
    text = run("mark", "--question", "mini-essay", str(answer))
    assert text.exit_code == 0 and "Mark:" in text.stdout and "Next steps:" in text.stdout
    data = json.loads(run("mark", "-q", "mini-essay", str(answer), "--json").stdout)
    assert data["question_id"] == "mini-essay" and data["fact_issues"][0]["kind"] == "wrong-date"


def test_cli_mark_reads_standard_input(mini_env):
    result = run(
        "mark",
        "-q",
        "mini-points",
        "-",
        "--json",
        input="Both renounced claims against each other and restored diplomatic relations.",
    )
    assert result.exit_code == 0 and json.loads(result.stdout)["mark"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mark", "-q", "nope", "-"], "Unknown question id 'nope'. Valid ids: mini-essay, mini-points"),
        (["mark", "-q", "mini-essay", "missing.txt"], "No such answer file: missing.txt"),
    ],
)
def test_cli_bad_input_gives_message_not_traceback(mini_env, args, message):
    result = run(*args, input="x")
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output


def test_cli_non_utf8_file(mini_env, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Rapallo \xe9tait sign\xe9".encode("latin-1"))
    result = run("mark", "-q", "mini-essay", str(path))
    assert result.exit_code == 2 and "is not UTF-8 text" in result.stderr


@pytest.mark.parametrize(
    ("words", "message"),
    [(12_000, "the limit is 50,000 characters"), (60_000, "answers are limited to 50,000 characters")],
)
def test_cli_huge_file_refused_with_the_limit(mini_env, tmp_path, words, message):
    path = tmp_path / "big.txt"
    path.write_text("word " * words, encoding="utf-8")
    result = run("mark", "-q", "mini-essay", str(path))
    assert result.exit_code == 2 and message in result.stderr


def test_cli_empty_answer_marks_zero(mini_env):
    result = run("mark", "-q", "mini-essay", "-", input="   ")
    assert result.exit_code == 0 and "Mark: 0/25" in result.stdout and "empty" in result.stdout


def test_cli_rubric_validate_good_and_bad(mini_env, tmp_path):
    ok = run("rubric", "validate", str(MINI_RUBRICS))
    assert ok.exit_code == 0 and "3 file(s) valid" in ok.stdout
    bad = tmp_path / "bad.yaml"
    text = (MINI_RUBRICS / "questions" / "mini-points.yaml").read_text(encoding="utf-8")
    bad.write_text(
        text.replace("max_mark: 2", "max_mark: two").replace("[treaty-of-rapallo]", "[atlantis]"),
        encoding="utf-8",
    )
    result = run("rubric", "validate", str(bad))
    assert result.exit_code == 2
    assert f"{bad}, line 7: field 'max_mark'" in result.stderr
    # After the schema passes, concept ids are checked against the knowledge base.
    bad.write_text(text.replace("[treaty-of-rapallo]", "[atlantis]"), encoding="utf-8")
    result = run("rubric", "validate", str(bad))
    assert (
        "concept 'atlantis' is not in topic 'mini'" in result.stderr
        and "field 'points.0.concepts.0'" in result.stderr
    )
    # ... at the line where the file names it (read again only now there is a problem to place).
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "[treaty-of-rapallo]" in row)
    assert f"{bad}, line {line}: field 'points.0.concepts.0'" in result.stderr
