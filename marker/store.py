"""Where marks, drafts and rubric versions are kept: one SQLite file in the data folder.

The data folder is ``$MARKER_DATA_DIR``, else the per-user data folder of the platform
(``~/.local/share/marker`` on Linux). The database runs in WAL mode, records its schema
version in ``PRAGMA user_version`` and upgrades itself through :data:`MIGRATIONS`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from .errors import MarkerError
from .feedback import Feedback

DB_NAME = "marker.sqlite3"

#: Each entry upgrades the schema by one version; never edit one that has shipped, add another.
MIGRATIONS: list[str] = [
    # 1: drafts of students' answers with the feedback they got, and saved rubric versions.
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        student TEXT NOT NULL,
        question_id TEXT NOT NULL,
        rubric_version TEXT NOT NULL,
        text TEXT NOT NULL,
        mark INTEGER NOT NULL,
        max_mark INTEGER NOT NULL,
        level INTEGER,
        feedback_json TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX drafts_by_student ON drafts (student, question_id, id);
    CREATE TABLE rubric_versions (
        id INTEGER PRIMARY KEY,
        question_id TEXT NOT NULL,
        number INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        path TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        UNIQUE (question_id, number)
    );
    """,
    # 2: students' codes for the app's class mode (only their salted hashes; see marker/access.py),
    # and the app's settings (whether class mode is on).
    """
    CREATE TABLE student_codes (
        name_key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('personal', 'issued')),
        code_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


class StoreError(MarkerError):
    """The database could not be read or written."""


def data_dir() -> Path:
    """The folder for the database and teachers' own rubrics (created if missing)."""
    path = Path(os.environ.get("MARKER_DATA_DIR") or user_data_dir("marker", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Draft:
    """A student's marked answer as kept: the feedback comes back as the Feedback it was."""

    id: int
    student: str
    question_id: str
    rubric_version: str
    text: str
    mark: int
    max_mark: int
    level: int | None
    feedback: Feedback
    created_at: str


@dataclass(frozen=True)
class StudentCode:
    """A student's code as kept: never the code, only its salted hash (``marker.access.hash_code``)."""

    name_key: str
    name: str
    kind: str  # "personal" (chosen by the student) or "issued" (by a teacher, from a class list)
    code_hash: str
    created_at: str


@dataclass(frozen=True)
class RubricVersion:
    question_id: str
    number: int
    fingerprint: str
    path: str
    note: str
    created_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SqliteFile:
    """One SQLite file in WAL mode whose schema version lives in ``PRAGMA user_version``.

    Subclasses set the file name, the migrations and how the file is named in messages. Each
    call opens its own connection (one transaction), so an instance can be shared across threads.
    """

    db_name = DB_NAME
    migrations: list[str] = []
    #: How messages name the file ("the database", "the batch database").
    label = "database"
    #: What to tell the user when a write fails.
    on_failure = "nothing was saved."
    timeout = 10.0

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else data_dir() / self.db_name
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._use_wal()
        self._migrate()

    @contextmanager
    def _connect(self, write: bool = False, snapshot: bool = False) -> Iterator[sqlite3.Connection]:
        """One connection and one transaction: committed on success, rolled back on error.

        With ``write``, the transaction takes the write lock at once (``BEGIN IMMEDIATE``,
        waiting up to :attr:`timeout` for another writer), so what it reads stays true until it
        commits: use it for a read-then-write such as "the next version number". With
        ``snapshot``, every query sees the file as it was when the first one ran.
        """
        explicit = write or snapshot
        try:
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None if explicit else "")
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the {self.label} at {self.path}: {exc}") from None
        db.row_factory = sqlite3.Row
        try:
            if explicit:
                db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            with db:  # commits on success, rolls back on error
                yield db
        except sqlite3.Error as exc:
            raise StoreError(
                f"The {self.label} at {self.path} could not be updated ({exc}); {self.on_failure}"
            ) from None
        finally:
            db.close()

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A write transaction holding the write lock from the start (another process waits)."""
        return self._connect(write=True)

    def snapshot(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        """A read transaction: its queries see one state of the file, whatever others write meanwhile."""
        return self._connect(snapshot=True)

    @property
    def schema_version(self) -> int:
        with self._connect() as db:
            return db.execute("PRAGMA user_version").fetchone()[0]

    def _use_wal(self) -> None:
        """Switch the file to WAL once (it stays so); another process switching it at once is fine."""
        for attempt in range(_LOCKED_RETRIES):
            with self._connect() as db:
                try:
                    if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                        return
                    db.execute("PRAGMA journal_mode=WAL")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == _LOCKED_RETRIES - 1:
                        raise
            time.sleep(0.05 * (attempt + 1))

    def _migrate(self) -> None:
        """Bring the schema up to date, once, however many processes open the file at the same moment.

        The version is read again under the write lock: a process that waited for another one
        finds the tables made and does nothing.
        """
        with self._connect() as db:
            current = self._check_version(db)
        if current == len(self.migrations):
            return
        with self._connect(write=True) as db:
            current = self._check_version(db)
            for number, script in enumerate(self.migrations[current:], start=current + 1):
                for statement in _statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def _check_version(self, db: sqlite3.Connection) -> int:
        current = db.execute("PRAGMA user_version").fetchone()[0]
        known = len(self.migrations)
        if current > known:
            raise StoreError(
                f"The {self.label} at {self.path} was written by a newer marker (schema {current}); "
                f"this one knows schema {known}. Upgrade marker."
            )
        return current


_LOCKED_RETRIES = 20


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a migration, one by one (``executescript`` would commit between them).

    >>> list(_statements("CREATE TABLE a (x); CREATE INDEX i ON a (x);"))
    ['CREATE TABLE a (x);', 'CREATE INDEX i ON a (x);']
    """
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n\t;"):
                yield pending.strip()
            pending = ""
    if pending.strip(" \n\t;"):
        raise ValueError(f"an incomplete SQL statement in a migration: {pending.strip()[:60]}")


class Store(SqliteFile):
    """The app's database: students' drafts and the record of rubric versions."""

    migrations = MIGRATIONS

    # ------------------------------------------------------------------ drafts

    def add_draft(self, student: str, text: str, feedback: Feedback) -> Draft:
        """Record a marked answer. The caller refuses empty answers before marking."""
        student = student.strip()
        if not student:
            raise StoreError("Type your name or student id before marking, so that your drafts are kept.")
        row = (
            student,
            feedback.question_id,
            feedback.rubric_version,
            text,
            feedback.mark,
            feedback.max_mark,
            feedback.level,
            feedback.to_json(indent=None),
            _now(),
        )
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO drafts (student, question_id, rubric_version, text, mark, max_mark, level, "
                "feedback_json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            draft_id = cur.lastrowid
        return self.draft(draft_id)

    def draft(self, draft_id: int) -> Draft:
        with self._connect() as db:
            row = db.execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        if row is None:
            raise StoreError(f"No draft with id {draft_id}.")
        return _draft(row)

    def drafts(self, student: str, question_id: str | None = None) -> list[Draft]:
        """One student's drafts, oldest first (of one question, or all)."""
        sql, args = "SELECT * FROM drafts WHERE student = ?", [student.strip()]
        if question_id:
            sql += " AND question_id = ?"
            args.append(question_id)
        with self._connect() as db:
            return [_draft(r) for r in db.execute(sql + " ORDER BY id", args)]

    def students(self) -> list[str]:
        """Every name that has drafts, as typed."""
        with self._connect() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT student FROM drafts ORDER BY student")]

    # ------------------------------------------------------------------ rubric versions

    def record_rubric_version(
        self, question_id: str, fingerprint: str, path: str, note: str = ""
    ) -> RubricVersion:
        """Record a version whose file is already in place, as the question's next number."""
        return self.add_rubric_version(question_id, fingerprint, lambda _number: path, note)

    def add_rubric_version(
        self,
        question_id: str,
        fingerprint: str,
        place: Callable[[int], str | None],
        note: str = "",
        created_at: str | None = None,
    ) -> RubricVersion:
        """Record the question's next version, with ``place(number)`` putting its file in place.

        Numbering holds the write lock, so two teachers saving the same question at the same
        moment (two processes, two threads) get two numbers, one after the other. ``place``
        returns the file's path, or None when a file with that number is already there (a
        save whose record was lost): the next number is tried. If the record cannot be
        written, the caller removes the file.
        """
        at = created_at or _now()
        with self._connect(write=True) as db:
            number = db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM rubric_versions WHERE question_id = ?",
                (question_id,),
            ).fetchone()[0]
            while (path := place(number)) is None:
                number += 1
            db.execute(
                "INSERT INTO rubric_versions (question_id, number, fingerprint, path, note, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (question_id, number, fingerprint, path, note, at),
            )
        return RubricVersion(question_id, number, fingerprint, path, note, at)

    def rubric_versions(self, question_id: str) -> list[RubricVersion]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT question_id, number, fingerprint, path, note, created_at FROM rubric_versions "
                "WHERE question_id = ? ORDER BY number",
                (question_id,),
            ).fetchall()
        return [RubricVersion(**dict(r)) for r in rows]

    # ------------------------------------------------------------------ student codes and settings

    def student_code(self, name_key: str) -> StudentCode | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM student_codes WHERE name_key = ?", (name_key,)).fetchone()
        return StudentCode(**dict(row)) if row else None

    def student_codes(self) -> list[StudentCode]:
        with self._connect() as db:
            return [StudentCode(**dict(r)) for r in db.execute("SELECT * FROM student_codes ORDER BY name")]

    def save_student_codes(self, codes: list[tuple[str, str, str, str]], *, replace: bool) -> list[str]:
        """Keep ``(name_key, name, kind, code_hash)`` rows in one transaction; without ``replace``
        a name that has a code keeps it (of two pupils claiming one name at once, the first).

        Returns the name keys saved.
        """
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        saved = []
        with self._connect() as db:
            for name_key, name, kind, code_hash in codes:
                cur = db.execute(
                    f"{verb} INTO student_codes (name_key, name, kind, code_hash, created_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name_key, name, kind, code_hash, _now()),
                )
                if cur.rowcount:
                    saved.append(name_key)
        return saved

    def setting(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))


def _draft(row: sqlite3.Row) -> Draft:
    data = dict(row)
    data["feedback"] = Feedback.from_dict(json.loads(data.pop("feedback_json")))
    return Draft(**data)
