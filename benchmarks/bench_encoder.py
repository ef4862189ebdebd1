"""The sentence encoder's two back ends side by side: numpy and onnxruntime.

Encodes the sentences of 600-word essays (stitched as benchmarks/bench_marking.py does, split
by spaCy as marking does) with each back end in turn, alternating, several rounds, in one
process; prints the CPU seconds (``time.process_time``) and wall seconds per essay, the median
over rounds, and the largest difference between the two back ends' vectors. Load time and
peak memory are measured in a fresh process per back end (so that neither carries the other's
weights, nor spaCy): load wall and CPU time, process max RSS after loading and after encoding
every essay once (peak RSS, from /proc).

    .venv/bin/python benchmarks/bench_encoder.py [--essays 10] [--rounds 3] [--onnx-batches 1,8,16]

Prints figures; asserts nothing (the machine is shared: compare within one run).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

from marker.encoder import BATCH_SIZE, Encoder  # noqa: E402


def essay_sentences(question: str, essays: int, words: int) -> list[list[str]]:
    """Each essay's sentences, as spaCy splits them."""
    from bench_marking import make_texts

    from marker.nlp import load_english

    nlp = load_english()
    return [[s.text for s in doc.sents] for doc in nlp.pipe(make_texts(question, essays, words))]


def memory_mb(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory, from /proc.

    (ru_maxrss would carry the parent's peak over to the child across exec.)
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(backend: str, sentences_file: str) -> None:
    """Runs in a fresh process: load time and peak memory of one back end."""
    essays = json.loads(Path(sentences_file).read_text(encoding="utf-8"))
    before = memory_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    encoder = Encoder.load(backend=backend)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    loaded = memory_mb()
    for sentences in essays:
        encoder.encode(sentences)
    figures = {"backend": encoder.backend, "wall": wall, "cpu": cpu, "before": before, "loaded": loaded}
    print(json.dumps({**figures, "peak": memory_mb(), "now": memory_mb("VmRSS")}))


def timed_round(encoder: Encoder, essays: list[list[str]], batch_size: int) -> tuple[float, float]:
    """CPU and wall seconds per essay to encode every essay's sentences."""
    wall, cpu = time.perf_counter(), time.process_time()
    for sentences in essays:
        encoder.encode(sentences, batch_size=batch_size)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return cpu / len(essays), wall / len(essays)


def side_by_side(essays: list[list[str]], onnx_batches: list[int], rounds: int) -> None:
    numpy_encoder = Encoder.load(backend="numpy")
    onnx_encoder = Encoder.load(backend="onnxruntime")
    if onnx_encoder.backend != "onnxruntime":
        sys.exit(f"onnxruntime cannot run the encoder here: {onnx_encoder.fallback_reason}")
    runs = [(f"numpy, batches of {BATCH_SIZE}", numpy_encoder, BATCH_SIZE)]
    runs += [(f"onnxruntime, batches of {b}", onnx_encoder, b) for b in onnx_batches]
    flat = [s for sentences in essays for s in sentences]
    reference = numpy_encoder.encode(flat)
    for _, encoder, batch in runs:  # warm up, and check the vectors
        diff = float(np.abs(encoder.encode(flat, batch_size=batch) - reference).max())
        print(f"  {encoder.backend:11s} batch {batch:2d}: max |difference| from numpy {diff:.1e}")
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in runs}
    for r in range(rounds):
        # Alternating, and in the other order every other round, so drift hits both alike.
        for name, encoder, batch in runs if r % 2 == 0 else runs[::-1]:
            figures[name].append(timed_round(encoder, essays, batch))
    base = statistics.median(cpu for cpu, _ in figures[runs[0][0]])
    for name, values in figures.items():
        cpu = statistics.median(c for c, _ in values)
        wall = statistics.median(w for _, w in values)
        each = " ".join(f"{c:.3f}" for c, _ in values)
        print(
            f"  {name:28s} CPU {cpu:.3f} s/essay (rounds: {each}), wall {wall:.3f} s/essay, CPU x{cpu / base:.2f} of numpy"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--question", default="rapallo-significance")
    ap.add_argument("--essays", type=int, default=10)
    ap.add_argument("--words", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--onnx-batches", default="1,8,16", help="onnxruntime batch sizes to try")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--sentences", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.sentences)
        return
    essays = essay_sentences(args.question, args.essays, args.words)
    count = sum(map(len, essays))
    print(
        f"{len(essays)} essays of ~{args.words} words, {count / len(essays):.1f} sentences each; {args.rounds} rounds"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sentences.json"
        path.write_text(json.dumps(essays), encoding="utf-8")
        for backend in ("numpy", "onnxruntime"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", backend, "--sentences", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            f = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"  {f['backend']:11s} load {f['wall']:.2f} s wall, {f['cpu']:.2f} s CPU; max RSS {f['before']:.0f} MB"
                f" before loading, {f['loaded']:.0f} MB loaded, {f['peak']:.0f} MB after encoding every essay once"
                f" (RSS then {f['now']:.0f} MB)"
            )
    side_by_side(essays, [int(b) for b in args.onnx_batches.split(",")], args.rounds)


if __name__ == "__main__":
    main()
