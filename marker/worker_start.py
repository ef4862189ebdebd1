"""How local batch workers start: forked from this process where that is safe, else spawned.

A forked worker is a copy of the process that runs the batch, made once that process has
loaded spaCy's pipeline, the encoder and the bank, so it is ready at once and shares their
memory until either writes to a page; a spawned one is a new interpreter that imports and loads
them again (7-8 s of CPU). :func:`start_method` chooses, :func:`fork_workers` forks.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

#: Environment variable that forces how local worker processes start: "fork" or "spawn" (unset:
#: :func:`start_method` chooses). For comparing the two, and for a setting where forking is unwanted.
START_ENV = "MARKER_WORKER_START"


def start_method(here: bool) -> str:
    """How this batch's local worker processes start: "fork" or "spawn".

    "fork" makes each worker a copy of this process, with spaCy's pipeline, the encoder, the
    bank and every module already loaded (shared with this process until either writes to a
    page): a worker is ready at once, where a spawned one spends 7-8 s of CPU importing and
    loading them again. It is chosen only where it is safe:

    - on Linux (Python's documentation calls a fork unsafe on macOS: a copy can crash there);
    - when this process is one of the workers (``here``), so it has loaded what the copies share;
    - when no other Python thread runs in this process (the command line; not the app's web
      server or a Dask client): a thread that holds a lock at the moment of the fork leaves
      the copy's lock held forever. The native threads a loaded marker has are safe: the two
      OpenBLAS pools (numpy's and scipy's) stop themselves before a fork, jemalloc's (pyarrow's)
      prepares for it, the tokenizer's pool is not used by the copies (:func:`fork_workers`),
      and the encoder's onnxruntime session runs on the calling thread, with no pool of its own
      (``ONNX_THREADS`` is 1: checked here);
    - when this Python's process pool can start its workers before its own threads
      (``ProcessPoolExecutor._launch_processes``, Python 3.11 to 3.13).

    Otherwise "spawn", a new interpreter per worker, which is what macOS and Windows do anyway.
    :data:`START_ENV` ("fork" or "spawn") overrides the choice (never to fork where the platform
    cannot).
    """
    can_fork = "fork" in multiprocessing.get_all_start_methods() and hasattr(
        ProcessPoolExecutor, "_launch_processes"
    )
    forced = os.environ.get(START_ENV, "").strip().lower()
    if forced in ("fork", "spawn"):
        return forced if (forced == "spawn" or (can_fork and here)) else "spawn"
    from .encoder import ONNX_THREADS

    if can_fork and here and sys.platform == "linux" and threading.active_count() == 1 and ONNX_THREADS == 1:
        return "fork"
    return "spawn"


def quiet_pool_race() -> None:
    """On Python 3.11, keep a harmless race of its process pool from printing a traceback.

    When a worker dies, the pool's managing thread fails every chunk still queued to it; a chunk
    that this process has just taken back (cancelled, to mark it itself) cannot be failed, and
    Python 3.11 lets that ``InvalidStateError`` end the thread with a traceback on the terminal
    (3.12 ignores it, as the chunk is marked anyway). Installed once, it passes every other
    exception of every thread to the hook that was there before.
    """
    if sys.version_info >= (3, 12) or getattr(threading.excepthook, "_marker_pool_race", False):
        return
    from concurrent.futures import InvalidStateError
    from concurrent.futures.process import _ExecutorManagerThread  # type: ignore[attr-defined]

    previous = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        if isinstance(args.thread, _ExecutorManagerThread) and isinstance(args.exc_value, InvalidStateError):
            return
        previous(args)

    hook._marker_pool_race = True  # type: ignore[attr-defined]
    threading.excepthook = hook


def load_encoder() -> None:
    """Load this process's encoder, so that the workers forked after it have it too."""
    from .encoder import load_encoder as load

    load()


@contextmanager
def _no_tokenizer_threads() -> Iterator[None]:
    """TOKENIZERS_PARALLELISM=false in the environment while workers are forked.

    A forked copy has none of the tokenizer's thread pool, so it must not use it: told so by the
    environment it inherits, the tokenizer encodes on the calling thread, where otherwise it
    prints a warning (when this process has used the pool) or waits forever (when the variable
    says "true"). This process gets its own setting back after the fork.
    """
    before = os.environ.get("TOKENIZERS_PARALLELISM")
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    try:
        yield
    finally:
        if before is None:
            del os.environ["TOKENIZERS_PARALLELISM"]
        else:
            os.environ["TOKENIZERS_PARALLELISM"] = before


def fork_workers(pools: Sequence[ProcessPoolExecutor]) -> None:
    """Fork every pool's worker now, before any pool starts its threads.

    A pool forks its worker at its first ``submit`` and then starts a thread that manages it,
    so the second pool's fork would copy a process that runs the first's thread. Python's
    objects are frozen before the forks (``gc.freeze``; :func:`marker.engines.in_pool`
    unfreezes them here when the batch ends): the collector then never visits them, in the
    copies or here, so neither writes to them, and so copies the pages they share, for that alone.
    """
    gc.freeze()
    with _no_tokenizer_threads(), warnings.catch_warnings():
        # Python 3.12 and later warn at any fork of a process with native threads; those here
        # were checked (start_method).
        warnings.filterwarnings("ignore", r"This process .* is multi-threaded", DeprecationWarning)
        for pool in pools:
            pool._launch_processes()  # type: ignore[attr-defined]
