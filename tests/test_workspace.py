"""The workspace: one bank, marker, store and calibrations per data folder, used by every front end.

A teacher's saved version must be what the CLI, the Python API, batch marking and the app all
mark with: each test here marks the same text through them and compares.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import marker
from marker.cli import app
from marker.errors import MarkerError, RubricErrors
from marker.rubric import load_question
from marker.workspace import Workspace, open_workspace

SHIPPED = Path(marker.__file__).parent / "shipped" / "rubrics" / "questions" / "british-recognition.yaml"
ANSWER = (
    "Britain recognised the Soviet Union in 1924 because the first Labour government took office in "
    "January 1924 and British businessmen wanted access to Soviet markets."
)
runner = CliRunner()


@pytest.fixture(scope="module")
def edited(tmp_path_factory) -> Path:
    """A teacher's edit of british-recognition: out of 2, without the trade point."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["max_mark"] = 2
    data["points"] = [p for p in data["points"] if p["id"] != "trade-interests"]
    path = tmp_path_factory.mktemp("edit") / "british-recognition.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def saved(tmp_path_factory, edited) -> Path:
    """A data folder holding the edit, saved with `marker rubric save` as the app's Save would."""
    folder = tmp_path_factory.mktemp("data")
    result = runner.invoke(app, ["rubric", "save", str(edited), "--data-dir", str(folder), "--note", "test"])
    assert result.exit_code == 0, result.output
    assert "version 1 of 'british-recognition'" in result.stdout
    return folder


@pytest.fixture(scope="module")
def workspace(saved) -> Workspace:
    return Workspace(saved)


def test_workspace_saved_version_is_the_bank_in_use(workspace):
    question = workspace.question("british-recognition")
    assert question.max_mark == 2 and "trade-interests" not in {p.id for p in question.points}
    assert workspace.loaded.versions == {"british-recognition": 1}
    assert [v.number for v in workspace.store.rubric_versions("british-recognition")] == [1]


def test_workspace_cli_api_and_workspace_give_the_same_mark(workspace, saved, tmp_path, monkeypatch):
    shipped = Workspace(tmp_path / "empty").mark("british-recognition", ANSWER)
    ours = workspace.mark("british-recognition", ANSWER)
    assert (shipped.mark, shipped.max_mark) == (2, 4)
    assert (ours.mark, ours.max_mark) == (1, 2)  # the trade point is gone, the mark is out of 2

    answer = tmp_path / "answer.txt"
    answer.write_text(ANSWER, encoding="utf-8")
    cli = runner.invoke(
        app, ["mark", "-q", "british-recognition", str(answer), "--json", "--data-dir", str(saved)]
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == json.loads(ours.to_json())

    monkeypatch.setenv("MARKER_DATA_DIR", str(saved))
    marker.default_workspace.cache_clear()
    try:
        assert marker.mark("british-recognition", ANSWER).to_dict() == ours.to_dict()
        assert [f.to_dict() for f in marker.mark_many("british-recognition", [ANSWER])] == [ours.to_dict()]
    finally:
        marker.default_workspace.cache_clear()


@pytest.mark.parametrize("processes", [1, 2])
def test_workspace_batch_marks_with_the_saved_version(workspace, saved, tmp_path, processes):
    from marker.batch import run_batch

    ours = workspace.mark("british-recognition", ANSWER)
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name in ("ada_lovelace", "ben_jones"):
        (folder / f"{name}.txt").write_text(ANSWER, encoding="utf-8")
    result = run_batch(folder, "british-recognition", tmp_path / "out", processes=processes, data_dir=saved)
    assert result.n_marked == 2 and not result.notes  # no worker fell back to this process
    for record in result.records:
        assert json.loads(json.dumps(record.feedback.to_dict())) == json.loads(ours.to_json())
    cli = runner.invoke(
        app,
        ["batch", str(folder), "-q", "british-recognition", "--out", str(tmp_path / "cli"),
         "--processes", "1", "--data-dir", str(saved)],
    )  # fmt: skip
    assert cli.exit_code == 0, cli.output
    rows = (tmp_path / "cli" / "results.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 3 and all(",1,2," in row for row in rows[1:]), rows


def test_workspace_app_marks_with_the_saved_version(saved, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MARKER_DATA_DIR", str(saved))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    st.cache_resource.clear()
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=120)
    at.run()
    at.text_input(key="student").input("Ada")
    at.selectbox(key="question_id").select("british-recognition")
    at.run()
    at.text_area(key="answer::british-recognition").input(ANSWER)
    at.button(key="mark_button").click()
    at.run()
    assert not at.exception
    headline = next(h.value for h in at.html if 'class="marker-mark"' in h.value)
    assert re.search(r'class="marker-mark"[^>]*>1 / 2<', headline)
    st.cache_resource.clear()


def test_workspace_sees_a_version_saved_by_another_process(saved, edited, tmp_path):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(saved, folder)
    running = Workspace(folder)
    running.marker  # noqa: B018  (spaCy loaded, as in a running app)
    assert not running.refresh()
    data = yaml.safe_load(edited.read_text(encoding="utf-8"))
    data["max_mark"] = 3
    again = tmp_path / "again.yaml"
    again.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = runner.invoke(app, ["rubric", "save", str(again), "--data-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert running.refresh()
    assert running.question("british-recognition").max_mark == 3
    assert running.mark("british-recognition", ANSWER).max_mark == 3


def test_workspace_rubric_save_refuses_a_bad_file_with_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("max_mark: 4", "max_mark: many"), encoding="utf-8"
    )
    result = runner.invoke(app, ["rubric", "save", str(bad), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "bad.yaml, line 7: field 'max_mark'" in result.stderr
    assert not (tmp_path / "d" / "rubrics").exists()


def test_workspace_rubric_save_refuses_an_unknown_concept(tmp_path):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["points"][0]["concepts"] = ["no-such-concept"]
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(RubricErrors, match="no-such-concept"):
        Workspace(tmp_path / "d").save_question(load_question(path), source=path)


def test_workspace_missing_questions_file_is_a_user_error(tmp_path):
    with pytest.raises(MarkerError, match="No such questions file"):
        open_workspace(tmp_path, tmp_path / "nope.yaml")
