"""The batch job store: jobs and one result row per script, in one SQLite file.

Reads and writes ``<data folder>/batches.sqlite3`` (WAL; the schema version in
``PRAGMA user_version``). A job's id comes from its scripts, question(s) and rubric
(:func:`job_id_for`), so running the same command again reopens the same job; the
``(job_id, script_id)`` primary key keeps every script in the store once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .export import ResultRecord
from .records import STATUSES
from .scripts import Script
from .store import SqliteFile

DB_NAME = "batches.sqlite3"


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
    # 2: the recogniser's mean confidence for a script read by OCR from a scan or photo.
    "ALTER TABLE results ADD COLUMN ocr_confidence REAL;",
]


def now() -> str:
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
    ocr_confidence: float | None = None

    def record(self) -> ResultRecord:
        """The export's view of this row."""
        return ResultRecord(
            self.script_id,
            self.student,
            self.source,
            self.feedback,
            self.error,
            self.answer,
            status=self.status,
            ocr_confidence=self.ocr_confidence,
        )


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
                (job_id, now(), input, question_id, n_scripts, json.dumps(options, sort_keys=True)),
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

    @contextlib.contextmanager
    def running(self, job_id: str) -> Iterator[None]:
        """Hold a job while this run marks it: another run of the same job (another process, or
        another thread with its own JobStore call) waits here until this one is done, then finds
        its scripts marked and skips them. The hold goes with the process if it is killed.

        Uses an advisory lock on ``<database>.locks/<job id>.lock``; where the platform has no
        ``fcntl`` (Windows), runs do not wait, and the primary key still keeps each script once.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        folder = self.path.with_name(self.path.name + ".locks")
        folder.mkdir(exist_ok=True)
        with open(folder / f"{job_id}.lock", "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # ------------------------------------------------------------------ results

    def done_ids(self, job_id: str, *, failed: bool = True) -> set[str]:
        """The scripts of a job that need no more marking: marked, or failed with a reason.

        With ``failed=False`` (``--retry-failed``) the failed scripts are left out, to be marked again.
        """
        done = ("marked", "failed") if failed else ("marked",)
        with self._connect() as db:
            rows = db.execute(
                f"SELECT script_id FROM results WHERE job_id = ? AND status IN ({_marks(done)})",
                (job_id, *done),
            )
            return {r[0] for r in rows}

    def save(self, results: Sequence[StoredResult]) -> None:
        """Write results in one transaction (a script already stored is replaced, never doubled)."""
        with self._connect() as db:
            db.executemany(_UPSERT, [_row(r) for r in results])

    def replace_rejected(self, job_id: str, results: Iterable[StoredResult]) -> None:
        """Make ``results`` the job's rejected files (a file since removed is no longer listed)."""
        with self._connect() as db:
            db.execute("DELETE FROM results WHERE job_id = ? AND status = 'rejected'", (job_id,))
            db.executemany(_UPSERT, (_row(r) for r in results))

    def results(self, job_id: str) -> list[StoredResult]:
        """A job's results in input order."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM results WHERE job_id = ? ORDER BY position, script_id", (job_id,)
            ).fetchall()
        return [_result(r) for r in rows]

    def iter_results(
        self, job_id: str, *, statuses: Sequence[str] = STATUSES, batch: int = 200
    ) -> Iterator[StoredResult]:
        """A job's results (of these statuses) in input order, read ``batch`` rows at a time.

        Only the ids are sorted; the rows (with their feedback) are fetched a batch at a time,
        so a cohort's results are never all in memory, nor sorted whole by SQLite.
        """
        with self._connect() as db:
            keys = [
                r[0]
                for r in db.execute(
                    f"SELECT script_id FROM results WHERE job_id = ? AND status IN ({_marks(statuses)}) "
                    "ORDER BY position, script_id",
                    (job_id, *statuses),
                )
            ]
        for start in range(0, len(keys), batch):
            part = keys[start : start + batch]
            with self._connect() as db:
                rows = db.execute(
                    f"SELECT * FROM results WHERE job_id = ? AND script_id IN ({_marks(part)})",
                    (job_id, *part),
                ).fetchall()
            found = {r["script_id"]: r for r in rows}
            yield from (_result(found[sid]) for sid in part if sid in found)

    def point_labels(self, job_id: str) -> list[str]:
        """Every point label of a job's marked feedback, in order of first appearance (by input
        order, then each feedback's own order): the spreadsheets' columns.

        SQLite reads the labels out of the stored JSON, unsorted, and only each label's first
        place is kept, so a cohort's rows are neither decoded here nor held.
        """
        first: dict[str, tuple[int, str, int]] = {}
        with self._connect() as db:
            rows = db.execute(
                "SELECT r.position, r.script_id, p.key, json_extract(p.value, '$.label') "
                "FROM results AS r, json_each(r.feedback, '$.points') AS p "
                "WHERE r.job_id = ? AND r.status = 'marked'",
                (job_id,),
            )
            for position, script_id, key, label in rows:
                at = (position, script_id, key)
                if label not in first or at < first[label]:
                    first[label] = at
        return sorted(first, key=first.__getitem__)

    def status(self, job_id: str, script_id: str) -> str | None:
        """One script's status in a job, or None if the job has no such script."""
        with self._connect() as db:
            row = db.execute(
                "SELECT status FROM results WHERE job_id = ? AND script_id = ?", (job_id, script_id)
            ).fetchone()
        return row[0] if row else None

    def people(self, job_id: str) -> list[tuple[str, str]]:
        """``(student, script_id)`` of every result of a job, in no particular order."""
        with self._connect() as db:
            rows = db.execute("SELECT student, script_id FROM results WHERE job_id = ?", (job_id,))
            return [(r[0], r[1]) for r in rows]

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

    # ------------------------------------------------------------------ listing and removing jobs

    def summaries(self) -> list[JobSummary]:
        """Every job with its counts and questions, newest first (``marker jobs``)."""
        counts: dict[str, dict[str, int]] = {}
        last: dict[str, str] = {}
        questions: dict[str, list[str]] = {}
        with self._connect() as db:
            for job_id, status, n, latest in db.execute(
                "SELECT job_id, status, COUNT(*), MAX(marked_at) FROM results GROUP BY job_id, status"
            ):
                counts.setdefault(job_id, dict.fromkeys(STATUSES, 0))[status] = n
                last[job_id] = max(last.get(job_id, ""), latest or "")
            for job_id, qid in db.execute(
                "SELECT job_id, question_id FROM results WHERE question_id IS NOT NULL "
                "AND status != 'rejected' GROUP BY job_id, question_id ORDER BY job_id, MIN(position)"
            ):
                questions.setdefault(job_id, []).append(qid)
        return [
            JobSummary(
                job,
                counts.get(job.id, dict.fromkeys(STATUSES, 0)),
                questions.get(job.id) or ([job.question_id] if job.question_id else []),
                max(job.created, last.get(job.id, "")),
            )
            for job in self.jobs()
        ]

    def remove_jobs(self, job_ids: Iterable[str]) -> int:
        """Delete jobs and all their results, in one transaction; returns how many jobs were removed."""
        ids = [(job_id,) for job_id in job_ids]
        with self._connect() as db:
            db.executemany("DELETE FROM results WHERE job_id = ?", ids)
            return sum(db.execute("DELETE FROM jobs WHERE id = ?", job_id).rowcount for job_id in ids)


@dataclass(frozen=True)
class JobSummary:
    """A job as ``marker jobs`` lists it.

    Attributes:
        job: the job.
        counts: its scripts by status (every status present).
        questions: the questions its scripts are marked against, in input order.
        last_used: when it was last run (its newest result, else when it was created).
    """

    job: Job
    counts: dict[str, int]
    questions: list[str]
    last_used: str


def _marks(values: Sequence) -> str:
    """``?, ?, ?``: one placeholder per value of an ``IN (...)``."""
    return ", ".join("?" * len(values))


_UPSERT = (
    "INSERT INTO results (job_id, script_id, position, student, source, question_id, sha, status, mark, "
    "feedback, error, answer, marked_at, ocr_confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (job_id, script_id) DO UPDATE SET position = excluded.position, student = excluded.student, "
    "source = excluded.source, question_id = excluded.question_id, sha = excluded.sha, "
    "status = excluded.status, mark = excluded.mark, feedback = excluded.feedback, error = excluded.error, "
    "answer = excluded.answer, marked_at = excluded.marked_at, ocr_confidence = excluded.ocr_confidence"
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
        r.marked_at or now(),
        r.ocr_confidence,
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
    """The id of the job marking these scripts: the same scripts, questions and rubric give the same id.

    The input's path is not part of it, nor is the default question where every script names
    its own, so moving the folder, uploading the same scripts in the app (a folder as a zip or
    as files: script ids are bare file names) or choosing another default question for a
    table that names them reopens the same job. ``rubric`` names what they are marked with
    (rubric versions, calibrations): after a rubric edit, the scripts are marked again as a
    new job.

    >>> s = Script("alice", "Alice", "Rapallo, 1922.", None, None, "alice.txt", "ab12")
    >>> job_id_for("set1", "q1", [s]) == job_id_for("elsewhere/set1.zip", "q1", [s])
    True
    >>> job_id_for("set1", "q1", [s]) == job_id_for("set1", "q2", [s])
    False
    >>> own = Script("alice", "Alice", "Rapallo, 1922.", "q1", None, "t.csv row 2", "ab12")
    >>> job_id_for("t.csv", "q1", [own]) == job_id_for("t.csv", "q2", [own])
    True
    """
    del input_path  # deliberately not part of the id (see above)
    # Each script with the question it is marked against: its own, else the default.
    return job_id_of(((s.script_id, s.sha, s.question_id or question_id or "") for s in scripts), rubric)


def job_id_of(keys: Iterable[tuple[str, str | None, str]], rubric: str = "") -> str:
    """:func:`job_id_for` from ``(script_id, sha, question id it is marked against)`` of each script."""
    digest = hashlib.sha256()
    digest.update(f"marker-batch-2\0{rubric}\0".encode())
    for script_id, sha, qid in sorted(keys):
        digest.update(f"{script_id}\0{sha}\0{qid}\n".encode())
    return "job-" + digest.hexdigest()[:16]
