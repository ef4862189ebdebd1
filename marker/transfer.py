"""A teacher's data in one file, to carry to another machine: the format, writing it, reading it back.

``marker data export FILE`` writes a zip of the data folder's own records::

    manifest.json            format, format_version, counts, and each member's size and sha256
    drafts.jsonl             students' drafts with their feedback         (marker.sqlite3)
    rubric_versions.jsonl    each saved rubric version, naming its file   (marker.sqlite3)
    rubrics/questions/<id>/v<N>.yaml, rubrics/topics/<id>.yaml, model_answers/<id>/<name>.md
    calibrations/<name>.joblib
    jobs.jsonl, results.jsonl   batch jobs and one row per script        (batches.sqlite3)

:func:`read_export` checks such a file completely (the manifest, every member's checksum,
every record and file) before anything is written; :mod:`marker.transfer_import` then adds
it to a data folder. A calibration is a pickled scikit-learn model: import only files you
exported yourself.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import sqlite3
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import __version__
from .atomic import temp_beside
from .errors import MarkerError, RubricErrors
from .feedback import Feedback
from .records import STATUSES
from .rubric import QuestionId

FORMAT = "marker-data"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Largest export read (all members, uncompressed): far beyond a school's years of data.
MAX_BYTES = 4 * 1024**3
TABLES = {  # member -> (database file, table)
    "drafts.jsonl": ("marker.sqlite3", "drafts"),
    "rubric_versions.jsonl": ("marker.sqlite3", "rubric_versions"),
    "jobs.jsonl": ("batches.sqlite3", "jobs"),
    "results.jsonl": ("batches.sqlite3", "results"),
}
_ID = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
#: The data folder's files that travel, by kind: (pattern of the member's name, glob in the folder).
FILES = {
    "rubric_files": (rf"rubrics/questions/{_ID}/v[0-9]+\.yaml", "rubrics/questions/*/v*.yaml"),
    "topics": (rf"rubrics/topics/{_ID}\.yaml", "rubrics/topics/*.yaml"),
    "model_answers": (rf"model_answers/{_ID}/{_ID}\.md", "model_answers/*/*.md"),
    "calibrations": (rf"calibrations/{_ID}\.joblib", "calibrations/*.joblib"),
}


class TransferError(MarkerError):
    """An export file that cannot be imported (damaged, foreign, newer), or one that cannot be written."""


# ---------------------------------------------------------------------------------------
# Records: every row is checked before anything is written
# ---------------------------------------------------------------------------------------


class _Row(BaseModel):
    """A row of a table. Columns a later marker added travel too, if they hold plain values."""

    model_config = ConfigDict(extra="allow", strict=True)

    @model_validator(mode="after")
    def _plain_extras(self) -> _Row:
        for key, value in (self.model_extra or {}).items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", key) or not isinstance(value, str | int | float | None):
                raise ValueError(f"unexpected field '{key}'")
        return self

    def row(self) -> dict[str, Any]:
        return self.model_dump()


def _json_object(value: str | None, what: str) -> None:
    if value is None:
        return
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError(f"{what} is not JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"{what} is not a JSON object")


class DraftRow(_Row):
    student: str = Field(min_length=1)
    question_id: str
    rubric_version: str
    text: str
    mark: int
    max_mark: int
    level: int | None
    feedback_json: str
    created_at: str

    @field_validator("feedback_json")
    @classmethod
    def _feedback(cls, value: str) -> str:
        _json_object(value, "feedback_json")
        try:
            Feedback.from_dict(json.loads(value))
        except Exception:  # from_dict's many ways to fail on a foreign record
            raise ValueError("feedback_json is not a marker feedback record") from None
        return value


class VersionRow(_Row):
    question_id: QuestionId
    number: int = Field(ge=1)
    fingerprint: str
    note: str
    created_at: str
    file: str

    @model_validator(mode="after")
    def _file_named_for_it(self) -> VersionRow:
        if self.file != version_member(self.question_id, self.number):
            raise ValueError(f"file must be {version_member(self.question_id, self.number)}")
        return self


class JobRow(_Row):
    id: str = Field(pattern=rf"^{_ID}$", max_length=100)
    created: str
    input: str
    question_id: str | None
    status: str
    n_scripts: int = Field(ge=0)
    options: str

    @field_validator("options")
    @classmethod
    def _options(cls, value: str) -> str:
        _json_object(value, "options")
        return value


class ResultRow(_Row):
    job_id: str = Field(min_length=1)
    script_id: str = Field(min_length=1)
    position: int
    student: str
    source: str
    question_id: str | None
    sha: str | None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    mark: int | None
    feedback: str | None
    error: str | None
    answer: str
    marked_at: str

    @field_validator("feedback")
    @classmethod
    def _feedback(cls, value: str | None) -> str | None:
        _json_object(value, "feedback")
        return value


ROWS: dict[str, type[_Row]] = {
    "drafts.jsonl": DraftRow,
    "rubric_versions.jsonl": VersionRow,
    "jobs.jsonl": JobRow,
    "results.jsonl": ResultRow,
}


def version_member(question_id: str, number: int) -> str:
    return f"rubrics/questions/{question_id}/v{number}.yaml"


KINDS = ("drafts", "rubric versions", "topics", "model answers", "calibrations", "jobs", "results")


def counted(counts: Counter) -> str:
    """Counts by kind as a teacher reads them.

    >>> counted(Counter({"drafts": 2, "rubric versions": 1, "jobs": 0}))
    '2 drafts, 1 rubric version'
    """
    parts = [f"{counts[k]} {k if counts[k] != 1 else k.removesuffix('s')}" for k in KINDS if counts[k]]
    return ", ".join(parts) or "nothing"


# ---------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------


@dataclass
class Exported:
    """What an export holds, and the saved files left out because they cannot be read."""

    path: Path
    counts: dict[str, int]
    left_out: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        held = Counter({kind.replace("_", " "): n for kind, n in self.counts.items()})
        out = [f"Wrote {self.path}: {counted(held)}."]
        out += [f"Left out (cannot be read): {why}" for why in self.left_out]
        return out


def export_data(data: Path, out: Path) -> Exported:
    """Write everything of the data folder that travels into one zip at ``out`` (replaced whole)."""
    data, out = Path(data), Path(out)
    left_out: list[str] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for db in dict.fromkeys(db for db, _ in TABLES.values()):
        wanted = {member: table for member, (file, table) in TABLES.items() if file == db}
        tables |= _table_rows(data / db, wanted)
    files = {name: (data / name).read_bytes() for name in _files_to_export(data, left_out)}
    tables["rubric_versions.jsonl"] = _version_rows(data, tables["rubric_versions.jsonl"], files, left_out)
    for row in tables["drafts.jsonl"]:
        row.pop("id", None)
    members: dict[str, bytes] = {m: _jsonl(rows) for m, rows in tables.items()} | files
    counts = {m.removesuffix(".jsonl"): len(rows) for m, rows in tables.items()}
    for kind, (pattern, _) in FILES.items():
        if kind != "rubric_files":
            counts[kind] = sum(bool(re.fullmatch(pattern, name)) for name in files)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "marker_version": __version__,
        "counts": counts,
        "members": {m: {"size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for m, b in members.items()},
    }
    try:
        with temp_beside(out) as (fh, tmp):
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
                for name, blob in members.items():
                    zf.writestr(name, blob)
            fh.close()
            tmp.replace(out)
    except OSError as exc:
        raise TransferError(f"Cannot write {out}: {exc.strerror or exc}. Nothing was written.") from None
    return Exported(out, counts, left_out)


def _table_rows(db_path: Path, tables: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Every row of some tables of one database (member -> rows), all read in one snapshot, so a
    batch writing meanwhile never leaves a result without its job; none if it was never made."""
    if not db_path.is_file():
        return {member: [] for member in tables}
    try:
        db = sqlite3.connect(
            f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30, isolation_level=None
        )
        db.row_factory = sqlite3.Row
        db.execute("BEGIN")
        try:
            return {
                member: [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY rowid")]  # noqa: S608
                for member, table in tables.items()
            }
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise TransferError(f"Cannot read {db_path} ({exc}). Nothing was written.") from None


def _files_to_export(data: Path, left_out: list[str]) -> list[str]:
    """The data folder's files that travel (relative names), each checked as import will check it."""
    names = []
    for pattern, glob in FILES.values():
        for path in sorted(data.glob(glob)):
            name = path.relative_to(data).as_posix()
            if not re.fullmatch(pattern, name):
                continue
            problem = check_file(name, path)
            if problem:
                left_out.append(problem)
            else:
                names.append(name)
    return names


def _version_rows(data: Path, rows: list[dict], files: dict[str, bytes], left_out: list[str]) -> list[dict]:
    """A record for every rubric version file that travels (a file whose record was lost gets one)."""
    by_member = {version_member(r["question_id"], r["number"]): r for r in rows}
    for name, r in by_member.items():
        if not (data / name).exists():
            left_out.append(f"version {r['number']} of '{r['question_id']}': its file {name} is missing")
    out = []
    for name in files:
        match = re.fullmatch(r"rubrics/questions/(.+)/v([0-9]+)\.yaml", name)
        if not match:
            continue
        row = by_member.get(name)
        if row is None:
            from .rubric import load_question

            stamp = datetime.fromtimestamp((data / name).stat().st_mtime, UTC).isoformat(timespec="seconds")
            row = {"question_id": match[1], "number": int(match[2]), "note": "", "created_at": stamp}
            row["fingerprint"] = load_question(data / name).version
        row = {k: v for k, v in row.items() if k not in ("id", "path")}
        out.append({**row, "file": name})
    return out


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows).encode("utf-8")


def check_file(name: str, path: Path) -> str:
    """What is wrong with a rubric, topic, model answer or calibration file ("" if nothing)."""
    from .rubric import load_model_answer, load_question, load_topic

    try:
        if name.startswith("rubrics/questions/"):
            question = load_question(path)
            if question.id != name.split("/")[2]:
                return f"{name}: it is the rubric of '{question.id}', not of '{name.split('/')[2]}'"
        elif name.startswith("rubrics/topics/"):
            load_topic(path)
        elif name.startswith("model_answers/"):
            load_model_answer(path)
        else:
            return _check_calibration(name, path)
    except RubricErrors as exc:
        return "; ".join(
            f"{name}" + (f", line {e.line}" if e.line else "") + f": {e.reason}" for e in exc.errors
        )
    return ""


def _check_calibration(name: str, path: Path) -> str:
    from . import calibrate

    try:
        cal = calibrate.load(path.parent.parent, path.stem)
    except MarkerError:
        return f"{name}: not a calibration marker can read"
    if cal is None:
        return f"{name}: a calibration of another format (fit it again with 'marker calibrate')"
    if calibrate.calibration_path(path.parent.parent, cal.question_id).name != path.name:
        return f"{name}: it is the calibration of '{cal.question_id}'"
    return ""


# ---------------------------------------------------------------------------------------
# Reading an export back
# ---------------------------------------------------------------------------------------


@dataclass
class Export:
    """An export file read and checked: its manifest, rows by member, and its files in ``folder``."""

    manifest: dict
    rows: dict[str, list[dict[str, Any]]]
    #: Members that are files, unpacked under this temporary folder by their names.
    folder: Path
    files: list[str]


@contextlib.contextmanager
def read_export(path: str | Path) -> Iterator[Export]:
    """Open an export file and check all of it; TransferError says what is wrong (nothing is written).

    Checked: it is a zip; its manifest names this format and a format version this marker
    reads; the members are exactly those the manifest lists, each of the size and sha256 it
    gives; every row is a valid record; every file loads (rubrics, topics, model answers,
    calibrations); the counts agree with the manifest.
    """
    path = Path(path)
    if not path.is_file():
        raise TransferError(f"No such file: {path}")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise TransferError(f"{path} is not a marker data export: it is not a zip file.") from None
    except OSError as exc:
        raise TransferError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    with zf, tempfile.TemporaryDirectory(prefix="marker-import-") as tmp:
        manifest = _manifest(zf, path)
        blobs = _members(zf, path, manifest)
        rows = {member: _rows(path, member, blobs.pop(member)) for member in ROWS}
        folder = Path(tmp)
        for name, blob in blobs.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(blob)
            if problem := check_file(name, folder / name):
                raise TransferError(f"{path}: {problem}. Nothing was imported.")
        export = Export(manifest, rows, folder, sorted(blobs))
        _check_consistent(path, export)
        yield export


def _bad(path: Path, why: str) -> TransferError:
    return TransferError(f"{path} cannot be imported: {why}. Nothing was imported.")


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    names = zf.namelist()
    if MANIFEST not in names:
        raise TransferError(
            f"{path} is not a marker data export: it has no {MANIFEST} (make one with 'marker data export')."
        )
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise _bad(path, f"its {MANIFEST} cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise TransferError(f"{path} is not a marker data export: its {MANIFEST} is of another format.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise _bad(path, f"its format_version {version!r} is not a version number")
    if version > FORMAT_VERSION:
        raise _bad(
            path,
            f"it was written by a newer marker (format version {version}; this one reads up to "
            f"{FORMAT_VERSION}). Upgrade marker on this machine",
        )
    members, counts = manifest.get("members"), manifest.get("counts")
    if not isinstance(members, dict) or not isinstance(counts, dict):
        raise _bad(path, f"its {MANIFEST} lacks 'members' or 'counts'")
    for name, entry in members.items():
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
        ):
            raise _bad(path, f"its {MANIFEST} gives no size and sha256 for {name}")
    if len(set(names)) != len(names):
        raise _bad(path, "it holds two members of the same name")
    return manifest


def _members(zf: zipfile.ZipFile, path: Path, manifest: dict) -> dict[str, bytes]:
    """Every member but the manifest, checked against it (names, sizes, sha256)."""
    listed: dict[str, dict] = manifest["members"]
    held = {info.filename: info for info in zf.infolist() if info.filename != MANIFEST}
    for name in sorted(held.keys() - listed.keys()):
        raise _bad(path, f"it holds {name}, which its manifest does not list")
    for name in sorted(listed.keys() - held.keys()):
        raise _bad(path, f"its manifest lists {name}, but the file does not hold it (the file is incomplete)")
    for name in sorted(listed.keys() - ROWS.keys()):
        if not any(re.fullmatch(pattern, name) for pattern, _ in FILES.values()):
            raise _bad(path, f"it holds {name}, which is not part of a marker data export")
    for member in ROWS:
        if member not in listed:
            raise _bad(path, f"it has no {member}")
    if sum(info.file_size for info in held.values()) > MAX_BYTES:
        raise _bad(path, f"it unpacks to more than {MAX_BYTES // 1024**3} GB")
    blobs = {}
    for name, info in sorted(held.items()):
        if info.file_size != listed[name]["size"]:
            raise _bad(
                path, f"{name} is {info.file_size} bytes, but the manifest says {listed[name]['size']}"
            )
        try:
            blob = zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise _bad(path, f"{name} is damaged ({exc})") from None
        if hashlib.sha256(blob).hexdigest() != listed[name]["sha256"]:
            raise _bad(path, f"{name} is not what was exported (its checksum differs)")
        blobs[name] = blob
    return blobs


def _rows(path: Path, member: str, blob: bytes) -> list[dict[str, Any]]:
    """The checked rows of a ``.jsonl`` member; the first bad one is named by its line."""
    model = ROWS[member]
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(path, f"{member} is not UTF-8 text (byte {exc.start})") from None
    rows = []
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not a record")
            rows.append(model.model_validate(data).row())
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            reason = err["msg"].removeprefix("Value error, ")
            raise _bad(
                path, f"{member} line {number}" + (f", field '{where}'" if where else "") + f": {reason}"
            ) from None
        except ValueError as exc:
            raise _bad(path, f"{member} line {number}: {exc}") from None
    return rows


def _check_consistent(path: Path, export: Export) -> None:
    """Counts as the manifest says; every version with its file, every result with its job."""
    found = {m.removesuffix(".jsonl"): len(rows) for m, rows in export.rows.items()}
    for kind, (pattern, _) in FILES.items():
        if kind != "rubric_files":
            found[kind] = sum(bool(re.fullmatch(pattern, name)) for name in export.files)
    counts = export.manifest["counts"]
    for kind, n in found.items():
        if counts.get(kind) != n:
            raise _bad(
                path, f"its manifest counts {counts.get(kind)} {kind.replace('_', ' ')}, but it holds {n}"
            )
    rubric_files = {f for f in export.files if f.startswith("rubrics/questions/")}
    versions = {r["file"] for r in export.rows["rubric_versions.jsonl"]}
    if rubric_files != versions:
        odd = sorted(rubric_files ^ versions)[0]
        raise _bad(path, f"{odd} has a rubric version record or a file, but not both")
    jobs = {r["id"] for r in export.rows["jobs.jsonl"]}
    for r in export.rows["results.jsonl"]:
        if r["job_id"] not in jobs:
            raise _bad(
                path, f"results.jsonl has a result of job {r['job_id']}, which jobs.jsonl does not hold"
            )
