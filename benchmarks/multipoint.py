"""Few-script calibration of short-answer questions out of 3 or more, on SAF's tutors' own scores.

The agreement benchmark (``agreement.py``) measures SAF out of 2 (the tutors' 3-way verdict). A
teacher's science questions are often out of 3 or 4, and SAF's tutors give fractional scores: on 19
of its 26 training questions in steps of a quarter. Here each score (``score_norm``, 0..1) becomes
whole marks out of ``M`` (4 and 3 by default), halves rounded up
(:func:`public_sets.saf_points_mark`), each question imported out of ``M``
(:func:`public_sets.convert_saf_points`), and every answer marked once.

**Training split** (for choosing; the default): each training question's first N, and three random
N (seeds 1-3), of its scripts fitted through ``marker.evaluate.fit_calibrations`` (``pooled=False``:
every measured question has scripts of its own, so the pooled calibrator, which only questions
without them use, would change no mark), its other scripts measured. Beside it, in the same run and
on the same N scripts per question: a TF-IDF ridge per question (``marker.stacking.text_model``,
rounded), the word count (per question, the least-squares line of mark on words, rounded), each
question's commonest mark on its N scripts, and the zero-shot marks. Figures pooled over the
questions: QWK, exact agreement, MAE and the bias by the tutor's mark (mean marker minus tutor).

**Test splits** (``--test``, run once after a choice): calibrations fitted on the first N training
scripts of each question with the pooled one (as ``agreement.py`` does), measured on SAF's unseen
answers (the baselines fitted on the same N per question) and unseen questions (the pooled
calibrator, else zero-shot).

    .venv/bin/python benchmarks/multipoint.py [--max 3,4] [--sizes 10,20,30,50] [--test]
        [--cache marked.pkl] [--limit Q]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from agreement import MarkCache, first_per_question, read_scripts  # noqa: E402
from public_sets import SAF_CSV, convert_saf_points  # noqa: E402

from marker.agreement import agreement  # noqa: E402
from marker.evaluate import apply_calibrations, by_question, fit_calibrations  # noqa: E402
from marker.scripts import Script  # noqa: E402
from marker.stacking import text_model  # noqa: E402

SIZES = (10, 20, 30, 50)
#: The first N, then N at random with these seeds.
DRAWS = ("first", 1, 2, 3)
METHODS = ("marker calibrated", "TF-IDF ridge", "word count", "commonest mark", "marker zero-shot")


def choose(groups: dict[str, list[int]], n: int, draw: str | int) -> tuple[list[int], list[int]]:
    """Each question's first ``n`` positions (``draw`` "first") or ``n`` at random (``draw`` a seed),
    and the rest.

    >>> choose({"a": [0, 1, 2], "b": [3, 4]}, 1, "first")
    ([0, 3], [1, 2, 4])
    """
    fit: list[int] = []
    rest: list[int] = []
    rng = np.random.default_rng(0 if draw == "first" else int(draw))
    for idx in groups.values():
        order = list(idx) if draw == "first" else [int(i) for i in rng.permutation(idx)]
        fit += order[:n]
        rest += order[n:]
    return sorted(fit), sorted(rest)


def per_question(fit: Sequence[Script], measured: Sequence[Script], max_mark: int, predict) -> np.ndarray:
    """Whole marks of the measured scripts from a model fitted on each question's fitting scripts
    (``predict(fit_texts, fit_marks, texts)`` -> numbers; a question whose scripts carry one mark gets it)."""
    out = np.zeros(len(measured), dtype=int)
    fit_groups = by_question(fit)
    for qid, idx in by_question(measured).items():
        fi = fit_groups.get(qid, [])
        y = np.array([float(fit[i].mark) for i in fi])
        if not len(y):
            continue
        if len(np.unique(y)) < 2:
            out[idx] = int(y[0])
            continue
        raw = predict([fit[i].text for i in fi], y, [measured[i].text for i in idx])
        out[idx] = np.clip(np.rint(raw), 0, max_mark).astype(int)
    return out


def tfidf_ridge(fit_texts: list[str], y: np.ndarray, texts: list[str], max_mark: int) -> np.ndarray:
    """The words model a question's own calibrator stacks (TF-IDF of words and pairs, ridge), alone."""
    return text_model(max_mark, binary=False).fit(fit_texts, y).predict(texts)


def word_count(fit_texts: list[str], y: np.ndarray, texts: list[str]) -> np.ndarray:
    """The least-squares line of mark on the number of words.

    >>> word_count(["a", "a b c"], np.array([0.0, 2.0]), ["a b"]).round(2).tolist()
    [1.0]
    """
    x = np.array([len(t.split()) for t in fit_texts], dtype=float)
    line = np.polyfit(x, y, 1) if x.std() > 0 else np.array([0.0, float(y.mean())])
    return np.polyval(line, np.array([len(t.split()) for t in texts], dtype=float))


def commonest(fit_texts: list[str], y: np.ndarray, texts: list[str]) -> np.ndarray:
    """The question's commonest mark on its fitting scripts (the lower of a tie) for every answer.

    >>> commonest(["a", "b", "c"], np.array([2.0, 1.0, 2.0]), ["d", "e"]).tolist()
    [2, 2]
    """
    return np.full(len(texts), int(np.bincount(np.rint(y).astype(int)).argmax()))


def figures(human: Sequence[int], machine: Sequence[int], max_mark: int) -> dict:
    """QWK, exact agreement, MAE and the bias (mean marker minus teacher) at each teacher's mark.

    >>> figures([0, 1, 2], [0, 2, 2], 2)["bias"]
    [0.0, 1.0, 0.0]
    """
    h, m = np.asarray(human, dtype=int), np.asarray(machine, dtype=int)
    a = agreement(h, m)
    bias = [round(float(np.mean(m[h == k] - k)), 3) if np.any(h == k) else None for k in range(max_mark + 1)]
    return {
        "n": len(h),
        "qwk": a["qwk"],
        "exact": a["exact"],
        "mae": float(np.mean(np.abs(h - m))),
        "bias": bias,
    }


def all_marks(
    marker, fit, fit_fb, measured, measured_fb, max_mark: int, pooled: bool
) -> dict[str, list[int]]:
    """Each method's marks of the measured scripts, fitted on ``fit``."""
    cals, _ = fit_calibrations(marker, fit, fit_fb, pooled=pooled)
    done, _ = apply_calibrations(marker, measured, measured_fb, cals)
    return {
        "marker calibrated": [fb.mark for fb in done],
        "TF-IDF ridge": per_question(
            fit, measured, max_mark, lambda a, y, t: tfidf_ridge(a, y, t, max_mark)
        ).tolist(),
        "word count": per_question(fit, measured, max_mark, word_count).tolist(),
        "commonest mark": per_question(fit, measured, max_mark, commonest).tolist(),
        "marker zero-shot": [fb.mark for fb in measured_fb],
    }


def build_marker(questions: Path):
    from marker.authoring import bank_from_specs, load_specs
    from marker.engine import Marker
    from marker.nlp import build_pipeline

    nlp = build_pipeline()
    bank = bank_from_specs(load_specs(questions), nlp, "questions.yaml")
    nlp.get_pipe("marker_concepts").add_entries(bank.entries())
    return Marker(bank, nlp)


def _bias(b: list) -> str:
    return " / ".join("n/a" if x is None else f"{x:+.2f}" for x in b)


def row(max_mark: int, n: int, draw: str, split: str, method: str, f: dict) -> str:
    return (
        f"| {max_mark} | {n} | {draw} | {split} | {method} | {f['n']:,} | {f['qwk']:.3f} | {f['exact']:.3f} "
        f"| {f['mae']:.3f} | {_bias(f['bias'])} |"
    )


HEADER = [
    "| out of | N | draw | split | method | n | QWK | exact | MAE | bias at 0 / 1 / ... |",
    "|---|---|---|---|---|---|---|---|---|---|",
]


def run_training(marker, train, fbs, max_mark: int, sizes, log) -> tuple[list[str], dict]:
    lines, means = [], {}
    groups = by_question(train)
    for n in sizes:
        per_method: dict[str, list[dict]] = {m: [] for m in METHODS}
        for draw in DRAWS:
            fit, rest = choose(groups, n, draw)
            marks = all_marks(
                marker,
                [train[i] for i in fit],
                [fbs[i] for i in fit],
                [train[i] for i in rest],
                [fbs[i] for i in rest],
                max_mark,
                pooled=False,
            )
            human = [int(round(float(train[i].mark))) for i in rest]
            for method in METHODS:
                f = figures(human, marks[method], max_mark)
                per_method[method].append(f)
                lines.append(row(max_mark, n, str(draw), "training rest", method, f))
            log(f"out of {max_mark}, N = {n}, {draw}: {len(rest)} measured")
        for method, fs in per_method.items():
            means[(max_mark, n, method)] = {
                k: float(np.mean([f[k] for f in fs])) for k in ("qwk", "exact", "mae")
            }
    return lines, means


def run_test(marker, train, train_fb, tests, cache, max_mark: int, sizes, log) -> list[str]:
    lines = []
    for n in sizes:
        idx = first_per_question(train, n)
        fit, fit_fb = [train[i] for i in idx], [train_fb[i] for i in idx]
        for split, scripts in tests:
            fbs = cache.mark(marker, scripts)
            marks = all_marks(marker, fit, fit_fb, scripts, fbs, max_mark, pooled=True)
            human = [int(round(float(s.mark))) for s in scripts]
            # Unseen questions have no scripts of their own to fit a per-question baseline on.
            methods = METHODS if split == "unseen_answers" else ("marker calibrated", "marker zero-shot")
            for method in methods:
                lines.append(
                    row(max_mark, n, "first", split, method, figures(human, marks[method], max_mark))
                )
            log(f"out of {max_mark}, N = {n}: {split} measured")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max", default="4,3", help="comma-separated maxima (each SAF score out of it)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--test", action="store_true", help="the test splits (run once, after choosing)")
    parser.add_argument("--limit", type=int, default=0, help="at most Q questions (a quick run)")
    parser.add_argument("--saf-csv", type=Path, default=SAF_CSV)
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep the marked answers here (agreement.py's format)"
    )
    args = parser.parse_args()
    if not args.saf_csv.exists():
        sys.exit(f"{args.saf_csv}: not found (the public sets of ../shared/benchmarks)")
    sizes = [int(x) for x in args.sizes.split(",")]
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", flush=True)

    cache = MarkCache(args.cache)
    if cache.vectors:
        from marker.meaning import _remember

        for text, vector in cache.vectors.items():
            _remember(text, vector)
    lines, means = list(HEADER), {}
    for max_mark in (int(x) for x in args.max.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            paths = convert_saf_points(args.saf_csv, Path(tmp), max_mark)
            marker = build_marker(Path(tmp) / "questions.yaml")
            train = read_scripts(paths[("saf", "training")], args.limit)
            tests = [
                (s, read_scripts(paths[("saf", s)], args.limit))
                for s in ("unseen_answers", "unseen_questions")
            ]
        log(f"out of {max_mark}: marking {len(train)} training answers")
        fbs = cache.mark(marker, train)
        if args.test:
            lines += run_test(marker, train, fbs, tests, cache, max_mark, sizes, log)
        else:
            more, m = run_training(marker, train, fbs, max_mark, sizes, log)
            lines += more
            means.update(m)
    print()
    print("\n".join(lines))
    if means:
        print("\nMeans over the four draws (QWK / exact / MAE):")
        for (max_mark, n, method), f in means.items():
            print(
                f"  out of {max_mark}, N = {n:>2}, {method:18} {f['qwk']:.3f} / {f['exact']:.3f} / {f['mae']:.3f}"
            )
    wall = time.perf_counter() - t0
    print(f"\nwall time {wall:.0f} s ({wall / 60:.1f} min)")


if __name__ == "__main__":
    main()
