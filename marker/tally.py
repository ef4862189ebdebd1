"""Class figures gathered one script at a time, so a cohort's are found without holding its feedback.

Reads result records (:class:`marker.records.ResultRecord`) as they come, from a list or from
the job database, and keeps only running counts: marks and levels by value, each point's
statuses, each factual slip's scripts, and the first rows of what a report lists one script
at a time (the coverage heatmap, the scripts not marked). :mod:`marker.analytics` draws its
figures and report from here, for a class of 30 or a cohort of 20,000 alike.

A point is identified across scripts by its label, the text a teacher sees.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable

from .factcheck import FactIssue
from .records import ResultRecord

#: Scripts listed one by one in a report (heatmap rows, scripts not marked): a class is
#: listed whole; a cohort's report stays readable and small, and the spreadsheet has every one.
LISTED = 1000
#: Students named beside a common slip before "and N more".
NAMED = 50

#: Coverage value of each point status: the mark scheme's credit, as a number.
STATUS_VALUE = {"credited": 1.0, "partial": 0.5, "missing": 0.0}


def percent(mark: float | None, max_mark: float | None) -> float | None:
    """The mark as a percentage to one decimal place, or None when it has no meaning.

    >>> percent(7, 25), percent(None, 25), percent(3, 0)
    (28.0, None, None)
    """
    if mark is None or not max_mark:
        return None
    return round(100 * mark / max_mark, 1)


def slip_key(issue: FactIssue) -> tuple[str, str]:
    """What makes two factual slips "the same": their kind and the event they concern (or,
    for a stray date, the date as written). The message is not used: it quotes the student's
    own wrong date, so it differs from script to script.

    >>> slip_key(FactIssue("wrong-date", "error", 0, 4, "1925", "", "Treaty of Rapallo", "", ""))
    ('wrong-date', 'Treaty of Rapallo')
    """
    return issue.kind, issue.concept or (issue.text or issue.message).strip()


def slip_label(issue: FactIssue) -> str:
    """A slip as a report lists it, quoting no one student."""
    if issue.kind == "wrong-date" and issue.concept:
        return f"Wrong date for {issue.concept}" + (
            f" \u2014 correct: {issue.correct}" if issue.correct else ""
        )
    return issue.message or issue.text


class Labeller:
    """One distinct display name per script, given every ``(student, script_id)`` of the set.

    The student's name, or the script id when the name is blank; a name shared by several
    scripts gets the script id after it, so no two rows of a report read the same. Only the
    names' counts are held, and the labels given so far.

    >>> label = Labeller([("Ann", "s1"), ("ann ", "s2"), ("", "s3")])
    >>> label("Ann", "s1"), label("ann ", "s2"), label("", "s3")
    ('Ann (s1)', 'ann (s2)', 's3')
    """

    def __init__(self, people: Iterable[tuple[str, str]]):
        self.shared = Counter(_base(student, sid).casefold() for student, sid in people)
        self.used: set[str] = set()

    def __call__(self, student: str, script_id: str) -> str:
        base = _base(student, script_id)
        label = f"{base} ({script_id})" if self.shared[base.casefold()] > 1 and base != script_id else base
        candidate, n = label, 2
        while candidate.casefold() in self.used:
            candidate, n = f"{label} #{n}", n + 1
        self.used.add(candidate.casefold())
        return candidate


def _base(student: str, script_id: str) -> str:
    return (student or "").strip() or script_id


class ClassTally:
    """Running class figures over records added one at a time (:meth:`add`).

    Args:
        listed: how many scripts to keep for listing one by one (heatmap rows, scripts not
            marked); None keeps them all.
        named: how many students to name beside each common slip; None names them all.

    Attributes:
        labels: every point label seen, in the first record's order, then any new ones.
        heat: ``(name, {label: status}, mark, max_mark)`` of the first marked scripts.
        not_marked: the first scripts not marked, as :meth:`failed_scripts` lists them.
        n_not_marked: how many were not marked in all.
    """

    def __init__(self, listed: int | None = LISTED, named: int | None = NAMED):
        self.listed, self.named = listed, named
        self.n = self.n_failed = self.n_rejected = self.n_not_marked = 0
        self.marks: Counter[int] = Counter()
        self.percents: Counter[float] = Counter()
        self.levels: Counter[int] = Counter()
        self.max_mark: int | None = None
        self.questions: dict[str, str] = {}
        self.labels: dict[str, None] = {}
        self.points: dict[str, dict] = {}
        self.slips: dict[tuple[str, str], dict] = {}
        self.heat: list[tuple[str, dict[str, str], int, int]] = []
        self.not_marked: list[dict] = []

    @classmethod
    def over(cls, records: Iterable[ResultRecord], listed: int | None = LISTED) -> ClassTally:
        """The tally of a whole set (every record's label from :class:`Labeller`)."""
        records = list(records)
        tally = cls(listed, None if listed is None else NAMED)
        label = Labeller((r.student, r.script_id) for r in records)
        for r in records:
            tally.add(r, label(r.student, r.script_id))
        return tally

    def _keeps(self, kept: list) -> bool:
        return self.listed is None or len(kept) < self.listed

    def add(self, record: ResultRecord, name: str) -> None:
        """Count one script; ``name`` is its display label (see :class:`Labeller`)."""
        self.n += 1
        fb = record.feedback
        if fb is None:
            self.n_failed += record.status == "failed"
            self.n_rejected += record.status == "rejected"
            self.n_not_marked += 1
            if self._keeps(self.not_marked):
                self.not_marked.append(
                    {
                        "student": name,
                        "script_id": record.script_id,
                        "source": record.source,
                        "status": record.status,
                        "error": record.error or "not marked",
                    }
                )
            return
        self.marks[fb.mark] += 1
        if (p := percent(fb.mark, fb.max_mark)) is not None:
            self.percents[p] += 1
        if fb.level is not None:
            self.levels[fb.level] += 1
        self.max_mark = fb.max_mark if self.max_mark is None else max(self.max_mark, fb.max_mark)
        self.questions.setdefault(fb.question_id, fb.question)
        self._add_points(fb.points)
        self._add_slips(fb.fact_issues, name)
        if self._keeps(self.heat):
            self.heat.append((name, {p.label: p.status for p in fb.points}, fb.mark, fb.max_mark))

    def _add_points(self, points) -> None:
        for p in points:
            self.labels.setdefault(p.label, None)
            entry = self.points.setdefault(
                p.label, {"id": p.id, "label": p.label, "n": 0, **dict.fromkeys(STATUS_VALUE, 0)}
            )
            entry["n"] += 1
            if p.status in STATUS_VALUE:
                entry[p.status] += 1

    def _add_slips(self, issues: list[FactIssue], name: str) -> None:
        counted: set[tuple[str, str]] = set()  # a script counts once per slip
        for issue in issues:
            key = slip_key(issue)
            entry = self.slips.setdefault(
                key,
                {
                    "kind": issue.kind,
                    "severity": issue.severity,
                    "concept": issue.concept,
                    "label": slip_label(issue),
                    "example": issue.message,
                    "students": [],
                    "count": 0,
                },
            )
            if key not in counted:
                counted.add(key)
                entry["count"] += 1
                if self.named is None or len(entry["students"]) < self.named:
                    entry["students"].append(name)

    # ---------------------------------------------------------------- the figures

    def summary(self) -> dict:
        """The figures of :func:`marker.analytics.class_summary`."""
        marks = sorted(self.marks.elements())
        percents = list(self.percents.elements())
        return {
            "n": self.n,
            "n_marked": len(marks),
            "n_failed": self.n_failed,
            "n_rejected": self.n_rejected,
            "mean": round(statistics.fmean(marks), 2) if marks else None,
            "median": statistics.median(marks) if marks else None,
            "min": marks[0] if marks else None,
            "max": marks[-1] if marks else None,
            "mean_percent": round(statistics.fmean(percents), 1) if percents else None,
            "max_mark": self.max_mark,
            "question_ids": list(self.questions),
            "level_counts": dict(sorted(self.levels.items())),
        }

    def distribution(self) -> list[tuple[int, int]]:
        """``(mark, scripts)`` for every mark from 0 to the maximum; [] when nothing was marked."""
        if not self.marks or self.max_mark is None:
            return []
        top = max(self.max_mark, max(self.marks))
        return [(m, self.marks.get(m, 0)) for m in range(0, int(top) + 1)]

    def most_missed(self, top: int = 10) -> list[dict]:
        """The figures of :func:`marker.analytics.most_missed`."""
        out = [
            {
                "id": e["id"],
                "label": e["label"],
                "missed_share": round(e["missing"] / e["n"], 3),
                "partial_share": round(e["partial"] / e["n"], 3),
                "credited_share": round(e["credited"] / e["n"], 3),
                "n": e["n"],
            }
            for e in self.points.values()
        ]
        # sorted() is stable, so ties keep the mark scheme's order.
        return sorted(out, key=lambda e: (-e["missed_share"], -e["partial_share"]))[:top]

    def common_slips(self, top: int = 10) -> list[dict]:
        """The figures of :func:`marker.analytics.common_slips` (``students`` names at most ``named``)."""
        out = [{**e, "students": list(e["students"])} for e in self.slips.values()]
        return sorted(out, key=lambda e: (-e["count"], e["severity"] != "error"))[:top]


__all__ = ["LISTED", "NAMED", "STATUS_VALUE", "ClassTally", "Labeller", "percent", "slip_key", "slip_label"]
