"""Defaults fitted on public data: how short answers are marked before any teacher's marks.

``marker/shipped/fitted/short_answers.json`` holds two small logistic models, fitted by
``tools/fit_defaults.py`` on the **training splits only** of the public sets in
``../shared/benchmarks`` (SemEval-2013 Beetle and SciEntsBank, SAF English), each set weighted
equally, with the figures of what they were fitted on:

- ``zero_shot``: the share of full credit an answer deserves, from its match with the closest
  model answer in words (:mod:`marker.similarity`) and in meaning (:mod:`marker.meaning`). Cut
  points turn the share into marks: fitted for 1- and 2-mark questions (best Cohen's kappa /
  QWK on the training answers), evenly spaced above that.
- ``neighbours``: the same share, once a teacher has marked a few scripts of the question, from
  the zero-shot share, how close the answer is to the teacher's high- and low-marked scripts,
  and how this teacher marks the question beside the rubric (the scripts' mean mark against
  their mean zero-shot share; :mod:`marker.calibrate` uses it). It was fitted with 10, 20 and
  50 marked scripts per training question.

Both are plain numbers (feature means, scales, weights, cut points): no pickled estimator, so
they load the same with any scikit-learn.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .rubric import CoverageMarking

DEFAULTS_FILE = "short_answers.json"
#: 3: the neighbours model may weigh how the teacher marks the question (:func:`teacher_inputs`).
FORMAT_VERSION = 3
_WORD_MARKS = CoverageMarking(kind="coverage")


@dataclass(frozen=True)
class Logistic:
    """A fitted logistic model over named inputs, with the cut points that make marks of it."""

    inputs: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    #: Cut points of the share by maximum mark ("1", "2"); other maxima are cut evenly.
    cuts: dict[str, tuple[float, ...]]

    @classmethod
    def from_dict(cls, d: dict) -> Logistic:
        return cls(
            inputs=tuple(d["inputs"]),
            mean=np.asarray(d["mean"], dtype=float),
            scale=np.asarray(d["scale"], dtype=float),
            coef=np.asarray(d["coef"], dtype=float),
            intercept=float(d["intercept"]),
            cuts={k: tuple(float(c) for c in v) for k, v in d["cuts"].items()},
        )

    def share(self, values: dict[str, float]) -> float:
        """The estimated share of full credit (0..1) for one answer's inputs."""
        x = np.array([values[n] for n in self.inputs], dtype=float)
        z = float(((x - self.mean) / self.scale) @ self.coef + self.intercept)
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def mark(self, share: float, max_mark: int) -> int:
        """Whole marks for a share: the fitted cut points for 1 and 2 marks, even steps above."""
        cuts = self.cuts.get(str(max_mark))
        if cuts is None:
            cuts = tuple((k - 0.5) / max_mark for k in range(1, max_mark + 1))
        return min(int(np.searchsorted(np.asarray(cuts), share, side="right")), max_mark)


@dataclass(frozen=True)
class Defaults:
    zero_shot: Logistic
    neighbours: Logistic | None
    #: What the models were fitted on (sets, splits, counts, date, command).
    provenance: dict


def zero_shot_inputs(
    match_score: float,
    full_at: float,
    max_mark: int,
    match_recall: float,
    char_similarity: float,
    meaning: dict[str, float],
) -> dict[str, float]:
    """The zero-shot model's inputs: the word match, as the share of the question's marks it
    earns on its own (whole marks, as :class:`~marker.rubric.CoverageMarking` gives them), and the
    meaning features (``Meaning.as_features()``).

    Whole marks rather than the raw ratio: on the public training sets the model fitted on the
    whole-mark share agreed better with the markers on every held-out split tried.
    """
    word_marks = _WORD_MARKS.mark_for(match_score, full_at, max_mark) if full_at > 0 else 0
    return {
        "word_mark_share": word_marks / max_mark,
        "match_recall": match_recall,
        "char_similarity": char_similarity,
        **meaning,
        "similarity_over_question": meaning["meaning_similarity"] - meaning["question_similarity"],
    }


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def read_defaults() -> dict | None:
    """The shipped defaults file as saved, or None when it is not there."""
    path = resources.files("marker").joinpath("shipped", "fitted", DEFAULTS_FILE)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@lru_cache(maxsize=1)
def load_defaults() -> Defaults | None:
    """The shipped defaults, or None when the file is not there (marking falls back to words)."""
    data = read_defaults()
    if data is None or data.get("format") != FORMAT_VERSION:
        return None
    neighbours = data.get("neighbours")
    return Defaults(
        zero_shot=Logistic.from_dict(data["zero_shot"]),
        neighbours=Logistic.from_dict(neighbours) if neighbours else None,
        provenance=data.get("provenance", {}),
    )


#: Neighbours that vote on an answer's share, and how sharply closeness weighs their votes.
NEIGHBOURS = 5
SHARPNESS = 10.0
#: Scripts at half marks counted beside the teacher's in :func:`teacher_inputs` (a weak prior).
TEACHER_PRIOR = 1.0


def word_similarities(memory_texts: list[str], texts: list[str]) -> np.ndarray:
    """Cosines of the answers' words (TF-IDF of words and word pairs, every word kept, "not"
    and one-letter words too) to the marked scripts' words, the vocabulary being the scripts'.

    The meaning vectors miss what decides many short answers: a "not", or one word changed
    ("open" for "closed"). Beside them (the neighbours model fitted on four of five folds of
    training questions, measured on the fifth, each question's first 10 / 20 scripts marking its
    other training scripts), SAF's QWK rose from 0.309 / 0.324 to 0.339 / 0.362 and SemEval's
    kappa by 0.00 to 0.02.

    >>> s = word_similarities(["the switch is open", "the switch is closed"], ["switch open"])
    >>> bool(s[0, 0] > s[0, 1])
    True
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    try:
        memory = vectoriser.fit_transform(memory_texts)
    except ValueError:  # no words at all in the scripts
        return np.zeros((len(texts), len(memory_texts)))
    return (vectoriser.transform(texts) @ memory.T).toarray()


def neighbour_inputs(
    vectors: np.ndarray,
    memory: np.ndarray,
    shares: np.ndarray,
    zero_shot: np.ndarray,
    exclude_self: bool = False,
    words: np.ndarray | None = None,
    memory_zero_shot: np.ndarray | None = None,
) -> list[dict[str, float]]:
    """The neighbours model's inputs for each answer vector, against a teacher's marked scripts.

    Args:
        vectors: unit vectors of the answers, one row each.
        memory: unit vectors of the marked scripts.
        shares: the teacher's marks of those scripts as shares of the maximum (0..1).
        zero_shot: each answer's zero-shot share.
        exclude_self: the answers are the marked scripts themselves (row i is memory row i),
            so each leaves itself out (as a new answer would not be among them).
        words: the answers' :func:`word_similarities` to the marked scripts; with them the
            same closeness inputs are added from words (``words_`` before their names).
        memory_zero_shot: the marked scripts' own zero-shot shares; with them the teacher's
            inputs are added (:func:`teacher_inputs`: how generous this teacher is on this
            question, and how much more or less than the rubric alone).

    >>> m = np.eye(3)[:2]; out = neighbour_inputs(m, m, np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    >>> out[0]["nearest_share"] > 0.9, out[0]["closest_full"], out[1]["closest_none"]
    (True, 1.0, 1.0)
    """
    sims = np.asarray(vectors, dtype=float) @ np.asarray(memory, dtype=float).T
    out = [{"zero_shot_logit": logit(float(z))} for z in zero_shot]
    if memory_zero_shot is not None:
        # The same for every new answer (all the scripts count); a script leaves itself out.
        same = None if exclude_self else teacher_inputs(shares, memory_zero_shot)
        for i, values in enumerate(out):
            values.update(same or teacher_inputs(shares, memory_zero_shot, i))
    for prefix, matrix in (("", sims), ("words_", words)):
        if matrix is None:
            continue
        matrix = np.array(matrix, dtype=float)
        if exclude_self:
            np.fill_diagonal(matrix, -np.inf)
        for row, z, values in zip(matrix, zero_shot, out, strict=True):
            values.update({prefix + k: v for k, v in _closeness(row, shares, float(z)).items()})
            if not prefix:
                values.update(_reach(row, values))
    return out


def _reach(row: np.ndarray, values: dict[str, float]) -> dict[str, float]:
    """How close in meaning the answer is to any marked script, and the zero-shot and neighbours'
    shares weighed by it: an answer unlike every script the teacher marked has no neighbours to
    follow, so its zero-shot share should count for more there.

    On training CV (as :func:`teacher_inputs`) these raised agreement a little or left it, on every
    dataset at 10, 20 and 50 scripts (Beetle at 10: accuracy / kappa 0.759 / 0.518 to 0.761 /
    0.524; SAF QWK at 20: 0.452 to 0.474).
    """
    finite = np.isfinite(row)
    reach = float(row[finite].max()) if finite.any() else 0.0
    return {
        "closest_any": reach,
        "zero_shot_far": values["zero_shot_logit"] * (1.0 - reach),
        "nearest_near": (values["nearest_share"] - 0.5) * reach,
    }


def teacher_inputs(
    shares: np.ndarray, memory_zero_shot: np.ndarray, leave_out: int | None = None
) -> dict[str, float]:
    """How this teacher marks this question, from the marked scripts (one left out if given).

    ``teacher_logit`` is the log-odds of the scripts' mean share and ``teacher_over_rubric`` how
    far it lies above the mean of their zero-shot shares (negative: a harsher teacher than the
    rubric alone). Both means count :data:`TEACHER_PRIOR` more scripts at half marks, so that
    ten scripts all at full marks say less than fifty would.

    Why: the closeness inputs say what the nearest scripts got, not whether this teacher marks
    the question's answers above or below the rubric's estimate of them (a ten-script sample all
    at full marks, say, where the rubric had expected half of them at zero). On training CV
    (five folds of training questions, three seeds, each question marked from its first 10
    scripts) Beetle's accuracy / kappa rose from 0.743 / 0.491 to 0.759 / 0.518,
    SciEntsBank's from 0.762 / 0.484 to 0.771 / 0.516 and SAF's QWK from 0.333 to 0.458.

    >>> t = teacher_inputs(np.zeros(10), np.full(10, 0.9))
    >>> t["teacher_logit"] < 0, t["teacher_over_rubric"] < -2
    (True, True)
    """
    keep = np.ones(len(shares), dtype=bool)
    if leave_out is not None:
        keep[leave_out] = False
    count = float(keep.sum()) + TEACHER_PRIOR
    teacher = (float(np.asarray(shares, dtype=float)[keep].sum()) + 0.5 * TEACHER_PRIOR) / count
    rubric = (float(np.asarray(memory_zero_shot, dtype=float)[keep].sum()) + 0.5 * TEACHER_PRIOR) / count
    return {"teacher_logit": logit(teacher), "teacher_over_rubric": logit(teacher) - logit(rubric)}


def _closeness(row: np.ndarray, shares: np.ndarray, zero_shot: float) -> dict[str, float]:
    """One answer's closeness to the marked scripts (``-inf`` for a script left out)."""
    finite = np.isfinite(row)
    full, none = shares >= 1.0, shares <= 0.0
    order = np.argsort(-np.where(finite, row, -np.inf), kind="stable")[: min(NEIGHBOURS, int(finite.sum()))]
    if len(order):
        w = np.exp(SHARPNESS * (row[order] - row[order].max()))
        nearest = float((w * shares[order]).sum() / w.sum())
    else:
        nearest = zero_shot
    hi = float(row[full & finite].max()) if (full & finite).any() else 0.0
    lo = float(row[none & finite].max()) if (none & finite).any() else 0.0
    return {"nearest_share": nearest, "closest_full": hi, "closest_none": lo, "full_over_none": hi - lo}
