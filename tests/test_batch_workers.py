"""Local batch workers: which questions each one marks, a worker that dies, what a worker imports.

The real pipeline on the mini bank; the workers are real processes (or, to watch where each
chunk goes, real executors run by the same scheduler).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from marker.batch import run_batch
from marker.engines import (
    AHEAD_PER_WORKER,
    Chunk,
    MarkerSource,
    _Here,
    _Scheduler,
    _Worker,
    homes,
)
from marker.jobstore import JobStore
from marker.scripts import Script, text_sha

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


def test_batch_workers_two_processes_mark_two_questions_as_one_does(env, tmp_path):
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
