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
already marked (or failed, unless ``retry_failed``) are skipped, and the outputs are written from
everything the store holds for the job. The process may be killed at any moment; it loses at
most the chunks in flight, and the ``(job_id, script_id)`` primary key keeps every script in the
store once.

Nothing grows with the size of a cohort but its script ids: a table is read row by row, once to
name the job (:mod:`marker.batch_plan`) and again as the engine takes chunks (a few per worker
ahead); each chunk's feedback goes to the store and is dropped; the outputs are written from the
store a batch of rows at a time (:mod:`marker.outputs`); :attr:`BatchResult.records` reads the
store when it is iterated.

The engine is deterministic, so the marks and the feedback are the same whichever engine
marks them; only the speed differs.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .batch_plan import Plan, needs_check, ocr_notes, plan_batch
from .calibrate import calibration_for
from .chunks import Chunk, iter_chunks
from .engine import Marker
from .engines import (
    ENGINES,
    Marked,
    MarkerSource,
    import_distributed,
    in_pool,
    in_process,
    mark_chunk,
    on_dask,
    workspace_for,
)
from .errors import MarkerError, UnknownQuestionError
from .feedback import Feedback
from .guards import Advisory
from .jobstore import JobStore, StoredResult, now
from .outputs import write_job_outputs, write_outputs
from .records import STATUSES, ResultRecord
from .repeats import Repeats, as_chunks
from .scripts import Script

if TYPE_CHECKING:
    from .workspace import Workspace

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
        duplicates: ``(script_id, script_id of the earlier identical text)``; both are stored and
            reported, and a copy of exactly the same text takes its first's marking
            (:mod:`marker.repeats`) instead of being marked again.
        outputs: ``csv``, ``xlsx``, ``feedback``, ``report`` -> the files written.
        records: every script of the job, in input order, as exported; read from the store
            when iterated (:class:`JobRecords`), so a cohort's are never all in memory.
        statuses: script_id -> "marked" / "failed" / "rejected" (:class:`JobStatuses`, from the store).
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
    records: Iterable[ResultRecord]
    statuses: Mapping[str, str] = field(default_factory=dict)
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

    def not_marked(self) -> Iterator[ResultRecord]:
        """The scripts that failed or were rejected, in input order (read from the store as they come)."""
        if isinstance(self.records, JobRecords):
            return iter(JobRecords(self.records.store, self.job_id, ("failed", "rejected")))
        return (r for r in self.records if r.feedback is None)

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


class JobRecords:
    """A job's records (of some statuses), read from the job store on each iteration.

    A class's records are kept after the first full read, since the app draws them several
    times; past :data:`HELD_RECORDS` they are read again each time, a batch of rows at a time.
    """

    def __init__(self, store: JobStore, job_id: str, statuses: Sequence[str] = STATUSES):
        self.store, self.job_id, self.statuses = store, job_id, tuple(statuses)
        self._held: list[ResultRecord] | None = None

    def __iter__(self) -> Iterator[ResultRecord]:
        if self._held is not None:
            return iter(self._held)
        records = (r.record() for r in self.store.iter_results(self.job_id, statuses=self.statuses))
        if len(self) > HELD_RECORDS:
            return records
        self._held = list(records)
        return iter(self._held)

    def __len__(self) -> int:
        counts = self.store.counts(self.job_id)
        return sum(counts[s] for s in self.statuses)


#: Records of a job kept in memory once read (a class); a cohort's are read again when needed.
HELD_RECORDS = 2000


class JobStatuses(Mapping[str, str]):
    """script_id -> status of a job's scripts, looked up in the job store."""

    def __init__(self, store: JobStore, job_id: str):
        self.store, self.job_id = store, job_id

    def __getitem__(self, script_id: str) -> str:
        status = self.store.status(self.job_id, script_id)
        if status is None:
            raise KeyError(script_id)
        return status

    def __iter__(self) -> Iterator[str]:
        return (script_id for _, script_id in self.store.people(self.job_id))

    def __len__(self) -> int:
        return sum(self.store.counts(self.job_id).values())


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
    retry_failed: bool = False,
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
        processes: the local engine's: this one and ``processes - 1`` workers (default: one per CPU).
        store: the job store (default: ``<data folder>/batches.sqlite3``).
        progress: called with ``(done, total)`` scripts before marking and after every
            committed chunk; scripts done by an earlier run count as done.
        use_calibration: apply the question's saved calibration, if any.
        data_dir: the data folder (versions, calibrations, job store); default ``$MARKER_DATA_DIR``.
        workspace: a workspace loaded in this process (the app's), used instead of the two above.
        texts: script id -> the teacher's checked transcription, marked instead of what OCR read.
        retry_failed: mark again the scripts an earlier run failed on (never the rejected ones).

    Returns:
        The counts, the duplicates, the output files and every script's record (read from the store).

    Raises:
        UnknownQuestionError: ``question_id`` is not in the bank (nothing is marked).
        MarkerError: a bad engine option, Dask not installed or unreachable, an unreadable
            input (:class:`~marker.errors.UploadError`, :class:`~marker.errors.ScriptsError`),
            or nothing to mark in it (:class:`~marker.errors.NoQuestionError`: no known question).
    """
    _check_engine(engine, address, processes)
    input, out_dir, processes = Path(input), Path(out_dir), processes or os.cpu_count() or 1
    source, workspace = _source(questions, data_dir, workspace)
    catalogue = _catalogue(workspace, question_id)
    plan = plan_batch(input, question_id, catalogue, use_calibration, workspace.data_dir, texts or {})
    store = store if store is not None else JobStore(workspace.data_dir / "batches.sqlite3")
    options = {"engine": engine, "processes": processes, "questions": source.questions}
    run = _Engine(engine, address, processes, source, workspace, catalogue)
    with store.running(plan.job_id):  # the same job started twice at once: the second waits, then reuses
        before = plan.open(store, question_id, options | {"use_calibration": use_calibration})
        n_skipped = _mark_pending(store, plan, run, progress, retry_failed)
        store.finish_job(plan.job_id)
    result = _result(store, plan, out_dir, n_skipped, [*run.notes, *ocr_notes(plan.ocr)])
    return replace(result, marked_before=before)


def _catalogue(workspace: Workspace, question_id: str | None) -> dict[str, tuple[int, str]]:
    """Question id -> (maximum mark, rubric version) of every question, refusing an unknown ``question_id``."""
    catalogue = {q.id: (q.max_mark, q.version) for q in workspace.bank.questions.values()}
    if question_id is not None and question_id not in catalogue:
        raise UnknownQuestionError(question_id, catalogue)
    return catalogue


def _source(
    questions: str | Path | None, data_dir: str | Path | None, workspace: Workspace | None
) -> tuple[MarkerSource, Workspace]:
    """What workers build their marker from, and this process's workspace for it."""
    if workspace is not None:
        return MarkerSource.of(workspace), workspace
    source = MarkerSource.here(questions, data_dir)
    return source, workspace_for(source)


def _mark_pending(
    store: JobStore, plan: Plan, run: _Engine, progress: Progress | None, retry_failed: bool
) -> int:
    """Mark the scripts the store does not hold yet, committing each chunk; returns how many it held.

    The scripts are read from the input as the engine takes them, a few chunks ahead, and each
    chunk's rows are written to the store as soon as it is marked: nothing grows with the cohort
    but the set of script ids already done.
    """
    done = store.done_ids(plan.job_id, failed=not retry_failed)
    n_skipped = sum(plan.is_markable(sid) for sid in done)
    count, total = n_skipped, plan.n_markable
    if progress:
        progress(count, total)
    repeats = Repeats()  # a text met before in the batch is marked once (marker.repeats)
    pending = repeats.originals(s for s in plan.markable() if s.script_id not in done)
    for chunk, marked in run.outcomes(pending, _shares(plan, done)):
        count += _store(store, plan, run, [(chunk, marked), *as_chunks(repeats.copies(chunk, marked))])
        if progress:
            progress(count, total)
    leftover = [*as_chunks(repeats.ready()), *run.outcomes(repeats.waiting())]
    if leftover:
        count += _store(store, plan, run, leftover)
        if progress:
            progress(count, total)
    return n_skipped


def _store(store: JobStore, plan: Plan, run: _Engine, outcomes: list[tuple[Chunk, list[Marked]]]) -> int:
    """Store marked chunks' rows together (with the saved calibration applied); returns how many."""
    rows = [
        row
        for chunk, marked in outcomes
        for row in _calibrated_rows(plan.job_id, chunk, marked, plan.position, plan.cals, run.notes)
    ]
    store.save(rows)
    return len(rows)


def _shares(plan: Plan, done: set[str]) -> dict[str, int]:
    """Question id -> scripts still to mark, in order of first appearance (how workers share them)."""
    shares: dict[str, int] = {}
    for script_id, (_, _, qid) in plan.keys.items():
        if qid in plan.catalogue and script_id not in done:
            shares[qid] = shares.get(qid, 0) + 1
    return shares


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

    def outcomes(
        self, pending: Iterable[Script], shares: dict[str, int] | None = None
    ) -> Iterator[tuple[Chunk, list[Marked]]]:
        """Each chunk with its outcomes, as chunks finish (in any order); chunks are cut as they come.

        ``shares`` (question id -> scripts to mark) lets local workers keep to a few questions each.
        """
        chunks = iter_chunks(pending, versions=self.versions)
        first = list(itertools.islice(chunks, self.processes))  # no more workers than chunks
        if not first:
            return iter(())
        chunks = itertools.chain(first, chunks)
        if self.engine == "dask":
            assert self.address is not None
            return on_dask(chunks, self.source, self.address, self.fallback)
        if len(first) > 1:
            return in_pool(chunks, self.source, len(first), self.fallback, shares, here=self.in_this_process)
        return in_process(chunks, self.in_this_process())


def _result(store: JobStore, plan: Plan, out_dir: Path, n_skipped: int, notes: list[str]) -> BatchResult:
    """Write the outputs from everything the store holds for the job, and count it."""
    title = f"Class report: {plan.input.resolve().name or plan.input}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        outputs = write_job_outputs(store, plan.job_id, out_dir, title)
    except OSError as exc:
        raise MarkerError(
            f"The results cannot be written into {out_dir}: {exc.strerror or exc}. The marks are saved: "
            "run the same command again with another output folder to write them."
        ) from None
    counts = store.counts(plan.job_id)
    return BatchResult(
        job_id=plan.job_id,
        n_total=sum(counts.values()),
        n_marked=counts["marked"],
        n_failed=counts["failed"],
        n_rejected=counts["rejected"],
        n_skipped_already_done=n_skipped,
        duplicates=list(plan.stream.duplicates),
        outputs=outputs,
        records=JobRecords(store, plan.job_id),
        statuses=JobStatuses(store, plan.job_id),
        notes=notes,
        n_blank=plan.n_blank,
    )


def _calibrated_rows(
    job_id: str,
    chunk: Chunk,
    marked: list[Marked],
    position: Callable[[str], int],
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
                position=position(s.script_id),
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


__all__ = ["BatchResult", "JobRecords", "JobStatuses", "needs_check", "run_batch", "write_outputs"]
