"""Where scripts are marked: in this process, in a local process pool, or on a Dask cluster.

Reads chunks of :class:`~marker.scripts.Script` (one question each) and returns each script's
:class:`Marked` outcome (its Feedback, or why it failed); writes nothing. Each worker builds
its Marker once, in :func:`build_worker_marker`, and keeps it (:func:`marker_for`). The engine
is deterministic, so the marks are the same whichever engine marks them; only the speed differs.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import as_completed as futures_completed
from dataclasses import dataclass
from pathlib import Path

from .engine import Marker, load_marker
from .errors import MarkerError
from .feedback import Feedback
from .scripts import Script

#: Scripts marked (and committed) together: a crash loses at most this many.
CHUNK_SIZE = 16
ENGINES = ("local", "dask")
NEEDS_DASK = 'Batch marking with the Dask engine needs Dask: pip install -e ".[dask]"'


# ---------------------------------------------------------------------------------------
# Where a worker's Marker comes from (in this process, in a pool worker, on a Dask worker)
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


def build_worker_marker(source: MarkerSource) -> Marker:
    """The one place a worker (this process, a pool worker, a Dask worker) builds its Marker.

    From the questions file if the source names one, else from the bank's folders (None:
    the worker's own defaults). Swap this to change what every engine marks with.
    """
    if source.questions:
        return load_marker(source.questions)
    from .bank import QuestionBank

    return Marker(QuestionBank.load(source.rubrics_dir, source.answers_dir))


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
            marker = _MARKERS[key] = build_worker_marker(source)
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
class Chunk:
    question_id: str
    scripts: tuple[Script, ...]

    @property
    def items(self) -> list[tuple[str, str]]:
        return [(s.script_id, s.text) for s in self.scripts]


def make_chunks(scripts: Sequence[Script], size: int = CHUNK_SIZE) -> list[Chunk]:
    """Scripts grouped by question (in order of first appearance), then cut into chunks."""
    groups: dict[str, list[Script]] = {}
    for s in scripts:
        groups.setdefault(s.question_id or "", []).append(s)
    return [
        Chunk(qid, tuple(group[i : i + size]))
        for qid, group in groups.items()
        for i in range(0, len(group), size)
    ]


def import_distributed():
    try:
        import distributed
    except ImportError:
        raise MarkerError(NEEDS_DASK) from None
    return distributed


def in_process(chunks: list[Chunk], marker: Marker) -> Iterator[tuple[Chunk, list[Marked]]]:
    for chunk in chunks:
        yield chunk, mark_chunk(marker, chunk.question_id, chunk.items)


def in_pool(
    chunks: list[Chunk],
    source: MarkerSource,
    workers: int,
    fallback: Callable[[Chunk, BaseException], list[Marked]],
) -> Iterator[tuple[Chunk, list[Marked]]]:
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


def on_dask(
    chunks: list[Chunk],
    source: MarkerSource,
    address: str,
    fallback: Callable[[Chunk, BaseException], list[Marked]],
) -> Iterator[tuple[Chunk, list[Marked]]]:
    distributed = import_distributed()
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
