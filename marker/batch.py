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

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from . import calibrate
from .calibrate import calibration_for
from .engine import Marker
from .engines import (
    ENGINES,
    Chunk,
    Marked,
    MarkerSource,
    import_distributed,
    in_pool,
    in_process,
    make_chunks,
    mark_chunk,
    on_dask,
    workspace_for,
)
from .errors import MarkerError, NoQuestionError, UnknownQuestionError
from .export import ResultRecord, feedback_zip, write_csv, write_xlsx
from .feedback import Feedback
from .guards import Advisory
from .ingest import ingest
from .jobstore import JobStore, StoredResult, job_id_for, now
from .scripts import Ingested, Script, bare_id, student_from, text_sha, unique_id
from .tuning import TUNING

if TYPE_CHECKING:
    from .workspace import Workspace

#: The files written into the output folder, by key of :attr:`BatchResult.outputs`.
OUTPUT_NAMES = {
    "csv": "results.csv",
    "xlsx": "results.xlsx",
    "feedback": "feedback.zip",
    "report": "report.html",
}
NO_QUESTION = (
    "no question given for this script: choose the question to mark against "
    "(--question, or the Question box), or add a question_id column to the table"
)

Progress = Callable[[int, int], None]


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
        n_blank: blank answers (from a table), marked 0 and counted among the marked.
        marked_before: when this job was first run, if this run reopened it (the same scripts
            marked before, from the command line or the app); "" for a new job.
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
    n_blank: int = 0
    marked_before: str = ""

    def reuse_note(self) -> str:
        """What an earlier run of the same job did, said plainly; "" for a new job.

        >>> r = BatchResult("job-1", 5, 4, 0, 1, 3, [], {}, [], marked_before="2026-03-02T09:15:00+00:00")
        >>> print(r.reuse_note())
        Already marked on 2026-03-02 09:15 UTC: 3 scripts reused from that run, not marked again; 1 marked now.
        """
        if not self.marked_before:
            return ""
        when = self.marked_before.replace("T", " ")[:16] + " UTC"
        reused = self.n_skipped_already_done
        fresh = self.n_marked + self.n_failed - reused
        if not reused:
            return f"This batch was started on {when}, but nothing was marked then; {fresh} marked now."
        scripts = f"{reused} script{'s' if reused != 1 else ''}"
        line = f"Already marked on {when}: {scripts} reused from that run, not marked again"
        return line + (f"; {fresh} marked now." if fresh else ".")

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
        if self.n_blank:
            line += f"; {self.n_blank} blank answer{'s' if self.n_blank != 1 else ''} marked 0"
        if self.duplicates:
            n = len(self.duplicates)
            line += f"; {n} duplicate text{'s' if n != 1 else ''}"
        return line


def _check_engine(engine: str, address: str | None, processes: int | None) -> None:
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
        import_distributed()


def _calibrations(qids: Sequence[str], catalogue: dict[str, tuple[int, str]], folder: Path) -> dict:
    """The saved calibrations that may apply: each question's own and the pooled one for its maximum."""
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
    return student_from(PurePosixPath(source.replace(":", "/")).stem)


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
    data_dir: str | Path | None = None,
    workspace: Workspace | None = None,
    texts: Mapping[str, str] | None = None,
) -> BatchResult:
    """Mark a class set as a job recorded in the store, resuming it if it was interrupted.

    Args:
        input: a folder, a ``.zip``, a ``.csv``/``.xlsx`` table or one script file.
        question_id: the question for scripts that do not name their own (a table's
            ``question_id`` column wins). None: every script must name its question.
        out_dir: where results.csv, results.xlsx, feedback.zip and report.html go (made if missing).
        questions: a questions file in the import format; the bank (``$MARKER_RUBRICS_DIR``
            or the shipped one) if None. Teachers' saved versions in the data folder apply.
        engine, address: "local" (this machine) or "dask" (a Dask cluster at ``address``, e.g. ``tcp://host:8786``).
        processes: worker processes of the local engine (default: one per CPU; 1: this process).
        store: the job store (default: ``<data folder>/batches.sqlite3``).
        progress: called with ``(done, total)`` scripts before marking and after every
            committed chunk; scripts done by an earlier run count as done.
        use_calibration: apply the question's saved calibration, if any.
        data_dir: the data folder (versions, calibrations, job store); default ``$MARKER_DATA_DIR``.
        workspace: a workspace loaded in this process (the app's), used instead of the two above.
        texts: script id -> the teacher's checked transcription, marked instead of what OCR read.

    Returns:
        The counts, the duplicates, the output files and every script's record.

    Raises:
        UnknownQuestionError: ``question_id`` is not in the bank (nothing is marked).
        MarkerError: a bad engine option, Dask not installed or unreachable, an unreadable
            input (:class:`~marker.errors.UploadError`, :class:`~marker.errors.ScriptsError`),
            or nothing to mark in it (:class:`~marker.errors.NoQuestionError`: no known question).
    """
    _check_engine(engine, address, processes)
    input, out_dir, processes = Path(input), Path(out_dir), processes or os.cpu_count() or 1
    source, workspace = _source(questions, data_dir, workspace)
    catalogue = {q.id: (q.max_mark, q.version) for q in workspace.bank.questions.values()}
    if question_id is not None and question_id not in catalogue:
        raise UnknownQuestionError(question_id, catalogue)
    plan = _plan(input, question_id, catalogue, use_calibration, workspace.data_dir, texts or {})
    store = store if store is not None else JobStore(workspace.data_dir / "batches.sqlite3")
    options = {"engine": engine, "processes": processes, "questions": source.questions}
    run = _Engine(engine, address, processes, source, workspace, catalogue)
    with store.running(plan.job_id):  # the same job started twice at once: the second waits, then reuses
        before = plan.open(store, input, question_id, {**options, "use_calibration": use_calibration})
        n_skipped = _mark_pending(store, plan, run, progress)
        store.finish_job(plan.job_id)
    result = _result(store, plan, out_dir, input, n_skipped, [*run.notes, *ocr_notes(plan.scripts)])
    return replace(result, marked_before=before)


def _source(
    questions: str | Path | None, data_dir: str | Path | None, workspace: Workspace | None
) -> tuple[MarkerSource, Workspace]:
    """What workers build their marker from, and this process's workspace for it."""
    if workspace is not None:
        return MarkerSource.of(workspace), workspace
    source = MarkerSource.here(questions, data_dir)
    return source, workspace_for(source)


def _mark_pending(store: JobStore, plan: _Plan, run: _Engine, progress: Progress | None) -> int:
    """Mark the scripts the store does not hold yet, committing each chunk; returns how many it held."""
    done = store.done_ids(plan.job_id)
    pending = [s for s in plan.markable if s.script_id not in done]
    n_skipped = len(plan.markable) - len(pending)
    count, total = n_skipped, len(plan.markable)
    if progress:
        progress(count, total)
    position = plan.position
    for chunk, marked in run.outcomes(pending):
        rows = _calibrated_rows(plan.job_id, chunk, marked, position, plan.cals, run.notes)
        store.save(rows)
        count += len(rows)
        if progress:
            progress(count, total)
    return n_skipped


@dataclass
class _Plan:
    """The scripts of a job, sorted into those to mark and those that cannot be."""

    job_id: str
    got: Ingested
    scripts: list[Script]
    markable: list[Script]
    unmarkable: list[tuple[int, Script, str]]
    cals: dict

    @property
    def position(self) -> dict[str, int]:
        return {s.script_id: i for i, s in enumerate(self.scripts)}

    def open(self, store: JobStore, input: Path, question_id: str | None, options: dict) -> str:
        """Open (or reopen) the job in the store, with its rejected scripts as of this run.

        Returns when the job was first run if it was already in the store (else "").
        """
        earlier = store.job(self.job_id)
        store.open_job(
            self.job_id,
            input=str(input),
            question_id=question_id,
            n_scripts=len(self.scripts),
            options=options,
        )
        store.replace_rejected(self.job_id, self.rejected_rows())
        return earlier.created if earlier is not None else ""

    def rejected_rows(self) -> list[StoredResult]:
        """Scripts with no known question, then files that could not be read."""
        at = now()
        rows = [
            StoredResult(
                self.job_id, s.script_id, pos, s.student, s.source, s.question_id, s.sha,
                status="rejected", mark=None, feedback=None, error=why, answer=s.text, marked_at=at,
                ocr_confidence=s.ocr_confidence,
            )
            for pos, s, why in self.unmarkable
        ]  # fmt: skip
        taken = {s.script_id for s in self.scripts} | {r.script_id for r in self.got.rejected}
        rows += [
            StoredResult(
                self.job_id, r.script_id or unique_id(bare_id(r.source), taken), len(self.scripts) + i,
                _rejected_name(r.source), r.source, None, None,
                status="rejected", mark=None, feedback=None, error=r.reason, answer="", marked_at=at,
            )
            for i, r in enumerate(self.got.rejected)
        ]  # fmt: skip
        return rows


def _plan(
    input: Path,
    question_id: str | None,
    catalogue: dict[str, tuple[int, str]],
    use_calibration: bool,
    folder: Path,
    texts: Mapping[str, str],
) -> _Plan:
    """Read the input and sort its scripts; the job id follows from them and what marks them."""
    got = checked(ingest(input), texts)
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
    if scripts and not markable:  # refused before a job is opened
        named = {s.question_id for _, s, _ in unmarkable if s.question_id}
        raise NoQuestionError(str(input), len(scripts), named, question_id, catalogue)
    qids = list(dict.fromkeys(s.question_id for s in markable if s.question_id))
    cals = _calibrations(qids, catalogue, folder) if use_calibration else {}
    salt = _rubric_salt(qids, catalogue, cals, use_calibration)
    if any(s.checked for s in scripts):  # a checked transcription no longer needs its advisory
        salt += ";checked=" + ",".join(sorted(s.script_id for s in scripts if s.checked))
    job_id = job_id_for(input, question_id, scripts, rubric=salt)
    return _Plan(job_id, got, scripts, markable, unmarkable, cals)


class _Engine:
    """Runs chunks on the chosen engine; a chunk the engine cannot mark is marked in this process."""

    def __init__(
        self,
        engine: str,
        address: str | None,
        processes: int,
        source: MarkerSource,
        workspace: Workspace,
        catalogue: dict[str, tuple[int, str]],
    ):
        self.engine, self.address, self.processes = engine, address, processes
        self.source, self.workspace = source, workspace
        self.versions = {qid: version for qid, (_, version) in catalogue.items()}
        self.notes: list[str] = []

    def in_this_process(self) -> Marker:
        return self.workspace.marker

    def fallback(self, chunk: Chunk, exc: BaseException) -> list[Marked]:
        note = (
            f"The {self.engine} engine could not mark some scripts ({type(exc).__name__}: {exc}); "
            "this process marked them instead."
        )
        if note not in self.notes:
            self.notes.append(note)
        return mark_chunk(self.in_this_process(), chunk.question_id, chunk.items)

    def outcomes(self, pending: Sequence[Script]) -> Iterator[tuple[Chunk, list[Marked]]]:
        chunks = make_chunks(pending, versions=self.versions)
        if not chunks:
            return iter(())
        workers = min(self.processes, len(chunks))
        if self.engine == "dask":
            assert self.address is not None
            return on_dask(chunks, self.source, self.address, self.fallback)
        if workers > 1:
            return in_pool(chunks, self.source, workers, self.fallback)
        return in_process(chunks, self.in_this_process())


def _result(
    store: JobStore, plan: _Plan, out_dir: Path, input: Path, n_skipped: int, notes: list[str]
) -> BatchResult:
    """Write the outputs from everything the store holds for the job, and count it."""
    results = store.results(plan.job_id)
    records = [r.record() for r in results]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        outputs = write_outputs(records, out_dir, title=f"Class report: {input.resolve().name or input}")
    except OSError as exc:
        raise MarkerError(
            f"The results cannot be written into {out_dir}: {exc.strerror or exc}. The marks are saved: "
            "run the same command again with another output folder to write them."
        ) from None
    counts = store.counts(plan.job_id)
    return BatchResult(
        job_id=plan.job_id,
        n_total=len(results),
        n_marked=counts["marked"],
        n_failed=counts["failed"],
        n_rejected=counts["rejected"],
        n_skipped_already_done=n_skipped,
        duplicates=list(plan.got.duplicates),
        outputs=outputs,
        records=records,
        statuses={r.script_id: r.status for r in results},
        notes=notes,
        n_blank=sum(not s.text.strip() for s in plan.markable),
    )


def _calibrated_rows(
    job_id: str,
    chunk: Chunk,
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
    at = now()
    rows = []
    for m in marked:
        s = by_id[m.script_id]
        fb = with_ocr_advisory(m.feedback, s)
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
                marked_at=at,
                ocr_confidence=s.ocr_confidence,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------
# Scripts read by OCR
# ---------------------------------------------------------------------------------------


def checked(got: Ingested, texts: Mapping[str, str]) -> Ingested:
    """The scripts with the teacher's checked transcriptions in place of what OCR read."""
    if not texts:
        return got
    scripts = [
        replace(s, text=texts[s.script_id].strip(), sha=text_sha(texts[s.script_id]), checked=True)
        if s.script_id in texts and s.ocr_confidence is not None
        else s
        for s in got.scripts
    ]
    return replace(got, scripts=scripts)


def needs_check(script: Script) -> bool:
    """Read by OCR, unsure of some lines or of the whole, and not yet checked by the teacher."""
    if script.ocr_confidence is None or script.checked:
        return False
    return script.ocr_confidence < TUNING.ocr.check_below or bool(script.ocr_doubtful)


def with_ocr_advisory(feedback: Feedback | None, script: Script) -> Feedback | None:
    """The feedback with an advisory to check the transcription when OCR was unsure of it."""
    if feedback is None or not needs_check(script):
        return feedback
    message = (
        f"This answer was read by OCR from a scan or photo (mean confidence {script.ocr_confidence:.0%}): "
        "check the transcription against the script before relying on the mark."
    )
    if script.ocr_doubtful:
        shown = "; ".join(f"\u201c{line}\u201d" for line in script.ocr_doubtful[:3])
        more = len(script.ocr_doubtful) - 3
        message += f" Lines read with low confidence: {shown}" + (f" and {more} more." if more > 0 else ".")
    return replace(feedback, advisories=[*feedback.advisories, Advisory("ocr-check", message)])


def ocr_notes(scripts: Sequence[Script]) -> list[str]:
    """One note on the scripts read by OCR, naming those whose transcription needs checking."""
    read = [s for s in scripts if s.ocr_confidence is not None]
    if not read:
        return []
    note = f"{len(read)} script{'s were' if len(read) != 1 else ' was'} read by OCR from scans or photos"
    unsure = [s.script_id for s in read if needs_check(s)]
    if unsure:
        note += f"; check the transcription of {len(unsure)} read with low confidence: {', '.join(unsure)}"
    return [note + "."]


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


__all__ = ["BatchResult", "run_batch", "write_outputs"]
