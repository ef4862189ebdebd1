"""What a batch will mark: its input read once to name the job, and its scripts sorted as they come.

Reads the input through :func:`~marker.ingest.ingest_stream` (a table is read again on each
pass, never held), the saved calibrations of its questions, and the teacher's checked OCR
transcriptions; writes nothing but the job's rejected rows (:meth:`Plan.open`). One pass learns
what the job id needs (each script's id, text hash and question) and what the batch reports
(blank answers, OCR reads); the marking pass reads the input again (:meth:`Plan.markable`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from . import calibrate
from .errors import MarkerError, NoQuestionError
from .ingest import ScriptStream, ingest_stream
from .jobstore import JobStore, StoredResult, job_id_of, now
from .scripts import Script, bare_id, student_from, text_sha, unique_id
from .tuning import TUNING

NO_QUESTION = (
    "no question given for this script: choose the question to mark against "
    "(--question, or the Question box), or add a question_id column to the table"
)
CHANGED = (
    "{input} changed while it was being marked ({what}). The scripts marked so far are saved: "
    "run the same command again to mark it as it is now."
)


@dataclass
class Plan:
    """The scripts of a job, known by id; their texts are read again when they are marked.

    Attributes:
        job_id: the job's id (:func:`~marker.jobstore.job_id_for`).
        input: where the scripts came from (for messages).
        stream: the scripts, with the default question and checked transcriptions applied.
        catalogue: question id -> (maximum mark, rubric version) of every known question.
        keys: script_id -> (position, text hash, question id) of every script, in input order.
        n_markable: scripts with a known question; the others are rejected.
        n_blank: blank answers among them (marked 0).
        cals: the saved calibrations that may apply.
        ocr: the scripts read by OCR (from scans or photos; held, as their files are).
    """

    job_id: str
    input: Path
    stream: ScriptStream
    catalogue: dict[str, tuple[int, str]]
    keys: dict[str, tuple[int, str, str | None]]
    n_markable: int
    n_blank: int = 0
    cals: dict = field(default_factory=dict)
    ocr: list[Script] = field(default_factory=list)

    @property
    def n_scripts(self) -> int:
        return len(self.keys)

    def is_markable(self, script_id: str) -> bool:
        key = self.keys.get(script_id)
        return key is not None and key[2] in self.catalogue

    def position(self, script_id: str) -> int:
        return self.keys[script_id][0]

    def markable(self) -> Iterator[Script]:
        """The scripts to mark, read again from the input, checked against the first pass.

        Raises:
            MarkerError: the input changed since the first pass (a script added, or its text changed).
        """
        for s in self.stream:
            key = self.keys.get(s.script_id)
            if key is None or key[1] != s.sha:
                what = f"script {s.script_id} is {'new' if key is None else 'not as it was'}"
                raise MarkerError(CHANGED.format(input=self.input, what=what))
            if s.question_id in self.catalogue:
                yield s

    def open(self, store: JobStore, question_id: str | None, options: dict) -> str:
        """Open (or reopen) the job in the store, with its rejected scripts as of this run.

        Returns when the job was first run if it was already in the store (else "").
        """
        earlier = store.job(self.job_id)
        store.open_job(
            self.job_id,
            input=str(self.input),
            question_id=question_id,
            n_scripts=self.n_scripts,
            options=options,
        )
        store.replace_rejected(self.job_id, self.rejected_rows())
        return earlier.created if earlier is not None else ""

    def rejected_rows(self) -> Iterator[StoredResult]:
        """Scripts with no known question, then files that could not be read."""
        at = now()
        if self.n_markable < self.n_scripts:  # else no need to read the input again
            valid = ", ".join(sorted(self.catalogue))
            for pos, s in enumerate(self.stream):
                if s.question_id is None:
                    why = NO_QUESTION
                elif s.question_id not in self.catalogue:
                    why = f"unknown question id '{s.question_id}'; valid ids: {valid}"
                else:
                    continue
                yield StoredResult(
                    self.job_id, s.script_id, pos, s.student, s.source, s.question_id, s.sha,
                    status="rejected", mark=None, feedback=None, error=why, answer=s.text, marked_at=at,
                    ocr_confidence=s.ocr_confidence,
                )  # fmt: skip
        rejected = self.stream.rejected
        taken: set[str] | None = None
        for i, r in enumerate(rejected):
            script_id = r.script_id
            if not script_id:  # every reader names them; kept for a Rejected made without one
                taken = taken if taken is not None else set(self.keys) | {x.script_id for x in rejected}
                script_id = unique_id(bare_id(r.source), taken)
            yield StoredResult(
                self.job_id, script_id, self.n_scripts + i, _rejected_name(r.source), r.source, None, None,
                status="rejected", mark=None, feedback=None, error=r.reason, answer="", marked_at=at,
            )  # fmt: skip


def plan_batch(
    input: Path,
    question_id: str | None,
    catalogue: dict[str, tuple[int, str]],
    use_calibration: bool,
    folder: Path,
    texts: Mapping[str, str],
) -> Plan:
    """Read the input once and sort its scripts; the job id follows from them and what marks them.

    Raises:
        MarkerError: nothing in the input (:class:`~marker.errors.UploadError` and
            :class:`~marker.errors.ScriptsError` for one that cannot be read at all).
        NoQuestionError: no script can be marked (nothing is opened).
    """
    stream = _prepared(ingest_stream(input), question_id, texts)
    if not stream.count and not stream.rejected:
        raise MarkerError(
            f"No scripts found in {input}: give a folder or .zip of .txt, .md, .docx or .pdf files, "
            "or a .csv/.xlsx table with an 'answer' column."
        )
    plan = Plan("", input, stream, catalogue, {}, 0)
    qids: dict[str, None] = {}
    named: set[str] = set()
    checked_ids: list[str] = []
    shared: dict[str | None, str | None] = {}  # one string per question id, not one per script
    for position, s in enumerate(stream):
        plan.keys[s.script_id] = (position, s.sha, shared.setdefault(s.question_id, s.question_id))
        if s.question_id in catalogue:
            plan.n_markable += 1
            plan.n_blank += not s.text.strip()
            qids.setdefault(s.question_id, None)
        elif s.question_id:
            named.add(s.question_id)
        if s.checked:
            checked_ids.append(s.script_id)
        if s.ocr_confidence is not None:
            plan.ocr.append(s)
    if plan.keys and not plan.n_markable:  # refused before a job is opened
        raise NoQuestionError(str(input), plan.n_scripts, named, question_id, catalogue)
    plan.cals = _calibrations(list(qids), catalogue, folder) if use_calibration else {}
    salt = _rubric_salt(list(qids), catalogue, plan.cals, use_calibration)
    if checked_ids:  # a checked transcription no longer needs its advisory
        salt += ";checked=" + ",".join(sorted(checked_ids))
    # The question each script is marked against (its own, else the default) names the job.
    plan.job_id = job_id_of(((sid, sha, qid or "") for sid, (_, sha, qid) in plan.keys.items()), salt)
    return plan


def _prepared(stream: ScriptStream, question_id: str | None, texts: Mapping[str, str]) -> ScriptStream:
    """The scripts with the default question where they name none, and checked transcriptions."""

    def prepare(s: Script) -> Script:
        if s.question_id is None and question_id is not None:
            s = replace(s, question_id=question_id)
        return checked(s, texts)

    return stream.mapped(prepare) if question_id is not None or texts else stream


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


# ---------------------------------------------------------------------------------------
# Scripts read by OCR
# ---------------------------------------------------------------------------------------


def checked(script: Script, texts: Mapping[str, str]) -> Script:
    """The script with the teacher's checked transcription in place of what OCR read, if there is one."""
    if script.script_id in texts and script.ocr_confidence is not None:
        text = texts[script.script_id]
        return replace(script, text=text.strip(), sha=text_sha(text), checked=True)
    return script


def needs_check(script: Script) -> bool:
    """Read by OCR, unsure of some lines or of the whole, and not yet checked by the teacher."""
    if script.ocr_confidence is None or script.checked:
        return False
    return script.ocr_confidence < TUNING.ocr.check_below or bool(script.ocr_doubtful)


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


__all__ = ["NO_QUESTION", "Plan", "checked", "needs_check", "ocr_notes", "plan_batch"]
