"""tools/fit_defaults.py on a small made-up training set: the file it writes loads as marker's defaults."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score

from marker.fitted import Logistic
from marker.meaning import answer_vectors

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("fit_defaults", ROOT / "tools" / "fit_defaults.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw(score: float, similarity: float, max_mark: int) -> dict:
    meaning = {
        "meaning_similarity": similarity,
        "meaning_precision": similarity,
        "meaning_recall": similarity,
        "meaning_f1": similarity,
        "question_similarity": 0.3,
        "length_ratio": 0.0,
    }
    return {
        "match_score": score,
        "full_at": 0.6,
        "max_mark": max_mark,
        "match_recall": score,
        "char_similarity": score,
        "meaning": meaning,
    }


def _marked() -> dict:
    """A small made-up training set: three 1-mark and three 2-mark questions of 12 answers each."""
    raw, shares, marks, maxima, datasets, questions, texts = [], [], [], [], [], [], []
    for d, max_mark in (("one", 1), ("two", 2)):
        for q in range(3):
            for i in range(12):
                mark = i % (max_mark + 1)
                share = mark / max_mark
                raw.append(_raw(0.2 + 0.5 * share + 0.01 * i, 0.3 + 0.5 * share, max_mark))
                shares.append(share)
                marks.append(mark)
                maxima.append(max_mark)
                datasets.append(d)
                questions.append(f"{d}-{q}")
                texts.append(f"Answer {i} to {d} {q}: " + ("right and full" if share == 1 else "wrong"))
    counts = {
        d: {"set": d, "split": "train", "answers": 36, "questions": 3, "max_mark": m}
        for d, m in (("one", 1), ("two", 2))
    }
    return {
        "raw": raw,
        "shares": shares,
        "marks": marks,
        "maxima": maxima,
        "datasets": datasets,
        "questions": questions,
        "texts": texts,
        "counts": counts,
        "vectors": answer_vectors(texts),
    }


def test_fit_defaults_writes_models_that_rank_closer_answers_higher(tmp_path):
    tool = _tool()
    out = tmp_path / "short_answers.json"
    tool.fit_and_write(_marked(), out, 0.0)
    data = json.loads(out.read_text())
    assert data["provenance"]["splits"] == "training splits only"
    zero_shot = Logistic.from_dict(data["zero_shot"])
    assert set(zero_shot.cuts) == {"1", "2"}
    low, high = (zero_shot.share(tool.inputs_of(_raw(s, m, 1))) for s, m in ((0.2, 0.3), (0.7, 0.8)))
    assert high > low
    neighbours = Logistic.from_dict(data["neighbours"])
    assert neighbours.inputs[0] == "zero_shot_logit"
    # Closeness in words beside closeness in meaning (the "not" the encoder hardly sees).
    assert {"words_nearest_share", "words_full_over_none"} <= set(neighbours.inputs)


def test_cut_points_weigh_exact_agreement_beside_kappa():
    """Most answers earn full marks and the share tells them apart only roughly: kappa alone
    spreads the marks more than the teachers do; with exact agreement weighed in, the cuts give
    more answers the mark the teacher gave, at little cost in kappa."""
    tool = _tool()
    rng = np.random.default_rng(0)
    marks = rng.choice([0, 1, 2], size=600, p=[0.05, 0.33, 0.62])
    p = 0.3 + 0.1 * marks + rng.normal(0, 0.25, size=marks.size)

    def agreement(cuts):
        got = np.searchsorted(cuts, p, side="right")
        return cohen_kappa_score(marks, got, weights="quadratic"), float(np.mean(got == marks))

    kappa_cuts, kappa_only = tool.best_cuts(p, marks, 2)
    weighed_cuts, weighed_kappa = tool.best_cuts(p, marks, 2, exact_weight=tool.EXACT_WEIGHT)
    assert weighed_cuts != kappa_cuts
    assert agreement(weighed_cuts)[1] > agreement(kappa_cuts)[1] + 0.05
    assert round(agreement(weighed_cuts)[0], 4) == weighed_kappa <= kappa_only
    assert weighed_kappa > kappa_only - 0.05


def test_cuts_only_keeps_the_weights_and_refits_the_cut_points(tmp_path):
    tool = _tool()
    marked = _marked()
    full = tmp_path / "full.json"
    tool.fit_and_write(marked, full, 0.0)
    fitted = json.loads(full.read_text())
    # Weights from elsewhere (here: doubled) and stale cuts: --cuts-only keeps the former only.
    kept = json.loads(full.read_text())
    kept["zero_shot"]["coef"] = [2 * c for c in kept["zero_shot"]["coef"]]
    kept["zero_shot"]["cuts"] = {"1": [0.01], "2": [0.01, 0.02]}
    out = tmp_path / "cuts.json"
    tool.fit_and_write(marked, out, 0.0, kept, cuts_only=True)
    data = json.loads(out.read_text())
    for key in ("inputs", "mean", "scale", "coef", "intercept"):
        assert data["zero_shot"][key] == kept["zero_shot"][key]
    assert data["zero_shot"]["cuts"] != kept["zero_shot"]["cuts"]
    assert "exact agreement" in data["provenance"]["zero_shot_cuts"]
    # The kept weights' shares are refitted into cuts exactly as a full fit would cut them.
    rows = [tool.inputs_of(r) for r in marked["raw"]]
    p = tool.predict(data["zero_shot"], rows)
    maxima, marks = np.array(marked["maxima"]), np.array(marked["marks"])
    for m in (1, 2):
        cuts, _ = tool.best_cuts(p[maxima == m], marks[maxima == m], m, tool.EXACT_WEIGHT)
        assert data["zero_shot"]["cuts"][str(m)] == cuts
    # Without the option the file's zero-shot model is refitted from scratch.
    assert fitted["zero_shot"]["coef"] != kept["zero_shot"]["coef"]
