"""Local batch workers: which questions each one marks, a worker that dies, how workers start
(forked from this process where that is safe, else spawned).

The real pipeline on the mini bank; the workers are real processes (or, to watch where each
chunk goes, real executors run by the same scheduler).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from marker.batch import run_batch
from marker.chunks import CHUNK_SIZE, TAIL_CHUNK, Chunk, iter_chunks
from marker.engines import (
    AHEAD_PER_WORKER,
    MarkerSource,
    _Here,
    _Scheduler,
    _Worker,
    homes,
    in_pool,
    mark_chunk,
    marker_for,
    start_workers,
    stop_workers,
)
from marker.jobstore import JobStore
from marker.scripts import Script, text_sha
from marker.worker_start import START_ENV

from .test_batch import ANSWERS, stored, write_table

ESSAY = "The treaty mattered because it broke Germany's isolation, although its terms were limited. " * 3


@pytest.fixture()
def env(mini_env, data_env):
    return data_env


def chunk(i: int, question: str) -> Chunk:
    text = ESSAY if question == "mini-essay" else ANSWERS[i % len(ANSWERS)]
    return Chunk(question, (Script(f"s{i}", "", text, question, None, f"s{i}.txt", text_sha(text)),))


def interleaved(n: int) -> list[Chunk]:
    """Chunks of the two mini questions in turn, as a class set of mixed papers comes."""
    return [chunk(i, "mini-points" if i % 2 == 0 else "mini-essay") for i in range(n)]


def test_batch_workers_homes_share_scripts_evenly_with_few_questions_each():
    assert [sorted(h) for h in homes({"a": 10, "b": 10, "c": 10, "d": 10, "e": 10, "f": 10}, 3)] == [
        ["a", "b"],
        ["c", "d"],
        ["e", "f"],
    ]
    # One big question and two small: the big one is shared, each small one goes to one worker.
    assert [sorted(h) for h in homes({"big": 90, "s1": 5, "s2": 5}, 2)] == [["big"], ["big", "s1", "s2"]]
    assert homes({"a": 3, "gone": 0}, 2) == [{"a"}, {"a"}]


def test_batch_workers_keep_to_their_own_questions_and_an_idle_one_takes_any(env):
    source = MarkerSource.here(None, env)
    workers = [
        _Worker(ThreadPoolExecutor(1), known) for known in homes({"mini-points": 4, "mini-essay": 4}, 2)
    ]
    plan = _Scheduler(interleaved(8), workers, {"mini-points", "mini-essay"})
    try:
        assert plan.fill(source) == []
        depth = 1 + AHEAD_PER_WORKER
        sent = {id(w): [c.question_id for c, x in plan.running.values() if x is w] for w in workers}
        # Each worker got only its own question, as many as it may hold, though they came in turn.
        assert sent[id(workers[0])] == ["mini-points"] * depth
        assert sent[id(workers[1])] == ["mini-essay"] * depth
        assert len(plan.waiting) == 0  # the two left are still unread: nothing is read far ahead
        # The essay worker finishes what it had: it takes the last essay, and the points chunk
        # read ahead for the other worker waits for it (that worker is busy, not idle).
        finish(plan, workers[1])
        plan.fill(source)
        assert [c.question_id for c, x in plan.running.values() if x is workers[1]] == ["mini-essay"]
        assert [c.question_id for c in plan.waiting] == ["mini-points"]
        # Once idle, with no essay left, it takes the points chunk rather than wait.
        finish(plan, workers[1])
        plan.fill(source)
        assert [c.question_id for c, x in plan.running.values() if x is workers[1]] == ["mini-points"]
        assert not plan.waiting
    finally:
        for w in workers:
            w.pool.shutdown(wait=True)


def finish(plan: _Scheduler, worker: _Worker) -> None:
    """Wait for a worker's chunks and take them off the scheduler, as in_pool does."""
    for future, (_, w) in list(plan.running.items()):
        if w is worker:
            assert all(m.feedback is not None for m in future.result())
            del plan.running[future]
            w.running -= 1


def test_batch_workers_a_dead_worker_leaves_its_chunks_to_the_others(env):
    source = MarkerSource.here(None, env)
    workers = [
        _Worker(ThreadPoolExecutor(1), known) for known in homes({"mini-points": 4, "mini-essay": 4}, 2)
    ]
    workers[1].pool.shutdown()  # submit now raises, as it does for a broken process pool
    plan = _Scheduler(interleaved(4), workers, {"mini-points", "mini-essay"})
    try:
        refused = plan.fill(source)
        assert [c.question_id for c, _ in refused] == ["mini-essay"]  # marked by the caller instead
        assert not workers[1].alive and workers[0].known is None  # the live one now takes any question
        taken = sorted(c.question_id for c, _ in plan.running.values())
        assert taken == ["mini-essay", "mini-points", "mini-points"]
    finally:
        workers[0].pool.shutdown(wait=True)


def test_batch_workers_a_worker_ends_at_once_at_exit(tmp_path):
    """What a pool worker does at exit (end_quickly_at_exit, from its initializer): what it
    printed is written, the exit code is 0, and nothing else of Python's exit runs (the exit
    handlers registered before it, the freeing of its objects one by one)."""
    flag = tmp_path / "teardown-ran"
    code = (
        "import atexit, pathlib\n"
        f"atexit.register(pathlib.Path({str(flag)!r}).write_text, 'ran')\n"
        "from marker.engines import end_quickly_at_exit\n"
        "end_quickly_at_exit()\n"
        "print('marked')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert (done.returncode, done.stdout, done.stderr) == (0, "marked\n", "")
    assert not flag.exists()
    plain = subprocess.run([sys.executable, "-c", code.replace("end_quickly_at_exit()", "")], timeout=600)
    assert plain.returncode == 0 and flag.read_text() == "ran"  # without it, the handler runs


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_batch_workers_two_processes_mark_two_questions_as_one_does(env, tmp_path, monkeypatch, start):
    monkeypatch.setenv(START_ENV, start)
    rows = [["script_id", "question_id", "answer"]]
    for i in range(40):
        question = "mini-points" if (i // 5) % 2 == 0 else "mini-essay"
        rows.append([f"s{i:02d}", question, ESSAY if question == "mini-essay" else f"{ANSWERS[i % 6]} ({i})"])
    table = write_table(tmp_path / "mixed.csv", rows)
    runs = {}
    for processes in (1, 2):
        db = tmp_path / f"{processes}.sqlite3"
        result = run_batch(table, None, tmp_path / str(processes), processes=processes, store=JobStore(db))
        assert result.notes == [] and result.n_marked == 40
        runs[processes] = stored(db)
    assert runs[1] == runs[2]
    assert {mark for _, mark, _ in runs[1].values()} >= {0, 2}


def test_batch_workers_this_process_marks_its_share_and_takes_back_the_last_queued(env, mini_marker):
    """With this process as a worker, the other is given its chunks first; this one marks one
    at once, and at the end, idle, takes back a chunk the other has not started."""
    import threading

    source = MarkerSource.here(None, env)
    gate = threading.Event()
    other = ThreadPoolExecutor(1)
    other.submit(gate.wait)  # the other worker is busy: what it is sent waits in its queue
    spread = homes({"mini-points": 4, "mini-essay": 4}, 2)
    workers = [_Worker(other, spread[0]), _Worker(_Here(lambda: mini_marker), spread[1])]
    plan = _Scheduler(interleaved(6), workers, {"mini-points", "mini-essay"})
    try:
        plan.fill(source)
        queued = [c.question_id for c, w in plan.running.values() if w is workers[0]]
        assert queued == ["mini-points"] * (1 + AHEAD_PER_WORKER)
        (done,) = [f for f, (_, w) in plan.running.items() if w is workers[1]]
        assert done.done() and done.result()[0].feedback.question_id == "mini-essay"  # marked here, at once
        finish(plan, workers[1])
        plan.fill(source)  # the two essays left, one at a time
        finish(plan, workers[1])
        plan.fill(source)
        finish(plan, workers[1])
        assert [c.question_id for c in plan.leftover()] == []
        plan.fill(source)  # nothing of its own is left: it takes back the other's last chunk
        (taken,) = [c for c, w in plan.running.values() if w is workers[1]]
        assert taken.question_id == "mini-points" and taken.scripts[0].script_id == "s4"
        assert workers[0].running == AHEAD_PER_WORKER
    finally:
        gate.set()
        other.shutdown(wait=True)


def test_batch_workers_the_end_of_a_batch_is_handed_out_in_smaller_parts(env, mini_marker):
    """Whole chunks while plenty is left, then parts of them, so that the workers finish
    together: at the end one has at most a small part to mark while the other waits, not a
    whole chunk. Every script is handed out once, in input order within its chunk."""
    source = MarkerSource.here(None, env)
    scripts = [chunk(i, "mini-points").scripts[0] for i in range(80)]
    workers = [_Worker(ThreadPoolExecutor(1), None), _Worker(_Here(lambda: mini_marker), None)]
    plan = _Scheduler(iter_chunks(scripts), workers, {"mini-points"}, total=80)
    parts: list[list[str]] = []
    try:
        plan.fill(source)
        while plan.running:
            for future, (part, worker) in list(plan.running.items()):
                assert all(m.feedback is not None for m in future.result())
                del plan.running[future]
                worker.running -= 1
                parts.append([s.script_id for s in part.scripts])
            plan.fill(source)
    finally:
        workers[0].pool.shutdown(wait=True)
    assert sorted(sum(parts, []), key=lambda sid: int(sid[1:])) == [s.script_id for s in scripts]
    assert all(p == sorted(p, key=lambda sid: int(sid[1:])) for p in parts)
    sizes = sorted(len(p) for p in parts)
    assert sizes[-1] == CHUNK_SIZE and len(parts) > 80 // CHUNK_SIZE + 1
    assert sizes[0] >= TAIL_CHUNK and sizes[:2] == [TAIL_CHUNK, TAIL_CHUNK]


START_METHOD_HERE = """
import threading
from marker.engines import start_method
print(start_method(True), start_method(False))
stop = threading.Event()
other = threading.Thread(target=stop.wait)
other.start()
print(start_method(True))
stop.set()
other.join()
seen = []
inside = threading.Thread(target=lambda: seen.append(start_method(True)))
inside.start()
inside.join()
print(seen[0])
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_batch_workers_are_forked_only_from_a_single_threaded_process_that_marks_too():
    """The command line (one thread, this process one of the workers) forks; a process running
    another thread (the app's server, a Dask client) or marking from a thread of its own
    (the app's batch page) spawns, and so does one that is not a worker itself (nothing loaded
    to share). The environment variable forces either, but never a fork with nothing loaded."""
    env = {k: v for k, v in os.environ.items() if k != START_ENV}

    def run(**extra) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", START_METHOD_HERE],
            capture_output=True,
            text=True,
            timeout=600,
            env=env | extra,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert run() == ["fork", "spawn", "spawn", "spawn"]
    assert run(**{START_ENV: "spawn"}) == ["spawn", "spawn", "spawn", "spawn"]
    assert run(**{START_ENV: "fork"}) == ["fork", "spawn", "fork", "fork"]


def _pipeline_here(source: MarkerSource) -> tuple[int, int, float]:
    """In a worker: its pid, the address of its spaCy pipeline and the CPU it has used."""
    return os.getpid(), id(marker_for(source).nlp), time.process_time()


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_batch_workers_a_forked_worker_starts_with_this_process_pipeline(env, monkeypatch):
    """A forked worker marks with the pipeline this process loaded (the very object, at the same
    address in the copy), so it loads nothing: ready with next to no CPU used, where a spawned
    worker imports spaCy and loads it again (seconds)."""
    monkeypatch.setenv(START_ENV, "fork")
    source = MarkerSource.here(None, env)
    ours = marker_for(source)
    workers = start_workers(source, [None, None], here=lambda: marker_for(source))
    try:
        assert [w.forked for w in workers] == [True, False] and workers[1].here
        pid, pipeline, cpu = workers[0].pool.submit(_pipeline_here, source).result(timeout=600)
        assert pid != os.getpid() and pipeline == id(ours.nlp)
        assert cpu < 1.0, cpu  # a spawned worker is at 3-8 s of CPU by then
    finally:
        stop_workers(workers)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_batch_workers_a_killed_worker_leaves_its_chunks_to_this_process(env, monkeypatch, start):
    """The worker process is killed after the first chunk comes back: every chunk is still
    marked (the dead worker's by this process, through the fallback), as one process marks it."""
    monkeypatch.setenv(START_ENV, start)
    source = MarkerSource.here(None, env)
    marker = marker_for(source)
    chunks = interleaved(10)
    fell_back = []

    def fallback(chunk: Chunk, exc: BaseException):
        fell_back.append(type(exc).__name__)
        return mark_chunk(marker, chunk.question_id, chunk.items)

    got = {}
    shares = {"mini-points": 5, "mini-essay": 5}
    for c, marked in in_pool(chunks, source, 2, fallback, shares, here=lambda: marker):
        got[c.scripts[0].script_id] = [(m.script_id, m.feedback.mark) for m in marked]
        if len(got) == 1:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
    want = {
        c.scripts[0].script_id: [
            (m.script_id, m.feedback.mark) for m in mark_chunk(marker, c.question_id, c.items)
        ]
        for c in chunks
    }
    assert got == want
    assert fell_back and set(fell_back) <= {"BrokenProcessPool"}


COMMAND_LINE_BATCH = """
import resource, sys
from marker.cli import app
app(["batch", sys.argv[1], "--out", sys.argv[2], "--processes", "2"], standalone_mode=False)
worker = resource.getrusage(resource.RUSAGE_CHILDREN)
print(round(worker.ru_utime + worker.ru_stime, 2))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_batch_workers_a_command_line_batch_does_not_load_its_worker_again(env, tmp_path):
    """``marker batch --processes 2``: its worker, forked once the command's process has loaded
    everything, spends its CPU on its chunks, not on importing and loading spaCy, the encoder
    and the bank again (a spawned one's 3-8 s of CPU). The command's progress bar runs no thread
    of its own, which would make it spawn."""
    rows = [["script_id", "question_id", "answer"]]
    rows += [[f"s{i:02d}", "mini-points", f"{ANSWERS[i % 6]} ({i})"] for i in range(40)]
    table = write_table(tmp_path / "points.csv", rows)
    environ = {k: v for k, v in os.environ.items() if k != START_ENV}
    done = subprocess.run(
        [sys.executable, "-c", COMMAND_LINE_BATCH, str(table), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        env=environ,
    )
    assert done.returncode == 0, done.stderr
    assert "40 marked" in done.stdout and "Note:" not in done.stderr, (done.stdout, done.stderr)
    assert "TOKENIZERS_PARALLELISM" not in done.stderr  # the tokenizer's fork warning
    assert float(done.stdout.split()[-1]) < 2.0, done.stdout


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 and later ignore this race themselves")
def test_batch_workers_the_pools_race_over_a_taken_back_chunk_prints_no_traceback(monkeypatch):
    """Python 3.11's pool, failing the chunks of a dead worker, cannot fail one this process has
    just taken back: that error of the pool's own thread is not shown; any other still is."""
    from concurrent.futures import InvalidStateError, ProcessPoolExecutor

    from marker.worker_start import quiet_pool_race

    seen: list[type] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_type))
    quiet_pool_race()
    quiet_pool_race()  # once only
    with ProcessPoolExecutor(1) as pool:
        assert pool.submit(abs, -1).result() == 1
        manager = pool._executor_manager_thread
        race = InvalidStateError("CANCELLED: <Future state=cancelled>")
        threading.excepthook(threading.ExceptHookArgs((InvalidStateError, race, None, manager)))
        threading.excepthook(threading.ExceptHookArgs((ValueError, ValueError("x"), None, manager)))
    other = InvalidStateError("not the pool's")
    threading.excepthook(
        threading.ExceptHookArgs((InvalidStateError, other, None, threading.current_thread()))
    )
    assert seen == [ValueError, InvalidStateError]
