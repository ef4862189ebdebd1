"""Agreement with a teacher's marked scripts, measured honestly, and the calibrations fitted to them.

What the Calibrate & agreement page computes, with no UI toolkit: the uploaded table read and
checked against the bank (:func:`load_scripts`), a seeded held-out split (:func:`split_scripts`),
marking, fitting on one part and measuring on the other (:func:`measure`), saving the fitted
calibrations all or nothing (:func:`save_calibrations`), and the tables the page's charts draw.
Marking goes through the Marker's own methods, which hold its lock. The report never fits on
the scripts it measures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import calibrate, pooled
from .bank import QuestionBank
from .calibrate import MIN_SCRIPTS, Calibration
from .engine import Marker
from .errors import CalibrationError, MarkerError
from .evaluate import Report, Row, evaluate, fit_calibrations, mark_scripts
from .feedback import Feedback
from .scripts import Script
from .tables import load_table_bytes, usable_scripts

REQUIRED_COLUMNS = ("question_id", "answer", "mark")

#: (key in the figures, label, format); the last three only for questions out of 1.
HEADLINE = [
    ("qwk", "QWK", "{:.3f}"),
    ("exact", "Exact agreement", "{:.0%}"),
    ("adjacent", "Within one mark", "{:.0%}"),
    ("mae", "Mean absolute error", "{:.2f}"),
    ("pearson", "Pearson r", "{:.3f}"),
    ("accuracy", "Accuracy", "{:.0%}"),
    ("macro_f1", "Macro-F1", "{:.3f}"),
    ("kappa", "Cohen's kappa", "{:.3f}"),
]
PERCENT = {"exact", "adjacent", "accuracy"}
LOWER_IS_BETTER = {"mae"}
STATUS_TEXT = {"credited": "\u2713 credited", "partial": "~ partly", "missing": "\u2717 missing"}

#: Told how many scripts are marked so far and how many there are in all.
Progress = Callable[[int, int], None]


@dataclass
class Measurement:
    """One run of "fit and measure": what was marked, the report, and what saving needs.

    Attributes:
        scripts: every uploaded script, in input order.
        feedbacks: their uncalibrated feedback, in the same order (what saving fits on).
        versions: question id -> the rubric version the scripts were marked with.
        report: the agreement report, on the held-out scripts (or all, on the rubric alone).
        fit_notes: why a question was left uncalibrated.
        holdout: whether scripts were held out (else the rubric alone was measured on all).
        n_train: scripts fitted on; n_test: scripts measured.
    """

    scripts: list[Script]
    feedbacks: list[Feedback]
    versions: dict[str, str]
    report: Report
    fit_notes: list[str] = field(default_factory=list)
    holdout: bool = True
    n_train: int = 0
    n_test: int = 0


def load_scripts(name: str, data: bytes, bank: QuestionBank) -> tuple[list[Script], list[str]]:
    """The uploaded table's usable scripts, and a note naming every row set aside with its reason.

    Bad rows (an unknown question, a mark out of range) are set aside and the others measured,
    as ``marker evaluate`` does.

    Raises:
        MarkerError: the table cannot be read, lacks a column, or has no usable row (every
            problem listed).
    """
    maxes = {q.id: q.max_mark for q in bank.questions.values()}
    return usable_scripts(load_table_bytes(name, data, require=REQUIRED_COLUMNS), maxes, need_mark=True)


def split_scripts(scripts: list[Script], share: float, seed: int = 0) -> tuple[list[Script], list[Script]]:
    """Hold out about ``share`` of each question's scripts, spread across its marks (seeded).

    Each question's scripts are ordered by mark (ties in a seeded random order) and every
    (1/share)-th is held out from a random start, so each mark is held out in proportion. A
    question with one script is kept for fitting. Identical answers stay on the same side, so
    the measured scripts are never also fitted on.
    """
    rng = np.random.default_rng(seed)
    by_q: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(scripts):
        by_q[s.question_id or ""].append(i)
    held: set[int] = set()
    for qid in sorted(by_q):
        idx = by_q[qid]
        if len(idx) < 2:
            continue
        k = min(len(idx) - 1, max(1, round(share * len(idx))))
        ties = rng.permutation(len(idx))
        order = sorted(range(len(idx)), key=lambda j, idx=idx, ties=ties: (scripts[idx[j]].mark, ties[j]))
        picks = np.floor((np.arange(k) + rng.random()) * len(idx) / k).astype(int)
        held.update(idx[order[p]] for p in picks)
    held_texts = {scripts[i].sha for i in held}
    held.update(i for i, s in enumerate(scripts) if s.sha in held_texts)
    train = [s for i, s in enumerate(scripts) if i not in held]
    test = [s for i, s in enumerate(scripts) if i in held]
    return train, test


def _counter(total: int, progress: Progress | None) -> Callable[[int], None]:
    """A per-chunk tick (n scripts done) that reports the running count out of ``total``."""
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    return tick


def measure(
    marker: Marker,
    scripts: list[Script],
    holdout: bool,
    share: float,
    progress: Progress | None = None,
    notes: Sequence[str] = (),
) -> Measurement:
    """Mark the scripts, fit on the training part and measure on the held-out part, or (without
    ``holdout``) measure the rubric alone on every script. ``notes`` (rows set aside when the
    file was read) head the report's notes.

    Raises:
        MarkerError: no script could be held out (every question has a single script).
    """
    train, test = split_scripts(scripts, share) if holdout else ([], list(scripts))
    if not test:
        raise MarkerError(
            "No script could be held out (every question has a single script). Untick "
            "\u2018Measure on held-out scripts\u2019 to measure the rubric alone."
        )
    # With a hold-out the measured scripts are marked twice: once with the rest, once to measure.
    tick = _counter(len(scripts) + (len(test) if holdout else 0), progress)
    fit_notes: list[str] = []
    if holdout:
        feedbacks = mark_scripts(marker, scripts, tick)
        # A script id names a pupil's paper: it repeats across questions, so the key is both.
        position = {(s.question_id, s.script_id): i for i, s in enumerate(scripts)}
        train_fb = [feedbacks[position[s.question_id, s.script_id]] for s in train]
        cals, fit_notes = fit_calibrations(marker, train, train_fb)
        label = (
            f"fitted on {len(train)} scripts, measured on {len(test)} others held out"
            if cals
            else "none (no question had enough scripts left to fit on)"
        )
        report = evaluate(marker, test, cals or None, label, progress=tick, notes=notes)
    else:
        label = "none (the rubric alone, on every script)"
        report = evaluate(marker, scripts, None, label, progress=tick, notes=notes)
        feedbacks = [r.feedback for r in report.rows]  # uncalibrated: no calibration was applied
    versions = {q: marker.bank.question(q).version for q in {s.question_id or "" for s in scripts}}
    return Measurement(list(scripts), feedbacks, versions, report, fit_notes, holdout, len(train), len(test))


def save_calibrations(
    marker: Marker, measurement: Measurement, data_dir: Path, progress: Progress | None = None
) -> tuple[list[Calibration], list[str]]:
    """Fit on every uploaded script and save one calibration per question, and a pooled one per
    maximum mark where it passes its check (:mod:`marker.pooled`), all or nothing.

    A rubric changed since the scripts were marked: they are marked again with the rubric in use,
    so a calibration always fits the version it is saved for. Returns what was saved and notes,
    each a whole sentence (what was not calibrated and why, a pooled calibration removed).

    Raises:
        CalibrationError: no question had enough marked scripts (nothing is saved).
        OSError: a file could not be written (the folder is put back as it was).
    """
    scripts, feedbacks = measurement.scripts, measurement.feedbacks
    if any(marker.bank.question(q).version != v for q, v in measurement.versions.items()):
        feedbacks = mark_scripts(marker, scripts, _counter(len(scripts), progress))
    cals, notes = fit_calibrations(marker, scripts, feedbacks)
    if not cals:
        raise CalibrationError(
            "No question had enough marked scripts to calibrate (at least "
            f"{MIN_SCRIPTS} each, with different marks); nothing was saved.\n" + "\n".join(notes)
        )
    removed = write_calibrations(cals, data_dir, pooled.refused(marker, scripts, cals))
    return [cals[q] for q in sorted(cals)], [f"Not calibrated: {n}" for n in notes] + removed


def write_calibrations(cals: dict[str, Calibration], data_dir: Path, remove: Sequence[str] = ()) -> list[str]:
    """Save the calibrations and remove the saved pooled ones of ``remove`` (keys these scripts
    decided against: :func:`marker.pooled.refused`), all or nothing; a note for each removed.

    Raises:
        OSError: a file could not be written or removed (the folder is put back as it was).
    """
    folder = calibrate.calibration_dir(data_dir)
    before = {p: p.read_bytes() for p in folder.glob("*.joblib")} if folder.is_dir() else {}
    notes = []
    try:
        for qid in sorted(cals):
            calibrate.save(cals[qid], data_dir)
        for key in remove:
            path = calibrate.calibration_path(data_dir, key)
            if path.exists():
                path.unlink()
                notes.append(
                    f"The pooled calibration saved before for {pooled.describe_key(key)} ({path.name}) "
                    "was removed: these scripts say it would not mark such questions better than the rubric."
                )
    except BaseException:
        # Put the folder back as it was: no question is left with a new calibration while another failed.
        for p in folder.glob("*.joblib"):
            if p not in before:
                p.unlink(missing_ok=True)
        for p, blob in before.items():
            p.write_bytes(blob)
        raise
    return notes


def saved_table(cals: Sequence[Calibration]) -> list[dict]:
    """One row per saved calibration: what it fits and how well it did cross-validated."""
    return [
        {
            "question_id": pooled.describe_key(c.question_id),
            "rubric version": c.rubric_version,
            "data fingerprint": c.data_fingerprint,
            "scripts": c.n_scripts,
            "cross-validated QWK": c.cv.get("qwk"),
            "checked on other questions": pooled.check_text(c),
        }
        for c in cals
    ]


# --------------------------------------------------------------------------- figures as text


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(key: str, value) -> str:
    """A figure as the page shows it (percentages for the shares; a dash when there is none).

    >>> fmt("qwk", 0.81234), fmt("exact", 0.5), fmt("mae", None)
    ('0.812', '50%', '–')
    """
    if _missing(value):
        return "\u2013"
    return next(f for k, _, f in HEADLINE if k == key).format(value)


def delta(key: str, after, before) -> tuple[str | None, str]:
    """The change calibration made, and its colour ("off" when nothing changed).

    >>> delta("exact", 0.6, 0.5), delta("mae", 0.5, 0.5)
    (('+10 percentage points', 'normal'), ('no change', 'off'))
    """
    if _missing(after) or _missing(before):
        return None, "off"
    d = round((after - before) * 100) if key in PERCENT else round(after - before, 3)
    if d == 0:
        return "no change", "off"
    shown = f"{d:+d} percentage points" if key in PERCENT else f"{d:+.3f}"
    return shown, "inverse" if key in LOWER_IS_BETTER else "normal"


def ci_text(report: Report, key: str) -> str | None:
    """The figure's bootstrap interval in words, or None when it has none."""
    lo_hi = report.ci.get(key)
    if not lo_hi:
        return None
    lo, hi = lo_hi
    shown = f"{lo:.0%}\u2013{hi:.0%}" if key in PERCENT else f"{lo:.2f}\u2013{hi:.2f}"
    return f"95% bootstrap interval: {shown} (resampling the {report.overall['n']} measured scripts)"


def intervals_line(report: Report) -> str:
    """Every bootstrap interval on one line ("" when there are none)."""
    return " \u00b7 ".join(
        f"{lbl} {fmt(k, report.ci[k][0])}\u2013{fmt(k, report.ci[k][1])}"
        for k, lbl, _ in HEADLINE
        if k in report.ci
    )


# --------------------------------------------------------------------------- tables for the charts


def confusion_frame(conf: dict) -> pd.DataFrame:
    """A question's confusion matrix as one row per (teacher, marker) cell with its count."""
    labels = conf["labels"]
    return pd.DataFrame(
        [
            {"teacher": t, "marker": m, "count": conf["matrix"][i][j]}
            for i, t in enumerate(labels)
            for j, m in enumerate(labels)
        ]
    )


def lean(mean_difference: float) -> str:
    """Which way the marker leans against the teacher."""
    if mean_difference < 0:
        return "harsher"
    return "more generous" if mean_difference > 0 else "even"


def bias_frame(rows: list[dict]) -> tuple[pd.DataFrame, str]:
    """A question's bias rows (see :func:`marker.evaluate.confusion_and_bias`) and their axis."""
    axis = "level" if rows and "level" in rows[0] else "mark"
    frame = pd.DataFrame(
        [
            {
                axis: r[axis],
                "mean difference": r["mean_difference"],
                "scripts": r["n"],
                "lean": lean(r["mean_difference"]),
            }
            for r in rows
        ]
    )
    return frame, axis


def length_frame(report: Report, question_id: str) -> pd.DataFrame:
    """Answer length against mark, one point for the teacher and one for the marker per script."""
    return pd.DataFrame(
        [
            {"words": len(r.script.text.split()), "mark": mark, "who": who, "script": r.script.script_id}
            for r in report.rows
            if (r.script.question_id or "") == question_id
            for who, mark in (("teacher", r.teacher), ("marker", r.machine))
        ]
    )


def per_question_frame(report: Report) -> pd.DataFrame:
    """One row per question: its figures, and its QWK before calibration when it was calibrated."""
    keys = [k for k, _, _ in HEADLINE if k in report.overall]
    before = (report.before or {}).get("per_question", {})
    return pd.DataFrame(
        [
            {"question_id": qid, **{k: f.get(k) for k in ("n", *keys)}}
            | ({"QWK before calibration": before[qid]["qwk"]} if qid in before else {})
            for qid, f in report.per_question.items()
        ]
    )


def row_for(report: Report, script_id: str) -> Row | None:
    """The measured script with this id (to open one of the largest disagreements)."""
    return next((r for r in report.rows if r.script.script_id == script_id), None)


def points_frame(feedback: Feedback) -> pd.DataFrame:
    """A script's points with how far each was covered, in words."""
    return pd.DataFrame(
        [{"point": p.label, "status": STATUS_TEXT.get(p.status, p.status)} for p in feedback.points]
    )
