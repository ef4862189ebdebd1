"""Batch marking throughput: 1 and 2 local processes and a 2-worker local Dask cluster.

Each engine marks the same scripts (the 120 validation essays, about 650 words each, every
one against its own question) as a fresh batch job, beside a bare pass over the same texts
with the same number of processes, in the same run: spaCy's ``nlp.pipe`` and the sentence
encoder over each text's sentences, which marking needs at the least. Prints scripts per second,
the ratio to the bare pass, peak memory and the projected time for 100,000 scripts per
worker core.

Each question's parsed texts and vectors are made once before anything is timed
(:mod:`marker.rubric_cache`, in a process of its own), so that every engine starts with the
same files on disk, as every run after a question's first does.

    .venv/bin/python benchmarks/bench_batch.py [--repeat N] [--rounds N] [--no-dask] [--start spawn,fork]

``--start`` chooses how the 2-process batch starts its worker (forked, as the command line does
on Linux, by default); ``spawn,fork`` runs both in turn, each against the same 1-process run.

``--repeat 2`` gives each essay twice; a batch marks a repeated text once (:mod:`marker.repeats`)
while the bare pass does it twice, so those figures show that saving, not marking's own speed.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# marker is imported in main() (and where it is used), not here: a spawned worker (the batch's,
# the bare pass's) runs this file's top level again, as it does any main script's, and should
# start as the worker of ``python -m marker batch`` does, without the batch's own modules.
MARKER_MODULES = (
    "marker.batch",
    "marker.encoder",
    "marker.engines",
    "marker.jobstore",
    "marker.meaning",
    "marker.nlp",
)

_WORKER: dict = {}
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: str) -> tuple[int, int, float] | None:
    """(parent pid, start time, CPU seconds used) of a process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[19]), (int(fields[11]) + int(fields[12])) / TICKS


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class TreeCPU:
    """CPU seconds used by this process and every process under it (workers, a fork server, a
    Dask cluster's) while it is running, read from /proc every 0.1 s: a process that ends loses
    at most its last 0.1 s. The sampling thread's own CPU is not counted."""

    def __init__(self) -> None:
        self.seen: dict[tuple[int, int], float] = {}
        self.peak_rss: dict[tuple[int, int], float] = {}  # MB, VmHWM of each process under this one
        self.stop = threading.Event()
        self.own_cost = 0.0

    def _descendants(self) -> dict[tuple[int, int], float]:
        stats = {}
        for name in os.listdir("/proc"):
            if name.isdigit() and (st := _stat(name)) is not None:
                stats[int(name)] = st
        tree, found = {os.getpid()}, {}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, start, cpu) in stats.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    found[(pid, start)] = cpu
                    grew = True
        return found

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            found = self._descendants()
            self.seen.update(found)
            for pid, start in found:
                self.peak_rss[(pid, start)] = max(self.peak_rss.get((pid, start), 0.0), _peak_mb(pid))
        self.own_cost = time.thread_time()

    def __enter__(self) -> TreeCPU:
        self.before = self._descendants()
        self.own = time.process_time()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.seen.update(self._descendants())
        self.stop.set()
        self.thread.join()
        self.own = time.process_time() - self.own - self.own_cost
        self.others = sum(cpu - self.before.get(key, 0.0) for key, cpu in self.seen.items())


def _load_worker() -> None:
    from marker.encoder import load_encoder
    from marker.nlp import load_english

    _WORKER["nlp"], _WORKER["encoder"] = load_english(), load_encoder()


def _bare_chunk(texts: list[str]) -> int:
    """spaCy, then the encoder over each text's sentences: what marking cannot do without."""
    nlp, encoder = _WORKER["nlp"], _WORKER["encoder"]
    for doc in nlp.pipe(texts, batch_size=16):
        encoder.encode([s.text for s in doc.sents])
    return len(texts)


def bare_pass(texts: list[str], n_process: int) -> float:
    """A bare spaCy + encoder pass over the texts with ``n_process`` processes (each loads both
    once, as batch workers do), timed from starting the processes."""
    chunks = [texts[i : i + 16] for i in range(0, len(texts), 16)]
    start = time.perf_counter()
    with TreeCPU() as cpu:
        if n_process == 1:
            _load_worker()
            for chunk in chunks:
                _bare_chunk(chunk)
        else:
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(n_process, initializer=_load_worker) as pool:
                sum(pool.imap_unordered(_bare_chunk, chunks))
    return time.perf_counter() - start, cpu


def write_scripts_table(answers, path: Path) -> Path:
    """The answers as a batch's CSV table (script_id, question_id, answer)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["script_id", "question_id", "answer"])
        for i, a in enumerate(answers):
            w.writerow([f"s{i:05d}", a.question, a.text])
    return path


def warm_rubric_cache(questions: list[str]) -> None:
    """Build the questions' indexes once in another process: their files in the cache are then
    there for every engine alike (and this process's memory is not touched)."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from marker.engines import MarkerSource, marker_for\n"
        "marker = marker_for(MarkerSource.here(None, None))\n"
        f"for q in {questions!r}: marker.warm(q)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def batch_pass(table: Path, tmp: Path, name: str, **engine) -> float:
    # This process marks too (with 1 process, and as one of 2): it starts each batch as a new
    # process would, without the spaCy pipeline, indexes or recent answers' vectors of the last.
    from marker.batch import run_batch
    from marker.engines import forget_workspaces
    from marker.jobstore import JobStore
    from marker.meaning import forget_recent

    forget_workspaces()
    forget_recent()
    store = JobStore(tmp / f"{name}.sqlite3")
    start = time.perf_counter()
    with TreeCPU() as cpu:
        result = run_batch(table, None, tmp / name, store=store, use_calibration=False, **engine)
    elapsed = time.perf_counter() - start
    assert result.n_marked == result.n_total, (result.n_marked, result.n_total)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="copies of the 120 essays (default 1)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="1 and 2 processes, in turn, N times (default 1)"
    )
    parser.add_argument("--no-dask", action="store_true", help="leave out the Dask engine")
    parser.add_argument(
        "--start",
        default="fork",
        help="how the 2-process batch starts its worker: fork, spawn, or both in turn as spawn,fork "
        "(default fork, what the command line does on Linux; this process runs a sampling thread, "
        "so it is set through MARKER_WORKER_START rather than chosen)",
    )
    args = parser.parse_args()
    starts = [m.strip() for m in args.start.split(",") if m.strip()]
    if not starts or any(m not in ("fork", "spawn") for m in starts):
        parser.error("--start takes fork, spawn or both, comma-separated")
    for name in MARKER_MODULES:  # before anything is timed: this process has them, as the CLI's does
        importlib.import_module(name)
    from marker.validation import load_validation
    from marker.worker_start import START_ENV

    answers = load_validation() * args.repeat
    texts = [a.text for a in answers]
    words = sum(len(t.split()) for t in texts)
    warm_rubric_cache(sorted({a.question for a in answers}))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        table = write_scripts_table(answers, tmp / "scripts.csv")
        rows = []
        runs = [("local, 1 process", 1, "")]
        runs += [(f"local, 2 processes ({m})", 2, m) for m in starts]
        for r in range(args.rounds):
            for label, processes, start in runs:
                bare = bare_pass(texts, processes)
                if start:
                    os.environ[START_ENV] = start
                name = f"local{processes}{start}-{r}"
                marked = batch_pass(table, tmp, name, engine="local", processes=processes)
                rows.append((label, processes, bare, marked, os.getloadavg()[0]))
            os.environ.pop(START_ENV, None)
        if not args.no_dask:
            rows.append(dask_row(texts, table, tmp))
    report(rows, len(texts), words)


def dask_row(texts: list[str], table: Path, tmp: Path) -> tuple:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster),
    ):
        bare = bare_pass(texts, 2)
        marked = batch_pass(table, tmp, "dask", engine="dask", address=cluster.scheduler_address)
    return ("dask LocalCluster, 2 workers", 2, bare, marked, os.getloadavg()[0])


def report(rows: list[tuple], n: int, words: int) -> None:
    print(f"{n} scripts, {words:,} words (about {words // n} per script); wall time includes starting")
    print("the worker processes (spaCy loads once per worker) and writing CSV, XLSX, zip and report.")
    print("CPU-s: this process + the processes under it (workers, fork server), from /proc.\n")
    print(
        "| engine | bare spaCy + encoder scripts/s | marker batch scripts/s | ratio | "
        "bare CPU-s | batch CPU-s (this + others) | load avg | 100,000 scripts per worker core |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label, cores, (bare, bcpu), (marked, mcpu), load in rows:
        hours = 100_000 / (n / marked / cores) / 3600
        print(
            f"| {label} | {n / bare:.1f} | {n / marked:.1f} | {bare / marked:.2f} | "
            f"{bcpu.own + bcpu.others:.1f} | {mcpu.own + mcpu.others:.1f} ({mcpu.own:.1f} + {mcpu.others:.1f}) | "
            f"{load:.1f} | {hours:.1f} h |"
        )
    one = None
    for row in rows:
        if row[0] == "local, 1 process":
            one = row
        elif row[0].startswith("local") and one is not None:
            print(
                f"\n{row[0]} against 1: {one[3][0] / row[3][0]:.2f} times the throughput (marker batch), "
                f"{one[2][0] / row[2][0]:.2f} (bare); load average {one[4]:.1f}, {row[4]:.1f}"
            )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = max((max(c.peak_rss.values(), default=0.0) for row in rows for _, c in row[2:4]), default=0.0)
    print(f"\npeak RSS: this process {own:.0f} MB; largest process under it {kids:.0f} MB")


if __name__ == "__main__":
    main()
