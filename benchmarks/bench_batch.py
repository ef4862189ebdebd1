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

    .venv/bin/python benchmarks/bench_batch.py [--repeat N]
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.batch import run_batch  # noqa: E402
from marker.engines import forget_workspaces  # noqa: E402
from marker.jobstore import JobStore  # noqa: E402
from marker.meaning import forget_recent  # noqa: E402
from marker.nlp import load_english  # noqa: E402
from marker.validation import load_validation  # noqa: E402

_WORKER: dict = {}


def _load_worker() -> None:
    from marker.encoder import load_encoder

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
    if n_process == 1:
        _load_worker()
        for chunk in chunks:
            _bare_chunk(chunk)
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(n_process, initializer=_load_worker) as pool:
            sum(pool.imap_unordered(_bare_chunk, chunks))
    return time.perf_counter() - start


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
    forget_workspaces()
    forget_recent()
    store = JobStore(tmp / f"{name}.sqlite3")
    start = time.perf_counter()
    result = run_batch(table, None, tmp / name, store=store, use_calibration=False, **engine)
    elapsed = time.perf_counter() - start
    assert result.n_marked == result.n_total, (result.n_marked, result.n_total)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="copies of the 120 essays (default 1)")
    args = parser.parse_args()
    answers = load_validation() * args.repeat
    texts = [a.text for a in answers]
    words = sum(len(t.split()) for t in texts)
    warm_rubric_cache(sorted({a.question for a in answers}))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        table = tmp / "scripts.csv"
        with table.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["script_id", "question_id", "answer"])
            for i, a in enumerate(answers):
                w.writerow([f"s{i:05d}", a.question, a.text])
        rows = []
        for label, processes in (("local, 1 process", 1), ("local, 2 processes", 2)):
            bare = bare_pass(texts, processes)
            marked = batch_pass(table, tmp, f"local{processes}", engine="local", processes=processes)
            rows.append((label, processes, bare, marked))
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            bare = bare_pass(texts, 2)
            marked = batch_pass(table, tmp, "dask", engine="dask", address=cluster.scheduler_address)
            rows.append(("dask LocalCluster, 2 workers", 2, bare, marked))
    n = len(texts)
    print(f"{n} scripts, {words:,} words (about {words // n} per script); wall time includes starting")
    print("the worker processes (spaCy loads once per worker) and writing CSV, XLSX, zip and report.\n")
    print(
        "| engine | bare spaCy + encoder scripts/s | marker batch scripts/s | ratio | 100,000 scripts per worker core |"
    )
    print("|---|---|---|---|---|")
    for label, cores, bare, marked in rows:
        per_core = n / marked / cores
        hours = 100_000 / per_core / 3600
        print(f"| {label} | {n / bare:.1f} | {n / marked:.1f} | {bare / marked:.2f} | {hours:.1f} h |")
    one, two = rows[0][3], rows[1][3]
    print(f"\n2 local processes against 1: {one / two:.2f} times the throughput (marker batch)")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS: this process {own:.0f} MB; largest worker process {kids:.0f} MB")


if __name__ == "__main__":
    main()
