"""Class figures over a set of marked scripts, and a printable class report.

Everything here reads result records (:class:`marker.records.ResultRecord`: a script's
Feedback or the reason it failed), so a report renders the same from fresh marks or from
JSON kept in SQLite. Nothing re-scores, and nothing needs a UI toolkit.

A point is identified across scripts by its label, the text a teacher sees.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from .factcheck import FactIssue
from .records import ResultRecord

#: Coverage value of each point status: the mark scheme's credit, as a number.
STATUS_VALUE = {"credited": 1.0, "partial": 0.5, "missing": 0.0}

#: Heatmap cell per status: background, symbol (so colour is never the only cue), words.
COVERAGE_STYLE = {
    "credited": ("#b7e4c7", "\u2713", "credited"),
    "partial": ("#ffe8a1", "\u00bd", "partly covered"),
    "missing": ("#ffc9c9", "\u2717", "missing"),
}


def is_marked(record: ResultRecord) -> bool:
    """Whether the script was marked (it has feedback) rather than failed."""
    return record.feedback is not None


def student_labels(records: Sequence[ResultRecord]) -> list[str]:
    """One distinct display name per record, in order.

    The student's name, or the script id when the name is blank; a name shared by several
    scripts gets the script id after it, so no two rows of a report read the same.

    >>> rs = [ResultRecord("s1", "Ann", "a.docx", None), ResultRecord("s2", "ann ", "b.docx", None),
    ...       ResultRecord("s3", "", "c.docx", None)]
    >>> student_labels(rs)
    ['Ann (s1)', 'ann (s2)', 's3']
    """
    bases = [(r.student or "").strip() or r.script_id for r in records]
    shared = Counter(b.casefold() for b in bases)
    labels, used = [], set()
    for base, record in zip(bases, records, strict=True):
        label = (
            f"{base} ({record.script_id})"
            if shared[base.casefold()] > 1 and base != record.script_id
            else base
        )
        candidate, n = label, 2
        while candidate.casefold() in used:
            candidate, n = f"{label} #{n}", n + 1
        used.add(candidate.casefold())
        labels.append(candidate)
    return labels


def point_labels(records: Sequence[ResultRecord]) -> list[str]:
    """Every point label across the marked records: the first record's order, then any new ones."""
    seen: dict[str, None] = {}
    for r in records:
        if r.feedback is not None:
            for p in r.feedback.points:
                seen.setdefault(p.label, None)
    return list(seen)


def percent(mark: float | None, max_mark: float | None) -> float | None:
    """The mark as a percentage to one decimal place, or None when it has no meaning.

    >>> percent(7, 25), percent(None, 25), percent(3, 0)
    (28.0, None, None)
    """
    if mark is None or not max_mark:
        return None
    return round(100 * mark / max_mark, 1)


def class_summary(records: Sequence[ResultRecord]) -> dict:
    """Headline figures for a class.

    Returns a dict with ``n``, ``n_marked``, ``n_failed``, ``n_rejected``, ``mean``, ``median``, ``min``,
    ``max`` (marks of the marked scripts; None when none was marked), ``mean_percent``,
    ``max_mark`` (the highest possible mark seen), ``question_ids`` and ``level_counts``
    (level -> scripts, ascending; points-marked questions have no level and are not counted).

    >>> class_summary([])["mean"] is None
    True
    """
    marked = [r.feedback for r in records if r.feedback is not None]
    marks = [fb.mark for fb in marked]
    percents = [p for fb in marked if (p := percent(fb.mark, fb.max_mark)) is not None]
    levels = Counter(fb.level for fb in marked if fb.level is not None)
    return {
        "n": len(records),
        "n_marked": len(marked),
        "n_failed": sum(r.feedback is None and r.status == "failed" for r in records),
        "n_rejected": sum(r.feedback is None and r.status == "rejected" for r in records),
        "mean": round(statistics.fmean(marks), 2) if marks else None,
        "median": statistics.median(marks) if marks else None,
        "min": min(marks) if marks else None,
        "max": max(marks) if marks else None,
        "mean_percent": round(statistics.fmean(percents), 1) if percents else None,
        "max_mark": max((fb.max_mark for fb in marked), default=None),
        "question_ids": list(dict.fromkeys(fb.question_id for fb in marked)),
        "level_counts": dict(sorted(levels.items())),
    }


def coverage_matrix(records: Sequence[ResultRecord]) -> pd.DataFrame:
    """Students × points: 1.0 credited, 0.5 partly covered, 0.0 missing.

    Only marked scripts have a row (failed ones have no points). The index is
    :func:`student_labels`; a point the student's question does not have is NaN.
    """
    names = student_labels(records)
    labels = point_labels(records)
    rows, index = [], []
    for name, r in zip(names, records, strict=True):
        if r.feedback is None:
            continue
        status = {p.label: p.status for p in r.feedback.points}
        rows.append(
            [
                STATUS_VALUE.get(status[label], float("nan")) if label in status else float("nan")
                for label in labels
            ]
        )
        index.append(name)
    frame = pd.DataFrame(rows, index=pd.Index(index, name="student"), columns=labels, dtype=float)
    return frame


def mark_distribution(records: Sequence[ResultRecord]) -> pd.DataFrame:
    """How many marked scripts got each mark, with every mark from 0 to the maximum listed.

    >>> mark_distribution([]).columns.tolist()
    ['mark', 'count']
    """
    marked = [r.feedback for r in records if r.feedback is not None]
    if not marked:
        return pd.DataFrame({"mark": pd.Series([], dtype=int), "count": pd.Series([], dtype=int)})
    top = max(max(fb.max_mark for fb in marked), max(fb.mark for fb in marked))
    counts = Counter(fb.mark for fb in marked)
    marks = list(range(0, int(top) + 1))
    return pd.DataFrame({"mark": marks, "count": [counts.get(m, 0) for m in marks]})


def most_missed(records: Sequence[ResultRecord], top: int = 10) -> list[dict]:
    """The points the class most often missed.

    Each entry has ``id``, ``label``, ``missed_share``, ``partial_share``,
    ``credited_share`` (fractions of the ``n`` marked scripts whose question has the
    point) and ``n``; sorted by missed share, then partial share, then mark-scheme order.
    """
    tally: dict[str, dict] = {}
    for r in records:
        for p in r.feedback.points if r.feedback is not None else ():
            entry = tally.setdefault(
                p.label, {"id": p.id, "label": p.label, "n": 0, **dict.fromkeys(STATUS_VALUE, 0)}
            )
            entry["n"] += 1
            if p.status in STATUS_VALUE:
                entry[p.status] += 1
    out = [
        {
            "id": e["id"],
            "label": e["label"],
            "missed_share": round(e["missing"] / e["n"], 3),
            "partial_share": round(e["partial"] / e["n"], 3),
            "credited_share": round(e["credited"] / e["n"], 3),
            "n": e["n"],
        }
        for e in tally.values()
    ]
    # sorted() is stable, so ties keep the mark scheme's order.
    out = sorted(out, key=lambda e: (-e["missed_share"], -e["partial_share"]))
    return out[:top]


def slip_key(issue: FactIssue) -> tuple[str, str]:
    """What makes two factual slips "the same": their kind and the event they concern (or,
    for a stray date, the date as written). The message is not used: it quotes the student's
    own wrong date, so it differs from script to script.

    >>> slip_key(FactIssue("wrong-date", "error", 0, 4, "1925", "", "Treaty of Rapallo", "", ""))
    ('wrong-date', 'Treaty of Rapallo')
    """
    return issue.kind, issue.concept or (issue.text or issue.message).strip()


def _slip_label(issue: FactIssue) -> str:
    if issue.kind == "wrong-date" and issue.concept:
        return f"Wrong date for {issue.concept}" + (
            f" \u2014 correct: {issue.correct}" if issue.correct else ""
        )
    return issue.message or issue.text


def common_slips(records: Sequence[ResultRecord], top: int = 10) -> list[dict]:
    """The commonest factual slips (``fact_issues``), most scripts first, errors before notes.

    Each entry has ``kind``, ``severity``, ``concept``, ``label`` (a readable line that does
    not quote any one student), ``example`` (the first script's full message), ``count``
    (scripts with the slip: a script counts once) and ``students`` (their display names).
    """
    names = student_labels(records)
    groups: dict[tuple[str, str], dict] = {}
    for name, r in zip(names, records, strict=True):
        for issue in r.feedback.fact_issues if r.feedback is not None else ():
            key = slip_key(issue)
            entry = groups.setdefault(
                key,
                {
                    "kind": issue.kind,
                    "severity": issue.severity,
                    "concept": issue.concept,
                    "label": _slip_label(issue),
                    "example": issue.message,
                    "students": [],
                },
            )
            if name not in entry["students"]:
                entry["students"].append(name)
    out = [{**e, "count": len(e["students"])} for e in groups.values()]
    out = sorted(out, key=lambda e: (-e["count"], e["severity"] != "error"))
    return out[:top]


def failed_scripts(records: Sequence[ResultRecord]) -> list[dict]:
    """The scripts that could not be marked: ``student`` (display name), ``script_id``, ``source``,
    ``status`` ("failed" or "rejected") and ``error``."""
    return [
        {
            "student": name,
            "script_id": r.script_id,
            "source": r.source,
            "status": r.status,
            "error": r.error or "not marked",
        }
        for name, r in zip(student_labels(records), records, strict=True)
        if r.feedback is None
    ]


# --- the class report -----------------------------------------------------------------------

_esc = html.escape

REPORT_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#212529;margin:24px auto;
max-width:1100px;padding:0 16px;line-height:1.45}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:28px 0 8px;border-bottom:2px solid #dee2e6;
padding-bottom:4px}
.muted{color:#6c757d}.empty{color:#6c757d;font-style:italic}
.figures{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.figure{border:1px solid #dee2e6;border-radius:6px;padding:8px 14px;min-width:120px}
.figure b{display:block;font-size:1.4em}
table{border-collapse:collapse;margin:6px 0}
th,td{border:1px solid #ced4da;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.heat td.cell{text-align:center;min-width:30px;font-weight:600}
table.heat th.p{text-align:center}
.legend span{display:inline-block;padding:1px 8px;margin-right:8px;border:1px solid #ced4da;border-radius:3px}
.bar{display:inline-block;height:12px;background:#e03131;vertical-align:middle}
ol.key li{margin:2px 0}
section{break-inside:avoid-page}
@page{size:A4 landscape;margin:12mm}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def html_page(title: str, body: str, css: str = REPORT_CSS) -> str:
    """A complete, self-contained HTML page: inline CSS, no scripts, no external resources.

    The Content-Security-Policy forbids scripts and remote loads outright, as a second line of
    defence behind the escaping.
    """
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _fmt(value, suffix: str = "") -> str:
    if value is None:
        return "\u2014"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}{suffix}"
    return f"{int(value)}{suffix}"


def _figures(summary: dict) -> str:
    out_of = f" / {summary['max_mark']}" if summary["max_mark"] is not None else ""
    items = [
        ("Scripts", str(summary["n"])),
        ("Marked", str(summary["n_marked"])),
        ("Failed", str(summary["n_failed"])),
        ("Rejected", str(summary["n_rejected"])),
        ("Mean mark", _fmt(summary["mean"]) + (out_of if summary["mean"] is not None else "")),
        ("Median", _fmt(summary["median"])),
        (
            "Range",
            f"{_fmt(summary['min'])}\u2013{_fmt(summary['max'])}" if summary["min"] is not None else "\u2014",
        ),
        ("Mean percent", _fmt(summary["mean_percent"], "%")),
    ]
    boxes = "".join(
        f'<div class="figure"><span class="muted">{_esc(k)}</span><b>{_esc(v)}</b></div>' for k, v in items
    )
    levels = summary["level_counts"]
    level_line = (
        "<p>Levels: " + ", ".join(f"level {_esc(str(lv))}: {n}" for lv, n in levels.items()) + "</p>"
        if levels
        else ""
    )
    return f'<div class="figures">{boxes}</div>{level_line}'


def distribution_svg(dist: pd.DataFrame) -> str:
    """The mark distribution as an inline SVG bar chart (no xmlns URL needed inside HTML),
    with the count written above each bar and a table of the same numbers for screen readers."""
    if dist.empty:
        return '<p class="empty">No marked scripts, so no distribution yet.</p>'
    marks, counts = dist["mark"].tolist(), dist["count"].tolist()
    width, height, pad_l, pad_b, pad_t = 760, 220, 30, 34, 18
    slot = (width - pad_l - 10) / len(marks)
    top = max(max(counts), 1)
    plot_h = height - pad_b - pad_t
    parts = [
        f'<svg role="img" aria-label="Number of scripts at each mark" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;font-family:inherit">',
        f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - 10}" y2="{height - pad_b}" stroke="#495057"/>',
    ]
    for i, (m, c) in enumerate(zip(marks, counts, strict=True)):
        x = pad_l + i * slot
        h = plot_h * c / top
        y = height - pad_b - h
        parts.append(
            f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" fill="#4c6ef5">'
            f"<title>mark {m}: {c} script{'s' if c != 1 else ''}</title></rect>"
        )
        if c:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{c}</text>'
            )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{height - pad_b + 14}" text-anchor="middle" font-size="11">{m}</text>'
        )
    parts.append(
        f'<text x="{(width + pad_l) / 2:.0f}" y="{height - 4}" text-anchor="middle" font-size="12">mark</text></svg>'
    )
    return "".join(parts)


def _heatmap(records: Sequence[ResultRecord]) -> str:
    matrix = coverage_matrix(records)
    if matrix.empty or not len(matrix.columns):
        return '<p class="empty">No marked scripts with mark-scheme points yet.</p>'
    by_value = {v: k for k, v in STATUS_VALUE.items()}
    marks = {
        name: r.feedback
        for name, r in zip(student_labels(records), records, strict=True)
        if r.feedback is not None
    }
    head = "".join(
        f'<th class="p" title="{_esc(label, quote=True)}">P{i}</th>'
        for i, label in enumerate(matrix.columns, 1)
    )
    rows = []
    for name, values in matrix.iterrows():
        cells = []
        for label, value in values.items():
            status = by_value.get(value)
            if status is None:
                cells.append('<td class="cell" title="not in this question">\u00b7</td>')
                continue
            bg, symbol, words = COVERAGE_STYLE[status]
            tip = _esc(f"{name}: {label} \u2014 {words}", quote=True)
            cells.append(f'<td class="cell" style="background:{bg}" title="{tip}">{symbol}</td>')
        fb = marks[name]
        rows.append(
            f'<tr><th>{_esc(str(name))}</th>{"".join(cells)}<td class="num">{fb.mark}/{fb.max_mark}</td></tr>'
        )
    legend = (
        '<p class="legend">'
        + "".join(
            f'<span style="background:{bg}">{symbol} {_esc(words)}</span>'
            for bg, symbol, words in COVERAGE_STYLE.values()
        )
        + "</p>"
    )
    key = '<ol class="key">' + "".join(f"<li>{_esc(label)}</li>" for label in matrix.columns) + "</ol>"
    return (
        f'{legend}<table class="heat"><thead><tr><th>Student</th>{head}<th>Mark</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table><p><b>Points</b> (P1, P2, \u2026 above):</p>{key}"
    )


def _table(headers: Sequence[str], rows: Sequence[str], empty: str) -> str:
    """An HTML table from ready-escaped ``<tr>`` rows, or a note when there are none."""
    if not rows:
        return f'<p class="empty">{empty}</p>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _missed_table(entries: list[dict]) -> str:
    rows = [
        f"<tr><td>{_esc(e['label'])}</td>"
        f'<td class="num"><span class="bar" style="width:{e["missed_share"] * 80:.0f}px"></span> '
        f"{e['missed_share']:.0%}</td>"
        f'<td class="num">{e["partial_share"]:.0%}</td><td class="num">{e["credited_share"]:.0%}</td>'
        f'<td class="num">{e["n"]}</td></tr>'
        for e in entries
    ]
    return _table(("Point", "Missed", "Partly", "Credited", "Scripts"), rows, "No marked scripts yet.")


def _slips_table(entries: list[dict]) -> str:
    rows = [
        f"<tr><td>{'Error' if e['severity'] == 'error' else 'Note'}</td><td>{_esc(e['label'])}</td>"
        f'<td class="num">{e["count"]}</td><td>{_esc(", ".join(e["students"]))}</td></tr>'
        for e in entries
    ]
    return _table(("Kind", "Slip", "Scripts", "Students"), rows, "No factual slips found.")


def _failed_list(entries: list[dict]) -> str:
    rows = [
        f"<tr><td>{_esc(e['student'])}</td><td>{_esc(e['source'])}</td><td>{_esc(e['status'])}</td>"
        f"<td>{_esc(e['error'])}</td></tr>"
        for e in entries
    ]
    return _table(("Student", "Source", "Status", "Why"), rows, "Every script was marked.")


def summary_report_html(records: Sequence[ResultRecord], title: str = "Class report") -> str:
    """A self-contained, printable HTML report for a class: headline figures, the mark
    distribution, a students × points coverage heatmap, the most-missed points, the
    commonest factual slips and the scripts that failed. Inline CSS and SVG only (no
    JavaScript, no external URLs), so it opens offline; every piece of text is escaped.

    >>> "No scripts" in summary_report_html([], "Empty")
    True
    """
    records = list(records)
    summary = class_summary(records)
    asked = {r.feedback.question_id: r.feedback.question for r in records if r.feedback is not None}
    sub = "".join(f'<p class="muted">{_esc(q or qid)}</p>' for qid, q in asked.items())
    if not records:
        body = f'<h1>{_esc(title)}</h1>{sub}<p class="empty">No scripts in this set yet.</p>'
        return html_page(title, body)
    body = "\n".join(
        [
            f"<h1>{_esc(title)}</h1>{sub}",
            f"<section><h2>Headline figures</h2>{_figures(summary)}</section>",
            f"<section><h2>Mark distribution</h2>{distribution_svg(mark_distribution(records))}</section>",
            f"<section><h2>Mark-scheme coverage</h2>{_heatmap(records)}</section>",
            f"<section><h2>Most-missed points</h2>{_missed_table(most_missed(records))}</section>",
            f"<section><h2>Commonest factual slips</h2>{_slips_table(common_slips(records))}</section>",
            f"<section><h2>Scripts that could not be marked</h2>{_failed_list(failed_scripts(records))}</section>",
        ]
    )
    return html_page(title, body)


__all__ = [
    "STATUS_VALUE",
    "class_summary",
    "common_slips",
    "coverage_matrix",
    "failed_scripts",
    "html_page",
    "is_marked",
    "mark_distribution",
    "most_missed",
    "percent",
    "point_labels",
    "slip_key",
    "student_labels",
    "summary_report_html",
]
