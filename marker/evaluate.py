"""Evaluation: marking a teacher's marked scripts and saying, honestly, how far we agree.

:func:`mark_scripts` marks scripts grouped by question; :func:`fit_calibrations` fits a
calibrator per question (and a pooled one per maximum mark, for questions with no scripts
of their own); :func:`evaluate` compares marks with the teacher's and builds the report:
the agreement figures with bootstrap confidence intervals, a confusion matrix, bias by level,
the correlation of mark with length for marker and teacher, the largest disagreements, and the
figures before and after calibration. It never fits on the scripts it measures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import accuracy_score, cohen_kappa_score, confusion_matrix, f1_score

from .agreement import agreement
from .calibrate import MIN_SCRIPTS, Calibration, calibration_for, fit_calibration
from .engine import Marker
from .errors import CalibrationError
from .feedback import Feedback
from .neighbours import fit_correction, question_offset
from .pooled import fit_pooled, model_answers
from .rubric import Question
from .scripts import Script
from .stacking import fit_shared, fit_shared_marks

#: Below this many scripts the figures are reported as uncertain.
FEW_SCRIPTS = 30
BOOTSTRAP = 1000

Progress = Callable[[int], None]


def by_question(scripts: Sequence[Script]) -> dict[str, list[int]]:
    """The positions of the scripts of each question, in input order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(scripts):
        groups[s.question_id or ""].append(i)
    return groups


def is_blank(script: Script) -> bool:
    """An answer left blank (the teacher gave it 0; the marker marks it 0 too)."""
    return not script.text.strip()


def shared_texts(scripts: Sequence[Script]) -> list[list[Script]]:
    """Groups of scripts with the same answer (whitespace aside) from different script ids.

    Blank answers are left out: they are alike without anyone copying.
    """
    groups: dict[str, list[Script]] = defaultdict(list)
    for s in scripts:
        if not is_blank(s):
            groups[s.sha].append(s)
    return [g for g in groups.values() if len({s.script_id for s in g}) > 1]


def copy_notes(scripts: Sequence[Script], treated: str = "each was marked and counted") -> list[str]:
    """One note per group of scripts with the same text (it may be copying), saying how they were treated."""
    notes = []
    for group in shared_texts(scripts):
        ids = ", ".join(s.script_id + (f" ({s.student})" if s.student else "") for s in group)
        notes.append(f"The same answer was given by {ids}: it may be copying; {treated}.")
    return notes


def leave_out_overlap(train: Sequence[Script], test: Sequence[Script]) -> tuple[list[Script], str | None]:
    """The fitting scripts without any whose text is also in the test scripts, and a note saying so.

    Evaluation never fits on the scripts it measures, so a text in both files stays in the test
    set and is left out of fitting; the files themselves are never refused for it.

    >>> a = Script("a", "", "Rapallo, 1922.", "q1", 1.0, "t.csv row 2", "x1")
    >>> b = Script("b", "", "Locarno, 1925.", "q1", 1.0, "t.csv row 3", "x2")
    >>> leave_out_overlap([a, b], [a])
    ([Script(script_id='b', student='', text='Locarno, 1925.', question_id='q1', mark=1.0, source='t.csv row 3', sha='x2')], '1 script appears in both files (the same text): kept in the test set and left out of fitting.')
    """
    measured = {s.sha for s in test if not is_blank(s)}
    kept = [s for s in train if s.sha not in measured or is_blank(s)]
    n = len(train) - len(kept)
    if not n:
        return kept, None
    verb = "appears" if n == 1 else "appear"
    note = f"{_n(n, 'script')} {verb} in both files (the same text): kept in the test set and left out of fitting."
    return kept, note


def _n(count: int, thing: str) -> str:
    return f"{count} {thing}{'s' if count != 1 else ''}"


def mark_scripts(
    marker: Marker, scripts: Sequence[Script], progress: Progress | None = None
) -> list[Feedback]:
    """Mark every script against its own question, in input order (one ``nlp.pipe`` pass per question)."""
    groups = by_question(scripts)
    out: list[Feedback | None] = [None] * len(scripts)
    for qid, idx in groups.items():
        question = marker.bank.question(qid)
        for start in range(0, len(idx), 64):
            chunk = idx[start : start + 64]
            fbs = marker.mark_question(question, [scripts[i].text for i in chunk])
            for i, fb in zip(chunk, fbs, strict=True):
                out[i] = fb
            if progress:
                progress(len(chunk))
    return [fb for fb in out if fb is not None]


def fit_calibrations(
    marker: Marker,
    scripts: Sequence[Script],
    feedbacks: Sequence[Feedback] | None = None,
    *,
    pooled: bool = True,
    min_scripts: int = MIN_SCRIPTS,
) -> tuple[dict[str, Calibration], list[str]]:
    """Fit a calibrator per question with enough marked scripts, plus pooled ones.

    Blank answers are left out of fitting: a blank answer is marked 0 whatever the calibration
    says, so it would only teach it that (:func:`blank_fit_note` says so).

    Returns the calibrations by question id (pooled ones under ``"*<max_mark>"``) and notes on
    the questions left uncalibrated (too few scripts, one mark only).
    """
    feedbacks = list(feedbacks) if feedbacks is not None else mark_scripts(marker, scripts)
    groups = {
        qid: kept
        for qid, idx in by_question(scripts).items()
        if (kept := [i for i in idx if not is_blank(scripts[i])])
    }
    cals, notes = {}, []

    def fit(key: str, version: str, max_mark: int, idx: list[int], **options) -> None:
        texts = [scripts[i].text for i in idx]
        marks = [float(scripts[i].mark) for i in idx]
        try:
            cals[key] = fit_calibration(
                key,
                version,
                max_mark,
                [feedbacks[i] for i in idx],
                texts,
                marks,
                min_scripts=min_scripts,
                **options,
            )
        except CalibrationError as exc:
            notes.append(str(exc))

    for qid, idx in groups.items():
        question = marker.bank.question(qid)
        fit(qid, question.version, question.max_mark, idx)
    share_stacker(cals)
    if pooled:
        pooled_cals, pooled_notes = fit_pooled(marker, scripts, feedbacks, groups, min_scripts)
        cals.update(pooled_cals)
        notes += pooled_notes
    return cals, notes


def share_stacker(cals: dict[str, Calibration]) -> None:
    """Fit the stacker shared by the 0/1 short-answer questions' own calibrators (those that kept
    their scripts' inputs of it, :mod:`marker.stacking`) and give it to each, if there are two or
    more; the same for the correction shared by the 0/1 questions kept as neighbours
    (:mod:`marker.neighbours`), each of these with its own shift of it fitted on its scripts."""
    own = [c for c in cals.values() if c.shared_inputs is not None and c.memory_shares is not None]
    for max_mark in sorted({c.max_mark for c in own}):
        alike = [c for c in own if c.max_mark == max_mark]
        inputs, marks = [c.shared_inputs for c in alike], [np.rint(c.memory_shares * max_mark) for c in alike]
        shared = fit_shared(inputs, marks) if max_mark == 1 else fit_shared_marks(inputs, marks, max_mark)
        for c in alike if shared is not None else ():
            c.shared = shared
    few = [c for c in cals.values() if c.correction_inputs is not None and c.memory_shares is not None]
    correction = fit_correction([c.correction_inputs for c in few], [np.rint(c.memory_shares) for c in few])
    for c in few if correction is not None else ():
        c.correction = correction
        c.correction_offset = question_offset(correction, c.correction_inputs, np.rint(c.memory_shares))


def blank_fit_note(scripts: Sequence[Script]) -> str | None:
    """What :func:`fit_calibrations` did with blank answers, or None if there were none."""
    n = sum(is_blank(s) for s in scripts)
    if not n:
        return None
    return f"{_n(n, 'blank answer')} (marked 0) left out of fitting: a blank answer is always 0."


def apply_calibrations(
    marker: Marker, scripts: Sequence[Script], feedbacks: Sequence[Feedback], cals: dict[str, Calibration]
) -> tuple[list[Feedback], list[str]]:
    groups = by_question(scripts)
    out, notes = list(feedbacks), []
    for qid, idx in groups.items():
        q = marker.bank.question(qid)
        cal, why = calibration_for(cals, qid, q.max_mark, q.version)
        if why:
            notes.append(why)
        if cal is None:
            continue
        refs = [model_answers(marker, q)] * len(idx) if cal.meaning_pairs else None
        done = cal.apply([feedbacks[i] for i in idx], [scripts[i].text for i in idx], refs)
        for i, fb in zip(idx, done, strict=True):
            out[i] = fb
    return out, notes


# --------------------------------------------------------------------------- figures


def figures(human: Sequence[int], machine: Sequence[int], max_mark: int | None = None) -> dict:
    """The agreement figures; for questions out of 1 also accuracy, macro-F1 and Cohen's kappa."""
    out = agreement(human, machine)
    if max_mark == 1:
        h, m = np.asarray(human, dtype=int), np.asarray(machine, dtype=int)
        out["accuracy"] = float(accuracy_score(h, m))
        out["macro_f1"] = float(f1_score(h, m, average="macro", labels=[0, 1], zero_division=0))
        out["kappa"] = float(cohen_kappa_score(h, m, labels=[0, 1])) if len(set(h) | set(m)) > 1 else 1.0
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}


def bootstrap_ci(
    human: Sequence[int], machine: Sequence[int], n: int = BOOTSTRAP, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95% percentile bootstrap intervals of QWK, exact, adjacent and MAE (resampling scripts)."""
    h, m = np.asarray(human, dtype=int), np.asarray(machine, dtype=int)
    rng = np.random.default_rng(seed)
    labels = sorted(set(h) | set(m))
    draws: dict[str, list[float]] = {"qwk": [], "exact": [], "adjacent": [], "mae": []}
    for _ in range(n):
        i = rng.integers(0, len(h), len(h))
        hh, mm = h[i], m[i]
        if len(set(hh) | set(mm)) > 1:
            draws["qwk"].append(cohen_kappa_score(hh, mm, weights="quadratic", labels=labels))
        draws["exact"].append(float(np.mean(hh == mm)))
        draws["adjacent"].append(float(np.mean(np.abs(hh - mm) <= 1)))
        draws["mae"].append(float(np.mean(np.abs(hh - mm))))
    return {
        k: (round(float(np.percentile(v, 2.5)), 3), round(float(np.percentile(v, 97.5)), 3))
        for k, v in draws.items()
        if v
    }


@dataclass
class Row:
    script: Script
    teacher: int
    machine: int
    uncalibrated: int
    feedback: Feedback


@dataclass
class Report:
    """Everything the CLI prints and the teacher page draws."""

    calibration: str
    overall: dict
    per_question: dict[str, dict]
    rows: list[Row] = field(default_factory=list)
    before: dict | None = None
    ci: dict = field(default_factory=dict)
    confusion: dict[str, dict] = field(default_factory=dict)
    bias: dict[str, list[dict]] = field(default_factory=dict)
    length: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Blank answers, marked 0 and counted in the figures.
    n_blank: int = 0
    #: Script ids of answers given by more than one pupil (it may be copying), one list per text.
    shared: list[list[str]] = field(default_factory=list)

    def to_json(self) -> dict:
        """The ``--json`` form: n, qwk, exact, adjacent, mae, pearson, per_question, and more."""
        out = dict(self.overall)
        out["calibration"] = self.calibration
        out["per_question"] = self.per_question
        out["ci95"] = self.ci
        if self.before is not None:
            out["before_calibration"] = self.before
        out["bias"] = self.bias
        out["length_correlation"] = self.length
        out["largest_disagreements"] = self.disagreements()
        out["notes"] = self.notes
        out["n_blank"] = self.n_blank
        out["shared_answers"] = self.shared
        return out

    def disagreements(self, top: int = 10) -> list[dict]:
        rows = sorted(self.rows, key=lambda r: (-abs(r.machine - r.teacher), r.script.script_id))
        return [
            {
                "script_id": r.script.script_id,
                "student": r.script.student,
                "question_id": r.script.question_id,
                "teacher": r.teacher,
                "marker": r.machine,
                "difference": r.machine - r.teacher,
                "answer": r.script.text[:200],
            }
            for r in rows[:top]
            if r.machine != r.teacher
        ]


def _overall(rows: list[Row], marks: Callable[[Row], int], max_marks: dict[str, int]) -> dict:
    human = [r.teacher for r in rows]
    machine = [marks(r) for r in rows]
    maxes = {max_marks[r.script.question_id or ""] for r in rows}
    return figures(human, machine, maxes.pop() if len(maxes) == 1 else None)


def evaluate(
    marker: Marker,
    scripts: Sequence[Script],
    calibrations: dict[str, Calibration] | None = None,
    calibration_label: str = "none",
    progress: Progress | None = None,
    notes: Sequence[str] = (),
) -> Report:
    """Mark the scripts (calibrated when calibrations are given) and compare with their marks.

    Blank answers are marked 0 and counted (:attr:`Report.n_blank`); answers shared by
    several pupils are measured like any other and reported in the notes (it may be copying).

    Args:
        marker: the Marker.
        scripts: the marked scripts to measure on.
        calibrations: calibrations by question id (pooled ones under ``"*<max_mark>"``).
        calibration_label: how the calibration was obtained, for the report.
        progress: called with the number of scripts marked after each pass.
        notes: what the caller did with the files (rows set aside, scripts left out of fitting),
            reported first.
    """
    feedbacks = mark_scripts(marker, scripts, progress)
    cal_notes: list[str] = []
    calibrated = feedbacks
    if calibrations:
        calibrated, cal_notes = apply_calibrations(marker, scripts, feedbacks, calibrations)
    rows = [
        Row(s, int(round(float(s.mark))), fb_c.mark, fb.mark, fb_c)
        for s, fb, fb_c in zip(scripts, feedbacks, calibrated, strict=True)
    ]
    max_marks = {qid: marker.bank.question(qid).max_mark for qid in {s.question_id or "" for s in scripts}}
    by_q: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by_q[r.script.question_id or ""].append(r)
    report = Report(
        calibration=calibration_label,
        overall=_overall(rows, lambda r: r.machine, max_marks),
        per_question={
            qid: figures([r.teacher for r in rs], [r.machine for r in rs], max_marks[qid])
            for qid, rs in sorted(by_q.items())
        },
        rows=rows,
        notes=[*notes, *_blank_notes(rows), *copy_notes(scripts, "each was marked and measured"), *cal_notes],
        n_blank=sum(is_blank(s) for s in scripts),
        shared=[[s.script_id for s in g] for g in shared_texts(scripts)],
    )
    if calibrations:
        report.before = _overall(rows, lambda r: r.uncalibrated, max_marks)
        report.before["per_question"] = {
            qid: figures([r.teacher for r in rs], [r.uncalibrated for r in rs], max_marks[qid])
            for qid, rs in sorted(by_q.items())
        }
    report.ci = bootstrap_ci([r.teacher for r in rows], [r.machine for r in rows])
    for qid, rs in sorted(by_q.items()):
        report.confusion[qid], report.bias[qid] = confusion_and_bias(marker.bank.question(qid), rs)
    report.length = length_correlation(rows)
    _warn_if_few(report, rows)
    return report


def _blank_notes(rows: Sequence[Row]) -> list[str]:
    blank = [r for r in rows if is_blank(r.script)]
    if not blank:
        return []
    zero = sum(r.teacher == 0 for r in blank)
    verb = "was" if len(blank) == 1 else "were"
    return [f"{_n(len(blank), 'blank answer')} {verb} marked 0 and counted (the teacher gave 0 to {zero})."]


def _warn_if_few(report: Report, rows: Sequence[Row]) -> None:
    """A warning first in the notes when there are too few scripts for steady figures."""
    if len(rows) < FEW_SCRIPTS:
        lo, hi = report.ci.get("qwk", (None, None))
        span = f" (QWK could lie anywhere from {lo} to {hi})" if lo is not None else ""
        report.notes.insert(
            0,
            f"Only {len(rows)} scripts: these figures are uncertain{span}. "
            f"Mark at least {FEW_SCRIPTS} for a steadier picture.",
        )


def confusion_and_bias(question: Question, rows: Sequence[Row]) -> tuple[dict, list[dict]]:
    """One question's confusion matrix (rows: teacher, columns: marker) and bias by the teacher's
    level (levels questions) or mark (the others)."""
    bands = [(lv.level, lv.marks) for lv in question.marking.levels] if question.kind == "levels" else []

    def level_of(mark: int) -> int:
        return next((lv for lv, (lo, hi) in bands if lo <= mark <= hi), 0)

    if bands:
        names = [0, *[lv for lv, _ in bands]]
        t, m, axis = [level_of(r.teacher) for r in rows], [level_of(r.machine) for r in rows], "level"
    else:
        names = list(range(question.max_mark + 1))
        t, m, axis = [r.teacher for r in rows], [r.machine for r in rows], "mark"
    confusion = {"axis": axis, "labels": names, "matrix": confusion_matrix(t, m, labels=names).tolist()}
    bias = []
    for name in names:
        diff = [r.machine - r.teacher for r, tv in zip(rows, t, strict=True) if tv == name]
        if diff:
            bias.append(
                {
                    axis: name,
                    "n": len(diff),
                    "mean_difference": round(float(np.mean(diff)), 2),
                    "harsher": sum(d < 0 for d in diff),
                    "more_generous": sum(d > 0 for d in diff),
                }
            )
    return confusion, bias


def length_correlation(rows: Sequence[Row]) -> dict[str, float | None]:
    """Pearson correlation of answer length (words) with the teacher's and the marker's marks."""
    words = np.array([len(r.script.text.split()) for r in rows], dtype=float)
    out: dict[str, float | None] = {}
    for who, vals in (("teacher", [r.teacher for r in rows]), ("marker", [r.machine for r in rows])):
        v = np.asarray(vals, dtype=float)
        ok = words.std() > 0 and v.std() > 0
        out[who] = round(float(np.corrcoef(words, v)[0, 1]), 3) if ok else None
    return out


def render_text(report: Report) -> str:
    """The agreement report as plain text for the terminal."""
    o = report.overall
    lines = [f"Agreement with the teacher's marks ({o['n']} scripts; calibration: {report.calibration})", ""]

    def ci(key: str) -> str:
        lo_hi = report.ci.get(key)
        if not lo_hi:
            return ""
        if key in ("exact", "adjacent"):  # shown as percentages, like the figure itself
            return f"  (95% CI {lo_hi[0]:.0%} to {lo_hi[1]:.0%})"
        return f"  (95% CI {lo_hi[0]:.2f} to {lo_hi[1]:.2f})"

    lines.append(f"  QWK       {o['qwk']:.3f}{ci('qwk')}")
    lines.append(f"  exact     {o['exact']:.1%}{ci('exact')}")
    lines.append(f"  adjacent  {o['adjacent']:.1%}{ci('adjacent')}")
    lines.append(f"  MAE       {o['mae']:.2f}{ci('mae')}")
    lines.append(f"  Pearson r {o['pearson']:.3f}")
    for key in ("accuracy", "macro_f1", "kappa"):
        if key in o:
            lines.append(f"  {key:9} {o[key]:.3f}")
    if report.before is not None:
        b = report.before
        lines += ["", "Before -> after calibration:"]
        for key in ("qwk", "exact", "adjacent", "mae"):
            lines.append(f"  {key:9} {b[key]:.3f} -> {o[key]:.3f}")
    lines += ["", "Per question:"]
    for qid, f in report.per_question.items():
        lines.append(
            f"  {qid:32} n={f['n']:<4} QWK {f['qwk']:.3f}  exact {f['exact']:.0%}  adjacent {f['adjacent']:.0%}"
        )
    lines += ["", "Bias (marker minus teacher, by the teacher's level or mark):"]
    for qid, rows in report.bias.items():
        for b in rows:
            axis = "level" if "level" in b else "mark"
            lean = (
                "harsher"
                if b["mean_difference"] < 0
                else "more generous"
                if b["mean_difference"] > 0
                else "even"
            )
            lines.append(f"  {qid:32} {axis} {b[axis]:<3} n={b['n']:<4} {b['mean_difference']:+.2f} ({lean})")
    ln = report.length
    lines += ["", f"Correlation of mark with length: teacher {ln.get('teacher')}, marker {ln.get('marker')}"]
    worst = report.disagreements(5)
    if worst:
        lines += ["", "Largest disagreements:"]
        for d in worst:
            lines.append(
                f"  {d['script_id']:20} {d['question_id']:28} teacher {d['teacher']} marker {d['marker']}"
            )
    if report.notes:
        lines += ["", *[f"Note: {n}" for n in report.notes]]
    return "\n".join(lines)
