"""Throughput, latency and memory of marking, side by side with a bare spaCy pass.

Run with ``make bench``. Prints figures; asserts nothing (the machines are shared and
noisy: compare the ratio measured in one run, not absolute numbers across runs).

Texts: a few hundred essays of about 600 words, stitched deterministically from the
validation set's paragraphs (tests/validation/).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marker.encoder import load_encoder  # noqa: E402
from marker.engine import Marker  # noqa: E402
from marker.meaning import forget_recent  # noqa: E402
from marker.nlp import load_english  # noqa: E402
from marker.validation import load_validation  # noqa: E402


def make_texts(question_id: str, n: int, words: int, seed: int = 7) -> list[str]:
    """Answers of about ``words`` words stitched from the validation set's paragraphs.

    (Not from the model answers: the marker treats text copied from them as copied.)
    """
    paragraphs = [p for a in load_validation(question=question_id) for p in a.text.split("\n\n") if p.strip()]
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        chosen, count = [], 0
        while count < words:
            para = rng.choice(paragraphs)
            chosen.append(para)
            count += len(para.split())
        texts.append("\n\n".join(chosen))
    return texts


def timed(fn, cpu: list[float] | None = None) -> float:
    """Wall seconds of ``fn()``; its process CPU seconds are appended to ``cpu`` when given."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--question", default="rapallo-significance")
    ap.add_argument("--n", type=int, default=300, help="number of answers")
    ap.add_argument("--words", type=int, default=600, help="words per answer")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    args = ap.parse_args()

    t0 = time.perf_counter()
    marker = Marker()
    load_s = time.perf_counter() - t0
    bare = load_english()
    texts = make_texts(args.question, args.n, args.words)
    n_words = sum(len(t.split()) for t in texts)
    marker.mark(args.question, texts[0])  # build the question index and warm up
    list(bare.pipe(texts[:5]))

    encoder = load_encoder()

    def bare_with_encoder() -> None:
        for doc in bare.pipe(texts, batch_size=16):
            encoder.encode([s.text for s in doc.sents])

    def marking() -> None:
        forget_recent()  # no sentence vectors kept from an earlier round
        marker.mark_many(args.question, texts, batch_size=16)

    bare_times, encoder_times, marker_times, marker_cpu = [], [], [], []
    for _ in range(args.rounds):
        bare_times.append(timed(lambda: list(bare.pipe(texts, batch_size=16))))
        encoder_times.append(timed(bare_with_encoder))
        marker_times.append(timed(marking, marker_cpu))
    bare_rate, marker_rate = args.n / min(bare_times), args.n / min(marker_times)
    encoder_rate = args.n / min(encoder_times)

    latencies, latency_cpu = [], []
    forget_recent()
    for text in texts[:60]:
        start, start_cpu = time.perf_counter(), time.process_time()
        marker.mark(args.question, text)
        latencies.append((time.perf_counter() - start) * 1000)
        latency_cpu.append((time.process_time() - start_cpu) * 1000)
    latencies.sort()
    latency_cpu.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]

    tracemalloc.start()
    marker.mark_many(args.question, texts[:50])
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(
        f"answers: {args.n} x ~{n_words // args.n} words  (question {args.question}; pipeline load {load_s:.1f} s)"
    )
    print(f"bare nlp.pipe : {bare_rate:7.1f} answers/s  ({n_words / min(bare_times):,.0f} words/s)")
    print(f"marker        : {marker_rate:7.1f} answers/s  ({n_words / min(marker_times):,.0f} words/s)")
    print(f"bare nlp.pipe + encoder over each answer's sentences: {encoder_rate:7.1f} answers/s")
    print(
        f"ratio marker/bare throughput: {marker_rate / bare_rate:.2f}; marker/(bare + encoder): {marker_rate / encoder_rate:.2f}"
    )
    print(f"warm single-answer latency: p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms")
    # Process CPU, which a loaded machine does not inflate as it does wall time.
    print(
        f"CPU per answer: warm single marks p50 {statistics.median(latency_cpu):.0f} ms, "
        f"mean {statistics.fmean(latency_cpu):.0f} ms; in mark_many {1000 * min(marker_cpu) / args.n:.0f} ms"
    )
    print(
        f"peak memory: process max RSS {rss_mb:,.0f} MB; Python allocations while marking 50 answers {traced_peak / 2**20:.1f} MB"
    )


if __name__ == "__main__":
    main()
