"""`marker data export` / `marker data import`: a teacher's data carried between two real data folders."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from marker import calibrate
from marker.batch import run_batch
from marker.cli import app
from marker.rubric import ModelAnswer, load_question, load_topic
from marker.store import Store
from marker.transfer import FORMAT_VERSION, MANIFEST
from marker.userbank import load_bank, save_model_answer, save_question, save_topic

from .conftest import MINI_ANSWERS, MINI_RUBRICS
from .test_batch import class_table

runner = CliRunner()
QUESTION = MINI_RUBRICS / "questions" / "mini-points.yaml"


def _calibration(n_scripts: int) -> calibrate.Calibration:
    return calibrate.Calibration(
        question_id="mini-points",
        rubric_version="v1",
        max_mark=2,
        n_scripts=n_scripts,
        data_fingerprint="f",
        model=None,
        fitted_at="2026-01-01T00:00:00+00:00",
        versions={"format": calibrate.FORMAT_VERSION},
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory, mini_marker) -> Path:
    """A teacher's data folder: drafts, two rubric versions, a model answer, a calibration, a batch job."""
    data = tmp_path_factory.mktemp("source")
    store = Store(data / "marker.sqlite3")
    for student, text in [("Ada", "They renounced claims."), ("Ben", "Relations were restored in 1922.")]:
        store.add_draft(student, text, mini_marker.mark("mini-points", text))
    base = load_question(QUESTION)
    save_question(base.model_copy(update={"command_word": "name"}), data, store, "first")
    save_question(base.model_copy(update={"command_word": "list"}), data, store, "second")
    save_model_answer(
        ModelAnswer(question="mini-points", intended_mark=2, text="Claims; relations.", name="mine"), data
    )
    save_topic(
        load_topic(MINI_RUBRICS / "topics" / "mini.yaml").model_copy(update={"id": "mini-extra"}), data
    )
    calibrate.save(_calibration(12), data)
    table = class_table(data.parent / "class.csv", 6)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARKER_RUBRICS_DIR", str(MINI_RUBRICS))
        mp.setenv("MARKER_ANSWERS_DIR", str(MINI_ANSWERS))
        run_batch(table, "mini-points", data.parent / "out", processes=1, data_dir=data)
    return data


@pytest.fixture(scope="module")
def exported(source, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("export") / "marker-data.zip"
    result = runner.invoke(app, ["data", "export", str(path), "--data-dir", str(source)])
    assert result.exit_code == 0, result.output
    assert "2 drafts, 2 rubric versions, 1 topic" in result.stdout and "1 calibration" in result.stdout, (
        result.stdout
    )
    return path


def _rows(db: Path, sql: str) -> list[tuple]:
    if not db.exists():
        return []
    with sqlite3.connect(db) as c:
        return c.execute(sql).fetchall()


def _state(data: Path) -> dict:
    """Everything that travels, without what names the machine (row ids, absolute paths)."""
    files = {
        p.relative_to(data).as_posix(): p.read_bytes()
        for sub in ("rubrics", "model_answers", "calibrations")
        for p in sorted((data / sub).rglob("*"))
        if p.is_file()
    }
    return {
        "drafts": _rows(data / "marker.sqlite3", "SELECT student, question_id, text, mark, feedback_json, created_at FROM drafts ORDER BY id"),
        "versions": _rows(data / "marker.sqlite3", "SELECT question_id, number, fingerprint, note, created_at FROM rubric_versions ORDER BY question_id, number"),
        "jobs": _rows(data / "batches.sqlite3", "SELECT * FROM jobs ORDER BY id"),
        "results": _rows(data / "batches.sqlite3", "SELECT * FROM results ORDER BY job_id, script_id"),
        "files": files,
    }  # fmt: skip


def _import(path: Path, data: Path, *extra: str):
    return runner.invoke(app, ["data", "import", str(path), "--data-dir", str(data), *extra])


def test_transfer_round_trip_to_a_new_machine_carries_everything(source, exported, tmp_path):
    target = tmp_path / "target"
    result = _import(exported, target)
    assert result.exit_code == 0, result.output
    assert (
        "Added: 2 drafts, 2 rubric versions, 1 topic, 1 model answer, 1 calibration, 1 job, 6 results."
        in result.stdout
    )
    before, after = _state(source), _state(target)
    assert after == before and len(after["results"]) == 6 and after["files"]
    # The versions work on the new machine: the newest is the one in use, at its new path.
    loaded = load_bank(target, _mini_bank())
    assert not loaded.problems and loaded.versions == {"mini-points": 2}
    assert loaded.bank.question("mini-points").command_word == "list"
    assert all(
        Path(v.path).is_relative_to(target)
        for v in Store(target / "marker.sqlite3").rubric_versions("mini-points")
    )
    assert calibrate.load(target, "mini-points").n_scripts == 12
    assert [d.text for d in Store(target / "marker.sqlite3").drafts("Ada")] == ["They renounced claims."]


def _mini_bank():
    from marker.bank import QuestionBank

    return QuestionBank.load(MINI_RUBRICS, MINI_ANSWERS)


def test_transfer_importing_the_same_file_twice_adds_nothing(exported, tmp_path):
    target = tmp_path / "target"
    assert _import(exported, target).exit_code == 0
    once = _state(target)
    again = _import(exported, target)
    assert again.exit_code == 0, again.output
    assert "Added: nothing." in again.stdout
    assert (
        "Already here (skipped): 2 drafts, 2 rubric versions, 1 topic, 1 model answer, 1 calibration, 1 job, 6 results."
        in again.stdout
    )
    assert _state(target) == once


def test_transfer_a_dry_run_writes_nothing(exported, tmp_path):
    target = tmp_path / "target"
    result = _import(exported, target, "--dry-run")
    assert (
        result.exit_code == 0
        and "Added: 2 drafts" in result.stdout
        and "nothing was written" in result.stdout
    )
    state = _state(target)
    assert state["drafts"] == state["versions"] == state["jobs"] == [] and state["files"] == {}


@pytest.fixture()
def other_machine(tmp_path) -> Path:
    """A data folder where the same question was edited differently and calibrated on other scripts."""
    data = tmp_path / "other"
    store = Store(data / "marker.sqlite3")
    save_question(load_question(QUESTION).model_copy(update={"command_word": "state"}), data, store, "mine")
    calibrate.save(_calibration(40), data)
    return data


def test_transfer_differing_records_are_refused_and_nothing_is_imported(exported, other_machine):
    before = _state(other_machine)
    result = _import(exported, other_machine)
    assert result.exit_code == 2
    message = result.stderr
    assert "Nothing was imported" in message and "2 records differ" in message
    assert "rubric version 1 of 'mini-points': this machine's version 1 has other content" in message
    assert "calibrations/mini-points.joblib: this machine's file has other content" in message
    assert "--force" in message
    assert _state(other_machine) == before


def test_transfer_forced_import_renumbers_versions_and_keeps_this_machines_copy(exported, other_machine):
    result = _import(exported, other_machine, "--force")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "rubric version 1 of 'mini-points' imported as version 2" in out
    assert "rubric version 2 of 'mini-points' imported as version 3" in out
    assert "calibrations/mini-points.joblib: kept this machine's" in out
    versions = Store(other_machine / "marker.sqlite3").rubric_versions("mini-points")
    assert [(v.number, load_question(v.path).command_word) for v in versions] == [
        (1, "state"),
        (2, "name"),
        (3, "list"),
    ]
    assert calibrate.load(other_machine, "mini-points").n_scripts == 40  # never replaced
    # Again: the versions are found (under their new numbers); only the calibration still differs.
    again = _import(exported, other_machine)
    assert again.exit_code == 2 and "1 record differs" in again.stderr and "calibrations/" in again.stderr
    forced = _import(exported, other_machine, "--force")
    assert forced.exit_code == 0 and "Added: nothing." in forced.stdout, forced.output
    assert len(Store(other_machine / "marker.sqlite3").rubric_versions("mini-points")) == 3


def test_transfer_a_script_marked_differently_here_is_reported_and_kept(source, exported, tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(source / "batches.sqlite3", target / "batches.sqlite3")
    with sqlite3.connect(target / "batches.sqlite3") as db:
        job_id, script_id = db.execute("SELECT job_id, script_id FROM results ORDER BY script_id").fetchone()
        db.execute("UPDATE results SET mark = 99 WHERE script_id = ?", (script_id,))
    refused = _import(exported, target)
    assert refused.exit_code == 2 and f"job {job_id}: 1 script marked differently here" in refused.stderr
    forced = _import(exported, target, "--force")
    assert forced.exit_code == 0 and f"job {job_id}: kept this machine's marks of 1 script" in forced.stdout
    assert _rows(target / "batches.sqlite3", f"SELECT mark FROM results WHERE script_id = '{script_id}'") == [
        (99,)
    ]


def test_transfer_a_field_this_marker_does_not_know_stops_the_import_with_nothing_written(source, tmp_path):
    """An export from a newer marker whose results have another column: refused whole, late as it is found."""
    newer = tmp_path / "newer"
    shutil.copytree(source, newer)
    with sqlite3.connect(newer / "batches.sqlite3") as db:
        db.execute("ALTER TABLE results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1")
    path = tmp_path / "newer.zip"
    assert runner.invoke(app, ["data", "export", str(path), "--data-dir", str(newer)]).exit_code == 0
    target = tmp_path / "target"
    result = _import(path, target)
    assert (
        result.exit_code == 2
        and "does not know (attempts)" in result.stderr
        and "Upgrade marker" in result.stderr
    )
    state = _state(target)  # the drafts, versions and files written before it are rolled back and removed
    assert state["drafts"] == state["versions"] == state["jobs"] == [] and not state["files"]


# --------------------------------------------------------------------------- damaged and foreign files


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rewrite(
    path: Path, out: Path, change: Callable[[dict[str, bytes]], None], *, reseal: bool = True
) -> Path:
    """A copy of an export with members changed; ``reseal`` makes the manifest agree with them again."""
    members = _members(path)
    change(members)
    if reseal and MANIFEST in members:
        manifest = json.loads(members[MANIFEST])
        manifest["members"] = {
            n: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            for n, b in members.items()
            if n != MANIFEST
        }
        members[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(out, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out


def _manifest_edit(**fields) -> Callable[[dict[str, bytes]], None]:
    def change(members):
        members[MANIFEST] = json.dumps({**json.loads(members[MANIFEST]), **fields}).encode()

    return change


def _drop(name: str, reseal: bool = False):
    return lambda members: members.pop(name)


def _first_draft(**fields):
    def change(members):
        lines = members["drafts.jsonl"].decode().splitlines()
        lines[0] = json.dumps({**json.loads(lines[0]), **fields})
        members["drafts.jsonl"] = ("\n".join(lines) + "\n").encode()

    return change


def _set(name: str, blob: bytes):
    def change(members):
        members[name] = blob

    return change


CASES = {
    "no manifest": (_drop(MANIFEST), True, f"it has no {MANIFEST}"),
    "another format": (_manifest_edit(format="something-else"), False, "of another format"),
    "newer format": (_manifest_edit(format_version=FORMAT_VERSION + 1), False, "written by a newer marker"),
    "missing member": (_drop("results.jsonl"), False, "lists results.jsonl, but the file does not hold it"),
    "changed member": (_first_draft(student="Eve"), False, "drafts.jsonl is not what was exported"),
    "bad record": (_first_draft(mark="lots"), True, "drafts.jsonl line 1, field 'mark'"),
    "bad feedback": (_first_draft(feedback_json='{"x": 1}'), True, "not a marker feedback record"),
    "broken rubric": (_set("rubrics/questions/mini-points/v2.yaml", b"schema_version: 1\nid: [oops\n"), True, "rubrics/questions/mini-points/v2.yaml"),
    "foreign member": (_set("../../evil.sh", b"rm -rf /"), True, "not part of a marker data export"),
    "unlisted member": (_set("notes.txt", b"hello"), False, "which its manifest does not list"),
    "not a calibration": (_set("calibrations/mini-points.joblib", b"not a pickle"), True, "not a calibration marker can read"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_transfer_damaged_or_foreign_file_is_refused_with_a_message(exported, tmp_path, case):
    change, reseal, expected = CASES[case]
    bad = _rewrite(exported, tmp_path / "bad.zip", change, reseal=reseal)
    target = tmp_path / "target"
    result = _import(bad, target)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "Traceback" not in result.output
    state = _state(target)
    assert (
        state["drafts"] == state["versions"] == state["jobs"] == state["results"] == [] and not state["files"]
    )


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 100])
def test_transfer_a_file_that_is_not_a_zip_is_refused(tmp_path, content):
    path = tmp_path / "data.zip"
    path.write_bytes(content)
    result = _import(path, tmp_path / "target")
    assert result.exit_code == 2 and "is not a marker data export: it is not a zip file" in result.stderr


def test_transfer_a_truncated_export_is_refused(exported, tmp_path):
    cut = tmp_path / "cut.zip"
    blob = exported.read_bytes()
    cut.write_bytes(blob[: len(blob) * 2 // 3])
    result = _import(cut, tmp_path / "target")
    assert result.exit_code == 2 and "not a zip file" in result.stderr


def test_transfer_export_refuses_to_replace_a_file_without_force(exported, source, tmp_path):
    path = tmp_path / "x.zip"
    shutil.copy(exported, path)
    result = runner.invoke(app, ["data", "export", str(path), "--data-dir", str(source)])
    assert result.exit_code == 2 and "--force" in result.stderr
    assert path.read_bytes() == exported.read_bytes()


def test_transfer_an_empty_data_folder_exports_and_imports_nothing(tmp_path):
    path = tmp_path / "empty.zip"
    result = runner.invoke(app, ["data", "export", str(path), "--data-dir", str(tmp_path / "fresh")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "fresh" / "marker.sqlite3").exists()  # exporting creates no database
    again = _import(path, tmp_path / "target")
    assert again.exit_code == 0 and "Added: nothing." in again.stdout
