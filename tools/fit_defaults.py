"""Fit marker's short-answer defaults on the public sets' training splits (never a test split).

Writes ``marker/shipped/fitted/short_answers.json`` (see :mod:`marker.fitted`):

1. converts SemEval-2013 (Beetle, SciEntsBank) and SAF English at run time
   (``benchmarks/public_sets.py``; nothing of the data is kept), and imports every question
   from its question and reference answers alone;
2. marks every answer of each **training** split with the engine (the word match and the
   meaning stage), and fits the zero-shot logistic model of the share of full credit (SAF's
   "partially correct" counts as half), each of the three datasets weighing the same; the cut
   points for 1-mark (SemEval) and 2-mark (SAF) questions are those with the best Cohen's kappa
   / QWK on those training answers;
3. fits the neighbours model: for every training question, the first 10, 20 and 50 of its
   scripts play the teacher's marked scripts, and the model learns how far to trust them
   beside the zero-shot share, and how this teacher marks the question beside the rubric
   (the scripts' mean mark against their mean zero-shot share; each script leaves itself out).

    .venv/bin/python tools/fit_defaults.py [--out PATH] [--cache FILE] [--neighbours-only]

The test splits are not read at all. ``benchmarks/agreement.py`` reports them.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "benchmarks")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from agreement import build_marker, read_scripts  # noqa: E402
from public_sets import SAF_CSV, SEMEVAL_ZIP, convert_sets  # noqa: E402

from marker.evaluate import mark_scripts  # noqa: E402
from marker.fitted import (  # noqa: E402
    DEFAULTS_FILE,
    FORMAT_VERSION,
    neighbour_inputs,
    word_similarities,
    zero_shot_inputs,
)
from marker.meaning import Meaning, answer_vectors  # noqa: E402

OUT = ROOT / "marker" / "shipped" / "fitted" / DEFAULTS_FILE
MEMORY_SIZES = (10, 20, 50)
#: Regularisation of both models (inverse strength, on standardised inputs).
C = 1.0


def raw_inputs(fb, full_at: float) -> dict:
    """What the zero-shot inputs are made from, for one marked answer (kept in the cache, so that
    a refit that changes how inputs are made need not mark the answers again)."""
    f = fb.features
    meaning = Meaning(
        f.meaning_similarity, f.meaning_precision, f.meaning_recall, f.question_similarity, f.length_ratio
    )
    return {
        "match_score": f.match_score,
        "full_at": full_at,
        "max_mark": fb.max_mark,
        "match_recall": f.match_recall,
        "char_similarity": f.char_similarity,
        "meaning": meaning.as_features(),
    }


def inputs_of(raw: dict) -> dict[str, float]:
    return zero_shot_inputs(
        raw["match_score"],
        raw["full_at"],
        raw["max_mark"],
        raw["match_recall"],
        raw["char_similarity"],
        raw["meaning"],
    )


def fit_logistic(rows: list[dict], shares: np.ndarray, weights: np.ndarray, names: list[str]) -> dict:
    """Logistic regression of the share (a half share is two half-weighted rows), standardised."""
    X = np.array([[r[n] for n in names] for r in rows], dtype=float)
    mean, scale = X.mean(0), X.std(0)
    scale[scale < 1e-9] = 1.0  # a constant input (it carries nothing)
    Z = (X - mean) / scale
    Zs = np.vstack([Z, Z])
    ys = np.r_[np.ones(len(Z)), np.zeros(len(Z))]
    ws = np.r_[shares * weights, (1 - shares) * weights]
    keep = ws > 0
    model = LogisticRegression(C=C, max_iter=2000).fit(Zs[keep], ys[keep], sample_weight=ws[keep])
    return {
        "inputs": names,
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
    }


def predict(model: dict, rows: list[dict]) -> np.ndarray:
    X = np.array([[r[n] for n in model["inputs"]] for r in rows], dtype=float)
    z = ((X - np.array(model["mean"])) / np.array(model["scale"])) @ np.array(model["coef"]) + model[
        "intercept"
    ]
    return 1 / (1 + np.exp(-z))


def best_cuts(p: np.ndarray, marks: np.ndarray, max_mark: int) -> tuple[list[float], float]:
    """The cut point(s) of the share with the best kappa (QWK for 2 marks) on these answers."""
    grid = np.unique(np.quantile(p, np.linspace(0.01, 0.99, 99)))
    weights = None if max_mark == 1 else "quadratic"
    if max_mark == 1:
        cands = [(c,) for c in grid]
    else:
        cands = [(a, b) for i, a in enumerate(grid) for b in grid[i + 1 :]]
    best, best_k = (0.5,) * max_mark, -2.0
    for cuts in cands:
        k = cohen_kappa_score(marks, np.searchsorted(np.asarray(cuts), p, side="right"), weights=weights)
        if k > best_k:
            best, best_k = cuts, k
    return [round(float(c), 6) for c in best], round(float(best_k), 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="keep the marked training answers here, and reuse them when the file exists (refits "
        "that change only the models); delete it when the engine's features change",
    )
    parser.add_argument(
        "--neighbours-only",
        action="store_true",
        help="keep the zero-shot model of the file at --out (so marking, and any cache of marked "
        "answers, stays as it is) and refit only the neighbours model, which calibration uses",
    )
    args = parser.parse_args()
    keep = json.loads(args.out.read_text(encoding="utf-8")) if args.neighbours_only else None
    t0 = time.perf_counter()
    if args.cache is not None and args.cache.exists():
        marked = pickle.loads(args.cache.read_bytes())
        print(f"reusing the marked training answers in {args.cache}", flush=True)
        if "vectors" not in marked:  # a cache from before the vectors were kept with it
            marked["vectors"] = answer_vectors(marked["texts"])
            args.cache.write_bytes(pickle.dumps(marked))
    else:
        marked = mark_training(t0)
        marked["vectors"] = answer_vectors(marked["texts"])  # kept from marking them
        if args.cache is not None:
            args.cache.write_bytes(pickle.dumps(marked))
    fit_and_write(marked, args.out, t0, keep)


def mark_training(t0: float) -> dict:
    """Mark every training answer of every public set once; what the fits need of each."""
    rows, shares, marks, maxima, datasets, questions, texts = [], [], [], [], [], [], []
    counts: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets = convert_sets(["semeval", "saf"], Path(tmp), SEMEVAL_ZIP, SAF_CSV)
        marker, _ = build_marker(sets)
        for public in sets:
            for dataset, path in public.training.items():
                scripts = read_scripts(path, 0)
                fbs = mark_scripts(marker, scripts)
                for s, fb in zip(scripts, fbs, strict=True):
                    index = marker.index(marker.bank.question(s.question_id))
                    full_at = getattr(index.question.marking, "full_at", None) or index.model_set.full_at
                    rows.append(raw_inputs(fb, full_at))
                    mark = int(round(float(s.mark)))
                    shares.append(mark / public.max_mark)
                    marks.append(mark)
                    maxima.append(public.max_mark)
                    datasets.append(dataset)
                    questions.append(s.question_id)
                    texts.append(s.text)
                counts[dataset] = {
                    "set": public.name,
                    "split": "train",
                    "answers": len(scripts),
                    "questions": len({s.question_id for s in scripts}),
                    "max_mark": public.max_mark,
                }
                print(
                    f"[{time.perf_counter() - t0:5.0f} s] marked {dataset} train: {len(scripts)}", flush=True
                )
    return {
        "raw": rows,
        "shares": shares,
        "marks": marks,
        "maxima": maxima,
        "datasets": datasets,
        "questions": questions,
        "texts": texts,
        "counts": counts,
    }


def fit_and_write(marked: dict, out_path: Path, t0: float, keep: dict | None = None) -> None:
    """Fit both models on the marked training answers and write the defaults file; with ``keep``
    (a defaults file's contents) its zero-shot model is kept and only the neighbours model fitted."""
    rows = [inputs_of(raw) for raw in marked["raw"]]
    counts = marked["counts"]
    shares, marks, maxima = marked["shares"], marked["marks"], marked["maxima"]
    datasets, questions = marked["datasets"], marked["questions"]
    shares_a, marks_a, maxima_a = np.array(shares), np.array(marks), np.array(maxima)
    datasets_a, questions_a = np.array(datasets), np.array(questions)
    weights = np.array([1000.0 / counts[d]["answers"] for d in datasets])
    if keep is not None:  # marking stays as it is: only the neighbours model is refitted
        zero_shot, fit_kappa = keep["zero_shot"], keep["provenance"]["zero_shot_training_agreement"]
    else:
        zero_shot = fit_logistic(rows, shares_a, weights, list(rows[0]))
    p0 = predict(zero_shot, rows)
    if keep is None:
        zero_shot["cuts"], fit_kappa = {}, {}
        for m in sorted(set(maxima)):
            sel = maxima_a == m
            zero_shot["cuts"][str(m)], fit_kappa[str(m)] = best_cuts(p0[sel], marks_a[sel], m)
    print(f"[{time.perf_counter() - t0:5.0f} s] zero-shot ready; training kappa/QWK {fit_kappa}", flush=True)
    neighbours, n_fit = fit_neighbours(
        marked["vectors"], marked["texts"], shares_a, marks_a, maxima_a, datasets_a, questions_a, p0, counts
    )
    provenance = {
        "date": date.today().isoformat(),
        "command": "tools/fit_defaults.py",
        "splits": "training splits only",
        "datasets": counts,
        "dataset_weighting": "each dataset weighs the same",
        "zero_shot_training_agreement": fit_kappa,
        "neighbours_training_rows": n_fit,
        "memory_sizes": list(MEMORY_SIZES),
    }
    out = {
        "format": FORMAT_VERSION,
        "provenance": provenance,
        "zero_shot": zero_shot,
        "neighbours": neighbours,
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"[{time.perf_counter() - t0:5.0f} s] wrote {out_path}")


def fit_neighbours(
    vectors, texts, shares, marks, maxima, datasets, questions, p0, counts
) -> tuple[dict, int]:
    """The neighbours model, from every training question with 10, 20 and 50 scripts as memory."""
    rows, ys, ws, ms, mk = [], [], [], [], []
    for size in MEMORY_SIZES:
        for q in dict.fromkeys(questions):
            idx = np.flatnonzero(questions == q)
            if len(idx) <= 3:
                continue
            mem = idx[:size]
            rest = idx[len(mem) :]
            said = [texts[i] for i in mem]
            words = word_similarities(said, said)
            got = neighbour_inputs(vectors[mem], vectors[mem], shares[mem], p0[mem], True, words, p0[mem])
            if len(rest):
                words = word_similarities(said, [texts[i] for i in rest])
                got += neighbour_inputs(
                    vectors[rest], vectors[mem], shares[mem], p0[rest], False, words, p0[mem]
                )
            order = np.r_[mem, rest]
            rows += got
            ys.append(shares[order])
            ws.append(np.full(len(order), 1000.0 / counts[datasets[q == questions][0]]["answers"]))
            ms.append(maxima[order])
            mk.append(marks[order])
    y, w, mx, mks = np.concatenate(ys), np.concatenate(ws), np.concatenate(ms), np.concatenate(mk)
    model = fit_logistic(rows, y, w, list(rows[0]))
    p = predict(model, rows)
    model["cuts"] = {}
    for m in sorted(set(mx)):
        model["cuts"][str(m)], _ = best_cuts(p[mx == m], mks[mx == m], m)
    return model, len(rows)


if __name__ == "__main__":
    main()
