"""Meaning pairs: how an answer's meaning departs from its question's closest model answer.

A pooled calibrator (for questions with no marked scripts of their own) may add these to the
engine's question-independent features, where a teacher's other questions say they help
(:func:`marker.pooled.pooled_choice`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .encoder import DIMENSION
from .feedback import Feedback
from .meaning import answer_vectors

#: Weight of a pooled calibrator's meaning-pair columns after standardising (see :func:`pair_block`):
#: their 768 coefficients are penalised 1/weight² = 400 times as much as the engine features', so
#: they move a mark only where many questions' answers agree. Chosen on the SemEval training
#: splits only (docs/agreement-history.md, "Meaning pairs for the pooled calibrator": nested cross-validation by training
#: question, 0.02 to 0.2 tried).
PAIR_WEIGHT = 0.05


def pair_block(
    feedbacks: Sequence[Feedback], answers: Sequence[str], references: Sequence[Sequence[str]]
) -> np.ndarray:
    """Each answer's meaning pair with the closest of its question's model answers: ``[u*v, |u-v|]``
    of the answer's meaning vector u and that model answer's v (768 numbers; all 0 for an answer
    the meaning stage did not read, or a question without model answers).

    They say in which directions of meaning an answer departs from what the question asked for,
    whatever the question, which the engine's few similarity features sum up in one number each.
    """
    out = np.zeros((len(answers), 2 * DIMENSION))
    read = [
        i
        for i, (fb, refs) in enumerate(zip(feedbacks, references, strict=True))
        if refs and fb.features is not None and fb.features.meaning_estimate is not None
    ]
    if not read:
        return out
    u = answer_vectors([answers[i] for i in read]).astype(float)
    model_vectors: dict[tuple[str, ...], np.ndarray] = {}
    for row, i in enumerate(read):
        key = tuple(references[i])
        if key not in model_vectors:
            model_vectors[key] = answer_vectors(list(key)).astype(float)
        refs = model_vectors[key]
        v = refs[int(np.argmax(refs @ u[row]))]
        out[i] = np.concatenate([u[row] * v, np.abs(u[row] - v)])
    return out
