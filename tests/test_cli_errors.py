"""The command line on bad input (issue 12, item 5): a clear message and exit status 2, never a
traceback; the real CLI through typer's runner, and `python -m marker` as a real process."""

from __future__ import annotations

import codecs
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from marker.cli import app, app_command
from marker.jobstore import JobStore

from .conftest import MINI_ANSWERS, MINI_RUBRICS

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
ANSWER = "Soviet Russia gained much from the Treaty of Rapallo in 1923 because it ended isolation."
POINTS_ANSWER = "Both renounced claims against each other and restored diplomatic relations."


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def no_jobs(data_dir: Path) -> bool:
    db = data_dir / "batches.sqlite3"
    return not db.exists() or JobStore(db).jobs() == []


@pytest.fixture()
def env(mini_env, data_env):
    return data_env


# --- marker batch --------------------------------------------------------------------------


def test_cli_errors_batch_out_naming_a_file_is_refused_before_marking(env, tmp_path):
    answer = tmp_path / "alice.txt"
    answer.write_text(POINTS_ANSWER, encoding="utf-8")
    out = tmp_path / "results.csv"
    out.write_text("a file the teacher keeps", encoding="utf-8")
    result = run("batch", answer, "--out", out, "-q", "mini-points")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"--out {out} is a file" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "a file the teacher keeps" and no_jobs(env)


def test_cli_errors_batch_force_replaces_the_file_with_the_results_folder(env, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    answer = work / "alice.txt"
    answer.write_text(POINTS_ANSWER, encoding="utf-8")
    out = work / "results.csv"
    out.write_text("old", encoding="utf-8")
    result = run("batch", answer, "--out", out, "-q", "mini-points", "--force")
    assert result.exit_code == 0, result.output
    assert out.is_dir() and {p.name for p in out.iterdir()} >= {"results.csv", "report.html"}
    assert f"wrote {out / 'results.csv'}" in result.stdout
    assert sorted(p.name for p in work.iterdir()) == [
        "alice.txt",
        "results.csv",
    ]  # no staging folder left


def test_cli_errors_batch_results_that_cannot_be_written_say_so(env, tmp_path):
    answer = tmp_path / "alice.txt"
    answer.write_text(POINTS_ANSWER, encoding="utf-8")
    (tmp_path / "taken.csv").write_text("x", encoding="utf-8")
    out = tmp_path / "taken.csv" / "results"  # inside a file: no folder can be made there
    result = run("batch", answer, "--out", out, "-q", "mini-points")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        f"The results cannot be written into {out}" in result.stderr
        and "The marks are saved" in result.stderr
    )
    assert JobStore(env / "batches.sqlite3").jobs()  # marked and kept: a rerun writes them


def test_cli_errors_batch_out_folder_results_are_overwritten(env, tmp_path):
    answer = tmp_path / "alice.txt"
    answer.write_text(POINTS_ANSWER, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.csv").write_text("stale", encoding="utf-8")
    result = run("batch", answer, "--out", out, "-q", "mini-points")
    assert result.exit_code == 0 and "alice" in (out / "results.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("rows", "question", "words"),
    [
        (None, None, "it does not say which question it answers and no question was chosen"),
        ([["question_id", "answer"], ["", POINTS_ANSWER]], None, "no question was chosen"),
        ([["question_id", "answer"], ["nope", POINTS_ANSWER]], None, "the question id it names (nope)"),
        (
            [["question_id", "answer"], ["nope", POINTS_ANSWER], ["gone", POINTS_ANSWER]],
            "mini-points",
            "the question ids they name (gone, nope) are not in the question bank",
        ),
    ],
)
def test_cli_errors_batch_without_a_question_is_refused_before_marking(env, tmp_path, rows, question, words):
    if rows is None:
        source = tmp_path / "alice.txt"
        source.write_text(POINTS_ANSWER, encoding="utf-8")
    else:
        source = tmp_path / "class.csv"
        source.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", source, "--out", out] + (["-q", question] if question else [])
    result = run(*args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert words in result.stderr and "Valid ids: mini-essay, mini-points" in result.stderr
    assert "--question ID" in result.stderr or "question_id column" in result.stderr
    assert not out.exists() and no_jobs(env)


# --- marker mark ---------------------------------------------------------------------------


def test_cli_errors_mark_a_folder_says_it_is_a_folder(mini_env, tmp_path):
    result = run("mark", "-q", "mini-essay", tmp_path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{tmp_path} is a folder, not an answer file" in result.stderr
    assert f"marker batch {tmp_path}" in result.stderr


def test_cli_errors_mark_huge_standard_input_gives_its_real_size(mini_env):
    data = b"word " * 1_000_000  # 5,000,000 bytes, far past what is read into memory
    result = run("mark", "-q", "mini-essay", "-", input=data)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "Standard input is 5,000,000 bytes (5.0 MB)" in result.stderr
    assert "answers are limited to 50,000 characters" in result.stderr


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-16"),  # Notepad's "Unicode": a BOM, then this machine's byte order
        lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
        lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    ],
    ids=["utf-16", "utf-16-le", "utf-16-be"],
)
def test_cli_errors_mark_reads_utf16_with_a_bom_like_batch(mini_env, tmp_path, encode):
    utf8, utf16 = tmp_path / "utf8.txt", tmp_path / "utf16.txt"
    utf8.write_text(ANSWER, encoding="utf-8")
    utf16.write_bytes(encode(ANSWER))
    results = [run("mark", "-q", "mini-essay", path, "--json") for path in (utf8, utf16)]
    assert [r.exit_code for r in results] == [0, 0], results[1].output
    want, got = (json.loads(r.stdout) for r in results)
    assert got["mark"] == want["mark"] and got["fact_issues"] == want["fact_issues"]
    assert got["fact_issues"][0]["sentence"] == ANSWER  # the text itself, not UTF-16 bytes


# --- --help --------------------------------------------------------------------------------

TYPE_TAG = re.compile(r"<[a-z][\w\[\]|, .]*>|\b(?:BOOLEAN|TEXT|PATH|INTEGER|FLOAT|FILENAME|DIRECTORY)\b")


def _command_paths(command, prefix=()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


COMMANDS = _command_paths(typer.main.get_command(app))


def test_cli_errors_help_tag_check_would_see_typers_tags():
    """Typer's own help shows tags in this version: the check below is not vacuous."""
    plain = typer.Typer()

    @plain.command()
    def go(out: Path, quiet: bool = False) -> None:  # pragma: no cover - help only
        pass

    assert TYPE_TAG.search(CliRunner().invoke(plain, ["--help"]).output)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "marker")
def test_cli_errors_help_shows_no_type_tags(path):
    result = run(*path, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output
    assert not TYPE_TAG.search(result.output), TYPE_TAG.search(result.output)


def test_cli_errors_help_names_what_an_option_takes():
    assert {" ".join(p) for p in COMMANDS} >= {"batch", "mark", "rubric validate", "rubric new", "gradebook"}
    out = run("batch", "--help").output
    assert re.search(r"--out\s+FOLDER", out) and re.search(r"--question\s+-q\s+ID", out)
    assert re.search(r"--force\s+Replace", out)  # a flag takes nothing


# --- marker rubric validate ----------------------------------------------------------------

POINTS_RUBRIC = (MINI_RUBRICS / "questions" / "mini-points.yaml").read_text(encoding="utf-8")


UNCLOSED = {
    # The quote runs to the end of the file, where YAML complains.
    "to the end": [
        ('"Outline two terms of the Treaty of Rapallo."', '"Outline two terms of the Treaty of Rapallo.')
    ],
    # It runs on to the next quote mark, four lines on, and YAML complains there.
    "to the next quote": [
        (
            "label: Both renounced claims against each other",
            "label: 'Both renounced claims against each other",
        ),
        ("label: Diplomatic relations were restored", "label: 'Diplomatic relations' were restored"),
    ],
}


@pytest.mark.parametrize(("case", "line"), [("to the end", 4), ("to the next quote", 11)])
def test_cli_errors_validate_unclosed_quote_names_its_line_and_exits_2(mini_env, tmp_path, case, line):
    text = POINTS_RUBRIC
    for old, new in UNCLOSED[case]:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    assert "'" in text.splitlines()[line - 1] or '"' in text.splitlines()[line - 1]
    result = run("rubric", "validate", path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        f"{path}, line {line}: not valid YAML: the quoted value that starts on this line has no closing"
        in (result.stderr)
    )


def test_cli_errors_validate_missing_path_exits_2(mini_env, tmp_path):
    result = run("rubric", "validate", tmp_path / "nope.yaml")
    assert result.exit_code == 2 and "No such file or folder" in result.stderr


def test_cli_errors_validate_warns_when_thresholds_need_more_points_than_the_question_has(mini_env, tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text(
        POINTS_RUBRIC.replace("marking: {kind: points}", "marking: {kind: points, thresholds: {2: 4, 1: 1}}"),
        encoding="utf-8",
    )
    result = run("rubric", "validate", path)
    assert result.exit_code == 0 and "1 file(s) valid, 1 warning(s)." in result.stdout
    assert (
        f"Warning: {path}, line 8: field 'marking.thresholds': mark 2 needs 4 credited points, "
        "but the question has only 3 points" in result.stderr
    )
    path.write_text(
        POINTS_RUBRIC.replace("marking: {kind: points}", "marking: {kind: points, thresholds: {2: 3, 1: 1}}"),
        encoding="utf-8",
    )
    result = run("rubric", "validate", path)
    assert result.exit_code == 0 and "Warning" not in result.output


def _readme_import_file(tmp_path: Path) -> Path:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(- id: bulb-circuit.*?)```", readme, re.S).group(1)
    path = tmp_path / "questions.yaml"
    path.write_text(block, encoding="utf-8")
    return path


def test_cli_errors_validate_readme_photosynthesis_example_has_points_for_its_thresholds(mini_env, tmp_path):
    path = _readme_import_file(tmp_path)
    result = run("rubric", "validate", path)
    assert result.exit_code == 0 and "Warning" not in result.output, result.output
    # The example as it was (two points for a table needing four) is warned about, naming the line.
    text = path.read_text(encoding="utf-8")
    cut = re.sub(r'    - "water is taken up.*\n    - "light is absorbed.*\n', "", text)
    assert cut != text
    path.write_text(cut, encoding="utf-8")
    line = next(i for i, ln in enumerate(cut.splitlines(), 1) if "thresholds" in ln)
    result = run("rubric", "validate", path)
    assert result.exit_code == 0
    assert (
        f"line {line}: field '1.marking.thresholds': question 'photosynthesis': marks 3 and 2 need 4 and 3"
        in (result.stderr)
    )


def test_cli_errors_rubric_new_warns_about_thresholds_it_cannot_meet(tmp_path):
    spec = tmp_path / "q.yaml"
    spec.write_text(
        "id: two-terms\nquestion: Give two terms of the Treaty of Rapallo.\nmax_mark: 2\n"
        'points: ["both renounced claims", "relations were restored"]\n'
        "marking: {kind: points, thresholds: {2: 3, 1: 1}}\n"
        "model_answers: [Both renounced claims and relations were restored.]\n",
        encoding="utf-8",
    )
    result = run("rubric", "new", spec, "--out", tmp_path / "built")
    assert result.exit_code == 0, result.output
    assert "Warning: marking.thresholds: mark 2 needs 3 credited points, but the question has only 2" in (
        result.stderr
    )


# --- python -m marker, and marker app ------------------------------------------------------


def _real_cli(*args, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MARKER_RUBRICS_DIR": str(MINI_RUBRICS), "MARKER_ANSWERS_DIR": str(MINI_ANSWERS)}
    return subprocess.run(
        [sys.executable, "-m", "marker", *map(str, args)],
        input=input,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_cli_errors_python_m_marker_runs_the_command_line(tmp_path):
    help_ = _real_cli("--help")
    assert help_.returncode == 0 and b"python -m marker" in help_.stdout
    marked = _real_cli("mark", "-q", "mini-points", "-", "--json", input=POINTS_ANSWER.encode("utf-16"))
    assert marked.returncode == 0, marked.stderr
    assert json.loads(marked.stdout)["mark"] == 2
    (tmp_path / "a.txt").write_text(POINTS_ANSWER, encoding="utf-8")
    (tmp_path / "taken.csv").write_text("x", encoding="utf-8")
    refused = _real_cli("batch", "a.txt", "--out", "taken.csv", "-q", "mini-points", cwd=tmp_path)
    assert refused.returncode == 2 and b"Traceback" not in refused.stderr and b"is a file" in refused.stderr


def test_cli_errors_app_passes_data_dir_to_streamlit(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no user Streamlit config
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    cmd, env = app_command(["--server.port", "8600"], tmp_path / "data")
    assert env["MARKER_DATA_DIR"] == str((tmp_path / "data").resolve())
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[-2:] == ["--server.port", "8600"]
    assert "--server.address=127.0.0.1" in cmd
