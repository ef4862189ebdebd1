"""Batch marking end to end: the real pipeline on the mini bank, a real SQLite file, every engine."""

from __future__ import annotations

import csv
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest

from marker.batch import run_batch
from marker.chunks import CHUNK_SIZE
from marker.engine import Marker
from marker.engines import MarkerSource, marker_for
from marker.errors import MarkerError, UnknownQuestionError
from marker.export import FORMULA_TRIGGERS
from marker.jobstore import JobStore, StoredResult
from marker.store import StoreError

from .documents import SCANNED_PDF_STREAM, make_docx, make_pdf, text_stream, write_tree

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "mini-points"
ANSWERS = [
    "Both sides renounced claims against each other and diplomatic relations were restored.",
    "They gave up claims on each other. There was also secret military cooperation to train troops.",
    "Germany and Soviet Russia restored relations after the treaty.",
    "The Treaty of Rapallo was signed in 1925 and it cancelled debts.",
    "I am not sure what the treaty said.",
    "Germany could test weapons in Russia, and both dropped claims for war damages.",
]


# --- building inputs ------------------------------------------------------------------------


def write_table(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def class_table(path: Path, n: int) -> Path:
    rows = [["student", "answer"]]
    rows += [[f"Student {i:02d}", f"{ANSWERS[i % len(ANSWERS)]} (Script {i}.)"] for i in range(n)]
    return write_table(path, rows)


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def stored(db: Path) -> dict[str, tuple]:
    """script_id -> (status, mark, feedback JSON as stored) of the only job in a store."""
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT script_id, status, mark, feedback FROM results").fetchall()
    return {sid: (status, mark, fb) for sid, status, mark, fb in rows}


@pytest.fixture()
def env(mini_env, data_env):
    """The mini bank, and a private data folder for the job store and calibrations."""
    return data_env


# --- tests ----------------------------------------------------------------------------------


def test_batch_marks_a_mixed_folder_and_reports_every_bad_file(env, tmp_path):
    folder = write_tree(
        tmp_path / "scripts",
        {
            "alice_smith.txt": ANSWERS[0].encode(),
            "ben_jones.md": b"# My answer\n\n" + ANSWERS[1].encode(),
            "chloe_brown.docx": make_docx([ANSWERS[2], "That is all."]),
            "dan_lee.pdf": make_pdf(text_stream(ANSWERS[3])),
            "copy_of_alice.txt": ("  " + ANSWERS[0] + "\n").encode(),
            "broken.docx": random.Random(7).randbytes(3000),
            "scan.pdf": make_pdf(SCANNED_PDF_STREAM),
            "empty.txt": b"",
        },
    )
    out = tmp_path / "out"
    result = run_batch(folder, QUESTION, out, processes=1)

    assert (result.n_total, result.n_marked, result.n_failed, result.n_rejected) == (8, 5, 0, 3)
    assert result.n_skipped_already_done == 0
    assert result.duplicates == [("copy_of_alice", "alice_smith")]
    assert result.summary().startswith("8 scripts: 5 marked, 0 failed, 3 rejected")
    by_id = {r.script_id: r for r in result.records}
    for sid in ("alice_smith", "ben_jones", "chloe_brown", "dan_lee", "copy_of_alice"):
        assert result.statuses[sid] == "marked" and by_id[sid].feedback.question_id == QUESTION
    assert by_id["alice_smith"].feedback.mark == 2  # two valid terms: full marks
    assert by_id["dan_lee"].answer == ANSWERS[3]  # the PDF's text was read and marked
    reasons = {Path(r.source).name: r.error for r in result.records if r.feedback is None}
    assert set(reasons) == {"broken.docx", "scan.pdf", "empty.txt"}
    assert "corrupt or not a Word document" in reasons["broken.docx"]
    assert "no text found" in reasons["scan.pdf"]
    assert "empty file" in reasons["empty.txt"]

    assert set(result.outputs) == {"csv", "xlsx", "feedback", "report"}
    assert all(p.parent == out and p.stat().st_size > 0 for p in result.outputs.values())
    rows = read_csv(out / "results.csv")
    assert len(rows) == 8 and len({r["script_id"] for r in rows}) == 8
    assert {r["status"] for r in rows if r["mark"]} == {"marked"}
    # Unreadable files are "rejected" (the input could not be used), never "failed" (the marker raised).
    assert sorted((r["script_id"], r["status"]) for r in rows if r["error"]) == [
        ("broken", "rejected"),
        ("empty", "rejected"),
        ("scan", "rejected"),
    ]
    assert openpyxl.load_workbook(out / "results.xlsx")["Results"].max_row == 9  # header + 8
    with zipfile.ZipFile(out / "feedback.zip") as zf:
        pages = set(zf.namelist())
    assert len(pages) == 9 and "index.html" in pages and "Alice_Smith.html" in pages
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Class report" in report and "Alice Smith" in report and "corrupt or not a Word document" in report


def test_batch_resumes_after_the_process_is_killed(env, tmp_path):
    n = 40
    table = class_table(tmp_path / "class.csv", n)
    db, out = tmp_path / "jobs.sqlite3", tmp_path / "out"
    code = textwrap.dedent(
        f"""
        import os
        from marker.batch import run_batch
        from marker.jobstore import JobStore

        def stop(done, total):
            if done > 0:  # the first chunk is committed: die at once, as a kill would
                os._exit(1)

        run_batch({str(table)!r}, {QUESTION!r}, {str(out)!r}, processes=1,
                  store=JobStore({str(db)!r}), progress=stop)
        """
    )
    killed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert killed.returncode == 1, killed.stderr
    assert len(stored(db)) == CHUNK_SIZE and not (out / "results.csv").exists()

    seen: list[tuple[int, int]] = []
    result = run_batch(
        table, QUESTION, out, processes=1, store=JobStore(db), progress=lambda d, t: seen.append((d, t))
    )
    assert result.n_skipped_already_done == CHUNK_SIZE
    assert result.n_marked == n and result.n_total == n
    assert seen[0] == (CHUNK_SIZE, n) and seen[-1] == (n, n)
    with sqlite3.connect(db) as c:
        per_script = c.execute("SELECT script_id, COUNT(*) FROM results GROUP BY script_id").fetchall()
        (jobs,) = c.execute("SELECT COUNT(*) FROM jobs").fetchone()
    assert len(per_script) == n and {count for _, count in per_script} == {1} and jobs == 1
    assert len(read_csv(out / "results.csv")) == n

    again = run_batch(table, QUESTION, out, processes=1, store=JobStore(db))
    assert again.job_id == result.job_id and again.n_skipped_already_done == n and again.n_marked == n


def test_batch_outputs_neutralise_formulas(env, tmp_path):
    evil = '=HYPERLINK("http://example.com","click me")'
    table = write_table(
        tmp_path / "class.csv",
        [
            ["script_id", "student", "answer"],
            ["s1", evil, evil + " " + ANSWERS[0]],
            ["+s2", "@Bob", "-2+3 " + ANSWERS[1]],
        ],
    )
    out = tmp_path / "out"
    result = run_batch(table, QUESTION, out, processes=1)
    assert result.n_marked == 2

    def risky(value) -> bool:
        return isinstance(value, str) and value.lstrip(" \n\u00a0").startswith(FORMULA_TRIGGERS)

    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as f:
        cells = [cell for row in csv.reader(f) for cell in row]
    assert "'" + evil in cells and "'@Bob" in cells and "'+s2" in cells
    assert not any(risky(c) for c in cells)

    sheet = openpyxl.load_workbook(out / "results.xlsx")["Results"]
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "'" + evil in [c.value for c in values]
    assert not any(risky(c.value) for c in values)
    assert all(c.data_type == "s" for c in values if isinstance(c.value, str))


def test_batch_engines_give_identical_marks_and_feedback(env, tmp_path):
    from distributed import LocalCluster

    table = class_table(tmp_path / "class.csv", 2 * CHUNK_SIZE + 3)  # three chunks
    runs: dict[str, dict] = {}
    for name, options in (("one process", {"processes": 1}), ("two processes", {"processes": 2})):
        db = tmp_path / f"{name}.sqlite3"
        result = run_batch(table, QUESTION, tmp_path / name, store=JobStore(db), **options)
        assert result.notes == [] and result.n_marked == 2 * CHUNK_SIZE + 3
        runs[name] = stored(db)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        db = tmp_path / "dask.sqlite3"
        result = run_batch(
            table,
            QUESTION,
            tmp_path / "dask",
            engine="dask",
            address=cluster.scheduler_address,
            store=JobStore(db),
        )
        assert result.notes == []  # every chunk was marked on the cluster, none fell back
        runs["dask"] = stored(db)
    assert runs["one process"] == runs["two processes"] == runs["dask"]
    assert len(runs["dask"]) == 2 * CHUNK_SIZE + 3
    assert {mark for _, mark, _ in runs["dask"].values()} >= {0, 2}  # the set is not all alike


@pytest.mark.parametrize(
    ("question", "options", "error", "message"),
    [
        ("no-such-question", {}, UnknownQuestionError, "Valid ids: mini-essay, mini-points"),
        (QUESTION, {"engine": "dask"}, MarkerError, "needs the address of a running Dask scheduler"),
        (QUESTION, {"engine": "spark"}, MarkerError, "Unknown engine 'spark'. Choose one of: local, dask"),
        (QUESTION, {"processes": 0}, MarkerError, "must be 1 or more"),
    ],
)
def test_batch_refuses_bad_options_before_marking(env, tmp_path, question, options, error, message):
    table = class_table(tmp_path / "class.csv", 3)
    store = JobStore(tmp_path / "jobs.sqlite3")
    with pytest.raises(error, match=message):
        run_batch(table, question, tmp_path / "out", store=store, **options)
    assert store.jobs() == [] and not (tmp_path / "out").exists()


def test_batch_scripts_without_a_question_are_rejected_with_the_reason(env, tmp_path):
    table = write_table(
        tmp_path / "class.csv",
        [["question_id", "answer"], [QUESTION, ANSWERS[0]], ["", ANSWERS[1]], ["nope", ANSWERS[2]]],
    )
    result = run_batch(table, None, tmp_path / "out", processes=1)
    assert (result.n_marked, result.n_rejected) == (1, 2)
    errors = {r.script_id: r.error for r in result.records}
    assert "no question given for this script" in errors["row-3"]
    assert "unknown question id 'nope'; valid ids: mini-essay, mini-points" in errors["row-4"]


def test_batch_a_script_that_breaks_marking_fails_alone(env, tmp_path, monkeypatch):
    real = Marker.mark_question

    def mark_question(self, question, texts, *args, **kwargs):
        texts = list(texts)
        if any("BOOM" in t for t in texts):
            raise RuntimeError("BOOM in the engine")
        return real(self, question, texts, *args, **kwargs)

    monkeypatch.setattr(Marker, "mark_question", mark_question)
    table = write_table(
        tmp_path / "class.csv",
        [["script_id", "answer"], *([f"s{i}", ANSWERS[i]] for i in range(4)), ["bad", "BOOM " + ANSWERS[0]]],
    )
    db = tmp_path / "jobs.sqlite3"
    result = run_batch(table, QUESTION, tmp_path / "out", processes=1, store=JobStore(db))
    assert (result.n_marked, result.n_failed) == (4, 1)
    assert result.statuses["bad"] == "failed"
    bad = next(r for r in result.records if r.script_id == "bad")
    assert bad.feedback is None and "RuntimeError: BOOM in the engine" in bad.error
    assert bad.answer.startswith("BOOM")  # kept, so the teacher sees what was not marked
    rows = {r["script_id"]: r for r in read_csv(tmp_path / "out" / "results.csv")}
    assert rows["bad"]["status"] == "failed" and "BOOM in the engine" in rows["bad"]["error"]
    # A failed script is recorded with its reason: running again does not retry it.
    again = run_batch(table, QUESTION, tmp_path / "out", processes=1, store=JobStore(db))
    assert again.n_skipped_already_done == 5 and again.n_failed == 1


def test_batch_marks_a_repeated_text_once_and_stores_every_copy(env, tmp_path, monkeypatch):
    real, sent = Marker.mark_question, []

    def mark_question(self, question, texts, *args, **kwargs):  # the real marking, counted
        texts = list(texts)
        sent.extend(texts)
        return real(self, question, texts, *args, **kwargs)

    monkeypatch.setattr(Marker, "mark_question", mark_question)
    spaced = ANSWERS[0].replace(" ", "  ", 1)  # another text: whitespace can change a mark
    texts = [ANSWERS[0], ANSWERS[1], ANSWERS[0], spaced]
    texts += [ANSWERS[i % len(ANSWERS)] for i in range(2 * CHUNK_SIZE)]  # copies in later chunks
    table = write_table(
        tmp_path / "class.csv", [["script_id", "answer"], *([f"s{i:02d}", t] for i, t in enumerate(texts))]
    )
    db = tmp_path / "jobs.sqlite3"
    result = run_batch(table, QUESTION, tmp_path / "out", processes=1, store=JobStore(db))
    assert result.n_marked == len(texts)
    assert sorted(sent) == sorted({*ANSWERS, spaced})  # each distinct text marked once
    rows = stored(db)
    first = {}
    for i, t in enumerate(texts):
        first.setdefault(t, f"s{i:02d}")
        assert rows[f"s{i:02d}"] == rows[first[t]]  # a copy stores its first's mark and feedback
    alone = {t: marker_for(MarkerSource.here(None)).mark(QUESTION, t) for t in first}
    assert {t: rows[sid][1] for t, sid in first.items()} == {t: fb.mark for t, fb in alone.items()}
    assert ("s02", "s00") in result.duplicates
    sent.clear()
    again = run_batch(
        table, QUESTION, tmp_path / "two", processes=2, store=JobStore(tmp_path / "two.sqlite3")
    )
    assert again.n_marked == len(texts) and stored(tmp_path / "two.sqlite3") == rows
    assert len(sent) <= len(first)  # this process's share: no text marked twice here


def test_repeats_keep_memory_bounded_by_marking_a_copy_again():
    from marker.chunks import Chunk
    from marker.engines import Marked
    from marker.repeats import Repeats
    from marker.scripts import Script

    def script(sid, text, qid="q1"):
        return Script(sid, "", text, qid, None, "", "")

    a, b, a2, other_q, a3 = (
        script("a", "x"),
        script("b", "y"),
        script("a2", "x"),
        script("c", "x", "q2"),
        script("a3", "x"),
    )
    repeats = Repeats(keep=1, hold=1)
    sent = repeats.originals(iter([a, a2, a3, other_q]))
    assert [s.script_id for s in sent] == ["a", "a3", "c"]  # one copy held; the next cannot wait
    got = repeats.copies(Chunk("q1", (a, a3)), [Marked("a", None, "e1"), Marked("a3", None, "e3")])
    assert [(c.script_id, m.error) for c, m in got] == [("a2", "e1")]
    repeats.copies(Chunk("q1", (b,)), [Marked("b", None, "e2")])  # keeps only the latest text
    late = script("a4", "x")
    assert [s.script_id for s in repeats.originals(iter([late]))] == ["a4"]  # forgotten: marked again
    assert repeats.waiting() == []


def test_batch_applies_the_saved_calibration(env, tmp_path):
    from marker.calibrate import fit_calibration, save

    marker = marker_for(MarkerSource.here(None))  # the Marker run_batch uses in this process
    question = marker.bank.question(QUESTION)
    texts = [f"{ANSWERS[i % len(ANSWERS)]} (Draft {i}.)" for i in range(12)]
    feedbacks = marker.mark_many(QUESTION, texts)
    teacher = [min(2, fb.mark + (i % 2)) for i, fb in enumerate(feedbacks)]
    save(fit_calibration(QUESTION, question.version, question.max_mark, feedbacks, texts, teacher), env)

    table = class_table(tmp_path / "class.csv", 4)
    calibrated = run_batch(table, QUESTION, tmp_path / "a", processes=1)
    plain = run_batch(table, QUESTION, tmp_path / "b", processes=1, use_calibration=False)
    assert all(r.feedback.calibrated for r in calibrated.records)
    assert not any(r.feedback.calibrated for r in plain.records)
    assert calibrated.job_id != plain.job_id  # a different way of marking is a different job
    assert {r["calibrated"] for r in read_csv(tmp_path / "a" / "results.csv")} == {"True"}


def test_batch_job_store_round_trips_and_refuses_a_newer_schema(tmp_path):
    db = tmp_path / "jobs.sqlite3"
    store = JobStore(db)
    assert store.schema_version == 2  # 2 added ocr_confidence
    job = store.open_job(
        "job-1", input="set1", question_id=QUESTION, n_scripts=2, options={"engine": "local"}
    )
    assert (job.status, job.options) == ("running", {"engine": "local"})
    store.finish_job("job-1")
    assert JobStore(db).job("job-1").status == "done"  # reopened: kept, not migrated again
    with sqlite3.connect(db) as c:
        c.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer marker"):
        JobStore(db)


def test_batch_point_labels_come_in_order_of_first_appearance_from_marked_rows(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    store.open_job("job-1", input="set1", question_id=None, n_scripts=4, options={})
    store.open_job("job-2", input="set2", question_id=None, n_scripts=1, options={})

    def row(job, sid, position, labels, status="marked"):
        feedback = {"points": [{"label": x, "status": "hit"} for x in labels]} if status == "marked" else None
        return StoredResult(
            job, sid, position, sid, sid, "q", "sha", status=status, mark=None, feedback=feedback,
            error=None if status == "marked" else "why", answer="text", marked_at="now",
        )  # fmt: skip

    # Saved out of input order, as chunks finish: input order (position) decides, then each
    # feedback's own order; a failed row and another job's labels never count.
    store.save([row("job-1", "s3", 3, ["Late", "Beta"]), row("job-1", "s1", 1, ["Beta", "Alpha"])])
    store.save([row("job-1", "s0", 0, [], status="failed"), row("job-1", "s2", 2, ["Gamma", "Alpha"])])
    store.save([row("job-2", "s0", 0, ["Other"])])
    assert store.point_labels("job-1") == ["Beta", "Alpha", "Gamma", "Late"]
    assert store.point_labels("job-2") == ["Other"]
    assert store.point_labels("job-3") == []


def test_batch_marks_a_papers_table_as_it_comes(data_env, tmp_path):
    """One pupil's paper per script_id, exam-paper question ids, blank answers, bad rows kept with reasons."""
    from .conftest import PAPERS_DIR

    result = run_batch(
        PAPERS_DIR / "test.csv", None, tmp_path / "out", questions=PAPERS_DIR / "questions.yaml", processes=1
    )
    assert result.statuses["P01/4.1"] == result.statuses["P01/Q3a"] == "marked"
    assert (result.n_marked, result.n_rejected, result.n_blank) == (8, 3, 2)
    rows = {r["script_id"]: r for r in read_csv(tmp_path / "out" / "results.csv")}
    assert rows["P02/4.1"]["mark"] == "0" and rows["P02/4.1"]["question_id"] == "4.1"
    assert "unknown question id 'q3a'" in rows["P06"]["error"]
    assert rows["P05"]["error"] == "mark 'seven' is not a number"  # a bad row keeps its script_id
    assert rows["P05"]["status"] == "rejected" and rows["P05"]["source"] == "test.csv row 10"
    assert "2 blank answers marked 0" in result.summary() and result.duplicates == [("P03/Q3a", "P02/Q3a")]
    with zipfile.ZipFile(tmp_path / "out" / "feedback.zip") as z:
        pages = [n for n in z.namelist() if n.endswith(".html") and not n.endswith("index.html")]
    assert len(pages) == len(set(pages)) == 11  # one page per row, though one pupil wrote two answers
    assert {"Max_P01_4.1.html", "Max_P01_Q3a.html"} <= set(pages)


def test_batch_script_ids_are_bare_names_and_the_zipped_folder_reopens_the_job(env, tmp_path):
    """Ids are file names without folders or extensions, kept or rejected alike, so the same
    scripts zipped with their folder (as a teacher uploads them) are the same job."""
    files = {
        "set1/alice_smith.txt": ANSWERS[0].encode(),
        "set1/ben_jones.docx": make_docx([ANSWERS[1]]),
        "set2/alice_smith.txt": ANSWERS[2].encode(),
        "broken.docx": random.Random(7).randbytes(3000),
        "empty.txt": b"",
    }
    folder = write_tree(tmp_path / "class", files)
    db = tmp_path / "jobs.sqlite3"
    first = run_batch(folder, QUESTION, tmp_path / "out1", processes=1, store=JobStore(db))
    assert first.statuses == {
        "alice_smith": "marked",
        "alice_smith~2": "marked",
        "ben_jones": "marked",
        "broken": "rejected",
        "empty": "rejected",
    }
    assert first.reuse_note() == ""
    rows = read_csv(tmp_path / "out1" / "results.csv")
    assert {r["script_id"]: r["source"] for r in rows}["alice_smith~2"] == "class/set2/alice_smith.txt"
    # Empty cells are empty: nothing reads "None" or "nan".
    assert not [
        (r["script_id"], k) for r in rows for k, v in r.items() if v.strip().lower() in ("none", "nan")
    ]
    broken = next(r for r in rows if r["script_id"] == "broken")
    assert broken["mark"] == broken["max_mark"] == broken["calibrated"] == "" and broken["error"]

    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in files.items():
            zf.writestr(f"class/{name}", data)
    again = run_batch(archive, QUESTION, tmp_path / "out2", processes=1, store=JobStore(db))
    assert again.job_id == first.job_id and again.statuses == first.statuses
    assert again.n_skipped_already_done == 3
    assert again.reuse_note().startswith("Already marked on ")
    assert "3 scripts reused from that run, not marked again." in again.reuse_note()
