"""Class figures over a set of marked scripts, and a printable class report.

Everything here reads result records (:class:`marker.records.ResultRecord`: a script's
Feedback or the reason it failed), so a report renders the same from fresh marks or from
JSON kept in SQLite. Nothing re-scores, and nothing needs a UI toolkit.

A point is identified across scripts by its label, the text a teacher sees.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

from .records import ResultRecord
from .tally import STATUS_VALUE, ClassTally, Labeller, percent, slip_key

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
    """One distinct display name per record, in order (see :class:`~marker.tally.Labeller`).

    >>> rs = [ResultRecord("s1", "Ann", "a.docx", None), ResultRecord("s2", "ann ", "b.docx", None),
    ...       ResultRecord("s3", "", "c.docx", None)]
    >>> student_labels(rs)
    ['Ann (s1)', 'ann (s2)', 's3']
    """
    label = Labeller((r.student, r.script_id) for r in records)
    return [label(r.student, r.script_id) for r in records]


def point_labels(records: Sequence[ResultRecord]) -> list[str]:
    """Every point label across the marked records: the first record's order, then any new ones."""
    seen: dict[str, None] = {}
    for r in records:
        if r.feedback is not None:
            for p in r.feedback.points:
                seen.setdefault(p.label, None)
    return list(seen)


def class_summary(records: Sequence[ResultRecord]) -> dict:
    """Headline figures for a class.

    Returns a dict with ``n``, ``n_marked``, ``n_failed``, ``n_rejected``, ``mean``, ``median``, ``min``,
    ``max`` (marks of the marked scripts; None when none was marked), ``mean_percent``,
    ``max_mark`` (the highest possible mark seen), ``question_ids`` and ``level_counts``
    (level -> scripts, ascending; points-marked questions have no level and are not counted).

    >>> class_summary([])["mean"] is None
    True
    """
    return ClassTally.over(records, listed=None).summary()


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
    return distribution_frame(ClassTally.over(records, listed=None).distribution())


def distribution_frame(counts: list[tuple[int, int]]) -> pd.DataFrame:
    """``(mark, scripts)`` pairs as the ``mark``/``count`` frame of :func:`mark_distribution`."""
    if not counts:
        return pd.DataFrame({"mark": pd.Series([], dtype=int), "count": pd.Series([], dtype=int)})
    return pd.DataFrame({"mark": [m for m, _ in counts], "count": [c for _, c in counts]})


def most_missed(records: Sequence[ResultRecord], top: int = 10) -> list[dict]:
    """The points the class most often missed.

    Each entry has ``id``, ``label``, ``missed_share``, ``partial_share``,
    ``credited_share`` (fractions of the ``n`` marked scripts whose question has the
    point) and ``n``; sorted by missed share, then partial share, then mark-scheme order.
    """
    return ClassTally.over(records, listed=None).most_missed(top)


def common_slips(records: Sequence[ResultRecord], top: int = 10) -> list[dict]:
    """The commonest factual slips (``fact_issues``), most scripts first, errors before notes.

    Each entry has ``kind``, ``severity``, ``concept``, ``label`` (a readable line that does
    not quote any one student), ``example`` (the first script's full message), ``count``
    (scripts with the slip: a script counts once) and ``students`` (their display names).
    """
    return ClassTally.over(records, listed=None).common_slips(top)


def failed_scripts(records: Sequence[ResultRecord]) -> list[dict]:
    """The scripts that could not be marked: ``student`` (display name), ``script_id``, ``source``,
    ``status`` ("failed" or "rejected") and ``error``."""
    return ClassTally.over(records, listed=None).not_marked


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


def _heatmap(tally: ClassTally) -> str:
    labels = list(tally.labels)
    if not tally.heat or not labels:
        return '<p class="empty">No marked scripts with mark-scheme points yet.</p>'
    head = "".join(
        f'<th class="p" title="{_esc(label, quote=True)}">P{i}</th>' for i, label in enumerate(labels, 1)
    )
    rows = []
    for name, statuses, mark, max_mark in tally.heat:
        cells = []
        for label in labels:
            status = statuses.get(label)
            if status not in COVERAGE_STYLE:
                cells.append('<td class="cell" title="not in this question">\u00b7</td>')
                continue
            bg, symbol, words = COVERAGE_STYLE[status]
            tip = _esc(f"{name}: {label} \u2014 {words}", quote=True)
            cells.append(f'<td class="cell" style="background:{bg}" title="{tip}">{symbol}</td>')
        rows.append(f'<tr><th>{_esc(name)}</th>{"".join(cells)}<td class="num">{mark}/{max_mark}</td></tr>')
    legend = (
        '<p class="legend">'
        + "".join(
            f'<span style="background:{bg}">{symbol} {_esc(words)}</span>'
            for bg, symbol, words in COVERAGE_STYLE.values()
        )
        + "</p>"
    )
    key = '<ol class="key">' + "".join(f"<li>{_esc(label)}</li>" for label in labels) + "</ol>"
    n_marked = sum(tally.marks.values())
    more = _more(len(tally.heat), n_marked, "marked scripts", "the Points sheet of results.xlsx")
    return (
        f'{legend}{more}<table class="heat"><thead><tr><th>Student</th>{head}<th>Mark</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table><p><b>Points</b> (P1, P2, \u2026 above):</p>{key}"
    )


def _more(shown: int, total: int, what: str, where: str) -> str:
    """A note that a long list was cut short, saying where the whole of it is ("" if it was not)."""
    if shown >= total:
        return ""
    return (
        f'<p class="muted">The first {shown:,} of {total:,} {what} are shown here; {where} has every one.</p>'
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
        f'<td class="num">{e["count"]}</td><td>{_esc(_names(e["students"], e["count"]))}</td></tr>'
        for e in entries
    ]
    return _table(("Kind", "Slip", "Scripts", "Students"), rows, "No factual slips found.")


def _names(students: list[str], count: int) -> str:
    """The students named beside a slip, and how many more there are (a cohort's list is cut short)."""
    more = count - len(students)
    return ", ".join(students) + (f" and {more:,} more" if more > 0 else "")


def _failed_list(tally: ClassTally) -> str:
    rows = [
        f"<tr><td>{_esc(e['student'])}</td><td>{_esc(e['source'])}</td><td>{_esc(e['status'])}</td>"
        f"<td>{_esc(e['error'])}</td></tr>"
        for e in tally.not_marked
    ]
    more = _more(len(rows), tally.n_not_marked, "scripts not marked", "results.csv")
    return more + _table(("Student", "Source", "Status", "Why"), rows, "Every script was marked.")


def summary_report_html(records: Sequence[ResultRecord], title: str = "Class report") -> str:
    """A self-contained, printable HTML report for a class: headline figures, the mark
    distribution, a students × points coverage heatmap, the most-missed points, the
    commonest factual slips and the scripts that failed. Inline CSS and SVG only (no
    JavaScript, no external URLs), so it opens offline; every piece of text is escaped.

    >>> "No scripts" in summary_report_html([], "Empty")
    True
    """
    return report_html(ClassTally.over(records), title)


def report_html(tally: ClassTally, title: str = "Class report") -> str:
    """:func:`summary_report_html` from a tally (a cohort's, gathered one script at a time).

    The heatmap and the scripts not marked list the first :data:`~marker.tally.LISTED` scripts,
    saying so when there are more.
    """
    sub = "".join(f'<p class="muted">{_esc(q or qid)}</p>' for qid, q in tally.questions.items())
    if not tally.n:
        body = f'<h1>{_esc(title)}</h1>{sub}<p class="empty">No scripts in this set yet.</p>'
        return html_page(title, body)
    dist = distribution_frame(tally.distribution())
    body = "\n".join(
        [
            f"<h1>{_esc(title)}</h1>{sub}",
            f"<section><h2>Headline figures</h2>{_figures(tally.summary())}</section>",
            f"<section><h2>Mark distribution</h2>{distribution_svg(dist)}</section>",
            f"<section><h2>Mark-scheme coverage</h2>{_heatmap(tally)}</section>",
            f"<section><h2>Most-missed points</h2>{_missed_table(tally.most_missed())}</section>",
            f"<section><h2>Commonest factual slips</h2>{_slips_table(tally.common_slips())}</section>",
            f"<section><h2>Scripts that could not be marked</h2>{_failed_list(tally)}</section>",
        ]
    )
    return html_page(title, body)


__all__ = [
    "STATUS_VALUE",
    "class_summary",
    "common_slips",
    "coverage_matrix",
    "distribution_frame",
    "failed_scripts",
    "html_page",
    "is_marked",
    "mark_distribution",
    "most_missed",
    "percent",
    "point_labels",
    "report_html",
    "slip_key",
    "student_labels",
    "summary_report_html",
]
