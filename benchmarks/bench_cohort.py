"""A whole cohort in bounded memory: peak memory of 'marker batch' against the number of scripts.

Writes a table of N short answers (1,000, 5,000 and 20,000 by default) to the shipped
short-answer questions, made by picking one to four sentences of each question's model
answers with a seeded generator (the same scripts every run), and marks each table with the
real command line, ``python -m marker batch TABLE --out ... --data-dir ...``, in a fresh data
folder, as a child process. Prints, for each N, the seconds taken, scripts per second and the
child's peak resident memory (``ru_maxrss`` from ``wait4``: with ``--processes 1`` the batch is
that one process), and how much the peak grew from the smallest N to the largest.

    .venv/bin/python benchmarks/bench_cohort.py [--counts 1000 5000 20000] [--processes 1] [--json]

Exits 1 when the peak grows by more than ``--max-growth`` (15% by default).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.bank import QuestionBank  # noqa: E402

SEED = 13
SENTENCE = re.compile(r"(?<=[.!?])\s+")
COMMON_STARTS = {"The", "It", "This", "They", "These", "There", "A", "An", "In", "As", "By", "At"}
#: How a pupil may start, so that few of the made-up answers repeat one another word for word.
OPENERS = (
    "",
    "I think that ",
    "Firstly, ",
    "One reason is that ",
    "In my view ",
    "It is clear that ",
    "Also, ",
    "Mainly, ",
)


def sentence_pools() -> dict[str, list[str]]:
    """Each shipped short-answer question's model-answer sentences (of four words or more)."""
    bank = QuestionBank.load()
    pools = {}
    for qid, question in sorted(bank.questions.items()):
        if question.kind != "points":
            continue
        sentences = [
            s.strip()
            for answer in bank.answers_for(qid)
            for s in SENTENCE.split(answer.text)
            if len(s.split()) >= 4
        ]
        if sentences:
            pools[qid] = sentences
    return pools


def write_cohort(path: Path, n: int, pools: dict[str, list[str]]) -> Path:
    """``n`` short answers, the questions in turn: two to four of its model answers' sentences in
    any order, an opener, and half the time the last sentence cut at its last comma."""
    rng = random.Random(SEED)
    qids = sorted(pools)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["script_id", "student", "question_id", "answer"])
        for i in range(n):
            qid = qids[i % len(qids)]
            picked = rng.sample(pools[qid], min(len(pools[qid]), rng.randint(2, 4)))
            if rng.random() < 0.5 and "," in picked[-1]:
                picked[-1] = picked[-1].rsplit(",", 1)[0] + "."
            opener, first = rng.choice(OPENERS), picked[0]
            if opener and first.split()[0] in COMMON_STARTS:  # "The war ..." -> "I think that the war ..."
                first = first[0].lower() + first[1:]
            answer = opener + first
            out.writerow([f"s{i:06d}", f"Student {i:06d}", qid, " ".join([answer, *picked[1:]])])
    return path


def run_batch(table: Path, work: Path, processes: int) -> dict:
    """Mark the table with the command line in a child process; its time, peak memory and counts."""
    out, data = work / f"{table.stem}-out", work / f"{table.stem}-data"
    command = [sys.executable, "-m", "marker", "batch", str(table), "--out", str(out)]
    command += ["--data-dir", str(data), "--processes", str(processes)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKER_")}
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    stdout = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"marker batch failed on {table} (exit {child.returncode}):\n{stdout}")
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    with (out / "results.csv").open(encoding="utf-8-sig", newline="") as f:
        statuses = [row["status"] for row in csv.DictReader(f)]
    return {
        "count": len(statuses),
        "marked": statuses.count("marked"),
        "seconds": round(seconds, 1),
        "scripts_per_s": round(len(statuses) / seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "summary": next((line for line in stdout.splitlines() if " scripts: " in line), "").strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 5000, 20000], metavar="N")
    parser.add_argument("--processes", type=int, default=1, help="local worker processes (default 1)")
    parser.add_argument("--max-growth", type=float, default=0.15, help="largest growth allowed (0.15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    pools = sentence_pools()
    rows = []
    if not args.json:
        print(f"{'scripts':>8}  {'seconds':>9}  {'scripts/s':>9}  {'peak RSS MB':>12}", flush=True)
    with tempfile.TemporaryDirectory(prefix="marker-cohort-") as tmp:
        work = Path(tmp)
        for n in sorted(args.counts):
            row = run_batch(write_cohort(work / f"cohort-{n}.csv", n, pools), work, args.processes)
            if row["count"] != n or row["marked"] != n:
                raise SystemExit(f"expected {n} scripts marked, got {row['marked']} of {row['count']}")
            rows.append(row)
            if not args.json:
                print(
                    f"{row['count']:>8,}  {row['seconds']:>9.1f}  {row['scripts_per_s']:>9.2f}  "
                    f"{row['peak_rss_mb']:>12.1f}",
                    flush=True,
                )
    growth = rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"] - 1
    flat = growth <= args.max_growth
    if args.json:
        print(json.dumps({"processes": args.processes, "rows": rows, "growth": round(growth, 4)}, indent=2))
    else:
        verdict = "flat" if flat else f"grows more than {args.max_growth:.0%}"
        print(
            f"Peak memory from {rows[0]['count']:,} to {rows[-1]['count']:,} scripts: "
            f"{growth:+.1%} ({verdict}); {args.processes} process(es)."
        )
    if not flat:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
