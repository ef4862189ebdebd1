"""The Batch marking page driven by Streamlit's AppTest, on the mini bank, a real SQLite file and the real pipeline."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from marker.jobstore import JobStore

PAGE = str(Path(__file__).resolve().parent.parent / "marker" / "app" / "batch.py")
ANSWERS = [
    "Both sides renounced claims against each other and diplomatic relations were restored.",
    "There was secret military cooperation to train troops.",
    "I am not sure what the treaty said.",
]


@pytest.fixture()
def data(mini_env, tmp_path, monkeypatch):
    monkeypatch.setenv("MARKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("MARKER_TEACHER_PASSCODE", raising=False)
    yield tmp_path / "data"
    st.cache_resource.clear()  # the next test's bank may differ: load it afresh


def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    return at


def test_batch_app_shows_the_empty_state(data):
    at = page()
    assert not at.exception and at.title[0].value == "Batch marking"
    assert any("Upload a class set to begin" in i.value for i in at.info)
    assert at.button(key="batch_run").disabled
    assert not at.metric and not at.dataframe


def test_batch_app_marks_a_table_and_shows_results(data, tmp_path):
    table = tmp_path / "class.csv"
    rows = [["student", "answer", "mark"], *([f"<b>Student {i}</b>", ANSWERS[i % 3], ""] for i in range(5))]
    rows += [
        ["Eve", "", "0"],
        ["Fay", "An answer.", "seven"],
    ]  # a blank answer is marked 0; a bad row is set aside
    with table.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)

    at = page()
    at.session_state["batch_input_path"] = str(table)
    at.selectbox(key="batch_question").select("mini-points")
    at.run()
    at.button(key="batch_run").click()
    at.run()

    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Marked": "6", "Failed": "0", "Rejected": "1", "Duplicates": "2"}
    results = at.dataframe[0].value
    assert len(results) == 7 and list(results["status"]).count("marked") == 6
    assert "<b>Student 0</b>" in set(results["student"])  # shown as text in a table, never as HTML
    not_marked = at.dataframe[1].value
    assert list(not_marked["status"]) == ["rejected"] and "not a number" in not_marked["reason"].iloc[0]
    assert not any("<b>" in m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart")) == 3  # coverage, distribution, most missed
    assert {b.key for b in at.get("download_button")} >= {"batch_download_csv", "batch_download_report"}
    (job,) = JobStore(data / "batches.sqlite3").jobs()
    assert job.status == "done" and job.question_id == "mini-points"

    # Marking the same class set again reopens the job: nothing is marked twice.
    at.button(key="batch_run").click()
    at.run()
    assert not at.exception
    assert any("Already marked on" in i.value for i in at.info)
    assert len(JobStore(data / "batches.sqlite3").jobs()) == 1


def test_batch_app_shows_a_bad_input_as_an_error_not_a_traceback(data, tmp_path):
    at = page()
    at.session_state["batch_input_path"] = str(tmp_path / "missing.zip")
    at.run()
    at.button(key="batch_run").click()
    at.run()
    assert not at.exception
    assert "No such file or folder" in at.error[0].value.replace("\\", "")
    assert not at.metric


def test_batch_app_says_plainly_when_the_cli_marked_the_same_scripts(data, tmp_path):
    """Marked with `marker batch`, then uploaded in the app (zipped with their folder): reused, and said so."""
    import zipfile

    from typer.testing import CliRunner

    from marker.cli import app

    files = {f"s{i}.txt": ANSWERS[i].encode() for i in range(3)} | {"empty.txt": b""}
    folder = tmp_path / "class"
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)
    cli = CliRunner().invoke(app, ["batch", str(folder), "-q", "mini-points", "--out", str(tmp_path / "out")])
    assert cli.exit_code == 0, cli.output
    assert "Rejected: empty (class/empty.txt): empty file" in cli.output
    assert "3 marked, 0 failed, 1 rejected" in cli.output
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, content in files.items():
            zf.writestr(f"class/{name}", content)

    at = page()
    at.session_state["batch_input_path"] = str(archive)
    at.selectbox(key="batch_question").select("mini-points")
    at.run()
    at.button(key="batch_run").click()
    at.run()
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "Already marked on" in i.value)
    assert "3 scripts reused from that run, not marked again" in note.replace("\\", "")
    assert len(JobStore(data / "batches.sqlite3").jobs()) == 1
    results = at.dataframe[0].value
    assert list(results["script_id"]) == ["s0", "s1", "s2", "empty"]
    assert list(results["status"]) == ["marked", "marked", "marked", "rejected"]
    assert not [v for v in results.to_numpy().ravel() if str(v).strip().lower() in ("none", "nan")]
