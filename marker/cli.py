"""The ``marker`` command line: list questions, mark an answer, validate rubric files."""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from .answer_file import read_answer
from .cli_common import DataDirOpt, friendly
from .cli_data import data_app
from .cli_jobs import jobs_app
from .errors import MarkerError
from .help_format import Group, Typer

app = Typer(
    cls=Group,
    help="Mark practice answers against a rubric and explain every mark. Everything runs locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rubric_app = Typer(cls=Group, help="Work with rubric files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")
app.add_typer(data_app, name="data")
app.add_typer(jobs_app, name="jobs")


QuestionsArg = Annotated[
    Path | None,
    typer.Argument(
        help="A questions file in the import format (see the README); the shipped bank if left out.",
        show_default=False,
    ),
]
QuestionsOpt = Annotated[
    Path | None,
    typer.Option(
        "--questions",
        metavar="FILE",
        help="A questions file in the import format; the shipped bank if left out.",
    ),
]


def _workspace(data_dir: Path | None, questions: Path | None = None):
    """The workspace every command marks through (the same bank and calibrations as the app)."""
    from .workspace import open_workspace

    return open_workspace(data_dir, questions)


@app.command()
@friendly
def questions(
    file: QuestionsArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """List the questions in use (the shipped bank or a questions file, with teachers' saved versions)."""
    ws = _workspace(data_dir, file)  # the shipped bank needs no pipeline
    bank = ws.bank
    for problem in ws.problems:
        typer.echo(f"Note: a saved file was not used: {problem}", err=True)
    rows = [
        {
            "id": q.id,
            "topic": q.topic,
            "question": q.question,
            "max_mark": q.max_mark,
            "marking": q.kind,
            "command_word": q.command_word,
            "period": f"{q.period.start}-{q.period.end}" if q.period else None,
            "version": ws.loaded.versions.get(q.id),
        }
        for q in bank.questions.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        saved = f" (teacher's version {r['version']})" if r["version"] else ""
        typer.echo(f"{r['id']:28} {r['max_mark']:>3} marks  {r['marking']:8}  {r['question']}{saved}")


@app.command()
@friendly
def mark(
    question: Annotated[
        str, typer.Option("--question", "-q", metavar="ID", help="Question id (see 'marker questions').")
    ],
    file: Annotated[
        str,
        typer.Argument(
            help="Answer file (plain text: UTF-8, or UTF-16 with a BOM), or - for standard input."
        ),
    ] = "-",
    questions: QuestionsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the feedback as JSON.")] = False,
    uncalibrated: Annotated[
        bool, typer.Option("--uncalibrated", help="Ignore a saved calibration for this question.")
    ] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Mark one answer and explain the mark (calibrated when a calibration is saved for the question)."""
    ws = _workspace(data_dir, questions)
    ws.question(question)  # an unknown id fails before the answer is read or spaCy loads
    text = read_answer(file)
    feedback = ws.mark(question, text, calibrated=not uncalibrated)
    why = "" if uncalibrated else ws.calibration_note(question)
    if why:
        typer.echo(f"Note: {why}", err=True)
    typer.echo(feedback.to_json() if as_json else feedback.to_text())


@rubric_app.command("new")
@friendly
def rubric_new(
    file: Annotated[Path, typer.Argument(help="Questions in the import format (one or a list).")],
    out: Annotated[
        Path,
        typer.Option("--out", metavar="FOLDER", help="Folder to write rubrics/ and model_answers/ into."),
    ] = Path("."),
) -> None:
    """Build rubrics from model answers: points, concepts and marking, ready to edit."""
    from .authoring import build, load_specs, write_built
    from .nlp import build_pipeline
    from .rubric_check import question_warnings

    specs = load_specs(file)
    nlp = build_pipeline()
    for spec in specs:
        built = build(spec, nlp, str(file))
        paths = write_built(built, out / "rubrics", out / "model_answers")
        q = built.question
        typer.echo(
            f"{q.id}: {len(q.points)} point(s), marking '{q.kind}', {len(built.model_answers)} model answer(s)"
        )
        for p in q.points:
            alts = f"  (or: {'; '.join(p.aliases)})" if p.aliases else ""
            typer.echo(f"  - {p.label}{alts}")
        if q.kind == "levels":
            bands = ", ".join(f"level {lv.level}: {lv.marks[0]}-{lv.marks[1]}" for lv in q.marking.levels)
            typer.echo(f"  levels: {bands}")
        for warning in question_warnings(q):
            typer.echo(f"  Warning: {warning.field}: {warning.reason}", err=True)
        typer.echo(
            f"  wrote {', '.join(str(x) for x in paths[:2])} and {len(paths) - 2} model answer file(s)"
        )
    typer.echo(
        f"Edit the files, then check them with: marker rubric validate {out / 'rubrics'} {out / 'model_answers'}"
    )


@rubric_app.command("save")
@friendly
def rubric_save(
    file: Annotated[Path, typer.Argument(help="A rubric file (YAML, as in rubrics/questions/).")],
    note: Annotated[
        str, typer.Option("--note", metavar="NOTE", help="What changed (kept with the version).")
    ] = "",
    questions: QuestionsOpt = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Save a rubric as its question's next version, as the app's Save does: marking uses it from then on."""
    from .rubric import load_question

    if not file.is_file():
        raise MarkerError(f"No such rubric file: {file}")
    ws = _workspace(data_dir, questions)
    question = load_question(file)
    version = ws.save_question(question, note or f"saved from {file.name}", source=file)
    typer.echo(
        f"Saved {file} as version {version.number} of '{question.id}' (rubric {version.fingerprint}) "
        f"in {ws.data_dir}. 'marker mark', 'marker batch', the app and marker.mark() use it from now on."
    )


def _scripts(path: Path, bank_questions: dict[str, int], need_mark: bool):
    """The usable scripts of a scripts file, and notes naming every row set aside with its reason."""
    from .tables import load_table, usable_scripts

    if not path.is_file():
        raise MarkerError(f"No such scripts file: {path}")
    require = ("question_id", "answer", "mark") if need_mark else ("answer",)
    return usable_scripts(load_table(path, require=require), bank_questions, need_mark=need_mark)


@app.command()
@friendly
def calibrate(
    file: QuestionsArg = None,
    scripts: Annotated[
        Path,
        typer.Option(
            "--scripts", metavar="FILE", help="Marked scripts: CSV/XLSX with question_id,answer,mark."
        ),
    ] = ...,
    data_dir: DataDirOpt = None,
) -> None:
    """Fit each question's marking to a teacher's marks and save it (used by 'marker mark' and 'marker batch').

    Questions of the same maximum mark also get a pooled calibration, for questions without scripts
    of their own, when it marks each question left out closer to the teacher than the rubric does.
    """
    from .agreement_report import write_calibrations
    from .calibrate import calibration_path
    from .evaluate import blank_fit_note, copy_notes, fit_calibrations, mark_scripts
    from .pooled import check_text, describe_key, refused

    ws = _workspace(data_dir, file)
    marker = ws.marker
    maxes = {q.id: q.max_mark for q in marker.bank.questions.values()}
    marked, file_notes = _scripts(scripts, maxes, need_mark=True)
    for note in [*file_notes, blank_fit_note(marked), *copy_notes(marked, "each was used for fitting")]:
        if note:
            typer.echo(f"Note: {note}", err=True)
    feedbacks = _with_progress(marker, marked, "Marking the scripts", mark_scripts)
    cals, notes = fit_calibrations(marker, marked, feedbacks)
    for note in notes:
        typer.echo(f"Not calibrated: {note}", err=True)
    if not cals:
        raise MarkerError("No question had enough marked scripts to calibrate; nothing was saved.")
    for note in write_calibrations(cals, ws.data_dir, refused(marker, marked, cals)):
        typer.echo(f"Note: {note}", err=True)
    for qid, cal in sorted(cals.items()):
        cv = cal.cv
        fig = f"; cross-validated QWK {cv['qwk']:.3f}, exact {cv['exact']:.0%}" if cv else ""
        fig += f"; {check_text(cal)}" if cal.pooled else ""
        what = f"rubric {cal.rubric_version}, " if not cal.pooled else ""
        typer.echo(
            f"{describe_key(qid)}: fitted on {cal.n_scripts} scripts ({what}data {cal.data_fingerprint}){fig}"
        )
        typer.echo(f"  saved {calibration_path(ws.data_dir, qid)}")


def _progress_bar(auto_refresh: bool = True):
    """A progress bar on standard error (standard output stays clean for --json).

    ``auto_refresh=False``: no thread redraws it (the caller refreshes it as it advances).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
        transient=True,
        auto_refresh=auto_refresh,
    )


def _with_progress(marker, scripts, label, func):
    with _progress_bar() as bar:
        task = bar.add_task(label, total=len(scripts))
        return func(marker, scripts, lambda n: bar.advance(task, n))


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


@app.command()
@friendly
def evaluate(
    file: QuestionsArg = None,
    scripts: Annotated[
        Path, typer.Option("--scripts", metavar="FILE", help="Marked scripts to measure on (CSV/XLSX).")
    ] = ...,
    calibrate_on: Annotated[
        Path | None,
        typer.Option(
            "--calibrate-on",
            metavar="FILE",
            help="Marked scripts to fit a calibration on, in memory, for this run only.",
        ),
    ] = None,
    use_saved: Annotated[
        bool,
        typer.Option("--use-saved-calibration", help="Use the calibrations saved by 'marker calibrate'."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Mark marked scripts and report agreement with the teacher (it never fits on the scripts it measures)."""
    from .evaluate import evaluate as run
    from .evaluate import render_text

    if calibrate_on is not None and use_saved:
        raise MarkerError("Use either --calibrate-on or --use-saved-calibration, not both.")
    ws = _workspace(data_dir, file)
    marker = ws.marker
    maxes = {q.id: q.max_mark for q in marker.bank.questions.values()}
    test, notes = _scripts(scripts, maxes, need_mark=True)
    cals, label = None, "none (the rubric alone)"
    if calibrate_on is not None:
        cals, label, fit_notes = _fit_in_memory(marker, calibrate_on, test, maxes)
        notes += fit_notes
    elif use_saved:
        cals = ws.saved_calibrations()
        n_pooled = sum(c.pooled for c in cals.values())
        pooled = f", {n_pooled} pooled by maximum mark" if n_pooled else ""
        label = (
            f"saved calibrations ({len(cals) - n_pooled} question(s){pooled})"
            if cals
            else "none saved (the rubric alone)"
        )
    report = _with_progress(
        marker, test, "Marking", lambda m, s, p: run(m, s, cals, label, progress=p, notes=notes)
    )
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report))


def _fit_in_memory(marker, path: Path, test: list, maxes: dict[str, int]):
    """Calibrations fitted on the scripts of ``path`` for this run, never on a text it measures.

    Returns the calibrations, the label for the report, and notes on what was done with the
    file (rows set aside, scripts also in the test file, blank answers, shared answers).
    """
    from .evaluate import blank_fit_note, copy_notes, fit_calibrations, leave_out_overlap, mark_scripts

    train, notes = _scripts(path, maxes, need_mark=True)
    train, overlap = leave_out_overlap(train, test)
    notes += [n for n in (overlap, blank_fit_note(train)) if n]
    notes += copy_notes(train, f"each was used for fitting (in {path})")
    train_fb = _with_progress(marker, train, "Marking the calibration scripts", mark_scripts)
    cals, fit_notes = fit_calibrations(marker, train, train_fb)
    notes += [f"Not calibrated: {n}" for n in fit_notes]
    label = f"fitted in memory on {path} ({len(train)} scripts)" if cals else "none (the rubric alone)"
    return cals, label, notes


@app.command()
@friendly
def batch(
    input: Annotated[Path, typer.Argument(help="A folder, .zip, .csv/.xlsx table or one script file.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="FOLDER",
            help="Folder for results.csv, results.xlsx, feedback.zip, report.html (created if missing; "
            "those files are replaced).",
        ),
    ],
    question: Annotated[
        str | None,
        typer.Option("--question", "-q", metavar="ID", help="Question id for scripts that do not name one."),
    ] = None,
    questions: QuestionsOpt = None,
    engine: Annotated[
        str, typer.Option("--engine", metavar="NAME", help="local (this machine) or dask (a cluster).")
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option("--address", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    processes: Annotated[
        int | None,
        typer.Option("--processes", metavar="N", help="This process + N-1 workers (default: CPUs)."),
    ] = None,
    uncalibrated: Annotated[bool, typer.Option("--uncalibrated", help="Ignore a saved calibration.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a file named by --out with the results folder.")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Mark again the scripts an earlier run failed on.")
    ] = False,
    data_dir: DataDirOpt = None,
) -> None:
    """Mark a class set or a cohort; an interrupted run resumes where it stopped."""
    from .batch import run_batch

    # Redrawn after each chunk, by no thread of its own: this process then runs one thread, so
    # its workers can be forked from it with everything loaded (marker.worker_start).
    with _results_folder(out, force) as folder, _progress_bar(auto_refresh=False) as bar:
        task = bar.add_task("Marking", total=None)
        result = run_batch(
            input,
            question,
            folder,
            questions=questions,
            engine=engine,
            address=address,
            processes=processes,
            use_calibration=not uncalibrated,
            progress=lambda done, total: bar.update(task, completed=done, total=total, refresh=True),
            data_dir=data_dir,
            retry_failed=retry_failed,
        )
    _report_batch(result, out)


def _report_batch(result, out: Path) -> None:
    """What a batch did, as the CLI prints it (notes and problems on stderr)."""
    for note in result.notes:
        typer.echo(f"Note: {note}", err=True)
    for r in result.not_marked():  # "Rejected: alice (scripts/alice.docx): ..." or "Failed: ..."
        typer.echo(f"{r.status.capitalize()}: {r.script_id} ({r.source}): {r.error}", err=True)
    for dup, first in result.duplicates:
        typer.echo(f"Duplicate: {dup} has the same text as {first}", err=True)
    if result.reuse_note():
        typer.echo(result.reuse_note())
    typer.echo(result.summary())
    for path in result.outputs.values():
        typer.echo(f"  wrote {out / path.name}")


@contextlib.contextmanager
def _results_folder(out: Path, force: bool) -> Iterator[Path]:
    """The folder a batch writes into: ``out`` itself, unless ``out`` is a file.

    A file is refused before anything is marked; with ``--force`` the results are written into
    a new folder beside it, which replaces the file only once they are all written.
    """
    if not out.exists() or out.is_dir():
        yield out
        return
    if not force:
        raise MarkerError(
            f"--out {out} is a file, but --out names the folder that results.csv, results.xlsx, "
            "feedback.zip and report.html are written into (it is created if missing). Give a "
            "folder, or add --force to replace the file with that folder."
        )
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as exc:
        raise MarkerError(f"Cannot write beside {out}: {exc.strerror or exc}.") from None
    try:
        yield staging
        out.unlink()
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@rubric_app.command("validate")
@friendly
def validate(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Rubric, topic, model-answer or import-format files, or folders of them."),
    ],
) -> None:
    """Check rubric files against the schema; report every problem with its file, line and field."""
    from .rubric_check import check_files

    report = check_files(paths)
    for line in report.warnings:
        typer.echo(f"Warning: {line}", err=True)
    for line in report.problems:
        typer.echo(line, err=True)
    if report.problems:
        typer.echo(f"{len(report.problems)} problem(s) in {len(report.files)} file(s).", err=True)
        raise typer.Exit(2)
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    typer.echo(f"{report.checked} file(s) valid{warned}.")


#: Settings ``marker app`` gives Streamlit (the same as the repository's .streamlit/config.toml,
#: which an installed wheel does not have): serve this computer only, send no usage statistics,
#: open no browser, show no Deploy button or developer menu items, no full garbage collection after
#: every run (it walked spaCy's objects on every click), no "magic" (no page uses it, and its
#: ast.parse races on CPython 3.11.0-3.11.7, gh-106905). Streamlit ranks flags over its
#: STREAMLIT_* environment variables over its config files, so each is passed as a flag only
#: when the user set it in none of those: a flag
#: (``marker app --server.address 0.0.0.0``), a variable (STREAMLIT_SERVER_ADDRESS=...) or a key
#: in ~/.streamlit/config.toml or ./.streamlit/config.toml still wins.
APP_SETTINGS = {
    "server.address": "127.0.0.1",
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "viewer",
    "runner.postScriptGC": "false",
    "runner.magicEnabled": "false",
}


def _in_streamlit_config(key: str) -> bool:
    """Whether the user's own Streamlit config file (global or in this folder) sets ``section.option``."""
    import tomllib

    section, option = key.split(".", 1)
    for path in (Path.home() / ".streamlit" / "config.toml", Path.cwd() / ".streamlit" / "config.toml"):
        try:
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # no file, or one Streamlit itself will complain about
        table = settings.get(section)
        if isinstance(table, dict) and option in table:
            return True
    return False


def app_command(args: list[str], data_dir: Path | None = None) -> tuple[list[str], dict[str, str]]:
    """The Streamlit command ``marker app`` runs, and its environment (``--data-dir`` goes in
    ``MARKER_DATA_DIR``); :data:`APP_SETTINGS` are added where the user set none of them."""
    import os

    env = dict(os.environ)
    if data_dir is not None:
        env["MARKER_DATA_DIR"] = str(data_dir.resolve())
    flags: list[str] = []
    for key, value in APP_SETTINGS.items():
        var = "STREAMLIT_" + key.upper().replace(".", "_")
        given = any(a == f"--{key}" or a.startswith(f"--{key}=") for a in args)
        if var not in os.environ and not given and not _in_streamlit_config(key):
            flags.append(f"--{key}={value}")
    main_page = str(Path(__file__).resolve().parent / "app" / "main.py")
    return [sys.executable, "-m", "streamlit", "run", main_page, *flags, *args], env


@app.command("app", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run_app(ctx: typer.Context, data_dir: DataDirOpt = None) -> None:
    """Start the app in your browser (http://127.0.0.1:8501); Streamlit flags may follow."""
    import os
    import subprocess

    cmd, env = app_command(list(ctx.args), data_dir)
    if os.name == "posix":
        # Become the Streamlit server rather than wait on it, so Ctrl+C, `kill` or a service
        # manager's stop reaches the server itself instead of leaving it running orphaned.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, cmd, env)
    try:
        raise typer.Exit(subprocess.call(cmd, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command("gradebook")
@friendly
def gradebook_fill(
    gradebook: Annotated[
        Path, typer.Argument(help="A gradebook exported from Canvas, Moodle or Google Classroom (CSV).")
    ],
    results: Annotated[
        Path, typer.Option("--results", metavar="FILE", help="The results.csv written by 'marker batch'.")
    ],
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE", help="The filled gradebook to write (a new file).")
    ],
    column: Annotated[
        str | None,
        typer.Option(
            "--column", metavar="NAME", help="The assignment column to fill (Moodle: Grade, the default)."
        ),
    ] = None,
    layout: Annotated[
        str | None,
        typer.Option("--format", metavar="NAME", help="canvas, moodle or classroom (detected if left out)."),
    ] = None,
) -> None:
    """Fill a batch's marks into a Canvas, Moodle or Google Classroom gradebook export, to import back."""
    from .gradebook import fill_gradebook_file

    filled = fill_gradebook_file(gradebook, results, out, column=column, layout=layout)
    for line in filled.report():
        typer.echo(line, err=True)
    typer.echo(f"Wrote {out}: {len(filled.written)} marks in '{filled.column}'. Import it back as it is.")


def main() -> None:
    app()
