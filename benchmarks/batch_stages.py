"""Where a batch's CPU goes, per stage and per process: ``--processes 1`` against 2 on the same scripts.

Marks the validation essays (``--repeat`` copies) as a batch job in a fresh process for each
entry of ``--order`` (default 1,2,1,2: one and two processes in turn), with the timer of
``benchmarks/batch_stages_hook`` in that process and its workers, and prints a table of
CPU-seconds per stage: start-up (imports, spaCy, encoder, bank, question indexes), marking by
stage, the parent's own work (planning, storing rows, writing the outputs, scheduling chunks),
the time in other threads and in the main thread outside any stage (pickling chunks and their
results). CPU time, not wall time, so it means something on a loaded machine; each process is
started as the command line starts one (the question indexes' files already in the cache).

    .venv/bin/python benchmarks/batch_stages.py [--repeat 2] [--order 1,2,1,2]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOOK = Path(__file__).resolve().parent / "batch_stages_hook"
START = [
    "start-up: interpreter",
    "start-up: imports",
    "workspace (bank)",
    "spaCy load",
    "pipeline and matcher",
]
START += ["encoder load", "question indexes"]
MARK = ["mark: parse", "mark: encoder", "mark: gather", "mark: points", "mark: other stages"]
PARENT = ["parent: plan", "parent: rows and store", "parent: outputs", "parent: scheduling"]


def child(table: str, out: str, processes: int) -> None:
    """The batch itself (in the process the hook times)."""
    sys.path.insert(0, str(ROOT))
    from marker.batch import run_batch
    from marker.jobstore import JobStore

    store = JobStore(Path(out) / "jobs.sqlite3")
    result = run_batch(
        table, None, Path(out) / "out", store=store, use_calibration=False, processes=processes
    )
    assert result.n_marked == result.n_total, result.summary()


def prepare(tmp: Path, repeat: int) -> tuple[Path, int]:
    """The scripts' table, and each question's index built once (its files then in the cache)."""
    sys.path.insert(0, str(ROOT))
    from bench_batch import warm_rubric_cache, write_scripts_table  # this script's folder is on sys.path

    from marker.validation import load_validation

    answers = load_validation() * repeat
    table = write_scripts_table(answers, tmp / "scripts.csv")
    warm_rubric_cache(sorted({a.question for a in answers}))
    return table, len(answers)


def columns(folder: Path) -> dict[str, dict[str, float]]:
    """Stage -> CPU-s of each process of one run (parent first), and of all of them together."""
    procs = [json.loads(Path(f).read_text()) for f in glob.glob(str(folder / "*.json"))]
    procs.sort(key=lambda d: d["role"] != "parent")
    cols: dict[str, dict[str, float]] = {}
    for i, d in enumerate(procs):
        s = d["stages"]
        col = dict(s)
        col["start-up, in all"] = sum(s.get(k, 0.0) for k in START)
        col["marking, in all"] = sum(s.get(k, 0.0) for k in MARK)
        col["parent's own, in all"] = sum(s.get(k, 0.0) for k in PARENT)
        col["other threads"] = d["total"] - d["main_thread"]
        col["main thread, no stage"] = d["main_thread"] - sum(s.values())
        col["PROCESS"] = d["total"]
        col["scripts parsed"] = d["counts"].get("mark: parse", 0) and d["counts"].get("mark: gather", 0)
        cols[d["role"] if d["role"] == "parent" else f"worker {i}"] = col
    if len(cols) > 1:
        cols["together"] = {k: sum(c.get(k, 0.0) for c in cols.values()) for k in next(iter(cols.values()))}
    return cols


def report(runs: list[tuple[str, dict[str, dict[str, float]]]]) -> None:
    rows = START + ["start-up, in all"] + MARK + ["marking, in all"] + PARENT
    rows += ["parent's own, in all", "other threads", "main thread, no stage", "PROCESS", "scripts parsed"]
    heads = [f"{name} {col}" for name, cols in runs for col in cols]
    print("| CPU-s | " + " | ".join(heads) + " |")
    print("|---|" + "---:|" * len(heads))
    for row in rows:
        cells = [c.get(row, 0.0) for _, cols in runs for c in cols.values()]
        fmt = "{:.0f}" if row == "scripts parsed" else "{:.2f}"
        print(f"| {row} | " + " | ".join(fmt.format(x) for x in cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="copies of the 120 essays (default 2)")
    parser.add_argument(
        "--order",
        default="1,2,1,2",
        help="processes of each run, in turn (default 1,2,1,2); 2f or 2s forks or spawns the workers "
        "(MARKER_WORKER_START), 2 lets the batch choose",
    )
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        table, n = prepare(tmp, args.repeat)
        for k, entry in enumerate(p.strip() for p in args.order.split(",")):
            processes, method = int(entry.rstrip("fs")), {"f": "fork", "s": "spawn"}.get(entry[-1], "")
            folder = tmp / f"run{k}"
            folder.mkdir()
            env = dict(os.environ, MARKER_STAGES=str(folder), PYTHONPATH=str(HOOK))
            if method:
                env["MARKER_WORKER_START"] = method
            start = time.perf_counter()
            command = [sys.executable, __file__, "--child", str(table), str(folder), str(processes)]
            subprocess.run(command, env=env, check=True)
            wall, load = time.perf_counter() - start, os.getloadavg()[0]
            print(
                f"run {k}: {processes} process(es) {method}, {n} scripts, wall {wall:.1f} s, "
                f"load average {load:.1f}"
            )
            runs.append((f"{k}:{entry}", columns(folder)))
    print()
    report(runs)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
