"""The ``marker`` command line: list questions, mark an answer, validate rubric files."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .errors import MAX_ANSWER_CHARS, AnswerFileError, MarkerError, RubricErrors

app = typer.Typer(
    help="Mark practice answers against a rubric and explain every mark. Everything runs locally.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rubric_app = typer.Typer(help="Work with rubric files.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


def friendly(func):
    """Show a MarkerError's message (never a traceback) and exit with status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MarkerError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper


def read_answer(source: str) -> str:
    """Read an answer from a file path or ``-`` (standard input), as UTF-8 text."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_ANSWER_CHARS * 4 + 1)
        name = "standard input"
    else:
        path = Path(source)
        if not path.is_file():
            raise AnswerFileError(f"No such answer file: {source}")
        size = path.stat().st_size
        if size > MAX_ANSWER_CHARS * 4:
            raise AnswerFileError(
                f"{source} is {size:,} bytes; answers are limited to {MAX_ANSWER_CHARS:,} characters."
            )
        data = path.read_bytes()
        name = source
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswerFileError(
            f"{name} is not UTF-8 text (undecodable byte at position {exc.start}). "
            "Save it as plain text in UTF-8 (in Word: Save As > Plain Text > Unicode (UTF-8))."
        ) from None


QuestionsArg = Annotated[
    Path | None,
    typer.Argument(
        help="A questions file in the import format (see the README); the shipped bank if left out.",
        show_default=False,
    ),
]
QuestionsOpt = Annotated[
    Path | None,
    typer.Option("--questions", help="A questions file in the import format; the shipped bank if left out."),
]


@app.command()
@friendly
def questions(
    file: QuestionsArg = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the questions (of the shipped bank, or of a questions file)."""
    from .bank import QuestionBank
    from .engine import load_marker

    bank = load_marker(file).bank if file else QuestionBank.load()  # the shipped bank needs no pipeline
    rows = [
        {
            "id": q.id,
            "topic": q.topic,
            "question": q.question,
            "max_mark": q.max_mark,
            "marking": q.kind,
            "command_word": q.command_word,
            "period": f"{q.period.start}-{q.period.end}" if q.period else None,
        }
        for q in bank.questions.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['id']:28} {r['max_mark']:>3} marks  {r['marking']:8}  {r['question']}")


@app.command()
@friendly
def mark(
    question: Annotated[str, typer.Option("--question", "-q", help="Question id (see 'marker questions').")],
    file: Annotated[str, typer.Argument(help="Answer file (UTF-8 text), or - for standard input.")] = "-",
    questions: QuestionsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the feedback as JSON.")] = False,
    uncalibrated: Annotated[
        bool, typer.Option("--uncalibrated", help="Ignore a saved calibration for this question.")
    ] = False,
) -> None:
    """Mark one answer and explain the mark (calibrated when a calibration is saved for the question)."""
    from . import calibrate
    from .bank import QuestionBank
    from .engine import Marker, load_marker
    from .store import data_dir

    if questions is None:
        bank = QuestionBank.load()
        bank.question(question)  # an unknown id fails before the pipeline loads
        text = read_answer(file)
        marker = Marker(bank)
    else:
        text = read_answer(file)
        marker = load_marker(questions)
    q = marker.bank.question(question)
    feedback = marker.mark(question, text)
    if not uncalibrated:
        feedback, why = calibrate.apply_saved(feedback, text, data_dir(), q.version)
        if why:
            typer.echo(f"Note: {why}", err=True)
    typer.echo(feedback.to_json() if as_json else feedback.to_text())


@rubric_app.command("new")
@friendly
def rubric_new(
    file: Annotated[Path, typer.Argument(help="Questions in the import format (one or a list).")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write rubrics/ and model_answers/ into.")
    ] = Path("."),
) -> None:
    """Build rubrics from model answers: points, concepts and marking, ready to edit."""
    from .authoring import build, load_specs, write_built
    from .nlp import build_pipeline

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
        typer.echo(
            f"  wrote {', '.join(str(x) for x in paths[:2])} and {len(paths) - 2} model answer file(s)"
        )
    typer.echo(
        f"Edit the files, then check them with: marker rubric validate {out / 'rubrics'} {out / 'model_answers'}"
    )


def _scripts(path: Path, bank_questions: dict[str, int], need_mark: bool):
    from .ingest import check_scripts, read_table

    if not path.is_file():
        raise MarkerError(f"No such scripts file: {path}")
    require = ("question_id", "answer", "mark") if need_mark else ("answer",)
    scripts = read_table(path, require=require)
    check_scripts(scripts, bank_questions, need_mark=need_mark, source=str(path))
    if len(bank_questions) == 1:  # scripts without a question id belong to the only question
        (only,) = bank_questions
        from dataclasses import replace

        scripts = [s if s.question_id else replace(s, question_id=only) for s in scripts]
    return scripts


@app.command()
@friendly
def calibrate(
    file: QuestionsArg = None,
    scripts: Annotated[
        Path, typer.Option("--scripts", help="Marked scripts: CSV/XLSX with question_id,answer,mark.")
    ] = ...,
) -> None:
    """Fit each question's marking to a teacher's marks and save it (used by 'marker mark' and 'marker batch')."""
    from . import calibrate as cal_mod
    from .engine import load_marker
    from .evaluate import fit_calibrations, mark_scripts
    from .store import data_dir

    marker = load_marker(file)
    marked = _scripts(scripts, {q.id: q.max_mark for q in marker.bank.questions.values()}, need_mark=True)
    feedbacks = _with_progress(marker, marked, "Marking the scripts", mark_scripts)
    cals, notes = fit_calibrations(marker, marked, feedbacks, pooled=False)
    for note in notes:
        typer.echo(f"Not calibrated: {note}", err=True)
    if not cals:
        raise MarkerError("No question had enough marked scripts to calibrate; nothing was saved.")
    for qid, cal in cals.items():
        path = cal_mod.save(cal, data_dir())
        cv = cal.cv
        fig = f"; cross-validated QWK {cv['qwk']:.3f}, exact {cv['exact']:.0%}" if cv else ""
        typer.echo(
            f"{qid}: fitted on {cal.n_scripts} scripts (rubric {cal.rubric_version}, data {cal.data_fingerprint}){fig}"
        )
        typer.echo(f"  saved {path}")


def _progress_bar():
    """A progress bar on standard error (standard output stays clean for --json)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=_stderr_console(),
        transient=True,
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
        Path, typer.Option("--scripts", help="Marked scripts to measure on (CSV/XLSX).")
    ] = ...,
    calibrate_on: Annotated[
        Path | None,
        typer.Option(
            "--calibrate-on", help="Marked scripts to fit a calibration on, in memory, for this run only."
        ),
    ] = None,
    use_saved: Annotated[
        bool,
        typer.Option("--use-saved-calibration", help="Use the calibrations saved by 'marker calibrate'."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Mark marked scripts and report agreement with the teacher (it never fits on the scripts it measures)."""
    from . import calibrate as cal_mod
    from .engine import load_marker
    from .evaluate import evaluate as run
    from .evaluate import fit_calibrations, mark_scripts, render_text
    from .store import data_dir

    if calibrate_on is not None and use_saved:
        raise MarkerError("Use either --calibrate-on or --use-saved-calibration, not both.")
    marker = load_marker(file)
    maxes = {q.id: q.max_mark for q in marker.bank.questions.values()}
    test = _scripts(scripts, maxes, need_mark=True)
    cals, label = None, "none (the rubric alone)"
    if calibrate_on is not None:
        train = _scripts(calibrate_on, maxes, need_mark=True)
        overlap = {s.sha for s in train} & {s.sha for s in test}
        if overlap:
            raise MarkerError(
                f"{len(overlap)} script(s) appear in both {calibrate_on} and {scripts}: evaluation never "
                "fits on the scripts it measures. Remove them from one file."
            )
        train_fb = _with_progress(marker, train, "Marking the calibration scripts", mark_scripts)
        cals, notes = fit_calibrations(marker, train, train_fb)
        for note in notes:
            typer.echo(f"Not calibrated: {note}", err=True)
        label = f"fitted in memory on {calibrate_on} ({len(train)} scripts)"
    elif use_saved:
        cals = {qid: c for qid in maxes if (c := cal_mod.load(data_dir(), qid)) is not None}
        label = f"saved calibrations ({len(cals)} question(s))" if cals else "none saved (the rubric alone)"
    report = _with_progress(marker, test, "Marking", lambda m, s, p: run(m, s, cals, label, progress=p))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(report))


@app.command()
@friendly
def batch(
    input: Annotated[Path, typer.Argument(help="A folder, .zip, .csv/.xlsx table or one script file.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for results.csv, results.xlsx, feedback.zip, report.html.")
    ],
    question: Annotated[
        str | None, typer.Option("--question", "-q", help="Question id for scripts that do not name one.")
    ] = None,
    questions: QuestionsOpt = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local (this machine) or dask (a cluster).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option("--address", help="Dask scheduler address, e.g. tcp://host:8786.")
    ] = None,
    processes: Annotated[
        int | None, typer.Option("--processes", help="Local worker processes (default: one per CPU).")
    ] = None,
    uncalibrated: Annotated[bool, typer.Option("--uncalibrated", help="Ignore a saved calibration.")] = False,
) -> None:
    """Mark a class set or a cohort; an interrupted run resumes where it stopped."""
    from .batch import run_batch

    with _progress_bar() as bar:
        task = bar.add_task("Marking", total=None)
        result = run_batch(
            input,
            question,
            out,
            questions=questions,
            engine=engine,
            address=address,
            processes=processes,
            use_calibration=not uncalibrated,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for note in result.notes:
        typer.echo(f"Note: {note}", err=True)
    for r in result.records:
        if r.feedback is None:
            typer.echo(f"Not marked: {r.source}: {r.error}", err=True)
    for dup, first in result.duplicates:
        typer.echo(f"Duplicate: {dup} has the same text as {first}", err=True)
    typer.echo(result.summary())
    for path in result.outputs.values():
        typer.echo(f"  wrote {path}")


@rubric_app.command("validate")
@friendly
def validate(
    paths: Annotated[
        list[Path], typer.Argument(help="Rubric, topic or model-answer files, or folders of them.")
    ],
) -> None:
    """Check rubric files against the schema; report every problem with its file, line and field."""
    from .bank import QuestionBank, cross_check
    from .rubric import load_model_answer, load_question, load_topic

    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in {".yaml", ".yml", ".md"} and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            raise MarkerError(f"No such file or folder: {p}")
    # Topics first: a question is checked against the topics given beside it.
    files.sort(key=lambda f: 0 if ("topics" in f.parts or _looks_like_topic(f)) else 1)
    bank = QuestionBank.load()
    topics = dict(bank.topics)
    problems: list[str] = []
    checked = 0
    for f in files:
        try:
            if f.suffix == ".md":
                if f.name.lower() == "readme.md":
                    continue
                load_model_answer(f)
            elif "topics" in f.parts or _looks_like_topic(f):
                topic = load_topic(f)
                topics[topic.id] = topic
            else:
                errs = cross_check(load_question(f), topics, f)
                if errs:
                    raise RubricErrors(errs)
            checked += 1
        except RubricErrors as exc:
            problems += [str(e) for e in exc.errors]
    for line in problems:
        typer.echo(line, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in {len(files)} file(s).", err=True)
        raise typer.Exit(1)
    typer.echo(f"{checked} file(s) valid.")


def _looks_like_topic(path: Path) -> bool:
    try:
        head = path.read_text(encoding="utf-8")[:4000]
    except (OSError, UnicodeDecodeError):
        return False
    return "\nconcepts:" in head and "\nmarking:" not in head


#: Settings ``marker app`` gives Streamlit (the same as the repository's .streamlit/config.toml,
#: which an installed wheel does not have): serve this computer only, send no usage statistics,
#: open no browser. Streamlit ranks flags over its STREAMLIT_* environment variables over its
#: config files, so each is passed as a flag only when the user set it in none of those: a flag
#: (``marker app --server.address 0.0.0.0``), a variable (STREAMLIT_SERVER_ADDRESS=...) or a key
#: in ~/.streamlit/config.toml or ./.streamlit/config.toml still wins.
APP_SETTINGS = {
    "server.address": "127.0.0.1",
    "server.headless": "true",
    "browser.gatherUsageStats": "false",
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


@app.command("app", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run_app(ctx: typer.Context) -> None:
    """Start the app in your browser (http://127.0.0.1:8501); Streamlit flags may follow."""
    import os
    import subprocess

    flags: list[str] = []
    for key, value in APP_SETTINGS.items():
        env = "STREAMLIT_" + key.upper().replace(".", "_")
        given = any(a == f"--{key}" or a.startswith(f"--{key}=") for a in ctx.args)
        if env not in os.environ and not given and not _in_streamlit_config(key):
            flags.append(f"--{key}={value}")
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(Path(__file__).resolve().parent / "app" / "main.py"),
        *flags,
        *ctx.args,
    ]
    if os.name == "posix":
        # Become the Streamlit server rather than wait on it, so Ctrl+C, `kill` or a service
        # manager's stop reaches the server itself instead of leaving it running orphaned.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(sys.executable, cmd)
    try:
        raise typer.Exit(subprocess.call(cmd))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def main() -> None:
    app()
