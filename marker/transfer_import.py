"""Adding a data export to a data folder: what is new is added, what is here stays, what differs is said.

The export is checked whole first (:func:`marker.transfer.read_export`). Then, holding the
write locks of both databases (so a save in the app or a batch waits a moment), every record
is compared with the folder's:

- the same record (a draft, a rubric version with the same YAML, a file with the same bytes,
  a batch result with the same mark and feedback) is **already here** and is skipped, so
  importing a file twice adds nothing the second time;
- a record the folder lacks is **added** (a rubric version keeps its number);
- a record that **differs** from the folder's (version 2 of a question with other content,
  another calibration of the same question, another result for the same script of a job)
  stops the import, with nothing written, unless ``force``: then a differing rubric version
  is added under the question's next number (it becomes the one in use) and for everything
  else this machine's copy is kept. Either way the report names each one.

Nothing already in the folder is ever replaced.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import publish_new
from .jobstore import JobStore
from .store import Store
from .transfer import DraftRow, Export, ResultRow, TransferError, counted, read_export
from .userbank import questions_dir

#: How many differing records a message lists before "and N more".
SHOWN = 8


@dataclass
class Imported:
    """What an import added, found already here, and found differing (with what it did about it)."""

    added: Counter = field(default_factory=Counter)
    already: Counter = field(default_factory=Counter)
    #: Records that differ from this machine's, one line each.
    differing: list[str] = field(default_factory=list)
    #: With ``force``: what was done about each (imported under a new number, or this machine's kept).
    resolved: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            "Added: " + counted(self.added) + ".",
            "Already here (skipped): " + counted(self.already) + ".",
        ]
        out += _listed(self.resolved)
        return out


class ImportConflict(TransferError):
    """The export holds records that differ from the data folder's; nothing was imported."""

    def __init__(self, path: Path, imported: Imported):
        self.imported = imported
        n = len(imported.differing)
        lines = [
            f"Nothing was imported from {path}: {n} record{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} "
            "from this machine's:",
            *_listed(imported.differing),
            "Run again with --force to add the differing rubric versions under new version numbers (the "
            "newest becomes the one in use) and keep this machine's copy of everything else that differs; "
            "nothing here is replaced either way.",
        ]
        super().__init__("\n".join(lines))


def _listed(lines: list[str]) -> list[str]:
    shown = [f"  - {line}" for line in lines[:SHOWN]]
    if len(lines) > SHOWN:
        shown.append(f"  - and {len(lines) - SHOWN} more")
    return shown


def import_data(
    path: str | Path, data: str | Path, *, force: bool = False, dry_run: bool = False
) -> Imported:
    """Add an export file's records to the data folder; see the module's docstring.

    Raises:
        TransferError: the file is damaged, foreign or from a newer marker (nothing imported).
        ImportConflict: records differ from this folder's and ``force`` is not set (nothing imported).
    """
    path, data = Path(path), Path(data)
    with read_export(path) as export:
        store, jobs = Store(data / "marker.sqlite3"), JobStore(data / "batches.sqlite3")
        run = None
        try:
            with store.transaction() as sdb, jobs.transaction() as jdb:
                run = _Import(export, data, sdb, jdb, force=force, dry_run=dry_run)
                run.all()
                if run.report.differing and not force:
                    raise ImportConflict(path, run.report)
                if dry_run:
                    raise _DryRun  # rolls the transactions back
        except _DryRun:
            pass
        except BaseException:
            if run is not None:
                run.undo()
            raise
    return run.report


class _DryRun(Exception):
    """Raised inside the transactions so that a dry run leaves nothing written."""


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def _sha(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


class _Import:
    """One import's comparisons and writes, inside the two databases' write transactions."""

    def __init__(
        self,
        export: Export,
        data: Path,
        sdb: sqlite3.Connection,
        jdb: sqlite3.Connection,
        *,
        force: bool,
        dry_run: bool,
    ):
        self.export, self.data, self.sdb, self.jdb = export, data, sdb, jdb
        self.force, self.dry_run = force, dry_run
        self.report = Imported()
        self.placed: list[Path] = []
        self.columns: dict[str, set[str]] = {}

    def all(self) -> None:
        self.drafts()
        self.versions()
        self.files()
        self.jobs()

    def undo(self) -> None:
        """Remove the files this import put in place (the transactions roll back the rows)."""
        for path in self.placed:
            path.unlink(missing_ok=True)

    def _insert(self, db: sqlite3.Connection, table: str, row: dict[str, Any]) -> None:
        if table not in self.columns:
            self.columns[table] = _columns(db, table)
        unknown = sorted(row.keys() - self.columns[table])
        if unknown:
            raise TransferError(
                f"The export's {table} have a field this marker does not know ({unknown[0]}): it was made "
                "by a newer marker. Upgrade marker on this machine. Nothing was imported."
            )
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))  # noqa: S608

    def _place(self, path: Path, blob: bytes) -> None:
        if self.dry_run:
            return
        if not publish_new(path, blob):
            raise TransferError(
                f"{path} appeared while importing; run the import again. Nothing was imported."
            )
        self.placed.append(path)

    # ------------------------------------------------------------------ drafts

    def drafts(self) -> None:
        core = list(DraftRow.model_fields)
        here = {
            json.dumps([r[c] for c in core])
            for r in self.sdb.execute(f"SELECT {', '.join(core)} FROM drafts")
        }
        for row in self.export.rows["drafts.jsonl"]:
            key = json.dumps([row[c] for c in core])
            if key in here:
                self.report.already["drafts"] += 1
                continue
            self._insert(self.sdb, "drafts", row)
            here.add(key)
            self.report.added["drafts"] += 1

    # ------------------------------------------------------------------ rubric versions

    def versions(self) -> None:
        rows = sorted(
            self.export.rows["rubric_versions.jsonl"], key=lambda r: (r["question_id"], r["number"])
        )
        #: Questions with a differing version: their later new versions follow it, keeping their order.
        self.shifted: set[str] = set()
        for row in rows:
            self._version(row, (self.export.folder / row["file"]).read_bytes())

    def _local_versions(self, question_id: str) -> dict[int, str]:
        """Number -> sha256 of its file ("" for a record whose file is gone) of a question's versions here."""
        out = {
            r[0]: ""
            for r in self.sdb.execute(
                "SELECT number FROM rubric_versions WHERE question_id = ?", (question_id,)
            )
        }
        folder = questions_dir(self.data) / question_id
        for path in folder.glob("v*.yaml") if folder.is_dir() else []:
            if path.stem[1:].isdigit():
                out[int(path.stem[1:])] = _sha(path.read_bytes())
        return out

    def _version(self, row: dict[str, Any], blob: bytes) -> None:
        qid, number = row["question_id"], row["number"]
        local, sha = self._local_versions(qid), _sha(blob)
        if local.get(number) == sha or (number in local and sha in local.values()):
            self.report.already["rubric versions"] += 1  # here, or imported before under another number
            return
        if qid not in self.shifted and number in local:
            self.report.differing.append(
                f"rubric version {number} of '{qid}': this machine's version {number} has other content"
            )
            self.shifted.add(qid)
        if qid in self.shifted:
            if not self.force:
                return
            number = max(local) + 1
            self.report.resolved.append(
                f"rubric version {row['number']} of '{qid}' imported as version {number}"
            )
        path = questions_dir(self.data) / qid / f"v{number}.yaml"
        self._place(path, blob)
        record = {k: v for k, v in row.items() if k != "file"} | {"number": number, "path": str(path)}
        self._insert(self.sdb, "rubric_versions", record)
        self.report.added["rubric versions"] += 1

    # ------------------------------------------------------------------ topics, model answers, calibrations

    def files(self) -> None:
        kinds = {
            "rubrics/topics/": "topics",
            "model_answers/": "model answers",
            "calibrations/": "calibrations",
        }
        for name in self.export.files:
            kind = next((kind for prefix, kind in kinds.items() if name.startswith(prefix)), None)
            if kind is None:
                continue  # a rubric version's file goes with its record
            blob = (self.export.folder / name).read_bytes()
            target = self.data / name
            if not target.exists():
                self._place(target, blob)
                self.report.added[kind] += 1
            elif target.read_bytes() == blob:
                self.report.already[kind] += 1
            else:
                self.report.differing.append(f"{name}: this machine's file has other content")
                self.report.resolved.append(f"{name}: kept this machine's")

    # ------------------------------------------------------------------ jobs and results

    def jobs(self) -> None:
        here = {r[0] for r in self.jdb.execute("SELECT id FROM jobs")}
        for row in self.export.rows["jobs.jsonl"]:
            if row["id"] in here:
                self.report.already["jobs"] += 1
            else:
                self._insert(self.jdb, "jobs", row)
                self.report.added["jobs"] += 1
        core = [c for c in ResultRow.model_fields if c != "marked_at"]
        differing: Counter = Counter()
        for row in self.export.rows["results.jsonl"]:
            found = self.jdb.execute(
                f"SELECT {', '.join(core)} FROM results WHERE job_id = ? AND script_id = ?",  # noqa: S608
                (row["job_id"], row["script_id"]),
            ).fetchone()
            if found is None:
                self._insert(self.jdb, "results", row)
                self.report.added["results"] += 1
            elif list(found) == [row[c] for c in core]:
                self.report.already["results"] += 1
            else:
                differing[row["job_id"]] += 1
        for job_id, n in differing.items():
            self.report.differing.append(
                f"job {job_id}: {n} script{'s' if n != 1 else ''} marked differently here"
            )
            self.report.resolved.append(
                f"job {job_id}: kept this machine's marks of {n} script{'s' if n != 1 else ''}"
            )
