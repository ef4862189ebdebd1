"""A batch's output files, written one script at a time: results.csv, results.xlsx, feedback.zip, report.html.

Reads result records (:class:`~marker.records.ResultRecord`) from a list, or from the job
database a batch of rows at a time (:func:`write_job_outputs`); writes the four files into one
folder. Every record goes to the four writers as it comes and is then dropped, so a cohort of
20,000 scripts is written in the memory a class of 30 needs. Two light looks come first: every
point label (the spreadsheets' columns) and every ``(student, script_id)`` (so that names shared
by two students are told apart from the first row on).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from .analytics import point_labels, report_html
from .export import CsvWriter, PagesZip, XlsxWriter
from .jobstore import JobStore
from .records import ResultRecord
from .tally import ClassTally, Labeller

#: The files written into the output folder, by key.
OUTPUT_NAMES = {
    "csv": "results.csv",
    "xlsx": "results.xlsx",
    "feedback": "feedback.zip",
    "report": "report.html",
}


def write_outputs(
    records: Sequence[ResultRecord], out_dir: str | Path, title: str = "Class report"
) -> dict[str, Path]:
    """Write results.csv, results.xlsx, feedback.zip and report.html; returns them by key."""
    records = list(records)
    people = [(r.student, r.script_id) for r in records]
    return write_stream(records, out_dir, title, labels=point_labels(records), people=people)


def write_stream(
    records: Iterable[ResultRecord],
    out_dir: str | Path,
    title: str,
    *,
    labels: Sequence[str],
    people: Sequence[tuple[str, str]],
) -> dict[str, Path]:
    """Write the four files from records read once, in order.

    Args:
        records: every script's record, in the order the files list them.
        out_dir: the folder (made if missing).
        title: the report's title.
        labels: every point label across the records, in mark-scheme order (the columns).
        people: ``(student, script_id)`` of every record, in any order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {key: out_dir / name for key, name in OUTPUT_NAMES.items()}
    label = Labeller(people)
    tally = ClassTally()
    xlsx = XlsxWriter(paths["xlsx"], labels)
    with CsvWriter(paths["csv"], labels) as table, PagesZip(paths["feedback"], people) as pages:
        for record in records:
            name = label(record.student, record.script_id)
            table.add(record)
            xlsx.add(record, name)
            pages.add(record, name)
            tally.add(record, name)
    xlsx.close(tally)
    paths["report"].write_text(report_html(tally, title), encoding="utf-8")
    return paths


def write_job_outputs(store: JobStore, job_id: str, out_dir: str | Path, title: str) -> dict[str, Path]:
    """Write the four files from everything the job database holds for a job, in input order."""
    records = (row.record() for row in store.iter_results(job_id))
    return write_stream(
        records, out_dir, title, labels=store.point_labels(job_id), people=store.people(job_id)
    )


__all__ = ["OUTPUT_NAMES", "write_job_outputs", "write_outputs", "write_stream"]
