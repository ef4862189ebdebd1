"""``marker jobs``: the batch jobs kept in the data folder, listed, and old ones removed.

Reads and writes ``<data folder>/batches.sqlite3`` (:class:`~marker.jobstore.JobStore`).
``marker jobs`` lists the jobs newest first: id, when created and last run, status, scripts
marked, failed and rejected, questions and input. ``marker jobs remove JOB_ID`` and ``marker jobs
prune --older-than DAYS`` remove jobs with their stored results, after asking (``--yes`` not to).
A job keeps every script's feedback so that running the same batch again reuses it; removing a
job only means its scripts would be marked afresh. The output files a batch wrote are not touched.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from .cli_common import DataDirOpt, friendly
from .errors import MarkerError
from .help_format import Group, Typer
from .jobstore import DB_NAME, JobStore, JobSummary

jobs_app = Typer(cls=Group, invoke_without_command=True)

Yes = Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")]


def _store(data_dir: Path | None) -> JobStore | None:
    """The data folder's job database, or None when it has none yet (nothing is created)."""
    from .store import data_dir as default_data_dir

    path = (data_dir if data_dir is not None else default_data_dir()) / DB_NAME
    return JobStore(path) if path.is_file() else None


def _when(stamp: str) -> str:
    return stamp.replace("T", " ")[:16]


def _line(s: JobSummary) -> str:
    c = s.counts
    questions = ", ".join(s.questions) or "-"
    return (
        f"{s.job.id:21} {_when(s.job.created):16}  {_when(s.last_used):16}  {s.job.status:8} "
        f"{c['marked']:>6} {c['failed']:>6} {c['rejected']:>8}  {questions}  ({s.job.input})"
    )


def _as_dict(s: JobSummary) -> dict:
    return {
        "id": s.job.id,
        "created": s.job.created,
        "last_used": s.last_used,
        "status": s.job.status,
        "input": s.job.input,
        "questions": s.questions,
        "counts": s.counts,
    }


@jobs_app.callback()
@friendly
def jobs(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """List the batch jobs kept in the data folder with their counts, and remove old ones."""
    if ctx.invoked_subcommand is None:
        list_jobs(as_json, data_dir)


@jobs_app.command("list")
@friendly
def list_jobs(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """List the batch jobs, newest first (as 'marker jobs')."""
    store = _store(data_dir)
    summaries = store.summaries() if store is not None else []
    if as_json:
        typer.echo(json.dumps([_as_dict(s) for s in summaries], indent=2, ensure_ascii=False))
        return
    if not summaries:
        typer.echo("No batch jobs yet.")
        return
    typer.echo(
        f"{'JOB':21} {'CREATED':16}  {'LAST RUN':16}  {'STATUS':8} {'MARKED':>6} {'FAILED':>6} "
        f"{'REJECTED':>8}  QUESTIONS  (INPUT)"
    )
    for s in summaries:
        typer.echo(_line(s))


@jobs_app.command("remove")
@friendly
def remove(
    job_ids: Annotated[list[str], typer.Argument(help="Job ids (or the start of one), from 'marker jobs'.")],
    yes: Yes = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Remove jobs and their stored results (running the same batch again marks it afresh)."""
    store = _store(data_dir)
    summaries = store.summaries() if store is not None else []
    chosen = [_find(summaries, job_id) for job_id in job_ids]
    _remove(store, list({s.job.id: s for s in chosen}.values()), yes)


@jobs_app.command("prune")
@friendly
def prune(
    older_than: Annotated[
        float,
        typer.Option(
            "--older-than", metavar="DAYS", help="Remove the jobs last run more than DAYS days ago."
        ),
    ],
    yes: Yes = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Remove the jobs last run more than DAYS days ago, with their stored results."""
    if older_than < 0:
        raise MarkerError(f"--older-than must be 0 days or more, not {older_than:g}.")
    store = _store(data_dir)
    cutoff = (datetime.now(UTC) - timedelta(days=older_than)).isoformat(timespec="seconds")
    old = [s for s in (store.summaries() if store is not None else []) if s.last_used < cutoff]
    if not old:
        typer.echo(f"No job was last run more than {older_than:g} days ago; nothing removed.")
        return
    _remove(store, old, yes)


def _find(summaries: list[JobSummary], job_id: str) -> JobSummary:
    """The job with this id, or the only one whose id starts with it."""
    exact = [s for s in summaries if s.job.id == job_id]
    found = exact or [s for s in summaries if job_id and s.job.id.startswith(job_id)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise MarkerError(f"No batch job '{job_id}'. 'marker jobs' lists them.")
    ids = ", ".join(s.job.id for s in found)
    raise MarkerError(f"'{job_id}' is the start of several job ids ({ids}): give more of it.")


def _remove(store: JobStore | None, chosen: list[JobSummary], yes: bool) -> None:
    if store is None or not chosen:
        return
    n_scripts = sum(sum(s.counts.values()) for s in chosen)
    for s in chosen:
        typer.echo(_line(s))
    jobs = f"{len(chosen)} job{'s' if len(chosen) != 1 else ''}"
    what = f"{jobs} and the stored results of {n_scripts} script{'s' if n_scripts != 1 else ''}"
    if not yes and not typer.confirm(f"Remove {what}?", default=False):
        typer.echo("Nothing removed.")
        raise typer.Exit(1)
    removed = store.remove_jobs(s.job.id for s in chosen)
    typer.echo(f"Removed {removed} job{'s' if removed != 1 else ''} from {store.path}.")


__all__ = ["jobs_app"]
