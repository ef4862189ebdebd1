"""Several writers at once, in separate processes, on real SQLite files; and writers killed mid-write.

Each test starts its writers together (a multiprocessing barrier, or a start file for real CLI
processes) so that they really race: on the code before these fixes, the first test failed
every time with "table jobs already exists".
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from marker import calibrate
from marker.batch import run_batch
from marker.feedback import Feedback
from marker.jobstore import MIGRATIONS as JOB_MIGRATIONS
from marker.jobstore import JobStore, StoredResult
from marker.rubric import load_question
from marker.store import MIGRATIONS, Store
from marker.userbank import load_bank, save_question
from marker.workspace import Workspace

from .conftest import MINI_ANSWERS, MINI_RUBRICS
from .test_batch import class_table, read_csv

ROOT = Path(__file__).resolve().parent.parent
#: Only SQLite and files in the children: forking is quick, and the parent's spaCy is never used there.
FORK = multiprocessing.get_context("fork")
QUESTION = MINI_RUBRICS / "questions" / "mini-points.yaml"


def _together(target, args_per_process: list[tuple], timeout: float = 120) -> list:
    """Run ``target(barrier, queue, *args)`` in one process per args, released at the same moment;
    returns what each put on the queue (an exception's text if it raised)."""
    barrier, queue = FORK.Barrier(len(args_per_process)), FORK.Queue()
    procs = [FORK.Process(target=_guarded, args=(target, barrier, queue, *a)) for a in args_per_process]
    for p in procs:
        p.start()
    results = [queue.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=timeout)
    return results


def _guarded(target, barrier, queue, *args) -> None:
    try:
        queue.put(target(barrier, *args))
    except BaseException as exc:  # the parent asserts on it
        queue.put(f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- schema creation


def _open_both(barrier, folder: str) -> str:
    barrier.wait()
    JobStore(Path(folder) / "batches.sqlite3")
    Store(Path(folder) / "marker.sqlite3")
    return "ok"


@pytest.mark.parametrize("trial", range(3))
def test_store_schema_is_made_once_when_processes_open_a_fresh_folder_together(tmp_path, trial):
    results = _together(_open_both, [(str(tmp_path),)] * 6)
    assert results == ["ok"] * 6
    assert JobStore(tmp_path / "batches.sqlite3").schema_version == len(JOB_MIGRATIONS)
    assert Store(tmp_path / "marker.sqlite3").schema_version == len(MIGRATIONS)
    with sqlite3.connect(tmp_path / "batches.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert sorted(tables) == ["jobs", "results"]


class _FirstSchemaOnly(JobStore):
    migrations = JOB_MIGRATIONS[:1]


def test_store_an_older_file_is_upgraded_once_by_processes_opening_it_together(tmp_path):
    path = tmp_path / "batches.sqlite3"
    assert _FirstSchemaOnly(path).schema_version == 1
    results = _together(_open_both, [(str(tmp_path),)] * 6)
    assert results == ["ok"] * 6  # an ALTER TABLE run twice would fail with "duplicate column"
    assert JobStore(path).schema_version == 2
    with sqlite3.connect(path) as db:
        columns = [r[1] for r in db.execute("PRAGMA table_info(results)")]
    assert columns.count("ocr_confidence") == 1


# --------------------------------------------------------------------------- rubric versions


def _save_versions(barrier, folder: str, teacher: int, n: int) -> list[tuple[int, str]]:
    """One teacher saving ``n`` edits of the same question; returns (version number, question text)."""
    base = load_question(QUESTION)
    store = Store(Path(folder) / "marker.sqlite3")
    barrier.wait()
    saved = []
    for i in range(n):
        text = f"Outline two terms of the Treaty of Rapallo (teacher {teacher}, edit {i})."
        version = save_question(
            base.model_copy(update={"question": text}), Path(folder), store, f"t{teacher}"
        )
        saved.append((version.number, text))
    return saved


def test_userbank_teachers_saving_the_same_question_at_once_each_get_a_version(tmp_path):
    results = _together(_save_versions, [(str(tmp_path), t, 3) for t in range(4)])
    assert all(isinstance(r, list) for r in results), results
    saved = dict(pair for r in results for pair in r)
    assert sorted(saved) == list(range(1, 13))  # twelve saves, twelve numbers, none lost or doubled
    versions = Store(tmp_path / "marker.sqlite3").rubric_versions("mini-points")
    assert [v.number for v in versions] == list(range(1, 13))
    for v in versions:  # every record's file holds the edit saved under that number
        assert load_question(v.path).question == saved[v.number]
    loaded = load_bank(tmp_path, _mini_bank())
    assert not loaded.problems and loaded.versions == {"mini-points": 12}
    assert not list((tmp_path / "rubrics").rglob(".tmp-*"))


def _mini_bank():
    from marker.bank import QuestionBank

    return QuestionBank.load(MINI_RUBRICS, MINI_ANSWERS)


def test_userbank_a_version_file_whose_record_was_lost_keeps_its_number(tmp_path):
    store = Store(tmp_path / "m.sqlite3")
    orphan = tmp_path / "rubrics" / "questions" / "mini-points" / "v1.yaml"
    orphan.parent.mkdir(parents=True)
    orphan.write_text(QUESTION.read_text(encoding="utf-8"), encoding="utf-8")
    before = orphan.read_bytes()
    edited = load_question(QUESTION).model_copy(update={"command_word": "name"})
    version = save_question(edited, tmp_path, store)
    assert version.number == 2 and orphan.read_bytes() == before
    assert load_question(version.path).command_word == "name"


# --------------------------------------------------------------------------- drafts beside a batch


def _add_drafts(barrier, db: str, feedback_json: str, writer: int, stop: str) -> int:
    """A student saving drafts as fast as the app lets them, until told to stop."""
    feedback = Feedback.from_dict(json.loads(feedback_json))
    store = Store(db)
    barrier.wait()
    n = 0
    while not Path(stop).exists() and n < 20_000:
        store.add_draft(f"Student {writer}", f"Draft {n} of writer {writer}.", feedback)
        n += 1
        time.sleep(0.005)
    return ("drafts", writer, n)


def _record_jobs(barrier, db: str, writer: int, stop: str) -> int:
    """The app's batch page recording jobs in chunks, in the same job database as the CLI batch."""
    store = JobStore(db)
    barrier.wait()
    n = 0
    while not Path(stop).exists() and n < 2000:
        job = f"job-writer{writer}-{n}"
        store.open_job(job, input="x", question_id="mini-points", n_scripts=16, options={})
        store.save(
            [
                StoredResult(job, f"s{i}", i, "", "", "mini-points", None, "marked", 1, {}, None, "a")
                for i in range(16)
            ]
        )
        store.finish_job(job)
        n += 1
        time.sleep(0.02)
    return ("jobs", writer, n)


def test_store_drafts_and_jobs_saved_while_a_cli_batch_runs_all_succeed(tmp_path, mini_env, mini_marker):
    """Students saving drafts and the app recording jobs (several processes each) while `marker batch` runs."""
    data, table, stop = tmp_path / "data", class_table(tmp_path / "class.csv", 20), tmp_path / "stop"
    feedback = mini_marker.mark("mini-points", "They renounced claims and restored relations.")
    writers = [(str(data / "marker.sqlite3"), feedback.to_json(indent=None), w, str(stop)) for w in range(3)]
    recorders = [(str(data / "batches.sqlite3"), w, str(stop)) for w in range(2)]
    barrier, queue = FORK.Barrier(6), FORK.Queue()
    procs = [FORK.Process(target=_guarded, args=(_add_drafts, barrier, queue, *a)) for a in writers]
    procs += [FORK.Process(target=_guarded, args=(_record_jobs, barrier, queue, *a)) for a in recorders]
    for p in procs:
        p.start()
    batch = subprocess.Popen(
        [sys.executable, "-m", "marker", "batch", str(table), "-q", "mini-points", "--out", str(tmp_path / "out"),
         "--data-dir", str(data), "--processes", "1"],
        cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        barrier.wait(timeout=120)
        out, err = batch.communicate(timeout=600)
    finally:
        batch.kill()
        stop.touch()
    done = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert batch.returncode == 0, err
    assert "20 scripts: 20 marked" in out
    assert all(isinstance(d, tuple) and d[2] > 0 for d in done), done
    counts = {(kind, w): n for kind, w, n in done}
    store = Store(data / "marker.sqlite3")
    for w in range(3):  # every draft saved is there, in order
        n = counts["drafts", w]
        assert [d.text for d in store.drafts(f"Student {w}")] == [
            f"Draft {i} of writer {w}." for i in range(n)
        ]
    jobs = JobStore(data / "batches.sqlite3")
    assert len(jobs.jobs()) == 1 + counts["jobs", 0] + counts["jobs", 1]
    for job in jobs.jobs():
        if job.id.startswith("job-writer"):
            assert job.status == "done" and jobs.counts(job.id)["marked"] == 16


# --------------------------------------------------------------------------- the same batch twice at once


def test_batch_the_same_input_started_twice_at_once_records_each_script_once(tmp_path, mini_env):
    """Two real CLI processes, released together by a start file, on a fresh data folder."""
    data, table = tmp_path / "data", class_table(tmp_path / "class.csv", 24)
    code = textwrap.dedent(
        """
        import sys, time
        from pathlib import Path
        from marker.cli import main
        Path(sys.argv[1] + ".ready").touch()
        while not Path(sys.argv[1]).exists():
            time.sleep(0.01)
        sys.argv = ["marker", *sys.argv[2:]]
        main()
        """
    )
    procs = []
    for name in ("a", "b"):
        args = [
            "batch",
            str(table),
            "-q",
            "mini-points",
            "--out",
            str(tmp_path / name),
            "--data-dir",
            str(data),
        ]
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", code, str(tmp_path / f"go-{name}"), *args, "--processes", "1"],
                cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not all((tmp_path / f"go-{n}.ready").exists() for n in "ab") and time.monotonic() < deadline:
            time.sleep(0.05)
        for n in "ab":
            (tmp_path / f"go-{n}").touch()
        outputs = [p.communicate(timeout=600) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    with sqlite3.connect(data / "batches.sqlite3") as db:
        per_script = db.execute(
            "SELECT script_id, COUNT(*) FROM results GROUP BY job_id, script_id"
        ).fetchall()
        (jobs,) = db.execute("SELECT COUNT(*) FROM jobs").fetchone()
    assert jobs == 1 and len(per_script) == 24 and {n for _, n in per_script} == {1}
    # One run marked them all; the other waited for it and reused its marks.
    reused = [out for out, _ in outputs if "24 scripts reused from that run, not marked again" in out]
    assert len(reused) == 1, [out for out, _ in outputs]
    marks = [{r["script_id"]: r["mark"] for r in read_csv(tmp_path / n / "results.csv")} for n in "ab"]
    assert marks[0] == marks[1] and len(marks[0]) == 24


def _hold_job(barrier, db: str, job_id: str, rows: list, hold: float) -> str:
    """Another run of the job: holds it, then records every script (as the run would) and lets go."""
    store = JobStore(db)
    with store.running(job_id):
        barrier.wait()
        time.sleep(hold)
        store.open_job(job_id, input="elsewhere", question_id="mini-points", n_scripts=len(rows), options={})
        store.save(rows)
        store.finish_job(job_id)
    return "done"


def test_batch_a_second_run_of_a_job_waits_for_the_first_and_marks_nothing_again(
    tmp_path, mini_env, data_env
):
    table = class_table(tmp_path / "class.csv", 20)
    first = run_batch(
        table, "mini-points", tmp_path / "out0", processes=1, store=JobStore(tmp_path / "s0.sqlite3")
    )
    rows = JobStore(tmp_path / "s0.sqlite3").results(first.job_id)
    db = tmp_path / "s1.sqlite3"
    JobStore(db)
    barrier, queue = FORK.Barrier(2), FORK.Queue()
    other = FORK.Process(target=_guarded, args=(_hold_job, barrier, queue, str(db), first.job_id, rows, 2.0))
    other.start()
    barrier.wait()  # the other run holds the job now
    started = time.monotonic()
    second = run_batch(table, "mini-points", tmp_path / "out1", processes=1, store=JobStore(db))
    waited = time.monotonic() - started
    assert queue.get(timeout=60) == "done"
    other.join(timeout=60)
    assert waited >= 1.5
    assert second.job_id == first.job_id and second.n_skipped_already_done == 20 and second.n_marked == 20
    assert second.marked_before and "20 scripts reused" in second.reuse_note()


# --------------------------------------------------------------------------- writers killed mid-write


def _big_calibration() -> calibrate.Calibration:
    rng = np.random.default_rng(0)
    return calibrate.Calibration(
        question_id="mini-points",
        rubric_version="v",
        max_mark=2,
        n_scripts=10,
        data_fingerprint="f",
        model=None,
        versions={"format": calibrate.FORMAT_VERSION},
        memory=rng.random((3000, 384)).astype(np.float16),
        memory_shares=rng.random(3000),
    )


def _save_forever(folder: str) -> None:
    cal, question = _big_calibration(), load_question(QUESTION)
    store = Store(Path(folder) / "marker.sqlite3")
    for i in range(10_000):
        calibrate.save(cal, Path(folder))
        save_question(
            question.model_copy(update={"question": f"Edit {i}: " + "x" * 5000}), Path(folder), store
        )


def test_atomic_a_writer_killed_mid_write_never_leaves_half_a_file(tmp_path):
    Store(tmp_path / "marker.sqlite3")
    for delay in (0.3, 0.55, 0.8, 1.1):
        proc = FORK.Process(target=_save_forever, args=(str(tmp_path),))
        proc.start()
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.join()
        cal = calibrate.load(tmp_path, "mini-points")
        assert cal is not None and cal.memory.shape == (3000, 384)
        loaded = load_bank(tmp_path, _mini_bank())
        assert not loaded.problems
    versions = Store(tmp_path / "marker.sqlite3").rubric_versions("mini-points")
    assert versions, "the writer never got to save a version: give it longer"
    for v in versions:
        assert load_question(v.path).question.startswith("Edit ")


def test_userbank_a_half_written_newest_version_leaves_the_one_before_in_use(tmp_path):
    store = Store(tmp_path / "marker.sqlite3")
    edited = load_question(QUESTION).model_copy(update={"command_word": "name"})
    save_question(edited, tmp_path, store)
    v2 = save_question(edited.model_copy(update={"command_word": "list"}), tmp_path, store)
    text = Path(v2.path).read_text(encoding="utf-8")
    Path(v2.path).write_text(text[: len(text) // 2], encoding="utf-8")  # as an older marker's crash left it
    loaded = load_bank(tmp_path, _mini_bank())
    assert loaded.bank.question("mini-points").command_word == "name" and loaded.versions == {
        "mini-points": 1
    }
    said = "\n".join(str(p) for p in loaded.problems)
    assert "v2.yaml" in said and "version 1 is in use instead" in said


def test_workspace_a_damaged_calibration_file_marks_uncalibrated_and_says_why(tmp_path, mini_env):
    folder = tmp_path / "data"
    path = calibrate.save(_big_calibration(), folder)
    path.write_bytes(path.read_bytes()[:1000])  # cut short, as a crash in an older marker left it
    ws = Workspace(folder)
    cal, why = ws.calibration("mini-points")
    assert cal is None and "cannot be read" in why and "marker calibrate" in why


def test_workspace_a_calibration_of_an_older_format_marks_uncalibrated_and_says_why(tmp_path, mini_env):
    folder = tmp_path / "data"
    old = _big_calibration()
    unreadable = min(calibrate.READABLE_FORMATS) - 1
    calibrate.save(replace(old, versions={**old.versions, "format": unreadable}), folder)
    cal, why = Workspace(folder).calibration("mini-points")
    assert cal is None and "another version of marker" in why and "marker calibrate" in why


def _save_calibrations(barrier, folder: str, writer: int) -> str:
    cal = _big_calibration()
    barrier.wait()
    for i in range(8):
        calibrate.save(replace(cal, n_scripts=100 * writer + i), Path(folder))
    return "ok"


def test_calibrate_processes_saving_the_same_calibration_at_once_leave_a_whole_one(tmp_path):
    assert _together(_save_calibrations, [(str(tmp_path), w) for w in range(4)]) == ["ok"] * 4
    cal = calibrate.load(tmp_path, "mini-points")
    assert cal is not None and cal.n_scripts % 100 == 7 and cal.memory.shape == (3000, 384)
    assert not list((tmp_path / "calibrations").glob(".tmp-*"))
