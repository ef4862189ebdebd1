"""tools/fit_defaults.py on a small made-up training set: the file it writes loads as marker's defaults."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

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


def test_fit_defaults_writes_models_that_rank_closer_answers_higher(tmp_path):
    tool = _tool()
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
    marked = {
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
    out = tmp_path / "short_answers.json"
    tool.fit_and_write(marked, out, 0.0)
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
