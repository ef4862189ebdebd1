"""CPU-seconds per stage of a batch's processes, for ``benchmarks/batch_stages.py`` (not for use otherwise).

Python imports this file at start-up when its folder is on PYTHONPATH. It does something only
in the process batch_stages.py starts (argv[1] == "--child") and in the workers spawned under
it (argv has "--multiprocessing-fork") or forked from it, and only with MARKER_STAGES set (a
folder): it imports marker, wraps the functions each stage runs in with a timer of this
thread's CPU time (``time.thread_time``; a stage's own time, without the stages it calls), and
writes ``<pid>.json`` to that folder after each chunk a worker marks and when the process ends.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import json
import os
import sys
import threading
import time
from pathlib import Path

_OUT = os.environ.get("MARKER_STAGES")
_ROLE = "parent" if sys.argv[1:2] == ["--child"] else "worker"  # a worker is given its parent's argv later
_ACTIVE = bool(_OUT) and ("--multiprocessing-fork" in sys.argv or _ROLE == "parent")

#: (module, attribute, class or None, stage): what is timed.
STAGES = [
    ("marker.nlp", "load_english", None, "spaCy load"),
    ("marker.nlp", "build_pipeline", None, "pipeline and matcher"),
    ("marker.encoder", "load_encoder", None, "encoder load"),
    ("marker.engines", "build_workspace", None, "workspace (bank)"),
    ("marker.engine", "build_index", None, "question indexes"),
    ("marker.engine", "gather", None, "mark: gather"),
    ("marker.engine", "score_points", None, "mark: points"),
    ("marker.engine", "point_similarity", None, "mark: points"),
    ("marker.engine", "structure_of", None, "mark: other stages"),
    ("marker.engine", "compute_features", None, "mark: other stages"),
    ("marker.engine", "check_answer", None, "mark: other stages"),
    ("marker.engine", "check_facts", None, "mark: other stages"),
    ("marker.engine", "build_feedback", None, "mark: other stages"),
    ("marker.engine", "understand_many", None, "mark: other stages"),
    ("marker.encoder", "encode", "Encoder", "mark: encoder"),
    ("marker.encoder", "encode_tokens", "Encoder", "mark: encoder"),
    ("marker.engine", "mark_question", "Marker", "mark: other stages"),
    ("marker.batch", "plan_batch", None, "parent: plan"),
    ("marker.batch", "_calibrated_rows", None, "parent: rows and store"),
    ("marker.jobstore", "save", "JobStore", "parent: rows and store"),
    ("marker.batch", "write_job_outputs", None, "parent: outputs"),
    ("marker.batch", "run_batch", None, "parent: scheduling"),
]

_ACC: dict[str, float] = {}
_COUNT: dict[str, int] = {}
_STACK: list[list] = []


def _timed(fn, stage: str):
    """``fn`` with its own CPU time (main thread only) added to ``stage``."""

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        if threading.current_thread() is not threading.main_thread():
            return fn(*args, **kwargs)
        now = time.thread_time()
        if _STACK:  # the caller's stage stops while this one runs
            _ACC[_STACK[-1][0]] = _ACC.get(_STACK[-1][0], 0.0) + now - _STACK[-1][1]
        _STACK.append([stage, now])
        try:
            return fn(*args, **kwargs)
        finally:
            end = time.thread_time()
            _ACC[stage] = _ACC.get(stage, 0.0) + end - _STACK.pop()[1]
            _COUNT[stage] = _COUNT.get(stage, 0) + 1
            if _STACK:
                _STACK[-1][1] = end

    return inner


def _install() -> None:
    started = time.thread_time()
    import spacy.language

    import marker.batch  # noqa: F401  (and with it the modules below)
    import marker.engines

    _ACC["start-up: interpreter"] = started
    _ACC["start-up: imports"] = time.thread_time() - started
    for modname, attr, cls, stage in STAGES:
        module = importlib.import_module(modname)
        owner = getattr(module, cls) if cls else module
        original = getattr(owner, attr)
        wrapped = _timed(original, stage)
        setattr(owner, attr, wrapped)
        if cls is None:  # and where it was imported by name
            for m in list(sys.modules.values()):
                if getattr(m, "__name__", "").startswith("marker") and getattr(m, attr, None) is original:
                    setattr(m, attr, wrapped)
    pipe = spacy.language.Language.pipe

    def eager_pipe(self, *args, **kwargs):  # parsed here, not where the caller iterates
        return iter(list(pipe(self, *args, **kwargs)))

    spacy.language.Language.pipe = _timed(eager_pipe, "mark: parse")
    for name in ("mark_chunk_on_worker", "_warm_worker"):  # a worker writes its figures as it goes
        fn = getattr(marker.engines, name)
        setattr(marker.engines, name, _then_dump(fn))
    atexit.register(_dump)
    os.register_at_fork(after_in_child=_forked)


def _forked() -> None:
    """A worker forked from the parent: its own figures from here (its CPU clocks start at 0)."""
    global _ROLE
    _ROLE = "worker"
    _ACC.clear()
    _COUNT.clear()
    _STACK.clear()


def _then_dump(fn):
    def inner(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            _dump()

    inner.__qualname__ = inner.__name__ = f"_dumping_{fn.__name__}"
    globals()[inner.__name__] = inner  # pickled by reference
    return inner


def _dump() -> None:
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    data = {"role": _ROLE, "total": total}
    data |= {"main_thread": time.thread_time(), "stages": _ACC, "counts": _COUNT}
    with open(os.path.join(_OUT or ".", f"{os.getpid()}.json"), "w") as fh:
        json.dump(data, fh)


if _ACTIVE:
    _install()
