"""The pooled calibrator: marks for questions that have no marked scripts of their own.

A teacher's marked scripts of some questions fit one calibrator per maximum mark on features
that mean the same on every question (:data:`~marker.calibrate.POOLED_FEATURES`, and where it
helps the answers' meaning pairs with their model answers, :mod:`marker.pairs`). It is used only
if, with the questions left out in turn, it marks them closer to the teacher than the rubric
alone (:func:`pooled_helps`); otherwise unseen questions keep the rubric's marks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .agreement import agreement
from .calibrate import POOLED_FEATURES, Calibration, fit_calibration
from .engine import Marker
from .errors import CalibrationError
from .feedback import Feedback
from .rubric import Question
from .scripts import Script

#: Words do not carry over between questions: a pooled calibrator has no text model, the shared features only.
POOLED_OPTIONS = {"text_min": 10**9, "feature_names": POOLED_FEATURES}
#: How much higher a pooled calibrator's QWK on left-out questions must be than the rubric's for
#: it to be used (its exact agreement must not be lower either). Any gain at all was not enough
#: on SAF's training split: with its 26 questions left out five folds at a time (and this check
#: run inside each), the check kept the pooled calibrator in 8 of 15 folds (10, 20, 50 scripts)
#: and the kept calibrators marked the left-out questions worse than the rubric (QWK 0.06-0.09
#: against 0.13); with the margin and exact agreement it kept 2 of 15. The margin on the folds
#: together was still not enough: a calibrator far ahead on one group of questions and behind on
#: the others passed it (see :func:`pooled_helps`: it must also be ahead in every fold).
POOLED_MARGIN = 0.02


def fit_pooled(
    marker: Marker,
    scripts: Sequence[Script],
    feedbacks: Sequence[Feedback],
    groups: dict[str, list[int]],
    min_scripts: int,
) -> tuple[dict[str, Calibration], list[str]]:
    """The pooled calibrations (keyed ``"*<max_mark>"``) of the questions' scripts (``groups``: the
    positions of each question's scripts to fit on), and notes on those not fitted."""
    by_max: dict[int, list[int]] = defaultdict(list)
    for qid, idx in groups.items():
        by_max[marker.bank.question(qid).max_mark].extend(idx)
    model_texts = {qid: model_answers(marker, marker.bank.question(qid)) for qid in groups}
    references = [model_texts.get(s.question_id or "", ()) for s in scripts]
    cals, notes = {}, []
    for max_mark, idx in by_max.items():
        if len({scripts[i].question_id for i in idx}) < 2:
            continue  # one question: its own calibrator says it all
        pairs, why_not, check = pooled_choice(scripts, feedbacks, references, idx, max_mark, min_scripts)
        if why_not:
            notes.append(why_not)
            continue
        try:
            cal = _fit_on(
                f"*{max_mark}", scripts, feedbacks, idx, max_mark, min_scripts, references if pairs else None
            )
        except CalibrationError as exc:
            notes.append(str(exc))
            continue
        cal.left_out = {
            "qwk": check[0]["qwk"],
            "exact": check[0]["exact"],
            "rubric_qwk": check[1]["qwk"],
            "rubric_exact": check[1]["exact"],
            "groups": len(check[2]),
        }
        cals[cal.question_id] = cal
    return cals, notes


def refused(marker: Marker, scripts: Sequence[Script], cals: dict[str, Calibration]) -> list[str]:
    """The pooled keys (``"*<max_mark>"``) these scripts decided against: two or more of their
    questions are out of that maximum, so a pooled calibrator was checked on them, and none was
    kept (:func:`fit_pooled`'s check or fit failed). A pooled calibration saved before from
    other scripts must not outlive that verdict (``marker calibrate`` removes it)."""
    by_max: dict[int, set[str]] = defaultdict(set)
    for s in scripts:
        if s.text.strip():
            by_max[marker.bank.question(s.question_id or "").max_mark].add(s.question_id or "")
    return [f"*{m}" for m, qids in sorted(by_max.items()) if len(qids) >= 2 and f"*{m}" not in cals]


def describe_key(key: str) -> str:
    """What a calibration key covers, as a teacher reads it.

    >>> describe_key("*1"), describe_key("bulb-circuit")
    ('questions out of 1 with no calibration of their own', 'bulb-circuit')
    """
    return f"questions out of {key[1:]} with no calibration of their own" if key.startswith("*") else key


def check_text(cal: Calibration) -> str:
    """How a pooled calibration did on the questions left out in turn, beside the rubric ("" for a
    question's own calibration)."""
    lo = cal.left_out
    if not lo:
        return ""
    return (
        f"on questions left out in turn ({lo['groups']} groups) QWK {lo['qwk']:.3f}, exact {lo['exact']:.0%}; "
        f"the rubric alone QWK {lo['rubric_qwk']:.3f}, exact {lo['rubric_exact']:.0%}"
    )


def _fit_on(
    name: str,
    scripts: Sequence[Script],
    feedbacks: Sequence[Feedback],
    idx: list[int],
    max_mark: int,
    min_scripts: int,
    references: Sequence[Sequence[str]] | None,
    cross_validate: bool = True,
) -> Calibration:
    """A pooled calibration fitted on the scripts at ``idx`` (with their meaning pairs when
    ``references`` are given)."""
    return fit_calibration(
        name,
        "",
        max_mark,
        [feedbacks[i] for i in idx],
        [scripts[i].text for i in idx],
        [float(scripts[i].mark) for i in idx],
        min_scripts=min_scripts,
        references=None if references is None else [references[i] for i in idx],
        cross_validate=cross_validate,
        **POOLED_OPTIONS,
    )


def model_answers(marker: Marker, question: Question) -> tuple[str, ...]:
    """The question's full-mark model answers' texts (none for a question without any)."""
    index = marker.index(question)
    return tuple(index.model_set.texts) if index.model_set is not None else ()


def pooled_choice(
    scripts: Sequence[Script],
    feedbacks: Sequence[Feedback],
    references: Sequence[Sequence[str]],
    idx: list[int],
    max_mark: int,
    min_scripts: int,
) -> tuple[bool, str | None, tuple | None]:
    """Whether a pooled calibrator for questions out of ``max_mark`` should compare answers with
    their questions' model answers in meaning (:func:`~marker.calibrate.pair_block`), why no
    pooled calibrator should be fitted at all (None if one should), and the check it passed
    (:func:`pooled_transfer`'s figures; None if none).

    A pooled calibrator is for questions it has not seen. Both kinds, with and without the meaning
    pairs (``references``: each script's question's full-mark model answers), are checked on the
    questions left out in turn (:func:`pooled_transfer`, :func:`pooled_helps`); of those that mark
    them better than the rubric alone, the one with the higher QWK is fitted, and if neither does,
    unseen questions keep the rubric's marks. The meaning pairs helped where the questions share a
    domain (SemEval's Beetle) and not across domains (SciEntsBank): each teacher's scripts say which.
    """
    plain = pooled_transfer(scripts, feedbacks, idx, max_mark, min_scripts)
    if plain is None:  # unchecked, it would mark new questions on no evidence that it helps them
        return False, _unchecked_note(max_mark, min_scripts), None
    pairs = pooled_transfer(scripts, feedbacks, idx, max_mark, min_scripts, references)
    passed = [
        (check[0]["qwk"], with_pairs, check)
        for with_pairs, check in ((False, plain), (True, pairs))
        if check is not None and pooled_helps(*check)
    ]
    if passed:
        _, with_pairs, check = max(passed, key=lambda p: p[0])  # a tie keeps the plainer calibrator
        return with_pairs, None, check
    return False, _unhelpful_note(max_mark, *plain), None


def _unchecked_note(max_mark: int, min_scripts: int) -> str:
    return (
        f"No pooled calibration for questions out of {max_mark}: with each question left out in turn, "
        f"the others had too few marked scripts (at least {min_scripts}, with different marks) to fit "
        "one and check it, so unseen questions keep the rubric's marks."
    )


def _unhelpful_note(max_mark: int, cal: dict, rubric: dict, folds: Sequence[tuple[dict, dict]]) -> str:
    behind = sum(not ahead_in(c, r) for c, r in folds)
    return (
        f"No pooled calibration for questions out of {max_mark}: fitted on some questions, it "
        f"marked the others no closer to the teachers than the rubric alone (QWK {cal['qwk']:.3f} "
        f"against {rubric['qwk']:.3f}, exact agreement {cal['exact']:.1%} against {rubric['exact']:.1%}, "
        f"questions left out in turn; not ahead on {behind} of {len(folds)} groups of questions), so "
        "unseen questions keep the rubric's marks."
    )


def ahead_in(calibrated: dict, rubric: dict) -> bool:
    """Whether marks agree better with the teachers than the rubric's on the same scripts: QWK
    higher and exact agreement no lower."""
    return calibrated["qwk"] > rubric["qwk"] and calibrated["exact"] >= rubric["exact"]


def pooled_helps(calibrated: dict, rubric: dict, folds: Sequence[tuple[dict, dict]] = ()) -> bool:
    """Whether a pooled calibrator's agreement on left-out questions earns its use over the rubric's
    (both from :func:`~marker.agreement.agreement`): on all of them together, QWK higher by
    :data:`POOLED_MARGIN` and exact agreement no lower; and ahead (:func:`ahead_in`) on each group
    of questions left out (``folds``: the calibrated and rubric agreement per group), since a new
    question is like one group, not like all of them at once.

    >>> pooled_helps({"qwk": 0.40, "exact": 0.60}, {"qwk": 0.30, "exact": 0.60})
    True
    >>> pooled_helps({"qwk": 0.40, "exact": 0.55}, {"qwk": 0.30, "exact": 0.60})
    False
    >>> pooled_helps({"qwk": 0.40, "exact": 0.60}, {"qwk": 0.30, "exact": 0.60},
    ...              [({"qwk": 0.6, "exact": 0.7}, {"qwk": 0.3, "exact": 0.6}), ({"qwk": 0.2, "exact": 0.5}, {"qwk": 0.3, "exact": 0.6})])
    False
    """
    together = calibrated["qwk"] >= rubric["qwk"] + POOLED_MARGIN and calibrated["exact"] >= rubric["exact"]
    return together and all(ahead_in(c, r) for c, r in folds)


def pooled_transfer(
    scripts: Sequence[Script],
    feedbacks: Sequence[Feedback],
    idx: list[int],
    max_mark: int,
    min_scripts: int,
    references: Sequence[Sequence[str]] | None = None,
) -> tuple[dict, dict, list[tuple[dict, dict]]] | None:
    """How a pooled calibrator does on questions it was not fitted on, beside the rubric alone.

    The questions are split into up to five folds; each fold is marked by a pooled calibrator
    fitted on the others (with ``references``, each script's question's model answers, one that
    compares answers with them: :func:`~marker.calibrate.pair_block`). Returns the agreement (:func:`~marker.agreement.agreement`) of those
    marks and of the rubric's own marks with the teachers' on the same scripts, all folds together
    and fold by fold, or None when there are too few questions or scripts to tell.
    """
    qids = sorted({scripts[i].question_id or "" for i in idx})
    n_folds = min(5, len(qids))
    if n_folds < 2:
        return None
    fold = {q: k % n_folds for k, q in enumerate(qids)}
    human, calibrated, rubric, folds = [], [], [], []
    for k in range(n_folds):
        fit_idx = [i for i in idx if fold[scripts[i].question_id or ""] != k]
        held = [i for i in idx if fold[scripts[i].question_id or ""] == k]
        try:
            # only its marks of the left-out fold are wanted: no cross-validation of its own
            cal = _fit_on(
                "*", scripts, feedbacks, fit_idx, max_mark, min_scripts, references, cross_validate=False
            )
        except CalibrationError:
            return None
        done = cal.apply(
            [feedbacks[i] for i in held],
            [scripts[i].text for i in held],
            None if references is None else [references[i] for i in held],
        )
        h = [int(round(float(scripts[i].mark))) for i in held]
        c, r = [fb.mark for fb in done], [feedbacks[i].mark for i in held]
        folds.append((agreement(h, c), agreement(h, r)))
        human += h
        calibrated += c
        rubric += r
    return agreement(human, calibrated), agreement(human, rubric), folds
