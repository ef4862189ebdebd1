"""How far the marker agrees with the teacher on answers written the way pupils write (tests/pupils/).

Run: .venv/bin/python benchmarks/pupils.py [--json] [--rows]

Two halves, reported apart: ``tuning/`` (may be tuned on) and ``heldout/`` (nothing is tuned on
it). For each half and each question: exact and adjacent level agreement, and QWK, MAE and
Pearson on marks, for the marker and, in the same run, for two baselines:

- word count: a linear fit of mark on the number of words, per question, fitted on the tuning
  half only (so its tuning figures are in-sample, its held-out figures are not);
- TF-IDF: the best cosine of the answer to the question's model answers (the vectorizer fitted
  on the model answers and the tuning half), then a linear fit of mark on that cosine, per
  question, fitted on the tuning half only.

A baseline's predicted mark is rounded and clipped to 0..max, and its level is the band that
holds that mark. Pooled rows ("A-level", "all") put marks on one scale as a percentage of the
question's maximum. The bias table gives, by the teacher's level, the mean of marker minus
teacher (levels, and marks as a percentage of the maximum): negative is harsher than the
teacher, positive more generous.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marker.agreement import agreement  # noqa: E402
from marker.engine import Marker, load_marker  # noqa: E402
from marker.rubric import Question  # noqa: E402
from marker.validation import ValidationAnswer, load_validation  # noqa: E402

PUPILS = ROOT / "tests" / "pupils"
GCSE_QUESTIONS = ROOT / "tests" / "fixtures" / "import" / "markscheme.yaml"
HALVES = ("tuning", "heldout")
METHODS = ("marker", "words", "tfidf")


@dataclass
class Row:
    half: str
    question: str
    name: str
    kind: str
    max_mark: int
    teacher_level: int
    teacher_mark: int
    words: int
    level: dict[str, int]
    mark: dict[str, int]


def level_of(question: Question, mark: int) -> int:
    """The level whose band holds ``mark`` (0 below the lowest band)."""
    for lv in question.marking.levels:
        if lv.marks[0] <= mark <= lv.marks[1]:
            return lv.level
    return 0


class LinearBaseline:
    """mark ~ a + b * x per question, fitted on the tuning half only."""

    def __init__(self) -> None:
        self.coef_: dict[str, np.ndarray] = {}

    def fit(self, question: str, x: list[float], y: list[int]) -> LinearBaseline:
        self.coef_[question] = np.polyfit(np.asarray(x, dtype=float), np.asarray(y, dtype=float), 1)
        return self

    def predict(self, question: str, x: float, max_mark: int) -> int:
        return int(np.clip(round(float(np.polyval(self.coef_[question], x))), 0, max_mark))


def tfidf_cosines(models: list[str], tuning: list[str], texts: list[str]) -> list[float]:
    """Each text's best cosine to the model answers; the vectorizer never sees held-out text."""
    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english").fit(models + tuning)
    sims = cosine_similarity(vec.transform(texts), vec.transform(models))
    return [float(s) for s in sims.max(axis=1)]


def load_halves() -> dict[str, list[ValidationAnswer]]:
    return {half: load_validation(PUPILS / half) for half in HALVES}


def run() -> dict:
    halves = load_halves()
    shipped, gcse = Marker(), load_marker(GCSE_QUESTIONS)
    rows: list[Row] = []
    for question_id in sorted({a.question for items in halves.values() for a in items}):
        m = gcse if question_id in gcse.bank.questions else shipped
        rows += _mark_question(m, question_id, halves)
    return summarise(rows)


def _mark_question(m: Marker, question_id: str, halves: dict[str, list[ValidationAnswer]]) -> list[Row]:
    """The marker and both baselines on one question's answers, both halves."""
    question = m.bank.question(question_id)
    models = [a.text for a in m.bank.answers_for(question_id)]
    items = {h: [a for a in halves[h] if a.question == question_id] for h in HALVES}
    tuning_texts = [a.text for a in items["tuning"]]
    tuning_marks = [a.intended_mark for a in items["tuning"]]
    words = LinearBaseline().fit(question_id, [len(t.split()) for t in tuning_texts], tuning_marks)
    tuning_cos = tfidf_cosines(models, tuning_texts, tuning_texts)
    tfidf = LinearBaseline().fit(question_id, tuning_cos, tuning_marks)
    out = []
    for half in HALVES:
        texts = [a.text for a in items[half]]
        feedback = m.mark_many(question_id, texts)
        cosines = tfidf_cosines(models, tuning_texts, texts)
        for a, fb, cos in zip(items[half], feedback, cosines, strict=True):
            n = len(a.text.split())
            marks = {
                "marker": int(fb.mark),
                "words": words.predict(question_id, n, question.max_mark),
                "tfidf": tfidf.predict(question_id, cos, question.max_mark),
            }
            levels = {k: level_of(question, v) for k, v in marks.items()}
            levels["marker"] = int(fb.level or 0)
            out.append(
                Row(half, question_id, a.name, a.kind, question.max_mark, a.intended_level,
                    a.intended_mark, n, levels, marks)
            )  # fmt: skip
    return out


def figures(rows: list[Row], method: str, pooled: bool) -> dict[str, float]:
    """Level agreement and mark agreement (as % of max when questions are pooled)."""
    lv = agreement([r.teacher_level for r in rows], [r.level[method] for r in rows])
    scale = (lambda r, x: round(100 * x / r.max_mark)) if pooled else (lambda r, x: x)
    mk = agreement([scale(r, r.teacher_mark) for r in rows], [scale(r, r.mark[method]) for r in rows])
    return {
        "n": lv["n"],
        "exact": lv["exact"],
        "adjacent": lv["adjacent"],
        "qwk": mk["qwk"],
        "mae": mk["mae"],
        "pearson": mk["pearson"],
    }


def bias(rows: list[Row]) -> dict[int, dict[str, float]]:
    """Marker minus teacher by the teacher's level: levels, and marks as % of max."""
    by = defaultdict(list)
    for r in rows:
        by[r.teacher_level].append(r)
    return {
        lv: {
            "n": len(rs),
            "levels": float(np.mean([r.level["marker"] - r.teacher_level for r in rs])),
            "percent": float(np.mean([100 * (r.mark["marker"] - r.teacher_mark) / r.max_mark for r in rs])),
        }
        for lv, rs in sorted(by.items())
    }


def summarise(rows: list[Row]) -> dict:
    report: dict = {"halves": {}}
    for half in HALVES:
        hr = [r for r in rows if r.half == half]
        groups = {q: [r for r in hr if r.question == q] for q in sorted({r.question for r in hr})}
        alevel = [r for r in hr if r.max_mark == 25]
        table = {q: {k: figures(rs, k, pooled=False) for k in METHODS} for q, rs in groups.items()}
        table["A-level (pooled, % of max)"] = {k: figures(alevel, k, pooled=True) for k in METHODS}
        table["all (pooled, % of max)"] = {k: figures(hr, k, pooled=True) for k in METHODS}
        report["halves"][half] = {"table": table, "bias": bias(hr)}
    report["rows"] = [r.__dict__ for r in rows]
    return report


def render(report: dict, show_rows: bool = False) -> str:
    out = []
    head = f"{'question':28} {'method':7} {'n':>3} {'exact':>6} {'adj':>5} {'QWK':>6} {'MAE':>6} {'r':>6}"
    for half, part in report["halves"].items():
        title = "TUNING half" if half == "tuning" else "HELD-OUT half (nothing tuned on it)"
        out += ["", f"== {title}: levels exact/adjacent; QWK, MAE, Pearson r on marks ==", head]
        for q, by_method in part["table"].items():
            for k, f in by_method.items():
                out.append(
                    f"{q[:28]:28} {k:7} {f['n']:3} {f['exact']:6.2f} {f['adjacent']:5.2f} "
                    f"{f['qwk']:6.2f} {f['mae']:6.2f} {f['pearson']:6.2f}"
                )
        out.append(
            "Marker's bias by the teacher's level (marker minus teacher; < 0 harsher, > 0 more generous):"
        )
        for lv, b in part["bias"].items():
            out.append(
                f"  level {lv}: n={b['n']:2}  {b['levels']:+.2f} levels  {b['percent']:+6.1f} % of max mark"
            )
    if show_rows:
        out.append("")
        for r in report["rows"]:
            out.append(
                f"{r['half'][:4]} {r['question'][:14]:14} {r['name']:26} {r['words']:4}w teacher L{r['teacher_level']} "
                f"{r['teacher_mark']:>2}  marker L{r['level']['marker']} {r['mark']['marker']:>2}  "
                f"words {r['mark']['words']:>2}  tfidf {r['mark']['tfidf']:>2}"
            )
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rows", action="store_true", help="print every answer's marks")
    args = ap.parse_args()
    report = run()
    print(json.dumps(report, indent=2) if args.json else render(report, args.rows))


if __name__ == "__main__":
    main()
