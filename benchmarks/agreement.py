"""One agreement benchmark: marker beside three simple baselines on every public split.

For SemEval-2013 2-way (sciEntsBank unseen answers / questions / domains, Beetle unseen answers /
questions) and SAF English (unseen answers / questions; the 3-way verdict as a mark out of 2:
Incorrect 0, Partially correct 1, Correct 2), in one run:

- **marker zero-shot**: each question imported from its question and reference answer(s) alone,
  the engine's defaults (``marker/shipped/fitted/short_answers.json``, fitted on these sets'
  training splits by ``tools/fit_defaults.py``: rerun it when the engine's features change).
- **marker calibrated 10 / 20 / 50**: calibrators (``marker.evaluate.fit_calibrations``) fitted on
  the first N training scripts of each training question of the dataset: one per question, and a
  pooled one (question-independent features) on all of them. Below 30 scripts a question's own
  calibrator keeps its scripts as neighbours (the shipped neighbours model, with a correction
  shared by the dataset's 0/1 questions: ``marker.neighbours``); from 30 it is fitted
  on the engine's features, the answers' words and the neighbours' share. Unseen questions and
  domains have no scripts of their own, so they get the pooled calibrator if it passes its check
  (on training questions left out in turn it must beat the rubric's QWK by 0.02 and not lose
  exact agreement, all folds together, and be ahead in each fold), else the zero-shot marks; it
  is checked with and without the answers' meaning pairs with their model answers
  (``marker.pairs``) and fitted the way that passes with the higher QWK. A short-answer question whose first N scripts all
  carry one mark keeps them as neighbours like any other.
- **baselines**, their thresholds fitted on the dataset's whole training split (the one with the
  best Cohen's kappa for 2-way, the pair with the best QWK for SAF): the TF-IDF cosine to the best
  reference answer (the vectoriser fitted on training answers and references), the word count,
  and the encoder's cosine to the best reference answer (``marker.encoder``).

Every answer is marked once; its Feedback serves zero-shot and every calibrated variant. Encoder
vectors are cached per text for the run. With ``--cache FILE`` the marked answers (and the
baselines' vectors) are kept in FILE and reused by a later run, so that a change to calibration
need not mark the public answers again; the file is stamped with the engine version and a digest
of the shipped defaults, tuning and key-reading code, and is started afresh when they differ (delete it when any
other part of marking changes). Blank answers are left out (as in ``semeval.py``).
Figures: accuracy, macro-F1 and Cohen's kappa for 2-way; QWK and exact agreement for SAF; and
the bias by the teacher's mark (mean marker minus teacher, share marked lower / higher).

    .venv/bin/python benchmarks/agreement.py [--sets semeval,saf] [--limit N] [--json out.json]
        [--cache marked.pkl]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import cohen_kappa_score

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from public_sets import SAF_CSV, SEMEVAL_ZIP, PublicSet, convert_sets  # noqa: E402

from marker.atomic import write_atomically  # noqa: E402
from marker.calibrate import Calibration  # noqa: E402
from marker.evaluate import apply_calibrations, by_question, figures, fit_calibrations, mark_scripts  # noqa: E402
from marker.scripts import Script  # noqa: E402
from marker.tables import read_table  # noqa: E402

CALIBRATION_SIZES = (10, 20, 50)
BASELINES = ("TF-IDF cosine", "word count", "encoder cosine")
#: Candidate thresholds per baseline: quantiles of the training scores (2-way, 3-way).
CANDIDATES = {1: 200, 2: 60}


# --------------------------------------------------------------------------- figures


def agreement_figures(human: Sequence[int], machine: Sequence[int], max_mark: int) -> dict:
    """Accuracy, macro-F1 and Cohen's kappa (out of 1), or QWK and exact agreement (out of 2+)."""
    f = figures(list(human), list(machine), max_mark if max_mark == 1 else None)
    keys = ("accuracy", "macro_f1", "kappa") if max_mark == 1 else ("qwk", "exact")
    return {"n": len(human), **{k: f[k] for k in keys}}


def bias_by_mark(human: Sequence[int], machine: Sequence[int], max_mark: int) -> list[dict]:
    """Per teacher mark: n, mean marker-minus-teacher, share marked lower (harsher) and higher.

    Out of 1, the harsher share at mark 1 is the share of correct answers marked incorrect, and the
    more generous share at mark 0 that of incorrect answers marked correct.

    >>> bias_by_mark([0, 0, 1, 1], [1, 0, 1, 1], 1)[0]["more_generous"]
    0.5
    """
    h, m = np.asarray(human, dtype=int), np.asarray(machine, dtype=int)
    out = []
    for mark in range(max_mark + 1):
        d = m[h == mark] - mark
        if len(d):
            out.append(
                {
                    "mark": mark,
                    "n": int(len(d)),
                    "mean_difference": round(float(d.mean()), 3),
                    "harsher": round(float(np.mean(d < 0)), 3),
                    "more_generous": round(float(np.mean(d > 0)), 3),
                }
            )
    return out


# --------------------------------------------------------------------------- baselines


def _score_kappa(human: np.ndarray, machine: np.ndarray, max_mark: int) -> float:
    if len(set(human) | set(machine)) < 2:
        return 0.0
    return cohen_kappa_score(human, machine, weights=None if max_mark == 1 else "quadratic")


@dataclass
class Thresholds:
    """Marks from a score: the number of cut points at or below it (the score's sign chosen in fitting)."""

    cuts: tuple[float, ...] = ()
    sign: float = 1.0

    def marks(self, scores: Sequence[float]) -> np.ndarray:
        return np.searchsorted(
            np.asarray(self.cuts), self.sign * np.asarray(scores, dtype=float), side="right"
        )


def fit_thresholds(scores: Sequence[float], marks: Sequence[int], max_mark: int) -> Thresholds:
    """The cut point(s) with the best kappa (QWK above 1 mark) on the fitting scores, either sign.

    >>> fit_thresholds([1, 2, 8, 9], [0, 0, 1, 1], 1).marks([3, 7]).tolist()
    [0, 1]
    """
    y, raw = np.asarray(marks, dtype=int), np.asarray(scores, dtype=float)
    best, best_k = Thresholds(), -2.0
    for sign in (1.0, -1.0):
        cands = np.unique(np.quantile(sign * raw, np.linspace(0, 1, CANDIDATES.get(max_mark, 60) + 1)))
        if max_mark == 1:
            grids = [(c,) for c in cands]
        else:  # two cut points, the lower first
            grids = [(a, b) for i, a in enumerate(cands) for b in cands[i:]]
        for cuts in grids:
            t = Thresholds(tuple(float(c) for c in cuts), sign)
            k = _score_kappa(y, t.marks(raw), max_mark)
            if k > best_k:
                best, best_k = t, k
    return best


class TextVectors:
    """Encoder vectors cached per text for the run (each text encoded once)."""

    def __init__(self, encoder, cache: dict[str, np.ndarray] | None = None) -> None:
        self.encoder = encoder
        self.cache: dict[str, np.ndarray] = {} if cache is None else cache

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            for t, v in zip(new, self.encoder.encode(new), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 384))


@dataclass
class Baselines:
    """The three baselines of one dataset, fitted on its training split."""

    references: dict[str, list[str]]
    max_mark: int
    vectors: Callable[[Sequence[str]], np.ndarray]
    tfidf: TfidfVectorizer | None = None
    thresholds: dict[str, Thresholds] = field(default_factory=dict)

    def scores(self, scripts: Sequence[Script]) -> dict[str, np.ndarray]:
        """Each baseline's score per script: cosines to the best reference answer, the word count."""
        texts = [s.text for s in scripts]
        tf, enc = self.tfidf.transform(texts), self.vectors(texts)
        tf_best, enc_best = np.zeros(len(texts)), np.zeros(len(texts))
        for qid, idx in by_question(scripts).items():
            refs = self.references.get(qid, [])
            if refs:  # rows and references are unit length: the dot product is the cosine
                tf_best[idx] = (tf[idx] @ self.tfidf.transform(refs).T).toarray().max(axis=1)
                enc_best[idx] = (enc[idx] @ self.vectors(refs).T).max(axis=1)
        return {
            "TF-IDF cosine": tf_best,
            "word count": np.array([len(t.split()) for t in texts], dtype=float),
            "encoder cosine": enc_best,
        }

    def fit(self, train: Sequence[Script]) -> Baselines:
        """Fit the TF-IDF vocabulary on training answers and references, then each threshold."""
        questions = {s.question_id or "" for s in train}
        own_refs = [r for q in sorted(questions) for r in self.references.get(q, [])]
        self.tfidf = TfidfVectorizer().fit([s.text for s in train] + own_refs)
        y = [int(round(float(s.mark))) for s in train]
        for name, sc in self.scores(train).items():
            self.thresholds[name] = fit_thresholds(sc, y, self.max_mark)
        return self

    def predict(self, scripts: Sequence[Script]) -> dict[str, np.ndarray]:
        return {name: self.thresholds[name].marks(sc) for name, sc in self.scores(scripts).items()}


# --------------------------------------------------------------------------- marker


#: The modules that read an imported question's answer key (their code is in the stamp).
KEY_READING = ("answer_keys.py", "key_guidance.py")


def marking_stamp() -> str:
    """What marked answers depend on beyond the code: the engine version, the shipped zero-shot
    model (not the neighbours model, which only calibration uses), the tuning values that move
    marks and the code that reads answer keys; a cache made under other ones is not reused."""
    from marker.feedback import ENGINE_VERSION
    from marker.marking_version import canonical, marking_tuning

    digest = hashlib.sha256(ENGINE_VERSION.encode())
    defaults = ROOT / "marker" / "shipped" / "fitted" / "short_answers.json"
    if defaults.exists():
        zero_shot = json.loads(defaults.read_text(encoding="utf-8")).get("zero_shot")
        digest.update(json.dumps(zero_shot, sort_keys=True).encode())
    # Every tuning value that can move a mark (not the advisories' word lists, as the marking's
    # fingerprint that saved calibrations check).
    digest.update(json.dumps(canonical(marking_tuning()), sort_keys=True).encode())
    # How an imported question's key is read decides its model answers, hence every mark.
    for name in KEY_READING:
        digest.update(name.encode() + b"\0" + (ROOT / "marker" / name).read_bytes())
    return digest.hexdigest()[:16]


class MarkCache:
    """Feedbacks by (question id, answer) and encoder vectors by text, kept in a file between runs.

    >>> MarkCache(None).stamp == marking_stamp()
    True
    """

    def __init__(self, path: Path | None) -> None:
        self.path, self.stamp = path, marking_stamp()
        self.feedbacks: dict[tuple[str, str], object] = {}
        self.vectors: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            data = pickle.loads(path.read_bytes())
            if data.get("stamp") == self.stamp:
                self.feedbacks, self.vectors = data["feedbacks"], data["vectors"]

    def mark(self, marker, scripts: Sequence[Script]) -> list:
        """The scripts' Feedbacks, marking (and keeping) only those not in the cache."""
        key = [(s.question_id or "", s.text) for s in scripts]
        todo = [i for i, k in enumerate(key) if k not in self.feedbacks]
        if todo:
            for i, fb in zip(todo, mark_scripts(marker, [scripts[i] for i in todo]), strict=True):
                self.feedbacks[key[i]] = fb
            self.save()
        return [self.feedbacks[k] for k in key]

    def save(self) -> None:
        if self.path is not None:
            data = {"stamp": self.stamp, "feedbacks": self.feedbacks, "vectors": self.vectors}
            write_atomically(self.path, pickle.dumps(data))  # a run stopped mid-write keeps the last file


def first_per_question(scripts: Sequence[Script], n: int) -> list[int]:
    """Positions of the first ``n`` scripts of each question, in input order."""
    seen: dict[str, int] = {}
    keep = []
    for i, s in enumerate(scripts):
        seen[s.question_id or ""] = seen.get(s.question_id or "", 0) + 1
        if seen[s.question_id or ""] <= n:
            keep.append(i)
    return keep


def limit_questions(scripts: list[Script], n: int) -> list[Script]:
    """The scripts of the first ``n`` questions (all of them when ``n`` is 0)."""
    if not n:
        return scripts
    chosen = set(list(dict.fromkeys(s.question_id for s in scripts))[:n])
    return [s for s in scripts if s.question_id in chosen]


def fit_by_size(marker, train: Sequence[Script], train_fb: Sequence) -> dict[int, dict[str, Calibration]]:
    """Calibrations fitted on the first N training scripts of each question, for every N."""
    out = {}
    for n in CALIBRATION_SIZES:
        idx = first_per_question(train, n)
        out[n], _ = fit_calibrations(marker, [train[i] for i in idx], [train_fb[i] for i in idx], pooled=True)
    return out


def measure_split(
    marker, scripts, cals_by_n, baselines: Baselines, max_mark: int, cache: MarkCache
) -> list[dict]:
    """Every method's marks on one test split, each answer marked once."""
    fbs = cache.mark(marker, scripts)
    human = [int(round(float(s.mark))) for s in scripts]
    marks = {"marker zero-shot": [fb.mark for fb in fbs]}
    for n, cals in cals_by_n.items():
        done, _ = apply_calibrations(marker, scripts, fbs, cals)
        marks[f"marker calibrated {n}"] = [fb.mark for fb in done]
    marks.update({f"baseline {k}": v.tolist() for k, v in baselines.predict(scripts).items()})
    return [
        {
            "method": method,
            **agreement_figures(human, m, max_mark),
            "bias": bias_by_mark(human, m, max_mark),
        }
        for method, m in marks.items()
    ]


def read_scripts(path: Path, limit: int) -> list[Script]:
    scripts = read_table(path, require=("question_id", "answer", "mark"))
    return limit_questions([s for s in scripts if s.text.strip()], limit)


def run_set(marker, public: PublicSet, specs, vectors, limit: int, log, cache: MarkCache) -> list[dict]:
    """All rows of one public set."""
    refs = {spec.id: [a.text for a in spec.answers()] for spec in specs}
    rows = []
    for dataset, train_path in public.training.items():
        train = read_scripts(train_path, limit)
        fit_idx = first_per_question(train, max(CALIBRATION_SIZES))
        fit_scripts = [train[i] for i in fit_idx]
        log(f"{dataset}: marking {len(fit_scripts)} training scripts for calibration")
        fit_fb = cache.mark(marker, fit_scripts)
        cals_by_n = fit_by_size(marker, fit_scripts, fit_fb)
        log(f"{dataset}: fitting baselines on {len(train)} training scripts")
        baselines = Baselines(refs, public.max_mark, vectors).fit(train)
        for ds, split, path in public.tests:
            if ds != dataset:
                continue
            scripts = read_scripts(path, limit)
            log(f"{dataset} {split}: measuring {len(scripts)} scripts")
            for row in measure_split(marker, scripts, cals_by_n, baselines, public.max_mark, cache):
                rows.append({"set": public.name, "split": f"{dataset} {split}", **row})
    return rows


# --------------------------------------------------------------------------- report


def _f(value: float) -> str:
    return f"{value:.3f}"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def table(rows: Sequence[dict]) -> str:
    """The markdown tables: SemEval 2-way rows, SAF rows, and the SemEval zero-shot bias."""
    out = []
    two = [r for r in rows if "kappa" in r]
    three = [r for r in rows if "qwk" in r]
    if two:
        out += ["| split | method | n | accuracy | macro-F1 | kappa |", "|---|---|---|---|---|---|"]
        out += [
            f"| {r['split']} | {r['method']} | {r['n']:,} | {_f(r['accuracy'])} | {_f(r['macro_f1'])} "
            f"| {_f(r['kappa'])} |"
            for r in two
        ]
        out += [
            "",
            "Bias of marker zero-shot (SemEval): share of correct answers marked incorrect (harsher), "
            "of incorrect answers marked correct (more generous):",
            "",
            "| split | n correct | marked incorrect | n incorrect | marked correct |",
            "|---|---|---|---|---|",
        ]
        for r in two:
            if r["method"] == "marker zero-shot":
                b = {x["mark"]: x for x in r["bias"]}
                c, i = b.get(1, {}), b.get(0, {})
                out.append(
                    f"| {r['split']} | {c.get('n', 0):,} | {_f(c.get('harsher', 0.0))} | {i.get('n', 0):,} "
                    f"| {_f(i.get('more_generous', 0.0))} |"
                )
    if three:
        if out:
            out.append("")
        out += [
            "| split | method | n | QWK | exact | bias at 0 | bias at 1 | bias at 2 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in three:
            b = {x["mark"]: _signed(x["mean_difference"]) for x in r["bias"]}
            bias = " | ".join(b.get(m, "n/a") for m in range(3))
            out.append(
                f"| {r['split']} | {r['method']} | {r['n']:,} | {_f(r['qwk'])} | {_f(r['exact'])} | {bias} |"
            )
    return "\n".join(out)


def beats_baselines(rows: Sequence[dict]) -> list[str]:
    """Per split and marker method, the figures on which the best baseline does as well or better."""
    lines = []
    for split in dict.fromkeys(r["split"] for r in rows):
        in_split = [r for r in rows if r["split"] == split]
        keys = ("accuracy", "macro_f1", "kappa") if "kappa" in in_split[0] else ("qwk", "exact")
        base = [r for r in in_split if r["method"].startswith("baseline")]
        for r in in_split:
            if not r["method"].startswith("marker") or not base:
                continue
            lost = []
            for k in keys:
                best = max(base, key=lambda b, k=k: b[k])
                if best[k] >= r[k]:
                    lost.append(f"{k} {_f(r[k])} vs {best['method'].removeprefix('baseline ')} {_f(best[k])}")
            verdict = "beats all three baselines" if not lost else "not above " + "; ".join(lost)
            lines.append(f"- {split}, {r['method']}: {verdict}")
    return lines


def build_marker(sets: Sequence[PublicSet]):
    """One Marker over the questions of every set (one pipeline per process)."""
    from marker.authoring import bank_from_specs, load_specs
    from marker.engine import Marker
    from marker.nlp import build_pipeline

    specs_by_set = {p.name: load_specs(p.questions) for p in sets}
    nlp = build_pipeline()
    bank = bank_from_specs([s for specs in specs_by_set.values() for s in specs], nlp, "questions.yaml")
    nlp.get_pipe("marker_concepts").add_entries(bank.entries())
    return Marker(bank, nlp), specs_by_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="semeval,saf", help="comma-separated: semeval, saf")
    parser.add_argument("--limit", type=int, default=0, help="at most N questions per split (a quick run)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--zip", type=Path, default=SEMEVAL_ZIP, help="the SemEval-2013 zip")
    parser.add_argument("--saf-csv", type=Path, default=SAF_CSV, help="SAF's saf_en.csv")
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="keep the marked answers and vectors here and reuse them (a refit of calibration "
        "only); started afresh when the engine version, defaults or tuning differ",
    )
    args = parser.parse_args()
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    for needed, path in (("semeval", args.zip), ("saf", args.saf_csv)):
        if needed in names and not path.exists():
            sys.exit(f"{path}: not found (the public sets of ../shared/benchmarks)")
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.0f} s] {msg}", flush=True)

    from marker.encoder import load_encoder

    cache = MarkCache(args.cache)
    if cache.feedbacks:
        log(f"reusing {len(cache.feedbacks)} marked answers from {args.cache}")
        from marker.meaning import _remember

        for text, vector in cache.vectors.items():  # exactly the encoder's: calibration need not encode again
            _remember(text, vector)
    vectors = TextVectors(load_encoder(), cache.vectors)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        sets = convert_sets(names, Path(tmp), args.zip, args.saf_csv)
        marker, specs_by_set = build_marker(sets)
        log(f"converted and imported {sum(len(s) for s in specs_by_set.values())} questions")
        for public in sets:
            rows += run_set(marker, public, specs_by_set[public.name], vectors, args.limit, log, cache)
    cache.save()
    wall = time.perf_counter() - t0
    print()
    print(table(rows))
    print()
    print("\n".join(beats_baselines(rows)))
    print(f"\nwall time {wall:.0f} s ({wall / 60:.1f} min)")
    if args.json:
        out = {
            "date": date.today().isoformat(),
            "command": "benchmarks/agreement.py " + " ".join(sys.argv[1:]),
            "wall_time_s": round(wall, 1),
            "limit_questions_per_split": args.limit,
            "rows": rows,
        }
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
