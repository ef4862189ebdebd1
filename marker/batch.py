"""Batch marking: a class set marked as a job recorded in SQLite, resumable after a crash.

::

    input ──ingest──> scripts ──chunks of 16──> engine ──Feedback──> calibration ──> JobStore
    (folder, zip,                (this process, a     (in the parent,   (one transaction
     CSV, XLSX)                   process pool, or     so every engine   per chunk)
                                  a Dask cluster)      agrees)               │
                                                                             v
                       results.csv, results.xlsx, feedback.zip, report.html (from the store)

A job's id comes from its scripts, its question(s) and the rubric and calibration it is marked
with (:func:`job_id_for`), so running the same command again reopens the same job: scripts
already marked (or failed) are skipped, and the outputs are written from everything the store
holds for the job. The process may be killed at any moment; it loses at most the chunk in
flight, and the ``(job_id, script_id)`` primary key keeps every script in the store once.

The engine is deterministic, so the marks and the feedback are the same whichever engine
marks them; only the speed differs.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from . import calibrate
from .engine import Marker, load_marker
from .errors import MarkerError, UnknownQuestionError
from .evaluate import calibration_for
from .export import ResultRecord, feedback_zip, write_csv, write_xlsx
from .feedback import Feedback
from .ingest import Script, _student_from, ingest
from .store import SqliteFile, data_dir

DB_NAME = "batches.sqlite3"
#: Scripts marked (and committed) together: a crash loses at most this many.
CHUNK_SIZE = 16
ENGINES = ("local", "dask")
#: The files written into the output folder, by key of :attr:`BatchResult.outputs`.
OUTPUT_NAMES = {
    "csv": "results.csv",
    "xlsx": "results.xlsx",
    "feedback": "feedback.zip",
    "report": "report.html",
}
STATUSES = ("marked", "failed", "rejected")
NEEDS_DASK = 'Batch marking with the Dask engine needs Dask: pip install -e ".[dask]"'
NO_QUESTION = (
    "no question given for this script: choose the question to mark against "
    "(--question, or the Question box), or add a question_id column to the table"
)

Progress = Callable[[int, int], None]

#: Each entry upgrades the schema by one version; never edit one that has shipped, add another.
MIGRATIONS: list[str] = [
    # 1: jobs and one result per script of a job.
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        input TEXT NOT NULL,
        question_id TEXT,
        status TEXT NOT NULL,
        n_scripts INTEGER NOT NULL,
        options TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE results (
        job_id TEXT NOT NULL REFERENCES jobs (id),
        script_id TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        student TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        question_id TEXT,
        sha TEXT,
        status TEXT NOT NULL CHECK (status IN ('marked', 'failed', 'rejected')),
        mark INTEGER,
        feedback TEXT,
        error TEXT,
        answer TEXT NOT NULL DEFAULT '',
        marked_at TEXT NOT NULL,
        PRIMARY KEY (job_id, script_id)
    );
    """,
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------------------
# The job store
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One batch: what was marked, with what options, and whether it finished."""

    id: str
    created: str
    input: str
    question_id: str | None
    status: str
    n_scripts: int
    options: dict


@dataclass(frozen=True)
class StoredResult:
    """One script's row of a job: marked (with its feedback), failed or rejected (with why)."""

    job_id: str
    script_id: str
    position: int
    student: str
    source: str
    question_id: str | None
    sha: str | None
    status: str
    mark: int | None
    feedback: dict | None
    error: str | None
    answer: str
    marked_at: str = ""

    def record(self) -> ResultRecord:
        """The export's view of this row."""
        return ResultRecord(self.script_id, self.student, self.source, self.feedback, self.error, self.answer)


class JobStore(SqliteFile):
    """Batch jobs and their results in one SQLite file (WAL; schema in ``PRAGMA user_version``).

    Each call opens its own connection, so a JobStore can be shared across threads.

    Args:
        path: the database file; ``<data folder>/batches.sqlite3`` by default.
    """

    db_name = DB_NAME
    migrations = MIGRATIONS
    label = "batch database"
    on_failure = "run the same command again to carry on."
    timeout = 30.0

    # ------------------------------------------------------------------ jobs

    def open_job(
        self, job_id: str, *, input: str, question_id: str | None, n_scripts: int, options: dict
    ) -> Job:
        """Create the job, or reopen it (keeping when it was created) and mark it running."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO jobs (id, created, input, question_id, status, n_scripts, options) "
                "VALUES (?, ?, ?, ?, 'running', ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET status = 'running', input = excluded.input, "
                "options = excluded.options",
                (job_id, _now(), input, question_id, n_scripts, json.dumps(options, sort_keys=True)),
            )
        job = self.job(job_id)
        assert job is not None
        return job

    def finish_job(self, job_id: str, status: str = "done") -> None:
        with self._connect() as db:
            db.execute("UPDATE jobs SET status = ? WHERE id = ?", (status, job_id))

    def job(self, job_id: str) -> Job | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def jobs(self) -> list[Job]:
        """Every job, newest first."""
        with self._connect() as db:
            return [_job(r) for r in db.execute("SELECT * FROM jobs ORDER BY created DESC, id")]

    # ------------------------------------------------------------------ results

    def done_ids(self, job_id: str) -> set[str]:
        """The scripts of a job that need no more marking (marked, or failed with a reason)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT script_id FROM results WHERE job_id = ? AND status IN ('marked', 'failed')",
                (job_id,),
            )
            return {r[0] for r in rows}

    def save(self, results: Sequence[StoredResult]) -> None:
        """Write results in one transaction (a script already stored is replaced, never doubled)."""
        with self._connect() as db:
            db.executemany(_UPSERT, [_row(r) for r in results])

    def replace_rejected(self, job_id: str, results: Sequence[StoredResult]) -> None:
        """Make ``results`` the job's rejected files (a file since removed is no longer listed)."""
        with self._connect() as db:
            db.execute("DELETE FROM results WHERE job_id = ? AND status = 'rejected'", (job_id,))
            db.executemany(_UPSERT, [_row(r) for r in results])

    def results(self, job_id: str) -> list[StoredResult]:
        """A job's results in input order."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM results WHERE job_id = ? ORDER BY position, script_id", (job_id,)
            ).fetchall()
        return [_result(r) for r in rows]

    def records(self, job_id: str) -> list[ResultRecord]:
        """A job's results as export records, in input order."""
        return [r.record() for r in self.results(job_id)]

    def counts(self, job_id: str) -> dict[str, int]:
        """Scripts of the job by status (every status is present)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT status, COUNT(*) FROM results WHERE job_id = ? GROUP BY status", (job_id,)
            )
            found = {r[0]: r[1] for r in rows}
        return {s: found.get(s, 0) for s in STATUSES}


_UPSERT = (
    "INSERT INTO results (job_id, script_id, position, student, source, question_id, sha, status, mark, "
    "feedback, error, answer, marked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (job_id, script_id) DO UPDATE SET position = excluded.position, student = excluded.student, "
    "source = excluded.source, question_id = excluded.question_id, sha = excluded.sha, "
    "status = excluded.status, mark = excluded.mark, feedback = excluded.feedback, error = excluded.error, "
    "answer = excluded.answer, marked_at = excluded.marked_at"
)


def _row(r: StoredResult) -> tuple:
    feedback = None if r.feedback is None else json.dumps(r.feedback, ensure_ascii=False, sort_keys=True)
    return (
        r.job_id,
        r.script_id,
        r.position,
        r.student,
        r.source,
        r.question_id,
        r.sha,
        r.status,
        r.mark,
        feedback,
        r.error,
        r.answer,
        r.marked_at or _now(),
    )


def _result(row: sqlite3.Row) -> StoredResult:
    data = dict(row)
    data["feedback"] = json.loads(data["feedback"]) if data["feedback"] is not None else None
    return StoredResult(**data)


def _job(row: sqlite3.Row) -> Job:
    data = dict(row)
    data["options"] = json.loads(data["options"] or "{}")
    return Job(**data)


# ---------------------------------------------------------------------------------------
# Job ids
# ---------------------------------------------------------------------------------------


def job_id_for(
    input_path: str | Path, question_id: str | None, scripts: Sequence[Script], *, rubric: str = ""
) -> str:
    """The id of the job marking these scripts: the same scripts, question and rubric give the same id.

    The input's path is not part of it, so moving the folder or uploading the same scripts
    again reopens the same job. ``rubric`` names what they are marked with (rubric versions,
    calibrations): after a rubric edit, the scripts are marked again as a new job.

    >>> s = Script("alice", "Alice", "Rapallo, 1922.", None, None, "alice.txt", "ab12")
    >>> job_id_for("set1", "q1", [s]) == job_id_for("elsewhere/set1.zip", "q1", [s])
    True
    >>> job_id_for("set1", "q1", [s]) == job_id_for("set1", "q2", [s])
    False
    """
    del input_path  # deliberately not part of the id (see above)
    digest = hashlib.sha256()
    digest.update(f"marker-batch-1\0{question_id or ''}\0{rubric}\0".encode())
    for script_id, sha, qid in sorted((s.script_id, s.sha, s.question_id or "") for s in scripts):
        digest.update(f"{script_id}\0{sha}\0{qid}\n".encode())
    return "job-" + digest.hexdigest()[:16]


# ---------------------------------------------------------------------------------------
# Where a Marker comes from (in this process, in a pool worker, on a Dask worker)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerSource:
    """What a worker builds its Marker from: a questions file, else the bank's folders.

    Folders left as None mean the worker's own defaults (``$MARKER_RUBRICS_DIR``, else the
    shipped bank), so a Dask worker on another machine uses its own installed bank.
    """

    questions: str | None = None
    rubrics_dir: str | None = None
    answers_dir: str | None = None

    @classmethod
    def here(cls, questions: str | Path | None) -> MarkerSource:
        """The source this process would use: the questions file, or the bank its environment names."""
        if questions is not None:
            return cls(questions=str(Path(questions).resolve()))
        return cls(
            rubrics_dir=os.environ.get("MARKER_RUBRICS_DIR") or None,
            answers_dir=os.environ.get("MARKER_ANSWERS_DIR") or None,
        )

    def _files(self) -> list[Path]:
        if self.questions:
            return [Path(self.questions)]
        from .bank import DEFAULT_ANSWERS, DEFAULT_RUBRICS

        rubrics = Path(self.rubrics_dir or os.environ.get("MARKER_RUBRICS_DIR") or DEFAULT_RUBRICS)
        answers = Path(self.answers_dir or os.environ.get("MARKER_ANSWERS_DIR") or DEFAULT_ANSWERS)
        return [
            *sorted(rubrics.glob("topics/*.y*ml")),
            *sorted(rubrics.glob("questions/*.y*ml")),
            *sorted(answers.glob("*/*.md")),
        ]

    def key(self) -> tuple:
        """Changes when any file the Marker is built from changes (so a cached one is rebuilt)."""
        stamps = []
        for path in self._files():
            try:
                st = path.stat()
            except OSError:
                continue
            stamps.append((str(path), st.st_mtime_ns, st.st_size))
        return (self, tuple(stamps))

    def build(self) -> Marker:
        if self.questions:
            return load_marker(self.questions)
        from .bank import QuestionBank

        return Marker(QuestionBank.load(self.rubrics_dir, self.answers_dir))


# One Marker per source per process: spaCy loads once in each worker, not once per chunk.
_MARKERS: dict[tuple, Marker] = {}
_MARKERS_LOCK = threading.Lock()


def marker_for(source: MarkerSource) -> Marker:
    """This process's Marker for a source, built on first use and kept."""
    key = source.key()
    with _MARKERS_LOCK:
        marker = _MARKERS.get(key)
        if marker is None:
            if len(_MARKERS) >= 4:
                _MARKERS.clear()
            marker = _MARKERS[key] = source.build()
        return marker


# ---------------------------------------------------------------------------------------
# Marking one chunk (wherever it runs)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """One script's outcome: its feedback, or why it could not be marked."""

    script_id: str
    feedback: Feedback | None
    error: str | None = None


def failure_reason(exc: BaseException) -> str:
    """Why a script could not be marked, in words for the results table."""
    if isinstance(exc, MarkerError):
        return str(exc)
    return f"the marker stopped on this script ({type(exc).__name__}: {exc}); please report it"


def mark_chunk(marker: Marker, question_id: str, items: Sequence[tuple[str, str]]) -> list[Marked]:
    """Mark ``(script_id, text)`` pairs of one question in one ``nlp.pipe`` pass.

    If the pass raises, each script is marked on its own, so one bad script fails alone
    (with its reason) and the others are marked.

    Raises:
        UnknownQuestionError: the marker's bank has no such question (a misconfigured worker).
    """
    question = marker.bank.question(question_id)
    try:
        feedbacks = marker.mark_question(question, [text for _, text in items])
    except Exception:  # one script spoilt the pass: find it by marking them one by one
        feedbacks = None
    if feedbacks is not None:
        return [Marked(sid, fb) for (sid, _), fb in zip(items, feedbacks, strict=True)]
    out = []
    for sid, text in items:
        try:
            out.append(Marked(sid, marker.mark_question(question, [text])[0]))
        except Exception as exc:
            out.append(Marked(sid, None, failure_reason(exc)))
    return out


def _warm_worker(source: MarkerSource) -> None:
    """Pool initializer: load spaCy and the bank once, before the first chunk arrives."""
    marker_for(source)


def mark_chunk_on_worker(
    source: MarkerSource, question_id: str, items: Sequence[tuple[str, str]]
) -> list[Marked]:
    """A pool or Dask task: mark a chunk with this worker's cached Marker."""
    return mark_chunk(marker_for(source), question_id, items)


# ---------------------------------------------------------------------------------------
# Engines: each yields (chunk, outcomes) as chunks finish
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    question_id: str
    scripts: tuple[Script, ...]

    @property
    def items(self) -> list[tuple[str, str]]:
        return [(s.script_id, s.text) for s in self.scripts]


def _chunks(scripts: Sequence[Script], size: int = CHUNK_SIZE) -> list[_Chunk]:
    """Scripts grouped by question (in order of first appearance), then cut into chunks."""
    groups: dict[str, list[Script]] = {}
    for s in scripts:
        groups.setdefault(s.question_id or "", []).append(s)
    return [
        _Chunk(qid, tuple(group[i : i + size]))
        for qid, group in groups.items()
        for i in range(0, len(group), size)
    ]


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise MarkerError(NEEDS_DASK) from None
    return distributed


def _in_process(chunks: list[_Chunk], marker: Marker) -> Iterator[tuple[_Chunk, list[Marked]]]:
    for chunk in chunks:
        yield chunk, mark_chunk(marker, chunk.question_id, chunk.items)


def _in_pool(
    chunks: list[_Chunk],
    source: MarkerSource,
    workers: int,
    fallback: Callable[[_Chunk, BaseException], list[Marked]],
) -> Iterator[tuple[_Chunk, list[Marked]]]:
    # "spawn": a fresh interpreter per worker. Forking a process that runs threads (a web
    # server, a Dask client) can deadlock, and spawn is what macOS and Windows do anyway.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_warm_worker,
        initargs=(source,),
    )
    try:
        futures = {pool.submit(mark_chunk_on_worker, source, c.question_id, c.items): c for c in chunks}
        for future in futures_completed(futures):
            chunk = futures[future]
            try:
                marked = future.result()
            except Exception as exc:  # a worker died or could not start
                marked = fallback(chunk, exc)
            yield chunk, marked
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _on_dask(
    chunks: list[_Chunk],
    source: MarkerSource,
    address: str,
    fallback: Callable[[_Chunk, BaseException], list[Marked]],
) -> Iterator[tuple[_Chunk, list[Marked]]]:
    distributed = _import_distributed()
    try:
        client = distributed.Client(address, timeout="30s")
    except Exception as exc:
        raise MarkerError(
            f"Cannot reach the Dask scheduler at {address} ({exc}). Check --address, and that the "
            "scheduler and its workers are running."
        ) from None
    try:
        futures = {
            client.submit(mark_chunk_on_worker, source, c.question_id, c.items, pure=False): c for c in chunks
        }
        for future in distributed.as_completed(list(futures)):
            chunk = futures[future]
            try:
                marked = future.result()
            except Exception as exc:  # a worker died, or cannot import marker or load the bank
                marked = fallback(chunk, exc)
            yield chunk, marked
    finally:
        client.close()


# ---------------------------------------------------------------------------------------
# Running a batch
# ---------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What a batch did, and where its outputs are.

    The counts describe the whole job as stored (so ``n_marked + n_failed + n_rejected ==
    n_total``), including scripts marked by an earlier, interrupted run;
    ``n_skipped_already_done`` says how many of those this run did not mark again.

    Attributes:
        job_id: the job's id in the store (see :func:`job_id_for`).
        n_total: scripts and unreadable files found in the input.
        n_marked, n_failed, n_rejected: by status; "rejected" files could not be read (or
            had no question), "failed" scripts were read but marking raised.
        n_skipped_already_done: scripts already marked or failed in the store, not marked again.
        duplicates: ``(script_id, script_id of the earlier identical text)``; both are marked.
        outputs: ``csv``, ``xlsx``, ``feedback``, ``report`` -> the files written.
        records: every script of the job, in input order, as exported.
        statuses: script_id -> "marked" / "failed" / "rejected".
        notes: things the teacher should know (a calibration not used and why, an engine
            that failed and was replaced by this process).
    """

    job_id: str
    n_total: int
    n_marked: int
    n_failed: int
    n_rejected: int
    n_skipped_already_done: int
    duplicates: list[tuple[str, str]]
    outputs: dict[str, Path]
    records: list[ResultRecord]
    statuses: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a teacher.

        >>> BatchResult("job-1", 5, 3, 1, 1, 2, [("b", "a")], {}, []).summary()
        '5 scripts: 3 marked, 1 failed, 1 rejected (2 already marked by an earlier run); 1 duplicate text'
        """
        line = (
            f"{self.n_total} script{'s' if self.n_total != 1 else ''}: {self.n_marked} marked, "
            f"{self.n_failed} failed, {self.n_rejected} rejected"
        )
        if self.n_skipped_already_done:
            line += f" ({self.n_skipped_already_done} already marked by an earlier run)"
        if self.duplicates:
            n = len(self.duplicates)
            line += f"; {n} duplicate text{'s' if n != 1 else ''}"
        return line


def _check_engine(engine: str, address: str | None, processes: int | None, marker: Marker | None) -> None:
    if engine not in ENGINES:
        raise MarkerError(f"Unknown engine '{engine}'. Choose one of: {', '.join(ENGINES)}.")
    if processes is not None and processes < 1:
        raise MarkerError(f"--processes must be 1 or more, not {processes}.")
    if engine == "dask":
        if not address:
            raise MarkerError(
                "The Dask engine needs the address of a running Dask scheduler, e.g. "
                "--address tcp://scheduler-host:8786 (start one with 'dask scheduler' and 'dask worker')."
            )
        _import_distributed()
    if marker is not None and (engine != "local" or (processes or 1) != 1):
        raise MarkerError(
            "A ready Marker can only be used to mark in this process (engine local, 1 process)."
        )


def _catalogue(source: MarkerSource, marker: Marker | None) -> dict[str, tuple[int, str]]:
    """question id -> (max mark, rubric fingerprint), without loading the spaCy pipeline."""
    if marker is not None:
        return {q.id: (q.max_mark, q.version) for q in marker.bank.questions.values()}
    if source.questions:
        from .authoring import load_specs

        path = Path(source.questions)
        if not path.is_file():
            raise MarkerError(f"No such questions file: {path}")
        fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return {spec.id: (spec.max_mark, fingerprint) for spec in load_specs(path)}
    from .bank import QuestionBank

    bank = QuestionBank.load(source.rubrics_dir, source.answers_dir)
    return {q.id: (q.max_mark, q.version) for q in bank.questions.values()}


def _calibrations(qids: Sequence[str], catalogue: dict[str, tuple[int, str]]) -> dict:
    """The saved calibrations that may apply: each question's own and the pooled one for its maximum."""
    folder = data_dir()
    cals = {}
    for qid in qids:
        for key in (qid, f"*{catalogue[qid][0]}"):
            if key not in cals and (cal := calibrate.load(folder, key)) is not None:
                cals[key] = cal
    return cals


def _rubric_salt(
    qids: Sequence[str], catalogue: dict[str, tuple[int, str]], cals: dict, use_cal: bool
) -> str:
    parts = [f"{qid}={catalogue[qid][1]}" for qid in sorted(qids)]
    if use_cal:
        parts += [f"cal:{k}={c.rubric_version}/{c.data_fingerprint}" for k, c in sorted(cals.items())]
    return ";".join(parts)


def _rejected_name(source: str) -> str:
    """A student name from a rejected file's name ("set1/alice_smith.docx" -> "Alice Smith")."""
    if " row " in source:  # a table row has no file name to go by
        return ""
    return _student_from(PurePosixPath(source.replace(":", "/")).stem)


def run_batch(
    input: str | Path,
    question_id: str | None,
    out_dir: str | Path,
    *,
    questions: str | Path | None = None,
    engine: str = "local",
    address: str | None = None,
    processes: int | None = None,
    store: JobStore | None = None,
    progress: Progress | None = None,
    use_calibration: bool = True,
    marker: Marker | None = None,
) -> BatchResult:
    """Mark a class set as a job recorded in the store, resuming it if it was interrupted.

    Args:
        input: a folder, a ``.zip``, a ``.csv``/``.xlsx`` table or one script file.
        question_id: the question for scripts that do not name their own (a table's
            ``question_id`` column wins). None: every script must name its question.
        out_dir: where results.csv, results.xlsx, feedback.zip and report.html are written
            (created if missing).
        questions: a questions file in the import format; the bank (``$MARKER_RUBRICS_DIR``
            or the shipped one) if None.
        engine: "local" (this machine) or "dask" (a Dask cluster at ``address``).
        address: the Dask scheduler's address, e.g. ``tcp://host:8786``.
        processes: worker processes of the local engine (default: one per CPU); with 1,
            scripts are marked in this process.
        store: the job store (default: ``<data folder>/batches.sqlite3``).
        progress: called with ``(done, total)`` scripts before marking and after every
            committed chunk; scripts done by an earlier run count as done.
        use_calibration: apply the question's saved calibration, if any.
        marker: a Marker already loaded in this process to mark with (the app passes its own,
            which includes teachers' saved rubric versions); engine "local", 1 process only.

    Returns:
        The counts, the duplicates, the output files and every script's record.

    Raises:
        UnknownQuestionError: ``question_id`` is not in the bank (nothing is marked).
        MarkerError: a bad engine option, Dask not installed or unreachable, an unreadable
            input (:class:`~marker.errors.UploadError`, :class:`~marker.errors.ScriptsError`),
            or nothing to mark in it.
    """
    _check_engine(engine, address, processes, marker)
    input, out_dir = Path(input), Path(out_dir)
    processes = processes or os.cpu_count() or 1
    source = MarkerSource.here(questions)
    catalogue = _catalogue(source, marker)
    if question_id is not None and question_id not in catalogue:
        raise UnknownQuestionError(question_id, catalogue)

    got = ingest(input)
    if not got.scripts and not got.rejected:
        raise MarkerError(
            f"No scripts found in {input}: give a folder or .zip of .txt, .md, .docx or .pdf files, "
            "or a .csv/.xlsx table with an 'answer' column."
        )
    scripts = [s if s.question_id else replace(s, question_id=question_id) for s in got.scripts]
    valid = ", ".join(sorted(catalogue))
    markable: list[Script] = []
    unmarkable: list[tuple[int, Script, str]] = []
    for position, s in enumerate(scripts):
        if s.question_id is None:
            unmarkable.append((position, s, NO_QUESTION))
        elif s.question_id not in catalogue:
            reason = f"unknown question id '{s.question_id}'; valid ids: {valid}"
            unmarkable.append((position, s, reason))
        else:
            markable.append(s)
    qids = list(dict.fromkeys(s.question_id for s in markable if s.question_id))
    cals = _calibrations(qids, catalogue) if use_calibration else {}
    job_id = job_id_for(
        input, question_id, scripts, rubric=_rubric_salt(qids, catalogue, cals, use_calibration)
    )

    store = store if store is not None else JobStore()
    options = {
        "engine": engine,
        "processes": processes,
        "questions": source.questions,
        "use_calibration": use_calibration,
    }
    store.open_job(job_id, input=str(input), question_id=question_id, n_scripts=len(scripts), options=options)
    now = _now()
    rejected = [
        StoredResult(
            job_id, s.script_id, pos, s.student, s.source, s.question_id, s.sha,
            status="rejected", mark=None, feedback=None, error=why, answer=s.text, marked_at=now,
        )
        for pos, s, why in unmarkable
    ]  # fmt: skip
    rejected += [
        StoredResult(
            job_id, r.source, len(scripts) + i, _rejected_name(r.source), r.source, None, None,
            status="rejected", mark=None, feedback=None, error=r.reason, answer="", marked_at=now,
        )
        for i, r in enumerate(got.rejected)
    ]  # fmt: skip
    store.replace_rejected(job_id, rejected)

    done = store.done_ids(job_id)
    pending = [s for s in markable if s.script_id not in done]
    n_skipped = len(markable) - len(pending)
    position = {s.script_id: i for i, s in enumerate(scripts)}
    notes: list[str] = []
    count, total = n_skipped, len(markable)
    if progress:
        progress(count, total)

    local: list[Marker] = []

    def in_this_process() -> Marker:
        if not local:
            local.append(marker if marker is not None else marker_for(source))
        return local[0]

    def fallback(chunk: _Chunk, exc: BaseException) -> list[Marked]:
        note = (
            f"The {engine} engine could not mark some scripts ({type(exc).__name__}: {exc}); "
            "this process marked them instead."
        )
        if note not in notes:
            notes.append(note)
        return mark_chunk(in_this_process(), chunk.question_id, chunk.items)

    chunks = _chunks(pending)
    workers = min(processes, len(chunks))
    if engine == "dask" and chunks:
        assert address is not None
        outcomes = _on_dask(chunks, source, address, fallback)
    elif workers > 1:
        outcomes = _in_pool(chunks, source, workers, fallback)
    else:
        outcomes = _in_process(chunks, in_this_process()) if chunks else iter(())

    for chunk, marked in outcomes:
        rows = _calibrated_rows(job_id, chunk, marked, position, cals, notes)
        store.save(rows)
        count += len(rows)
        if progress:
            progress(count, total)

    store.finish_job(job_id)
    results = store.results(job_id)
    records = [r.record() for r in results]
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = write_outputs(records, out_dir, title=f"Class report: {input.resolve().name or input}")
    counts = store.counts(job_id)
    return BatchResult(
        job_id=job_id,
        n_total=len(results),
        n_marked=counts["marked"],
        n_failed=counts["failed"],
        n_rejected=counts["rejected"],
        n_skipped_already_done=n_skipped,
        duplicates=list(got.duplicates),
        outputs=outputs,
        records=records,
        statuses={r.script_id: r.status for r in results},
        notes=notes,
    )


def _calibrated_rows(
    job_id: str,
    chunk: _Chunk,
    marked: list[Marked],
    position: dict[str, int],
    cals: dict,
    notes: list[str],
) -> list[StoredResult]:
    """A finished chunk's rows, with the saved calibration applied to what was marked."""
    by_id = {s.script_id: s for s in chunk.scripts}
    ok = [m for m in marked if m.feedback is not None]
    if ok and cals:
        first = ok[0].feedback
        assert first is not None
        cal, why = calibration_for(cals, chunk.question_id, first.max_mark, first.rubric_version)
        if why and why not in notes:
            notes.append(why)
        if cal is not None:
            done = cal.apply([m.feedback for m in ok], [by_id[m.script_id].text for m in ok])
            fixed = {m.script_id: fb for m, fb in zip(ok, done, strict=True)}
            marked = [replace(m, feedback=fixed.get(m.script_id, m.feedback)) for m in marked]
    now = _now()
    rows = []
    for m in marked:
        s = by_id[m.script_id]
        fb = m.feedback
        rows.append(
            StoredResult(
                job_id=job_id,
                script_id=s.script_id,
                position=position[s.script_id],
                student=s.student,
                source=s.source,
                question_id=s.question_id,
                sha=s.sha,
                status="marked" if fb is not None else "failed",
                mark=fb.mark if fb is not None else None,
                # Through JSON, so the row reads back exactly as it was written.
                feedback=json.loads(fb.to_json(indent=None)) if fb is not None else None,
                error=m.error,
                answer=s.text,
                marked_at=now,
            )
        )
    return rows


def write_outputs(
    records: Sequence[ResultRecord], out_dir: str | Path, title: str = "Class report"
) -> dict[str, Path]:
    """Write results.csv, results.xlsx, feedback.zip and report.html; returns them by key."""
    from .analytics import summary_report_html

    out_dir = Path(out_dir)
    paths = {key: out_dir / name for key, name in OUTPUT_NAMES.items()}
    write_csv(records, paths["csv"])
    write_xlsx(records, paths["xlsx"])
    feedback_zip(records, paths["feedback"])
    paths["report"].write_text(summary_report_html(records, title), encoding="utf-8")
    return paths


__all__ = [
    "CHUNK_SIZE",
    "BatchResult",
    "Job",
    "JobStore",
    "Marked",
    "MarkerSource",
    "StoredResult",
    "failure_reason",
    "job_id_for",
    "mark_chunk",
    "mark_chunk_on_worker",
    "marker_for",
    "run_batch",
    "write_outputs",
]
