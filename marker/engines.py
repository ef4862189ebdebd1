"""Where scripts are marked: in this process, in a local process pool, or on a Dask cluster.

Reads chunks of :class:`~marker.scripts.Script` (one question each) and returns each script's
:class:`Marked` outcome (its Feedback, or why it failed); writes nothing. Each worker builds
its Marker once, in :func:`build_worker_marker`, and keeps it (:func:`marker_for`). The engine
is deterministic, so the marks are the same whichever engine marks them; only the speed differs.
"""

from __future__ import annotations

import atexit
import gc
import itertools
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .chunks import Chunk, cut, share_of_rest
from .engine import Marker
from .errors import MarkerError
from .feedback import Feedback
from .worker_start import fork_workers, load_encoder, quiet_pool_race, start_method

if TYPE_CHECKING:
    from .workspace import Workspace

#: Chunks given to each worker ahead of the one it is marking: enough to keep it busy, few
#: enough that a cohort's scripts (and their feedback) are never all in flight at once.
AHEAD_PER_WORKER = 2
ENGINES = ("local", "dask")
NEEDS_DASK = 'Batch marking with the Dask engine needs Dask: pip install -e ".[dask]"'


# ---------------------------------------------------------------------------------------
# Where a worker's Marker comes from (in this process, in a pool worker, on a Dask worker)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerSource:
    """What a worker builds its Marker from: the workspace of a data folder.

    That is the data folder (teachers' saved versions and model answers), and a questions
    file or the bank's folders. Folders left as None mean the worker's own defaults
    (``$MARKER_RUBRICS_DIR``, else the shipped bank). A Dask worker on another machine must see
    the same data folder path; a worker whose rubric version differs from the batch's refuses
    the chunk, which is then marked in the submitting process (and the batch says so).
    """

    data_dir: str
    questions: str | None = None
    rubrics_dir: str | None = None
    answers_dir: str | None = None

    @classmethod
    def here(cls, questions: str | Path | None, data_dir: str | Path | None = None) -> MarkerSource:
        """The source this process would use: its data folder, and the questions file or the bank
        its environment names."""
        from .store import data_dir as default_data_dir

        folder = str(Path(data_dir).resolve()) if data_dir is not None else str(default_data_dir())
        if questions is not None:
            return cls(folder, questions=str(Path(questions).resolve()))
        return cls(
            folder,
            rubrics_dir=os.environ.get("MARKER_RUBRICS_DIR") or None,
            answers_dir=os.environ.get("MARKER_ANSWERS_DIR") or None,
        )

    @classmethod
    def of(cls, workspace: Workspace) -> MarkerSource:
        """The source that rebuilds a workspace in another process."""
        return cls.here(workspace.questions_file, workspace.data_dir)

    def _files(self) -> list[Path]:
        data = Path(self.data_dir)
        saved = [*sorted(data.glob("rubrics/**/*.y*ml")), *sorted(data.glob("model_answers/*/*.md"))]
        if self.questions:
            return [Path(self.questions), *saved]
        from .bank import DEFAULT_ANSWERS, DEFAULT_RUBRICS

        rubrics = Path(self.rubrics_dir or os.environ.get("MARKER_RUBRICS_DIR") or DEFAULT_RUBRICS)
        answers = Path(self.answers_dir or os.environ.get("MARKER_ANSWERS_DIR") or DEFAULT_ANSWERS)
        return [
            *sorted(rubrics.glob("topics/*.y*ml")),
            *sorted(rubrics.glob("questions/*.y*ml")),
            *sorted(answers.glob("*/*.md")),
            *saved,
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


def build_workspace(source: MarkerSource) -> Workspace:
    """The one place a worker (this process, a pool worker, a Dask worker) builds what it marks with."""
    from .workspace import Workspace

    return Workspace(
        source.data_dir, source.questions, rubrics_dir=source.rubrics_dir, answers_dir=source.answers_dir
    )


# One workspace per source per process: spaCy loads once in each worker, not once per chunk.
_WORKSPACES: dict[tuple, Workspace] = {}
_WORKSPACES_LOCK = threading.Lock()


def workspace_for(source: MarkerSource) -> Workspace:
    """This process's workspace for a source, built on first use and kept while its files are unchanged."""
    key = source.key()
    with _WORKSPACES_LOCK:
        ws = _WORKSPACES.get(key)
        if ws is None:
            if len(_WORKSPACES) >= 4:
                _WORKSPACES.clear()
            ws = _WORKSPACES[key] = build_workspace(source)
        return ws


def forget_workspaces() -> None:
    """Drop this process's workspaces (benchmarks start each engine as a new process would)."""
    with _WORKSPACES_LOCK:
        _WORKSPACES.clear()


def marker_for(source: MarkerSource) -> Marker:
    """This process's Marker for a source (its workspace's), built on first use and kept."""
    return workspace_for(source).marker


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
    """Pool initializer: load spaCy and the bank once, before the first chunk arrives; the
    process ends at once when the pool is shut down (:func:`end_quickly_at_exit`)."""
    marker_for(source)
    end_quickly_at_exit()


def end_quickly_at_exit() -> None:
    """End this process, when it exits, without freeing its objects one by one.

    For a local pool worker, whose results are sent and which writes no file after marking:
    Python's own exit frees spaCy's pipeline, the encoder and the indexes object by object,
    which took 1.2-1.4 s of CPU (2.2-2.8 s of wall time on a loaded machine, 0.2 s with this),
    and the batch waits for its workers to end before writing its outputs. Registered last,
    so it runs first among the exit handlers, and the others do not run.
    """
    atexit.register(_end_now)


def _end_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(0)


def mark_chunk_on_worker(
    source: MarkerSource, question_id: str, items: Sequence[tuple[str, str]], version: str = ""
) -> list[Marked]:
    """A pool or Dask task: mark a chunk with this worker's cached Marker.

    Raises:
        MarkerError: this worker's rubric of the question is not the batch's ``version`` (a worker
            that does not see the same data folder); the chunk is then marked by the submitter.
    """
    marker = marker_for(source)
    have = marker.bank.question(question_id).version
    if version and have != version:
        raise MarkerError(
            f"this worker marks '{question_id}' with rubric {have}, the batch with {version}: "
            f"does it see the data folder {source.data_dir}?"
        )
    return mark_chunk(marker, question_id, items)


# ---------------------------------------------------------------------------------------
# Engines: each yields (chunk, outcomes) as chunks finish
# ---------------------------------------------------------------------------------------


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise MarkerError(NEEDS_DASK) from None
    return distributed


def in_process(chunks: Iterable[Chunk], marker: Marker) -> Iterator[tuple[Chunk, list[Marked]]]:
    for chunk in chunks:
        yield chunk, mark_chunk(marker, chunk.question_id, chunk.items)


def homes(shares: Mapping[str, int], workers: int) -> list[set[str]]:
    """The questions each worker is given: the scripts laid end to end, question after question,
    and cut into ``workers`` equal parts, so that each worker builds few questions' indexes and
    all have the same number of scripts. A question split by a cut goes to both sides.

    >>> [sorted(h) for h in homes({"q1": 60, "q2": 60, "q3": 60, "q4": 60}, 2)]
    [['q1', 'q2'], ['q3', 'q4']]
    >>> [sorted(h) for h in homes({"q1": 80, "q2": 80, "q3": 80}, 2)]
    [['q1', 'q2'], ['q2', 'q3']]
    >>> [sorted(h) for h in homes({"q1": 100}, 2)]
    [['q1'], ['q1']]
    """
    total = sum(n for n in shares.values() if n > 0)
    out: list[set[str]] = [set() for _ in range(workers)]
    start = 0
    for qid, n in shares.items():
        if n <= 0:
            continue
        for k in range(start * workers // total, (start + n - 1) * workers // total + 1):
            out[k].add(qid)
        start += n
    return out


class _Here:
    """This process as one of the workers: a chunk is marked when it is submitted (the caller waits)."""

    def __init__(self, marker: Callable[[], Marker]):
        self.marker = marker

    def submit(self, fn, source, question_id: str, items, version: str = "") -> Future:
        future: Future = Future()
        try:
            future.set_result(mark_chunk(self.marker(), question_id, items))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@dataclass(eq=False)
class _Worker:
    """One worker process (a pool of one, so that chunks can be sent to it and no other), or this process."""

    pool: ProcessPoolExecutor | _Here
    #: The questions it is given (and those it has marked since); None: any question.
    known: set[str] | None
    running: int = 0
    alive: bool = True
    #: A copy of this process (forked), not a new interpreter (spawned).
    forked: bool = False

    @property
    def here(self) -> bool:
        return isinstance(self.pool, _Here)


class _Scheduler:
    """Sends each chunk to a worker that has its question, reading a few chunks ahead for it.

    A worker with nothing to mark takes any chunk waiting rather than stay idle; one that
    died leaves its questions to the others. At most ``1 + AHEAD_PER_WORKER`` chunks per
    worker are in flight and as many in all wait, so memory does not grow with the cohort.
    """

    def __init__(
        self, chunks: Iterable[Chunk], workers: list[_Worker], assigned: set[str], total: int | None = None
    ):
        self.todo, self.workers, self.assigned = iter(chunks), workers, assigned
        self.depth = 1 + AHEAD_PER_WORKER
        self.lookahead = self.depth * len(workers)
        self.waiting: deque[Chunk] = deque()
        self.running: dict[Future, tuple[Chunk, _Worker]] = {}
        #: Scripts not handed out yet, at most (a copy of a text already sent is not sent); None: unknown.
        self.unsent = total
        self.all_read = False

    def _takes(self, worker: _Worker, qid: str) -> bool:
        return worker.known is None or qid in worker.known or qid not in self.assigned

    def _next_for(self, worker: _Worker) -> Chunk | None:
        for i, chunk in enumerate(self.waiting):
            if self._takes(worker, chunk.question_id):
                del self.waiting[i]
                return chunk
        while len(self.waiting) < self.lookahead:
            chunk = next(self.todo, None)
            if chunk is None:
                self.all_read = True
                break
            if self._takes(worker, chunk.question_id):
                return chunk
            self.waiting.append(chunk)
        if worker.running == 0 and self.waiting:  # idle: build another question's index, not wait
            return self.waiting.popleft()
        if worker.running == 0:  # idle at the end: take back a chunk another has not started
            return self._take_back(worker)
        return None

    def _portion(self, chunk: Chunk) -> Chunk:
        """All of a chunk, or near the end of the batch its first part (the rest is next in line),
        so that the workers finish together (:func:`~marker.chunks.share_of_rest`)."""
        if self.all_read:  # exact: what waits and this chunk
            left = len(chunk.scripts) + sum(len(c.scripts) for c in self.waiting)
        elif self.unsent is not None:
            left = self.unsent
        else:
            return chunk
        head, rest = cut(chunk, share_of_rest(left, sum(w.alive for w in self.workers)))
        if rest is not None:
            self.waiting.appendleft(rest)
        return head

    def _take_back(self, worker: _Worker) -> Chunk | None:
        """The chunk last sent to the worker with the most queued, if it has not started it."""
        for future, (chunk, owner) in reversed(list(self.running.items())):
            if owner is not worker and owner.running > 1 and future.cancel():
                del self.running[future]
                owner.running -= 1
                return chunk
        return None

    def fill(self, source: MarkerSource) -> list[tuple[Chunk, BaseException]]:
        """Give every live worker process chunks up to its depth, then this process one chunk to
        mark now (if it is one of the workers); returns the chunks none could take."""
        refused: list[tuple[Chunk, BaseException]] = []
        busy = True
        while busy:
            busy = False
            for worker in [w for w in self.workers if w.alive and not w.here and w.running < self.depth]:
                busy = self._give(worker, source, refused) or busy
        for worker in [w for w in self.workers if w.alive and w.here and w.running == 0]:
            self._give(worker, source, refused)
        return refused

    def _give(self, worker: _Worker, source: MarkerSource, refused: list) -> bool:
        chunk = self._next_for(worker)
        if chunk is None:
            return False
        chunk = self._portion(chunk)
        if self.unsent is not None:
            self.unsent -= len(chunk.scripts)
        try:
            future = worker.pool.submit(
                mark_chunk_on_worker, source, chunk.question_id, chunk.items, chunk.version
            )
        except Exception as exc:  # the worker died: the others take its questions
            self.lost(worker)
            refused.append((chunk, exc))
            return True
        if worker.known is not None:
            worker.known.add(chunk.question_id)
        worker.running += 1
        self.running[future] = (chunk, worker)
        return True

    def leftover(self) -> Iterator[Chunk]:
        """The chunks no worker took (none is left alive), read one at a time."""
        while self.waiting:
            yield self.waiting.popleft()
        yield from self.todo

    def lost(self, worker: _Worker) -> None:
        worker.alive = False
        for w in self.workers:
            w.known = None


def in_pool(
    chunks: Iterable[Chunk],
    source: MarkerSource,
    workers: int,
    fallback: Callable[[Chunk, BaseException], list[Marked]],
    shares: Mapping[str, int] | None = None,
    here: Callable[[], Marker] | None = None,
) -> Iterator[tuple[Chunk, list[Marked]]]:
    """Chunks marked by ``workers`` processes, yielded as they finish.

    ``shares`` (question id -> scripts to mark) lets each worker keep to a few questions
    (:func:`homes`): a question's index (its model answers parsed, its wordings encoded) is
    then built by fewer workers. With ``here`` (what gives this process's Marker), this process
    is one of the ``workers``: it marks a chunk whenever the others have theirs, and so starts
    no interpreter, imports nothing more and loads nothing twice; and where it is safe
    (:func:`start_method`), the other workers are forked from it once it has loaded its Marker,
    so they start with it too. Only
    :data:`AHEAD_PER_WORKER` chunks per worker process are submitted ahead, and a finished
    chunk is forgotten once yielded, so memory does not grow with the number of scripts. A
    chunk a worker could not mark is given to ``fallback``.
    """
    quiet_pool_race()
    spread = homes(shares, workers) if shares else [None] * workers
    pool = start_workers(source, spread, here)
    plan = _Scheduler(chunks, pool, set(shares or ()), sum(shares.values()) if shares else None)
    try:
        for chunk, exc in plan.fill(source):
            yield chunk, fallback(chunk, exc)
        while plan.running:
            finished, _ = wait(plan.running, return_when=FIRST_COMPLETED)
            for future in finished:
                chunk, worker = plan.running.pop(future)
                worker.running -= 1
                try:
                    marked = future.result()
                except Exception as exc:  # a worker died or could not start
                    if isinstance(exc, BrokenProcessPool):
                        plan.lost(worker)
                    marked = fallback(chunk, exc)
                yield chunk, marked
            for chunk, exc in plan.fill(source):
                yield chunk, fallback(chunk, exc)
        for chunk in plan.leftover():  # every worker died: this process marks the rest
            yield chunk, fallback(chunk, BrokenProcessPool("no worker process is left"))
    finally:
        stop_workers(pool)


def start_workers(
    source: MarkerSource, spread: Sequence[set[str] | None], here: Callable[[], Marker] | None = None
) -> list[_Worker]:
    """A worker per entry of ``spread`` (the questions each is given): processes, and with
    ``here`` this process as the last one. Forked from this process once it has loaded its
    Marker and the encoder, where :func:`start_method` says so, else spawned (each then starts
    at its first chunk). The caller ends them with :func:`stop_workers`.
    """
    method = start_method(here is not None)
    if method == "fork":  # loaded here first, so that the copies start with it all in memory
        try:
            here()  # type: ignore[misc]
            load_encoder()
        except Exception:  # marking says what is wrong, script by script, as with spawned workers
            method = "spawn"
    context = multiprocessing.get_context(method)
    processes = len(spread) - 1 if here is not None else len(spread)
    pool = [
        _Worker(
            ProcessPoolExecutor(1, context, initializer=_warm_worker, initargs=(source,)),
            known,
            forked=method == "fork",
        )
        for known in spread[:processes]
    ]
    if method == "fork":
        try:
            fork_workers([w.pool for w in pool if isinstance(w.pool, ProcessPoolExecutor)])
        except BaseException:
            stop_workers(pool)
            raise
    if here is not None:
        pool.append(_Worker(_Here(here), spread[-1]))
    return pool


def stop_workers(pool: Sequence[_Worker]) -> None:
    """Shut the workers' pools down (their waiting chunks cancelled), and let Python's collector
    visit again the objects frozen for the forks, if any was forked."""
    for worker in pool:
        worker.pool.shutdown(wait=True, cancel_futures=True)
    if any(w.forked for w in pool):
        gc.unfreeze()


def on_dask(
    chunks: Iterable[Chunk],
    source: MarkerSource,
    address: str,
    fallback: Callable[[Chunk, BaseException], list[Marked]],
) -> Iterator[tuple[Chunk, list[Marked]]]:
    """Chunks marked on a Dask cluster, yielded as they finish, a few per worker in flight."""
    distributed = import_distributed()
    try:
        client = distributed.Client(address, timeout="30s")
    except Exception as exc:
        raise MarkerError(
            f"Cannot reach the Dask scheduler at {address} ({exc}). Check --address, and that the "
            "scheduler and its workers are running."
        ) from None
    todo = iter(chunks)
    running: dict = {}
    finished = distributed.as_completed()

    def submit(n: int) -> None:
        for c in itertools.islice(todo, n):
            future = client.submit(
                mark_chunk_on_worker, source, c.question_id, c.items, c.version, pure=False
            )
            running[future] = c
            finished.add(future)

    try:
        workers = max(1, sum(client.nthreads().values()))
        submit(workers * (1 + AHEAD_PER_WORKER))
        for future in finished:
            chunk = running.pop(future)
            try:
                marked = future.result()
            except Exception as exc:  # a worker died, or cannot import marker or load the bank
                marked = fallback(chunk, exc)
            future.release()
            yield chunk, marked
            submit(1)
    finally:
        client.close()
