"""The workspace: one data folder, and the one bank, marker, store and calibrations that go with it.

Every front end marks through a :class:`Workspace`, so the same answer gets the same mark
whether it is marked in the app, with ``marker mark``, in a batch worker (local or Dask) or
with :func:`marker.mark`:

- the **bank in use** is the shipped bank (package data), or the questions of an import file,
  with the teachers' saved versions, topics and model answers from the data folder laid over it;
- the **marker** (the spaCy pipeline) is built on first use, once per workspace;
- the **store** is the SQLite file of drafts and rubric versions in the data folder;
- **calibrations** saved for a question set its marks while they fit its rubric version.

Reads: the shipped bank, ``<data>/rubrics``, ``<data>/model_answers``, ``<data>/calibrations``,
``<data>/marker.sqlite3``. Writes: the same folders, only through its ``save_*`` methods::

    ws = Workspace()                      # $MARKER_DATA_DIR, else the per-user data folder
    ws.mark("rapallo-significance", "The Treaty of Rapallo ...").mark
    ws.save_question(edited, note="fewer points")   # the app's Save, `marker rubric save`
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import calibrate, userbank
from .bank import QuestionBank
from .errors import CalibrationError, MarkerError, RubricErrors
from .store import Store
from .store import data_dir as default_data_dir

if TYPE_CHECKING:
    from .calibrate import Calibration
    from .engine import Marker
    from .feedback import Feedback
    from .rubric import ModelAnswer, Question, Topic
    from .store import RubricVersion


class Workspace:
    """A data folder and everything marking needs from it.

    Args:
        data_dir: the data folder; by default ``$MARKER_DATA_DIR``, else the per-user data
            folder (``~/.local/share/marker`` on Linux). Created if missing.
        questions: an import file (see :mod:`marker.authoring`) whose questions replace the
            shipped bank; teachers' saved versions of those questions still apply.
        rubrics_dir, answers_dir: folders of another bank to use instead of the shipped one
            (default ``$MARKER_RUBRICS_DIR`` / ``$MARKER_ANSWERS_DIR``, else the shipped bank).

    Safe to share between threads (the Streamlit app does): changes go through one lock and
    marking through the marker's own.
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        questions: str | Path | None = None,
        *,
        rubrics_dir: str | Path | None = None,
        answers_dir: str | Path | None = None,
    ):
        self._bank_dirs = (rubrics_dir, answers_dir)
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.questions_file = Path(questions) if questions is not None else None
        self._marker: Marker | None = None
        self._store: Store | None = None
        self._lock = threading.RLock()
        self._calibrations: dict[str, tuple[int | None, Calibration | None]] = {}
        self.loaded = self._load()
        self._stamp = self.data_stamp()

    # ------------------------------------------------------------------ loading

    def _base(self) -> QuestionBank:
        """The bank before teachers' saved files: the shipped bank, or the import file's questions."""
        if self.questions_file is None:
            return QuestionBank.load(*self._bank_dirs)
        from .engine import load_marker

        # Imported questions need the pipeline to derive their points, so their marker comes too.
        self._marker = load_marker(self.questions_file)
        return self._marker.bank

    def _load(self) -> userbank.LoadedBank:
        return userbank.load_bank(self.data_dir, self._base(), only_known=self.questions_file is not None)

    @property
    def bank(self) -> QuestionBank:
        """The bank in use: shipped (or imported) questions with teachers' saved versions over them."""
        return self.loaded.bank

    @property
    def problems(self) -> list:
        """Saved files in the data folder that could not be used (each a RubricError)."""
        return self.loaded.problems

    @property
    def marker(self) -> Marker:
        """The marker over the bank in use (loads spaCy the first time)."""
        with self._lock:
            if self._marker is None:
                from .engine import Marker

                self._marker = Marker(self.bank)
            return self._marker

    @property
    def store(self) -> Store:
        """The SQLite store of drafts and rubric versions in the data folder."""
        with self._lock:
            if self._store is None:
                self._store = Store(self.data_dir / "marker.sqlite3")
            return self._store

    def question(self, question_id: str) -> Question:
        """A question of the bank in use (UnknownQuestionError lists the valid ids)."""
        return self.bank.question(question_id)

    def data_stamp(self) -> tuple:
        """What changes when another process saves a version, a model answer or a calibration."""
        stamp = []
        for sub in ("rubrics", "model_answers", "calibrations"):
            folder = self.data_dir / sub
            files = sorted(folder.rglob("*")) if folder.is_dir() else []
            stamp.append(tuple((str(f), f.stat().st_mtime_ns) for f in files if f.is_file()))
        return tuple(stamp)

    @property
    def stamp(self) -> tuple:
        """The :meth:`data_stamp` of what is in use: changes with every save taken in (here or by
        another process, once :meth:`refresh` has run), so results marked before it can be told apart."""
        return self._stamp

    def refresh(self) -> bool:
        """Take in what another process (the CLI, another app) saved since; True if anything changed.

        The running marker keeps its pipeline: new topics, versions and model answers are added
        to it, as the app's own saves are.
        """
        with self._lock:
            stamp = self.data_stamp()
            if stamp == self._stamp:
                return False
            if self._marker is None:
                self.loaded = self._load()
            else:
                fresh = userbank.load_bank(
                    self.data_dir, QuestionBank(topics=dict(self.bank.topics)), only_known=False
                )
                for topic in fresh.bank.topics.values():
                    self._marker.use_topic(topic)
                for question in fresh.bank.questions.values():
                    if self.questions_file is None or question.id in self.bank.questions:
                        self._marker.use_question(question)
                for answers in fresh.bank.model_answers.values():
                    for answer in answers:
                        self._marker.use_model_answer(answer)
                self.loaded = userbank.LoadedBank(self._marker.bank, fresh.problems, fresh.versions)
            self._stamp = stamp
            self._calibrations.clear()
            return True

    # ------------------------------------------------------------------ marking

    def mark(self, question_id: str, text: str, *, calibrated: bool = True) -> Feedback:
        """Mark one answer (calibrated when a saved calibration fits the question's rubric version)."""
        return self.mark_many(question_id, [text], calibrated=calibrated)[0]

    def warm(self, question_id: str) -> bool:
        """Build the question's index (:meth:`Marker.warm`) before its first answer arrives."""
        return self.marker.warm(self.question(question_id).id)

    def mark_many(
        self,
        question_id: str,
        texts: Iterable[str],
        *,
        calibrated: bool = True,
        batch_size: int = 16,
    ) -> list[Feedback]:
        """Mark answers to one question in one ``nlp.pipe`` pass, then calibrate them if a calibration fits."""
        texts = list(texts)
        question = self.question(question_id)  # an unknown id fails before spaCy loads
        feedbacks = self.marker.mark_many(question.id, texts, batch_size=batch_size)
        return self.calibrated(feedbacks, texts) if calibrated else feedbacks

    def calibrated(self, feedbacks: Sequence[Feedback], texts: Sequence[str]) -> list[Feedback]:
        """Feedbacks with each question's saved calibration applied where it fits the rubric version."""
        out = list(feedbacks)
        by_question: dict[str, list[int]] = {}
        for i, fb in enumerate(feedbacks):
            by_question.setdefault(fb.question_id, []).append(i)
        for qid, idx in by_question.items():
            cal, _why = self.calibration(qid)
            if cal is None:
                continue
            done = cal.apply([feedbacks[i] for i in idx], [texts[i] for i in idx])
            for i, fb in zip(idx, done, strict=True):
                out[i] = fb
        return out

    def calibration(self, question_id: str) -> tuple[Calibration | None, str]:
        """The calibration that sets a question's marks, else None and why a saved one is not used.

        The question's own calibration if it fits the rubric version in use, else a pooled one
        saved for questions out of the same maximum mark (as batch marking has always done).
        """
        question = self.question(question_id)
        saved, damaged = {}, ""
        for key in (question.id, f"*{question.max_mark}"):
            try:
                cal = self._saved(key)
            except CalibrationError as exc:  # a damaged file: mark without it and say so
                damaged = damaged or f"{exc} Marking without it."
                continue
            if cal is not None:
                saved[key] = cal
            elif calibrate.calibration_path(self.data_dir, key).exists():  # saved in another format
                damaged = damaged or (
                    f"The saved calibration of '{key}' was made by another version of marker; marking "
                    "without it (run 'marker calibrate' again)."
                )
        cal, why = calibrate.calibration_for(saved, question.id, question.max_mark, question.version)
        return cal, why or damaged

    def _saved(self, key: str) -> Calibration | None:
        """A saved calibration, read again only when its file changes."""
        path = calibrate.calibration_path(self.data_dir, key)
        stamp = path.stat().st_mtime_ns if path.exists() else None
        with self._lock:
            cached = self._calibrations.get(key)
            if cached is None or cached[0] != stamp:
                cached = (stamp, calibrate.load(self.data_dir, key) if stamp is not None else None)
                self._calibrations[key] = cached
        return cached[1]

    def calibration_note(self, question_id: str) -> str:
        """Why a saved calibration of the question is not used ('' when none is saved or it is used)."""
        return self.calibration(question_id)[1]

    # ------------------------------------------------------------------ saving

    def save_question(self, question: Question, note: str = "", source: Path | None = None) -> RubricVersion:
        """Save a rubric as the question's next version (exactly what the app's Save does) and use it.

        ``source`` is the file it was read from, if any, so that problems name its lines.

        Raises:
            RubricErrors: the question does not fit the knowledge base (unknown topic or concepts).
        """
        from .bank import cross_check

        problems = cross_check(question, self.bank.topics, source)
        if problems:
            raise RubricErrors(problems)
        with self._lock:
            version = userbank.save_question(question, self.data_dir, self.store, note)
            if self._marker is not None:
                self._marker.use_question(question)
            else:
                self.bank.add_question(question, Path(version.path))
            self.loaded.versions[question.id] = version.number
            self._stamp = self.data_stamp()
        return version

    def save_topic(self, topic: Topic) -> Path:
        """Save a teacher's topic (it comes with a question built from model answers) and use it."""
        with self._lock:
            path = userbank.save_topic(topic, self.data_dir)
            if self._marker is not None:
                self._marker.use_topic(topic)
            else:
                self.bank.topics.setdefault(topic.id, topic)
            self._stamp = self.data_stamp()
        return path

    def save_model_answer(self, answer: ModelAnswer) -> Path:
        """Save a model answer to the data folder and use it."""
        with self._lock:
            path = userbank.save_model_answer(answer, self.data_dir)
            if self._marker is not None:
                self._marker.use_model_answer(answer)
            else:
                self.bank.add_model_answer(answer)
            self._stamp = self.data_stamp()
        return path

    def saved_calibrations(self) -> dict[str, Calibration]:
        """The saved calibrations of the bank's questions (whether or not they fit the rubric now),
        and the pooled ones (``"*<max_mark>"``) of their maximum marks."""
        out = {}
        pooled = sorted({f"*{q.max_mark}" for q in self.bank.questions.values()})
        for qid in [*self.bank.questions, *pooled]:
            cal = calibrate.load(self.data_dir, qid)
            if cal is not None:
                out[qid] = cal
        return out


def open_workspace(data_dir: str | Path | None = None, questions: str | Path | None = None) -> Workspace:
    """A workspace, with a missing questions file reported as a user error."""
    if questions is not None and not Path(questions).is_file():
        raise MarkerError(f"No such questions file: {questions}")
    return Workspace(data_dir, questions)
