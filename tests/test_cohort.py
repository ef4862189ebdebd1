"""A whole cohort in bounded memory: tables read row by row, scripts marked as they are read,
results written to the job store chunk by chunk and to the output files from it a batch at a time;
failed scripts retried on resume; ``marker jobs``. The real pipeline on the mini bank, real SQLite.

How much memory a cohort takes is measured by benchmarks/bench_cohort.py, not here: these tests
check the behaviour that keeps it flat (nothing is read or held ahead of the marking).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from marker.batch import run_batch
from marker.chunks import CHUNK_SIZE, iter_chunks
from marker.cli import app
from marker.engines import AHEAD_PER_WORKER, MarkerSource, in_pool, in_process
from marker.errors import MarkerError, ScriptsError
from marker.ingest import ingest, ingest_stream
from marker.jobstore import JobStore, StoredResult
from marker.outputs import write_outputs
from marker.records import ResultRecord
from marker.scripts import Script, text_sha
from marker.tables import iter_table, load_table
from marker.tally import ClassTally

from .test_batch import ANSWERS, QUESTION, read_csv, write_table
from .test_export import _feedback, _wrong_date

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture()
def env(mini_env, data_env):
    """The mini bank, and a private data folder for the job store."""
    return data_env


def cohort(path: Path, n: int, pad: str = "") -> Path:
    """``n`` different answers to the mini short-answer question, each followed by ``pad``.

    The test answers come round again with a number, so that no two scripts have the same text:
    a batch marks a repeated text once (:mod:`marker.repeats`), and a cohort of copies would
    not be marked chunk by chunk."""
    rows = [["script_id", "student", "answer"]]
    for i in range(n):
        text = ANSWERS[i % len(ANSWERS)] + (f" ({i})" if i >= len(ANSWERS) else "")
        rows.append([f"s{i:03d}", f"Student {i:03d}", f"{text} {pad}".strip()])
    return write_table(path, rows)


# --- reading a table as it comes -------------------------------------------------------------


def _as_read(items) -> list[tuple]:
    return [
        (type(x).__name__, x.script_id, getattr(x, "text", None), getattr(x, "reason", None), x.source)
        for x in items
    ]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("comma.csv", b"script_id,answer,mark\na,One.,2\nb,Two.,x\na,Again.,1\n\n,Three,\n"),
        ("semi.csv", "\ufeffstudent;answer\nZo\u00eb;Caf\u00e9, deux.\n;\n".encode()),
        ("quoted.csv", b'answer,question_id\n"A, with\nnewline",q1\n"B ""quoted""",q2\n'),
    ],
)
def test_cohort_table_read_row_by_row_matches_the_whole_file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    table = load_table(path)
    whole = _as_read([*table.scripts, *table.refused])
    streamed = list(iter_table(path))
    assert sorted(_as_read(streamed)) == sorted(whole) and whole
    assert _as_read(streamed) == _as_read(list(iter_table(path)))  # another pass reads it again


def test_cohort_table_not_utf8_is_refused_alike_read_whole_or_by_row(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("answer\nfine\ncaf\u00e9\n".encode("latin-1"))
    with pytest.raises(ScriptsError) as whole:
        load_table(path)
    with pytest.raises(ScriptsError) as streamed:
        list(iter_table(path))
    assert str(streamed.value) == str(whole.value) and "row 3" in str(whole.value)


def test_cohort_workbook_read_row_by_row_matches(tmp_path):
    book = openpyxl.Workbook()
    for row in (["script_id", "answer", "question_id"], ["p1", "One.", "q1"], ["p1", "Two.", "q1"]):
        book.active.append(row)
    path = tmp_path / "class.xlsx"
    book.save(path)
    table = load_table(path)
    assert _as_read(iter_table(path)) == _as_read([*table.scripts, *table.refused])
    assert len(table.refused) == 1 and "also used for q1 on row 2" in table.refused[0].reason


def test_cohort_ingest_stream_of_a_table_matches_ingest(tmp_path):
    rows = [["script_id", "question_id", "answer"]]
    rows += [["p1", "q1", "Same text."], ["p1", "q2", "Other."], ["p2", "q1", "Same  text."]]
    rows += [["p3", "q1", "y" * 60_000], ["p4", "q1", "Fine."], ["p4", "q1", "Repeated id."]]
    path = write_table(tmp_path / "papers.csv", rows)
    got, stream = ingest(path), ingest_stream(path)
    assert list(stream) == got.scripts == list(stream)  # each pass reads the file afresh
    assert [s.script_id for s in got.scripts] == ["p1/q1", "p1/q2", "p2", "p4"]
    assert stream.rejected == got.rejected and len(got.rejected) == 2
    assert [r.script_id for r in stream.rejected] == [r.script_id for r in got.rejected] == ["p3", "p4~2"]
    assert stream.duplicates == got.duplicates == [("p2", "p1/q1")]
    assert stream.count == len(got.scripts)


# --- marking scripts as they are read --------------------------------------------------------


def _counted(n: int, pulled: list[int], question: str = QUESTION):
    """``n`` scripts, counting in ``pulled[0]`` how many have been taken."""
    for i in range(n):
        pulled[0] += 1
        text = ANSWERS[i % len(ANSWERS)]
        yield Script(f"s{i}", "", text, question, None, f"s{i}.txt", text_sha(text))


def test_cohort_one_process_reads_a_chunk_then_marks_it(mini_marker):
    pulled = [0]
    outcomes = in_process(iter_chunks(_counted(5 * CHUNK_SIZE, pulled)), mini_marker)
    chunk, marked = next(outcomes)
    assert pulled[0] == CHUNK_SIZE and len(marked) == CHUNK_SIZE
    assert all(m.feedback is not None and m.feedback.question_id == QUESTION for m in marked)
    chunk, marked = next(outcomes)
    assert pulled[0] == 2 * CHUNK_SIZE
    outcomes.close()


def test_cohort_pool_keeps_only_a_few_chunks_in_flight(env):
    pulled = [0]
    workers, size, n_chunks = 2, 2, 12
    source = MarkerSource.here(None, env)
    chunks = iter_chunks(_counted(size * n_chunks, pulled), size=size)
    outcomes = in_pool(chunks, source, workers, fallback=lambda chunk, exc: pytest.fail(str(exc)))
    first, marked = next(outcomes)
    in_flight = workers * (1 + AHEAD_PER_WORKER)
    assert pulled[0] == size * in_flight < size * n_chunks
    assert [m.script_id for m in marked] == [s.script_id for s in first.scripts]
    seen = [first] + [chunk for chunk, _ in outcomes]
    assert pulled[0] == size * n_chunks and len(seen) == n_chunks


def test_cohort_batch_stores_each_chunk_before_it_ends(env, tmp_path):
    n = 2 * CHUNK_SIZE + 8
    table, out, db = cohort(tmp_path / "class.csv", n), tmp_path / "out", tmp_path / "jobs.sqlite3"
    seen: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        with sqlite3.connect(db) as c:
            (stored,) = c.execute(
                "SELECT COUNT(*) FROM results WHERE status = 'marked' AND feedback IS NOT NULL"
            ).fetchone()
        seen.append((done, total, stored))
        assert not (out / "results.csv").exists()  # the outputs come after the marking

    result = run_batch(table, QUESTION, out, processes=1, store=JobStore(db), progress=progress)
    assert seen == [(0, n, 0), (16, n, 16), (32, n, 32), (n, n, n)]
    assert result.n_marked == n and len(read_csv(out / "results.csv")) == n

    # The files written from the store a batch of rows at a time are those written from a list.
    again = write_outputs(list(result.records), tmp_path / "again", f"Class report: {table.name}")
    for key in ("csv", "report"):
        assert again[key].read_bytes() == result.outputs[key].read_bytes(), key
    with zipfile.ZipFile(again["feedback"]) as a, zipfile.ZipFile(result.outputs["feedback"]) as b:
        assert a.namelist() == b.namelist() and all(a.read(x) == b.read(x) for x in a.namelist())
    sheets = [openpyxl.load_workbook(p) for p in (again["xlsx"], result.outputs["xlsx"])]
    for name in ("Results", "Points", "Summary"):
        assert [list(r) for r in sheets[0][name].values] == [list(r) for r in sheets[1][name].values]
    assert sheets[1]["Points"].max_row == n + 1 and sheets[1]["Results"].freeze_panes == "A2"


def test_cohort_batch_reads_the_table_again_as_it_marks(env, tmp_path):
    """The table is read while the scripts are marked, not held: a row changed meanwhile stops the batch."""
    n, pad = 3 * CHUNK_SIZE, "And more. " * 150  # about 80 KB: the reader has not reached the last row
    table, db = cohort(tmp_path / "class.csv", n, pad), tmp_path / "jobs.sqlite3"
    data = table.read_bytes()

    def change_the_last_row(done: int, total: int) -> None:
        if done == CHUNK_SIZE:
            with table.open("r+b") as f:  # the same file, its last answer changed in place
                f.seek(data.rindex(pad.strip().encode()))
                f.write(pad.strip().replace("more", "less").encode())

    with pytest.raises(MarkerError, match="changed while it was being marked.*script s047 is not as it was"):
        run_batch(
            table, QUESTION, tmp_path / "out", processes=1, store=JobStore(db), progress=change_the_last_row
        )
    with sqlite3.connect(db) as c:
        (kept,) = c.execute("SELECT COUNT(*) FROM results WHERE status = 'marked'").fetchone()
    assert kept == 2 * CHUNK_SIZE  # the chunks read before the changed row are marked and saved


# --- a cohort's report ------------------------------------------------------------------------


def test_cohort_report_lists_the_first_scripts_and_counts_every_one():
    from marker.analytics import report_html

    records = [
        ResultRecord(f"s{i}", f"Pupil {i}", "", _feedback("cpm", 1, facts=[_wrong_date("1925")]))
        for i in range(10)
    ]
    records += [
        ResultRecord(f"f{i}", f"Failed {i}", "", None, error=f"reason {i}", status="rejected")
        for i in range(5)
    ]
    tally = ClassTally(listed=3, named=2)
    for r in records:
        tally.add(r, r.student)
    summary = tally.summary()
    assert (summary["n"], summary["n_marked"], summary["n_rejected"], summary["mean"]) == (15, 10, 5, 1)
    assert len(tally.heat) == 3 and len(tally.not_marked) == 3 and tally.n_not_marked == 5
    (slip,) = tally.common_slips()
    assert slip["count"] == 10 and slip["students"] == ["Pupil 0", "Pupil 1"]
    page = report_html(tally, "Cohort")
    assert "The first 3 of 10 marked scripts are shown here" in page
    assert "The first 3 of 5 scripts not marked are shown here; results.csv has every one" in page
    assert "Pupil 0, Pupil 1 and 8 more" in page and "Pupil 3" not in page and "reason 4" not in page
    whole = ClassTally.over(records)  # a class is listed whole
    assert len(whole.heat) == 10 and len(whole.not_marked) == 5
    assert "are shown here" not in report_html(whole, "Class")


# --- retrying failed scripts -------------------------------------------------------------------


def test_cohort_retry_failed_marks_failed_scripts_again_not_rejected_ones(env, tmp_path):
    """The sentence encoder's model is missing for one run (a damaged install): every script it
    read fails. Once it is back, a plain resume keeps the failures; --retry-failed marks them."""
    rows = [["script_id", "question_id", "answer"], *([f"s{i}", "", ANSWERS[i]] for i in range(3))]
    table = write_table(tmp_path / "class.csv", [*rows, ["odd", "no-such-question", ANSWERS[3]]])
    shadow = tmp_path / "shadow" / "all_minilm_l6_v2"  # the model's package, without its model.zip
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "marker",
        "batch",
        str(table),
        "-q",
        QUESTION,
        "--out",
        str(tmp_path / "o1"),
    ]
    child_env = {**os.environ, "PYTHONPATH": str(shadow.parent), "MARKER_CACHE_DIR": str(tmp_path / "cache")}
    damaged = subprocess.run(command, cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=600)
    assert damaged.returncode == 0, damaged.stderr
    assert "4 scripts: 0 marked, 3 failed, 1 rejected" in damaged.stdout
    assert damaged.stderr.count("Failed: s") == 3 and "model file 'model.zip'" in damaged.stderr

    resumed = run_batch(table, QUESTION, tmp_path / "o2", processes=1)
    assert (resumed.n_marked, resumed.n_failed, resumed.n_rejected, resumed.n_skipped_already_done) == (
        0,
        3,
        1,
        3,
    )

    cli = runner.invoke(
        app, ["batch", str(table), "-q", QUESTION, "--out", str(tmp_path / "o3"), "--retry-failed"]
    )
    assert cli.exit_code == 0, cli.output
    assert "4 scripts: 3 marked, 0 failed, 1 rejected" in cli.stdout
    rows = {r["script_id"]: r for r in read_csv(tmp_path / "o3" / "results.csv")}
    assert [rows[f"s{i}"]["status"] for i in range(3)] == ["marked"] * 3 and rows["s0"]["mark"] == "2"
    assert rows["odd"]["status"] == "rejected" and "unknown question id" in rows["odd"]["error"]
    with sqlite3.connect(env / "batches.sqlite3") as c:
        assert c.execute("SELECT COUNT(DISTINCT job_id), COUNT(*) FROM results").fetchone() == (1, 4)


# --- marker jobs ---------------------------------------------------------------------------------


def _job(store: JobStore, job_id: str, statuses: str, when: str | None = None) -> None:
    """A job in the store with one result per letter: m marked, f failed, r rejected."""
    store.open_job(job_id, input=f"{job_id}.csv", question_id=QUESTION, n_scripts=len(statuses), options={})
    names = {"m": "marked", "f": "failed", "r": "rejected"}
    store.save(
        [
            StoredResult(
                job_id, f"s{i}", i, f"Student {i}", f"{job_id}.csv row {i + 2}", QUESTION, "sha",
                status=names[s], mark=None, feedback=None, error=None if s == "m" else "why", answer="",
                marked_at=when or "",
            )
            for i, s in enumerate(statuses)
        ]
    )  # fmt: skip
    if when:  # as if it had been run then
        with sqlite3.connect(store.path) as c:
            c.execute("UPDATE jobs SET created = ? WHERE id = ?", (when, job_id))


def jobs(*args, input=None, data: Path):
    return runner.invoke(app, ["jobs", *args, "--data-dir", str(data)], input=input)


def test_cohort_jobs_lists_every_job_with_its_counts(env, tmp_path):
    assert "No batch jobs yet." in jobs(data=env).stdout
    result = run_batch(cohort(tmp_path / "class.csv", 3), QUESTION, tmp_path / "out", processes=1)
    store = JobStore(env / "batches.sqlite3")
    _job(store, "job-old", "mfr", when="2020-01-01T00:00:00+00:00")
    listed = jobs(data=env)
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:4] == ["JOB", "CREATED", "LAST", "RUN"] and len(lines) == 3
    assert lines[1].startswith(result.job_id) and lines[1].split()[5:9] == ["done", "3", "0", "0"]
    assert lines[2].startswith("job-old") and "2020-01-01 00:00" in lines[2]
    assert lines[2].split()[6:9] == ["1", "1", "1"] and "mini-points" in lines[2]
    data = json.loads(jobs("list", "--json", data=env).stdout)
    assert [d["id"] for d in data] == [result.job_id, "job-old"]
    assert data[0]["counts"] == {"marked": 3, "failed": 0, "rejected": 0} and data[0]["questions"] == [
        QUESTION
    ]
    assert data[0]["status"] == "done" and data[0]["input"].endswith("class.csv")


def test_cohort_jobs_remove_asks_first_and_the_batch_then_marks_afresh(env, tmp_path):
    table = cohort(tmp_path / "class.csv", 3)
    first = run_batch(table, QUESTION, tmp_path / "out", processes=1)
    _job(JobStore(env / "batches.sqlite3"), "job-other", "mm")
    prefix = first.job_id[:8]
    declined = jobs("remove", prefix, input="n\n", data=env)
    assert declined.exit_code == 1 and "Nothing removed." in declined.stdout
    assert "Remove 1 job and the stored results of 3 scripts?" in declined.stdout
    assert jobs("remove", "job-nope", data=env).exit_code == 2
    ambiguous = jobs("remove", "job-", "--yes", data=env)
    assert ambiguous.exit_code == 2 and "is the start of several job ids" in ambiguous.output
    removed = jobs("remove", prefix, input="y\n", data=env)
    assert removed.exit_code == 0 and "Removed 1 job" in removed.stdout
    with sqlite3.connect(env / "batches.sqlite3") as c:
        assert c.execute("SELECT job_id, COUNT(*) FROM results GROUP BY job_id").fetchall() == [
            ("job-other", 2)
        ]
        assert c.execute("SELECT id FROM jobs").fetchall() == [("job-other",)]
    again = run_batch(table, QUESTION, tmp_path / "out", processes=1)
    assert again.job_id == first.job_id and again.n_skipped_already_done == 0 and not again.marked_before


def test_cohort_jobs_prune_removes_only_jobs_last_run_long_ago(env):
    store = JobStore(env / "batches.sqlite3")
    _job(store, "job-ancient", "mmr", when="2020-01-01T00:00:00+00:00")
    _job(store, "job-recent", "m")
    # Created long ago, but run again today: not old.
    _job(store, "job-resumed", "m", when="2020-01-01T00:00:00+00:00")
    store.save([StoredResult("job-resumed", "s9", 9, "", "", QUESTION, "sha", "marked", 1, None, None, "")])
    pruned = jobs("prune", "--older-than", "30", "--yes", data=env)
    assert pruned.exit_code == 0 and "Removed 1 job" in pruned.stdout and "job-ancient" in pruned.stdout
    assert {s.job.id for s in store.summaries()} == {"job-recent", "job-resumed"}
    nothing = jobs("prune", "--older-than", "30", "--yes", data=env)
    assert "nothing removed" in nothing.stdout
    assert jobs("prune", "--older-than", "-1", data=env).exit_code == 2


def test_cohort_jobs_without_a_database_creates_none(tmp_path):
    listed = jobs(data=tmp_path)
    assert listed.exit_code == 0 and "No batch jobs yet." in listed.stdout
    assert not (tmp_path / "batches.sqlite3").exists()
    assert "No batch job 'job-x'" in jobs("remove", "job-x", data=tmp_path).output


def test_cohort_csv_checked_a_block_at_a_time_across_a_split_character(tmp_path):
    """A file is checked for UTF-8 a megabyte at a time: a character split across two blocks is fine."""
    text = "answer\n" + ("\u00e9" * 500 + "a\n") * 1100
    path = tmp_path / "big.csv"
    path.write_text(text, encoding="utf-8")
    assert path.read_bytes()[1 << 20] & 0xC0 == 0x80  # the second block starts inside a character
    scripts = list(iter_table(path))
    assert len(scripts) == 1100 and scripts[-1].text == "\u00e9" * 500 + "a"
