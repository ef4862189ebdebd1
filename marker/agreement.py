"""Agreement between the marker and human marks: the figures examiners and researchers use.

Built on scikit-learn's metrics (quadratic weighted kappa is ``cohen_kappa_score`` with
``weights="quadratic"``). A later issue adds confidence intervals and reports.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score, mean_absolute_error


def agreement(human: Sequence[int], machine: Sequence[int]) -> dict[str, float | int]:
    """n, exact and adjacent (within one) agreement, QWK, MAE and Pearson r.

    >>> agreement([1, 2, 3, 4], [1, 2, 4, 4])["exact"]
    0.75
    """
    h, m = np.asarray(human, dtype=int), np.asarray(machine, dtype=int)
    if len(h) != len(m) or len(h) == 0:
        raise ValueError("agreement needs two equally long, non-empty lists of marks")
    labels = sorted(set(h) | set(m))
    qwk = cohen_kappa_score(h, m, weights="quadratic", labels=labels) if len(labels) > 1 else 1.0
    pearson = float(np.corrcoef(h, m)[0, 1]) if h.std() > 0 and m.std() > 0 else float("nan")
    return {
        "n": int(len(h)),
        "exact": float(np.mean(h == m)),
        "adjacent": float(np.mean(np.abs(h - m) <= 1)),
        "qwk": float(qwk),
        "mae": float(mean_absolute_error(h, m)),
        "pearson": pearson,
    }
