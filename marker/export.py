"""Marked scripts out of the app: a spreadsheet for the teacher and a printable page per student.

Everything reads :class:`~marker.records.ResultRecord`, a script's Feedback (or the reason it
failed) with who wrote it, so exports render the same from fresh marks or from JSON kept in
SQLite. Nothing re-scores.

Spreadsheet cells are text a student wrote, so every string cell goes through
:func:`safe_cell` against formula injection; every HTML page escapes every piece of text.
"""

from __future__ import annotations

import csv
import html
import re
import tempfile
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from . import analytics
from .feedback import Feedback
from .records import ResultRecord
from .render import feedback_css, highlight_html, legend_html
from .tally import STATUS_VALUE, ClassTally

# --- spreadsheets -------------------------------------------------------------------------

#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Longest text an Excel cell holds.
EXCEL_CELL_LIMIT = 32_767


def safe_cell(value):
    """A value that a spreadsheet will show as data, never run as a formula.

    A string starting with ``= + - @``, a tab or a carriage return (OWASP's list) gets a
    leading apostrophe. Leading spaces and newlines are looked through as well, because some
    spreadsheet programs trim them on import. Numbers, booleans and None are returned as they
    are: a negative *number* is data.

    >>> safe_cell("=HYPERLINK(\\"http://x\\",\\"y\\")")
    '\\'=HYPERLINK("http://x","y")'
    >>> safe_cell("-2+3"), safe_cell(-2), safe_cell(2.5), safe_cell("@SUM(A1)"), safe_cell("  =1+1")
    ("'-2+3", -2, 2.5, "'@SUM(A1)", "'  =1+1")
    >>> safe_cell("\\t=1"), safe_cell("Ann"), safe_cell(""), safe_cell(None)
    ("'\\t=1", 'Ann', '', None)
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip(" \n\u00a0").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def results_table(records: Sequence[ResultRecord]) -> list[dict]:
    """One row per script, columns in a fixed order (see :func:`result_row`)."""
    labels = analytics.point_labels(records)
    return [result_row(r, labels) for r in records]


def result_row(r: ResultRecord, labels: Sequence[str]) -> dict:
    """One script's row of the results table, with a ``point: <label>`` column per label.

    ``script_id, student, source, question_id, mark, max_mark, percent, level, status,
    error``, then ``point: <label>`` (credited / partial / missing) for every point across
    the records in mark-scheme order, then ``fact_issues`` and ``advisories`` (their messages
    joined with "; "), ``calibrated`` and ``ocr_confidence`` (the recogniser's mean confidence
    for an answer read by OCR from a scan or photo, blank otherwise). A script not marked has
    its status ("failed" or "rejected", :attr:`ResultRecord.status`), its reason in ``error``,
    and blanks (None) for everything marking would have filled; writers show a blank as an
    empty cell.
    """
    fb = r.feedback
    row: dict = {"script_id": r.script_id, "student": r.student, "source": r.source}
    if fb is None:
        row |= {
            "question_id": None,
            "mark": None,
            "max_mark": None,
            "percent": None,
            "level": None,
            "status": r.status,
            "error": r.error or "not marked",
        }
        row |= {f"point: {label}": None for label in labels}
        row |= {"fact_issues": None, "advisories": None, "calibrated": None}
    else:
        status = {p.label: p.status for p in fb.points}
        row |= {
            "question_id": fb.question_id,
            "mark": fb.mark,
            "max_mark": fb.max_mark,
            "percent": analytics.percent(fb.mark, fb.max_mark),
            "level": fb.level,
            "status": "marked",
            "error": r.error,
        }
        row |= {f"point: {label}": status.get(label) for label in labels}
        row |= {
            "fact_issues": "; ".join(i.message for i in fb.fact_issues),
            "advisories": "; ".join(a.message for a in fb.advisories),
            "calibrated": fb.calibrated,
        }
    row["ocr_confidence"] = r.ocr_confidence
    return row


def result_columns(labels: Sequence[str]) -> list[str]:
    """The results table's columns for these point labels."""
    return list(result_row(ResultRecord("", "", "", None), labels))


class CsvWriter:
    """results.csv written a script at a time: UTF-8 with a byte-order mark (so Excel reads accents
    right), every cell through :func:`safe_cell`. Use as a context manager."""

    def __init__(self, path: str | Path, labels: Sequence[str]):
        self.path, self.labels = Path(path), list(labels)
        self.columns = result_columns(self.labels)
        self._file = self.path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)
        self._writer.writerow([safe_cell(c) for c in self.columns])

    def add(self, record: ResultRecord) -> None:
        row = result_row(record, self.labels)
        self._writer.writerow(["" if row[c] is None else safe_cell(row[c]) for c in self.columns])

    def __enter__(self) -> CsvWriter:
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()


def write_csv(records: Sequence[ResultRecord], path: str | Path) -> Path:
    """The results table as CSV (see :class:`CsvWriter`). Returns the path."""
    with CsvWriter(path, analytics.point_labels(records)) as out:
        for r in records:
            out.add(r)
    return out.path


def _cell(ws, value, header: bool = False):
    """One cell of a write-only sheet; a string is neutralised, cleaned of characters XML cannot
    hold, and typed as a string so it can never be read as a formula."""
    if not isinstance(value, str) and not header:
        return value
    cell = WriteOnlyCell(ws, value=None)
    if isinstance(value, str):
        cell.value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))[:EXCEL_CELL_LIMIT]
        cell.data_type = "s"
    else:
        cell.value = value
    if header:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


class _Sheet:
    """A write-only sheet with a bold, frozen header and an autofilter. Column widths come from
    the header and the first :data:`WIDTH_SAMPLE` rows, held until then (a write-only sheet
    takes its widths before its first row)."""

    def __init__(self, ws, header: list[str], widths_cap: int = 50, autofilter: bool = True):
        self.ws, self.header, self.cap, self.autofilter = ws, header, widths_cap, autofilter
        self.held: list[list] | None = []
        self.n = 0

    def add(self, values: list) -> None:
        self.n += 1
        if self.held is None:
            self.ws.append([_cell(self.ws, v) for v in values])
            return
        self.held.append(values)
        if len(self.held) >= WIDTH_SAMPLE:
            self._start()

    def _start(self) -> None:
        held, self.held = self.held or [], None
        for c, name in enumerate(self.header, 1):
            lengths = (len(str(row[c - 1])) for row in held if row[c - 1] is not None)
            longest = max([len(str(name)) // 2 + 1, 6, *lengths])
            self.ws.column_dimensions[get_column_letter(c)].width = min(longest + 2, self.cap)
        self.ws.freeze_panes = "A2"
        self.ws.append([_cell(self.ws, name, header=True) for name in self.header])
        for values in held:
            self.ws.append([_cell(self.ws, v) for v in values])

    def close(self) -> None:
        if self.held is not None:
            self._start()
        if self.header and self.autofilter:
            self.ws.auto_filter.ref = f"A1:{get_column_letter(len(self.header))}{self.n + 1}"


#: Rows read for a sheet's column widths before it is written.
WIDTH_SAMPLE = 200


class XlsxWriter:
    """results.xlsx written a script at a time (openpyxl's write-only mode: rows go to disk).

    Sheets: "Results" (the results table), "Points" (students × points: 1 credited, 0.5
    partly, 0 missing) and "Summary" (class figures and the most-missed points, from the
    tally given to :meth:`close`). Every string cell goes through :func:`safe_cell` and is
    typed as text; numbers stay numbers. Headers are bold and frozen, with an autofilter.
    """

    def __init__(self, path: str | Path, labels: Sequence[str]):
        self.path, self.labels = Path(path), list(labels)
        self.columns = result_columns(self.labels)
        self.book = Workbook(write_only=True)
        self.results = _Sheet(self.book.create_sheet("Results"), self.columns)
        self.points = _Sheet(self.book.create_sheet("Points"), ["student", *self.labels])
        self.summary = self.book.create_sheet("Summary")

    def add(self, record: ResultRecord, name: str) -> None:
        """One script; ``name`` is its row's label on the Points sheet."""
        row = result_row(record, self.labels)
        self.results.add([row[c] for c in self.columns])
        if record.feedback is not None:
            status = {p.label: p.status for p in record.feedback.points}
            self.points.add([name, *(STATUS_VALUE.get(status.get(label, "")) for label in self.labels)])

    def close(self, tally: ClassTally) -> Path:
        """Write the Summary sheet from the class's tally and save the workbook."""
        self.results.close()
        self.points.close()
        summary = _Sheet(self.summary, ["figure", "value"], widths_cap=60, autofilter=False)
        for figure in _summary_rows(tally):
            summary.add(figure)
        summary.close()
        self.book.save(self.path)
        return self.path


def _summary_rows(tally: ClassTally) -> list[list]:
    s = tally.summary()
    figures: list[list] = [
        ["Scripts", s["n"]],
        ["Marked", s["n_marked"]],
        ["Failed", s["n_failed"]],
        ["Rejected", s["n_rejected"]],
        ["Questions", ", ".join(s["question_ids"])],
        ["Highest possible mark", s["max_mark"]],
        ["Mean mark", s["mean"]],
        ["Median mark", s["median"]],
        ["Lowest mark", s["min"]],
        ["Highest mark", s["max"]],
        ["Mean percent", s["mean_percent"]],
        *([f"Level {level}", n] for level, n in s["level_counts"].items()),
    ]
    missed = tally.most_missed()
    if missed:
        figures += [[None, None], ["Most-missed points", "missed share", "partial share", "credited share"]]
        figures += [[m["label"], m["missed_share"], m["partial_share"], m["credited_share"]] for m in missed]
    return figures


def write_xlsx(records: Sequence[ResultRecord], path: str | Path) -> Path:
    """The results as an Excel workbook (see :class:`XlsxWriter`). Returns the path."""
    records = list(records)
    out = XlsxWriter(path, analytics.point_labels(records))
    for r, name in zip(records, analytics.student_labels(records), strict=True):
        out.add(r, name)
    return out.close(ClassTally.over(records))


# --- printable feedback pages ---------------------------------------------------------------

_esc = html.escape

PAGE_CSS = """
*{box-sizing:border-box}
body{font-family:Georgia,"Times New Roman",serif;color:#212529;max-width:48em;margin:24px auto;padding:0 16px;
line-height:1.5}
h1{font-size:1.5em;margin:0}h2{font-size:1.1em;margin:22px 0 6px;border-bottom:1px solid #ced4da}
.muted{color:#6c757d}.mark{font-size:1.3em;font-weight:bold;margin:10px 0 4px}
ul,ol{padding-left:1.4em}li{margin:4px 0}
q,blockquote{font-style:italic}
blockquote{margin:4px 0 4px 1em;padding-left:8px;border-left:3px solid #b7e4c7}
.answer{border:1px solid #dee2e6;padding:10px 14px;border-radius:4px}
.error{border:2px solid #e03131;padding:10px 14px;border-radius:4px}
section{break-inside:avoid-page}
@page{size:A4;margin:15mm}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _verified(answer: str, feedback: Feedback) -> Feedback:
    """The feedback with only the highlights that really quote ``answer``: the stored answer
    may not be the text that was marked, and a stale offset must not highlight other words."""

    def fits(q) -> bool:
        return 0 <= q.start < q.end <= len(answer) and answer[q.start : q.end] == q.text

    points = [replace(p, evidence=tuple(q for q in p.evidence if fits(q))) for p in feedback.points]
    return replace(feedback, points=points, fact_issues=[i for i in feedback.fact_issues if fits(i)])


def _items(items: list[str], empty: str, ordered: bool = False) -> str:
    if not items:
        return f'<p class="muted">{_esc(empty)}</p>'
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li>{item}</li>" for item in items) + f"</{tag}>"


def feedback_page(record: ResultRecord, title: str = "") -> str:
    """A complete, printable HTML feedback page for one student (inline CSS, no JavaScript,
    no external resources). Every piece of text is escaped.

    >>> r = ResultRecord("s1", "<b>Ann</b>", "a.txt", None, "empty file")
    >>> page = feedback_page(r)
    >>> "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann" not in page and "empty file" in page
    True
    """
    name = (record.student or "").strip() or record.script_id
    title = title or f"Feedback for {name}"
    head = [
        f"<h1>{_esc(title)}</h1>",
        f'<p class="muted">Student: {_esc(name)} \u00b7 Script: {_esc(record.script_id)}'
        + (f" \u00b7 From: {_esc(record.source)}" if record.source else "")
        + (
            f" \u00b7 Read by OCR (mean confidence {record.ocr_confidence:.0%})"
            if record.ocr_confidence is not None
            else ""
        )
        + "</p>",
    ]
    fb = record.feedback
    body = head + (_failed_sections(record) if fb is None else _feedback_sections(fb, record.answer))
    return analytics.html_page(title, "\n".join(body), PAGE_CSS + feedback_css())


def _failed_sections(record: ResultRecord) -> list[str]:
    """Why the script could not be marked, and the answer as it came in."""
    body = [
        '<section class="error"><h2>This script could not be marked</h2>'
        f"<p>{_esc(record.error or 'No reason was recorded.')}</p>"
        "<p>Check the file, fix it or type the answer in, and mark it again.</p></section>",
    ]
    if record.answer:
        body.append(
            f'<section><h2>The answer as received</h2><div class="answer">{_esc(record.answer)}</div></section>'
        )
    return body


def _covered_and_missing(fb: Feedback) -> tuple[list[str], list[str]]:
    """The points as list items, numbered as in the highlighted answer (where "✓2" marks point 2)."""
    covered, missing = [], []
    for number, p in enumerate(fb.points, start=1):
        label = f"<b>{number}.</b> {_esc(p.label)}"
        if p.status in ("credited", "partial"):
            how = "" if p.status == "credited" else ' <span class="muted">(partly covered)</span>'
            quotes = "".join(f"<blockquote>\u201c{_esc(q.text)}\u201d</blockquote>" for q in p.evidence[:2])
            mark = "\u2713" if p.status == "credited" else "~"
            covered.append(f"{mark} {label}{how}{quotes}")
        else:
            missing.append(f"\u2717 {label}")
    return covered, missing


def _feedback_sections(fb: Feedback, answer: str) -> list[str]:
    """The question and mark, the points covered and missing, slips, next steps and the answer."""
    mark_line = f"{fb.mark} / {fb.max_mark}"
    if fb.level is not None:
        mark_line += f" \u00b7 Level {fb.level}"
    if fb.calibrated:
        mark_line += " (calibrated)"
    covered, missing = _covered_and_missing(fb)
    slips = [
        f"<b>{'Correct this' if i.severity == 'error' else 'Check this'}:</b> {_esc(i.message)}"
        + (f"<blockquote>\u201c{_esc(i.sentence)}\u201d</blockquote>" if i.sentence else "")
        for i in fb.fact_issues
    ]
    advisories = [_esc(a.message) for a in fb.advisories]
    if answer:
        answer_html = (
            f'{legend_html()}<div class="answer">{highlight_html(answer, _verified(answer, fb))}</div>'
        )
    else:
        answer_html = '<p class="muted">The answer text was not kept with this result.</p>'
    body = [
        f"<section><h2>Question</h2><p>{_esc(fb.question)}</p>"
        f'<p class="mark">Mark: {_esc(mark_line)}</p><p>{_esc(fb.summary)}</p></section>',
        f"<section><h2>What you covered</h2>{_items(covered, 'No mark-scheme points were credited yet.')}</section>",
        f"<section><h2>What is missing</h2>{_items(missing, 'Every mark-scheme point is covered.')}</section>",
        f"<section><h2>Facts to check</h2>{_items(slips, 'No factual slips found.')}</section>",
    ]
    if advisories:
        body.append(f"<section><h2>Notes from the marker</h2>{_items(advisories, '')}</section>")
    steps = [_esc(s) for s in fb.next_steps]
    return body + [
        f"<section><h2>Next steps</h2>{_items(steps, 'None.', ordered=True)}</section>",
        f"<section><h2>Your answer</h2>{answer_html}</section>",
    ]


# --- a zip of pages ---------------------------------------------------------------------------

_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name stem made only of ``[A-Za-z0-9._-]``: accents folded, anything else
    replaced by "_", no leading dots, no "..", no Windows device names. May be "".

    >>> safe_filename("../../etc/passwd"), safe_filename("Zoë Ångström"), safe_filename("con")
    ('etc_passwd', 'Zoe_Angstrom', 'con_')
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", folded)
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-")[:limit].rstrip("._-")
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem += "_"
    return stem


class PageNamer:
    """A distinct ``.html`` file name per script, given every ``(student, script_id)`` of the set.

    Case-insensitively distinct, and never ``index.html``: the student's name, or the script id;
    the script id is added when two students' names come out the same.
    """

    def __init__(self, people: Iterable[tuple[str, str]]):
        self.shared = Counter(_page_base(student, sid).casefold() for student, sid in people)
        self.used = {"index"}

    def __call__(self, student: str, script_id: str) -> str:
        base = _page_base(student, script_id)
        stem = base
        if self.shared[base.casefold()] > 1 or base.casefold() == "index":
            sid = safe_filename(script_id)
            stem = f"{base}_{sid}" if sid and sid.casefold() != base.casefold() else base
        candidate, n = stem, 2
        while candidate.casefold() in self.used:
            candidate, n = f"{stem}-{n}", n + 1
        self.used.add(candidate.casefold())
        return f"{candidate}.html"


def _page_base(student: str, script_id: str) -> str:
    return safe_filename(student or "") or safe_filename(script_id) or "script"


def page_names(records: Sequence[ResultRecord]) -> list[str]:
    """The page name of each record (see :class:`PageNamer`).

    >>> rs = [ResultRecord("s1", "Ann Lee", "", None), ResultRecord("s2", "Ann  Lee", "", None)]
    >>> page_names(rs)
    ['Ann_Lee_s1.html', 'Ann_Lee_s2.html']
    """
    name = PageNamer((r.student, r.script_id) for r in records)
    return [name(r.student, r.script_id) for r in records]


class PagesZip:
    """feedback.zip written a script at a time: one page per script (named by :class:`PageNamer`)
    and an ``index.html`` linking them, whose rows wait in a temporary file until :meth:`close`.
    Failed scripts get a page saying why. Use as a context manager."""

    def __init__(self, path: str | Path, people: Iterable[tuple[str, str]]):
        self.path, self.name = Path(path), PageNamer(people)
        self.index = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by __exit__)
        self.zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self.n = 0

    def add(self, record: ResultRecord, label: str) -> None:
        """One script's page; ``label`` is its name in the index."""
        name = self.name(record.student, record.script_id)
        self.zip.writestr(name, feedback_page(record))
        fb = record.feedback
        result = (
            f"could not be marked: {record.error or 'no reason recorded'}"
            if fb is None
            else f"{fb.mark}/{fb.max_mark}" + (f", level {fb.level}" if fb.level is not None else "")
        )
        self.index.write(
            f'<tr><td><a href="{_esc(name, quote=True)}">{_esc(label)}</a></td><td>{_esc(record.script_id)}</td>'
            f"<td>{_esc(result)}</td></tr>"
        )
        self.n += 1

    def _write_index(self) -> None:
        table = (
            "<table><thead><tr><th>Student</th><th>Script</th><th>Result</th></tr></thead><tbody>\0"
            "</tbody></table>"
            if self.n
            else '<p class="empty">No scripts.</p>'
        )
        head, _, tail = analytics.html_page("Feedback pages", f"<h1>Feedback pages</h1>{table}").partition(
            "\0"
        )
        self.index.seek(0)
        with self.zip.open("index.html", "w") as out:
            out.write(head.encode("utf-8"))
            while block := self.index.read(1 << 16):
                out.write(block.encode("utf-8"))
            out.write(tail.encode("utf-8"))

    def __enter__(self) -> PagesZip:
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None:
                self._write_index()
        finally:
            self.zip.close()
            self.index.close()


def feedback_zip(records: Sequence[ResultRecord], path: str | Path) -> Path:
    """A zip of one feedback page per script and an ``index.html`` linking them (see
    :class:`PagesZip`). Returns the path."""
    records = list(records)
    with PagesZip(path, ((r.student, r.script_id) for r in records)) as pages:
        for r, label in zip(records, analytics.student_labels(records), strict=True):
            pages.add(r, label)
    return pages.path


__all__ = [
    "CsvWriter",
    "PageNamer",
    "PagesZip",
    "ResultRecord",
    "XlsxWriter",
    "feedback_page",
    "feedback_zip",
    "page_names",
    "result_columns",
    "result_row",
    "results_table",
    "safe_cell",
    "safe_filename",
    "write_csv",
    "write_xlsx",
]
